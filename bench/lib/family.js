'use strict';
// A seeded family of "harder" Gaussian mixtures for bench/suite.js, and the small PRNG it is
// drawn with (no dependencies; the same seed gives the same mixture on every machine).
//
//   member = familyMember({ d, seed })   // K = 8 components by default
//   weights   ~ Dirichlet(0.7, ..., 0.7)
//   variances ~ Uniform[0.003, 0.05], one isotropic variance per component
//   means     ~ N(0, 0.6^2) in every coordinate
// drawn in that order from one mulberry32 stream seeded by mixSeed(seed, d).

/** mulberry32: a 32-bit state PRNG; returns a function giving uniforms in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded stream of uniforms, standard normals (Box–Muller) and gammas (Marsaglia–Tsang). */
class Rng {
  constructor(seed) {
    this.uniform = mulberry32(seed);
    this.spare = null;
  }

  /** Uniform in (0, 1): never exactly 0, so logs are finite. */
  open01() {
    let u;
    do u = this.uniform();
    while (u === 0);
    return u;
  }

  normal() {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.open01()));
    const th = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** Gamma(shape, 1). Marsaglia & Tsang (2000); shape < 1 by the boost Gamma(a+1) * U^(1/a). */
  gamma(shape) {
    if (!(shape > 0)) throw new RangeError(`gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.open01(), 1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x, v;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.open01();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Dirichlet(alpha, ..., alpha) with k components. */
  dirichlet(k, alpha) {
    const g = Array.from({ length: k }, () => this.gamma(alpha));
    const s = g.reduce((a, b) => a + b, 0);
    return g.map((x) => x / s);
  }
}

/** A 32-bit seed from (seed, d), so members of different dimensions are unrelated. */
function mixSeed(seed, d) {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(d >>> 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const FAMILY_DEFAULTS = { components: 8, alpha: 0.7, varLo: 0.003, varHi: 0.05, meanSd: 0.6 };

/**
 * One member of the family: plain arrays, ready for `new GaussianMixture({weights, means, variances})`.
 * @param {{d: number, seed: number, components?: number, alpha?: number, varLo?: number, varHi?: number, meanSd?: number}} o
 */
function familyMember(o) {
  const { d, seed } = o;
  const { components: k, alpha, varLo, varHi, meanSd } = { ...FAMILY_DEFAULTS, ...o };
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`familyMember: d must be a positive integer, got ${d}`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`familyMember: seed must be an integer >= 0, got ${seed}`);
  const rng = new Rng(mixSeed(seed, d));
  const weights = rng.dirichlet(k, alpha);
  // A Dirichlet(0.7) weight can underflow to 0 in principle; GaussianMixture needs > 0.
  for (let j = 0; j < k; j++) if (!(weights[j] > 1e-12)) weights[j] = 1e-12;
  const variances = Array.from({ length: k }, () => varLo + (varHi - varLo) * rng.uniform());
  const means = Array.from({ length: k }, () => Array.from({ length: d }, () => meanSd * rng.normal()));
  return {
    name: `family d=${d} seed=${seed}`,
    d,
    seed,
    components: k,
    spec: { weights, means, variances },
    description:
      `${k} components in d = ${d}: weights ~ Dirichlet(${alpha}), isotropic variances ~ U[${varLo}, ${varHi}], ` +
      `means ~ N(0, ${meanSd}^2) per coordinate; mulberry32 stream seeded by mixSeed(${seed}, ${d}) = ${mixSeed(seed, d)}`,
  };
}

module.exports = { mulberry32, Rng, mixSeed, familyMember, FAMILY_DEFAULTS };
