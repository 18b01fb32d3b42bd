// Marginal accuracy (lib/metrics.ts; rtk-math.md "Accuracy measure used by the paper"):
// MA = 1 - (1/d) sum_i TV(phat_i, p_i), 100 bins on [-2, 2] by default, out-of-range mass included.
import { GaussianMixture, marginalAccuracy, marginalAccuracyFloor } from '../../lib';
import { expectNamedError } from '../helpers';

const target = GaussianMixture.paperTarget();
const D = 10, BINS = 100;

/** The exact expectation of MA for n exact draws: with X_b ~ Binomial(n, p_b) for every bin (the
 * out-of-range bins included), E|X_b - n p_b| is de Moivre's mean absolute deviation
 * 2 nu C(n, nu) p^nu (1 - p)^(n - nu + 1), nu = floor(n p) + 1, and MA is linear in these. */
function expectedMA(n: number, masses: Float64Array, d: number, bins: number): number {
  const logFactorial = new Float64Array(n + 1);
  for (let k = 1; k <= n; k++) logFactorial[k] = logFactorial[k - 1] + Math.log(k);
  const width = bins + 2;
  let total = 0;
  for (let i = 0; i < d; i++) {
    let tv = 0;
    for (let b = 0; b < width; b++) {
      const p = masses[i * width + b];
      if (!(p > 0) || p >= 1) continue;
      const nu = Math.floor(n * p) + 1;
      if (nu > n) continue;
      const logMad =
        Math.log(2 * nu) + logFactorial[n] - logFactorial[nu] - logFactorial[n - nu] + nu * Math.log(p) + (n - nu + 1) * Math.log1p(-p);
      tv += Math.exp(logMad) / n;
    }
    total += 1 - 0.5 * tv;
  }
  return total / d;
}

