'use strict';
// Sample-quality metrics for bench/suite.js beyond the library's marginal accuracy:
//   - mode-weight error: total variation between the fraction of samples assigned to each
//     component (the one of highest posterior responsibility under p_0) and the weights;
//   - sliced Wasserstein-2 distance between two equal-size sample sets along seeded random
//     directions (1-D W2 between sorted projections).
// All plain JS over Float64Array/Float32Array, n*d row-major.
const { Rng } = require('./family');

/**
 * Fraction of samples assigned to each component of a Gaussian mixture with diagonal
 * covariances: argmax_k log w_k - 0.5 sum_i ((x_i - mu_ki)^2 / s2_ki + log s2_ki).
 * Non-finite samples are assigned to no component; their fraction is returned separately.
 * @param {Float64Array|Float32Array} x  n*d samples
 * @param {{dim: number, weights: ArrayLike<number>, means: ArrayLike<number>, variances: ArrayLike<number>}} mix
 *        weights (K), means and variances (K*d, row-major), as GaussianMixture exposes them
 * @returns {{fractions: Float64Array, unassigned: number}}
 */
function modeFractions(x, mix) {
  const d = mix.dim, k = mix.weights.length, n = x.length / d;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`modeFractions: ${x.length} values is not a multiple of d = ${d}`);
  const inv = new Float64Array(k * d), bias = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let logdet = 0;
    for (let i = 0; i < d; i++) {
      inv[j * d + i] = 1 / mix.variances[j * d + i];
      logdet += Math.log(mix.variances[j * d + i]);
    }
    bias[j] = Math.log(mix.weights[j]) - 0.5 * logdet;
  }
  const counts = new Float64Array(k);
  let unassigned = 0;
  for (let p = 0; p < n; p++) {
    const o = p * d;
    let best = -1, bestV = -Infinity, finite = true;
    for (let i = 0; i < d; i++) if (!Number.isFinite(x[o + i])) finite = false;
    if (!finite) {
      unassigned++;
      continue;
    }
    for (let j = 0; j < k; j++) {
      const mo = j * d;
      let q = 0;
      for (let i = 0; i < d; i++) {
        const r = x[o + i] - mix.means[mo + i];
        q += r * r * inv[mo + i];
      }
      const v = bias[j] - 0.5 * q;
      if (v > bestV) (bestV = v), (best = j);
    }
    counts[best]++;
  }
  for (let j = 0; j < k; j++) counts[j] /= n;
  return { fractions: counts, unassigned: unassigned / n };
}

/** Mode-weight error: TV(fractions assigned to each component, weights); unassigned mass counts in full. */
function modeWeightError(x, mix) {
  const { fractions, unassigned } = modeFractions(x, mix);
  let tv = unassigned;
  for (let j = 0; j < fractions.length; j++) tv += Math.abs(fractions[j] - mix.weights[j]);
  return 0.5 * tv;
}

/** m unit directions in R^d from a seeded PRNG (normalised standard normal vectors), m*d row-major. */
function randomDirections(d, m, seed) {
  const rng = new Rng(seed);
  const u = new Float64Array(m * d);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) {
      const z = rng.normal();
      u[j * d + i] = z;
      s += z * z;
    }
    const r = 1 / Math.sqrt(s);
    for (let i = 0; i < d; i++) u[j * d + i] *= r;
  }
  return u;
}

/** Sorted projections of x (n*d) on each direction: m arrays of length n. */
function sortedProjections(x, d, dirs) {
  const n = x.length / d, m = dirs.length / d;
  const proj = Array.from({ length: m }, () => new Float64Array(n));
  for (let p = 0; p < n; p++) {
    const o = p * d;
    for (let j = 0; j < m; j++) {
      const uo = j * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += x[o + i] * dirs[uo + i];
      proj[j][p] = s;
    }
  }
  for (const a of proj) a.sort(); // typed-array sort is numeric; NaN goes last
  return proj;
}

/**
 * Sliced W2: sqrt(mean over directions of W2^2 between the 1-D projections), with the 1-D W2
 * between equal-size empirical measures = the mean squared difference of sorted values.
 * `ref` may be the result of sortedProjections (to reuse the reference's projections).
 * Returns Infinity when x has non-finite values.
 */
function slicedW2(x, ref, d, dirs) {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return Infinity;
  const a = sortedProjections(x, d, dirs);
  const b = Array.isArray(ref) ? ref : sortedProjections(ref, d, dirs);
  if (b.length !== a.length || b[0].length !== a[0].length)
    throw new RangeError(`slicedW2: sample sets differ in size (${a[0].length} vs ${b[0].length} points)`);
  let total = 0;
  for (let j = 0; j < a.length; j++) {
    const pa = a[j], pb = b[j];
    let s = 0;
    for (let p = 0; p < pa.length; p++) {
      const r = pa[p] - pb[p];
      s += r * r;
    }
    total += s / pa.length;
  }
  return Math.sqrt(total / a.length);
}

module.exports = { modeFractions, modeWeightError, randomDirections, sortedProjections, slicedW2 };