function meanSd(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const runs = new Map<number, number[]>();
function floorRuns(n: number): number[] {
  if (!runs.has(n)) runs.set(n, SEEDS.map((seed) => marginalAccuracy(target.sampleExact({ n, seed }), target)));
  return runs.get(n)!;
}

/** Exact bin masses of a 1-D Gaussian mixture by composite Simpson integration (independent of erfc). */
function simpsonMasses(means: number[], variance: number, bins: number, lo: number, hi: number): Float64Array {
  const pdf = (x: number) =>
    means.reduce((a, m) => a + Math.exp(-((x - m) ** 2) / (2 * variance)), 0) / (means.length * Math.sqrt(2 * Math.PI * variance));
  const out = new Float64Array(bins + 2);
  const width = (hi - lo) / bins, sub = 40, h = width / sub;
  for (let b = 0; b < bins; b++) {
    const a = lo + b * width;
    let s = pdf(a) + pdf(a + width);
    for (let k = 1; k < sub; k++) s += (k % 2 ? 4 : 2) * pdf(a + k * h);
    out[b + 1] = (s * h) / 3;
  }
  return out;
}

describe('marginal bin masses of the paper target', () => {
  test('rows sum to 1 and match Simpson integration of the exact marginals', () => {
    const masses = target.marginalBinMasses(0, BINS, [-2, 2]);
    expect(masses.length).toBe(D * (BINS + 2));
    for (let i = 0; i < D; i++) {
      const row = masses.subarray(i * (BINS + 2), (i + 1) * (BINS + 2));
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      for (const m of row) expect(m).toBeGreaterThanOrEqual(0);
    }
    const cos = Array.from({ length: 12 }, (_, j) => Math.cos((2 * Math.PI * j) / 12));
    const sin = Array.from({ length: 12 }, (_, j) => Math.sin((2 * Math.PI * j) / 12));
    const refs = [simpsonMasses(cos, 0.007, BINS, -2, 2), simpsonMasses(sin, 0.007, BINS, -2, 2), simpsonMasses(new Array(12).fill(0), 0.007, BINS, -2, 2)];
    for (let i = 0; i < D; i++) {
      const ref = refs[Math.min(i, 2)];
      for (let b = 1; b <= BINS; b++) expect(Math.abs(masses[i * (BINS + 2) + b] - ref[b])).toBeLessThan(1e-9);
    }
  });
});

describe('marginalAccuracy of exact draws: the noise floor', () => {
  test.each([
    [5000, 0.978],
    [20000, 0.99],
  ])('n = %p: mean over seeds matches the exact expectation; documented %p is within the run spread', (n, documented) => {
    const values = floorRuns(n);
    const { mean, sd } = meanSd(values);
    const exact = expectedMA(n, target.marginalBinMasses(0, BINS, [-2, 2]), D, BINS);
    // the implementation: the seed mean agrees with the exact expectation within 4 standard errors
    expect(Math.abs(mean - exact)).toBeLessThan((4 * sd) / Math.sqrt(values.length));
    // every single run lies within 4 run-to-run standard deviations of the expectation
    for (const v of values) expect(Math.abs(v - exact)).toBeLessThan(4 * sd);
    // the documented floor (3 decimals, "about") lies within 3 single-run standard deviations of
    // the exact expectation: exact draws of that size land that close to it
    expect(Math.abs(documented - exact)).toBeLessThan(3 * sd);
    // sanity on the spread itself: a floor is below 1 and noisy, but not wildly
    expect(sd).toBeGreaterThan(0);
    expect(sd).toBeLessThan(0.01);
    expect(mean).toBeLessThan(1);
  });

  test('the floor rises with n (the 20000-draw runs all beat the 5000-draw runs)', () => {
    expect(Math.min(...floorRuns(20000))).toBeGreaterThan(Math.max(...floorRuns(5000)));
  });

  test('MA at time t uses the marginals of p_t', () => {
    const n = 5000;
    const x = target.sampleExact({ n, t: 0.5, seed: 31 });
    const exact = expectedMA(n, target.marginalBinMasses(0.5, BINS, [-2, 2]), D, BINS);
    const { sd } = meanSd(floorRuns(n));
    const atT = marginalAccuracy(x, target, { t: 0.5 });
    expect(Math.abs(atT - exact)).toBeLessThan(5 * sd);
    expect(marginalAccuracy(x, target)).toBeLessThan(exact - 20 * sd); // scored against p_0: far off
  });

  test('MA is the mean of the per-coordinate accuracies (1-D marginals as 1-D mixtures)', () => {
    const n = 4000;
    const x = target.sampleExact({ n, seed: 77 }) as Float64Array;
    let sum = 0;
    for (let i = 0; i < D; i++) {
      const means = Array.from({ length: 12 }, (_, j) => [target.means[j * D + i]]);
      const marginal = new GaussianMixture({ means, variances: new Array(12).fill(0.007) });
      const column = Float64Array.from({ length: n }, (_, p) => x[p * D + i]);
      sum += marginalAccuracy(column, marginal);
    }
    expect(Math.abs(marginalAccuracy(x, target) - sum / D)).toBeLessThan(1e-12);
  });
});

describe('marginalAccuracy detects wrong samples', () => {
  test.each([5000, 20000])('shifting coordinate 0 by 0.5 scores clearly lower (n = %p)', (n) => {
    const { mean, sd } = meanSd(floorRuns(n));
    const x = target.sampleExact({ n, seed: SEEDS[0] });
    const unshifted = marginalAccuracy(x, target);
    for (let p = 0; p < n; p++) x[p * D] += 0.5;
    const shifted = marginalAccuracy(x, target);
    expect(shifted).toBeLessThan(mean - 10 * sd);
    // only coordinate 0 changed, so MA drops by at most 1/d
    expect(unshifted - shifted).toBeGreaterThan(0);
    expect(unshifted - shifted).toBeLessThanOrEqual(1 / D + 1e-12);
  });

  test.each([5, -5, NaN])('samples all outside the range (%p) score ~0', (value) => {
    const x = new Float64Array(1000 * D).fill(value);
    // each coordinate scores its exact mass on that side of the range, ~1e-30 here
    expect(marginalAccuracy(x, target)).toBeLessThan(1e-12);
    expect(marginalAccuracy(x, target)).toBeGreaterThanOrEqual(0);
    // the 2-D target of coordinates 0, 1 alone
    const circle = new GaussianMixture({
      means: Array.from({ length: 12 }, (_, j) => [Math.cos((2 * Math.PI * j) / 12), Math.sin((2 * Math.PI * j) / 12)]),
      variances: new Array(12).fill(0.007),
    });
    expect(marginalAccuracy(new Float32Array(2000).fill(value), circle)).toBeLessThan(1e-12);
  });

  test('coordinates 0 and 1 outside the range lose exactly their per-coordinate accuracy', () => {
    const n = 5000;
    const x = target.sampleExact({ n, seed: 9 }) as Float64Array;
    const column = (i: number) => Float64Array.from({ length: n }, (_, p) => x[p * D + i]);
    const marginal = (i: number) =>
      new GaussianMixture({ means: Array.from({ length: 12 }, (_, j) => [target.means[j * D + i]]), variances: new Array(12).fill(0.007) });
    const acc0 = marginalAccuracy(column(0), marginal(0)), acc1 = marginalAccuracy(column(1), marginal(1));
    const full = marginalAccuracy(x, target);
    for (let p = 0; p < n; p++) {
      x[p * D] = 3;
      x[p * D + 1] = -3;
    }
    expect(Math.abs(marginalAccuracy(x, target) - (full - (acc0 + acc1) / D))).toBeLessThan(1e-12);
  });

  test('edges: lo counts inside, hi counts outside, float32 samples accepted', () => {
    const one = new GaussianMixture({ means: [[0]], variances: [1] });
    const masses = one.marginalBinMasses(0, 4, [-2, 2]);
    // all samples at lo = -2: the first inside bin gets everything
    const atLo = marginalAccuracy(new Float32Array(10).fill(-2), one, { bins: 4 });
    expect(atLo).toBeCloseTo(masses[1], 12);
    const atHi = marginalAccuracy(new Float64Array(10).fill(2), one, { bins: 4 });
    expect(atHi).toBeCloseTo(masses[5], 12);
  });
});

describe('marginalAccuracy argument checks', () => {
  type Case = [string, () => unknown, typeof TypeError | typeof RangeError, RegExp[]];
  const ok = new Float64Array(20);
  const cases: Case[] = [
    ['samples of wrong length', () => marginalAccuracy(new Float64Array(15), target), RangeError, [/\bsamples\b/, /Float64Array of length 15/]],
    ['empty samples', () => marginalAccuracy(new Float64Array(0), target), RangeError, [/\bsamples\b/, /length 0/]],
    ['samples as a plain array', () => marginalAccuracy(new Array(20).fill(0) as never, target), TypeError, [/\bsamples\b/, /an Array of length 20/]],
    ['samples as an Int32Array', () => marginalAccuracy(new Int32Array(20) as never, target), TypeError, [/\bsamples\b/, /Int32Array/]],
    ['samples undefined', () => marginalAccuracy(undefined as never, target), TypeError, [/\bsamples\b/, /undefined/]],
    ['target not a mixture', () => marginalAccuracy(ok, { dim: 10 } as never), TypeError, [/\btarget\b/, /an object/]],
    ['target null', () => marginalAccuracy(ok, null as never), TypeError, [/\btarget\b/, /null/]],
    ['bins 0', () => marginalAccuracy(ok, target, { bins: 0 }), RangeError, [/\bbins\b/, /the number 0/]],
    ['bins fractional', () => marginalAccuracy(ok, target, { bins: 2.5 }), RangeError, [/\bbins\b/, /the number 2.5/]],
    ['bins string', () => marginalAccuracy(ok, target, { bins: '100' as never }), TypeError, [/\bbins\b/, /the string "100"/]],
    ['range reversed', () => marginalAccuracy(ok, target, { range: [2, -2] }), RangeError, [/\brange\b/, /an Array of length 2/]],
    ['range empty interval', () => marginalAccuracy(ok, target, { range: [1, 1] }), RangeError, [/\brange\b/]],
    ['range one value', () => marginalAccuracy(ok, target, { range: [0] as never }), RangeError, [/\brange\b/, /an Array of length 1/]],
    ['range with NaN', () => marginalAccuracy(ok, target, { range: [NaN, 1] }), RangeError, [/\brange\b/]],
    ['range infinite', () => marginalAccuracy(ok, target, { range: [-Infinity, 2] }), RangeError, [/\brange\b/]],
    ['range string', () => marginalAccuracy(ok, target, { range: 'ab' as never }), RangeError, [/\brange\b/, /the string "ab"/]],
    ['t negative', () => marginalAccuracy(ok, target, { t: -1 }), RangeError, [/\bt\b/, /the number -1/]],
    ['t NaN', () => marginalAccuracy(ok, target, { t: NaN }), RangeError, [/\bt\b/, /NaN/]],
    ['unknown option', () => marginalAccuracy(ok, target, { bin: 10 } as never), TypeError, [/'bin'/, /did you mean 'bins'/]],
    ['options not an object', () => marginalAccuracy(ok, target, 5 as never), TypeError, [/marginalAccuracy options/, /the number 5/]],
    ['floor: n 0', () => marginalAccuracyFloor(target, 0), RangeError, [/\bn\b/, /the number 0/]],
    ['floor: n fractional', () => marginalAccuracyFloor(target, 10.5), RangeError, [/\bn\b/]],
    ['floor: seed negative', () => marginalAccuracyFloor(target, 10, { seed: -1 }), RangeError, [/\bseed\b/]],
    ['floor: unknown option', () => marginalAccuracyFloor(target, 10, { bims: 10 } as never), TypeError, [/'bims'/]],
  ];
  test.each(cases)('%s', (_name, f, errorClass, patterns) => {
    expectNamedError(f, errorClass, ...patterns);
  });
});

describe('marginalAccuracyFloor', () => {
  test('deterministic for a fixed seed; the mean of `repeats` runs from seed, seed + 1, ...', () => {
    const a = marginalAccuracyFloor(target, 3000, { seed: 40 });
    expect(marginalAccuracyFloor(target, 3000, { seed: 40 })).toBe(a);
    expect(marginalAccuracyFloor(target, 3000)).toBe(marginalAccuracyFloor(target, 3000, { seed: 12345 }));
    expect(marginalAccuracyFloor(target, 3000, { seed: 41 })).not.toBe(a);
    const single = [40, 41, 42].map((seed) => marginalAccuracy(target.sampleExact({ n: 3000, seed }), target));
    expect(Math.abs(a - (single[0] + single[1] + single[2]) / 3)).toBeLessThan(1e-15);
    expect(marginalAccuracyFloor(target, 3000, { seed: 40, repeats: 1 })).toBe(single[0]);
    // options reach marginalAccuracy
    const coarse = marginalAccuracyFloor(target, 3000, { seed: 40, bins: 20, repeats: 1 });
    expect(coarse).toBe(marginalAccuracy(target.sampleExact({ n: 3000, seed: 40 }), target, { bins: 20 }));
  });

  test('near the exact expected floor', () => {
    const n = 5000;
    const { sd } = meanSd(floorRuns(n));
    const exact = expectedMA(n, target.marginalBinMasses(0, BINS, [-2, 2]), D, BINS);
    // the mean of 3 runs: standard error sd / sqrt(3)
    expect(Math.abs(marginalAccuracyFloor(target, n) - exact)).toBeLessThan((4 * sd) / Math.sqrt(3));
  });

  // Regression: `repeats` is not validated; repeats = 0 (or a string)
  // returns NaN (0 / 0) instead of throwing a named error.
  test('repeats = 0 is rejected', () => {
    expect(() => marginalAccuracyFloor(target, 100, { repeats: 0 })).toThrow(/repeats/);
  });
});
