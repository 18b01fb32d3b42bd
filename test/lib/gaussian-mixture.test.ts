// GaussianMixture (lib/gaussian-mixture.ts): option validation, normalisation, exact score and
// energy of p_t (rtk-math.md, "The paper's benchmark target"), float32 support and exact draws.
import { GaussianMixture } from '../../lib';
import { expectNamedError } from '../helpers';

// ---------------------------------------------------------------------------------------------
// Independent JS reference for p_t of a diagonal Gaussian mixture under the forward process:
// means e^{-t} mu_j, variances e^{-2t} s2_j + 1 - e^{-2t}.
interface Ref {
  w: number[];
  mu: number[][];
  s2: number[][];
}

function refEnergy(ref: Ref, x: ArrayLike<number>, t: number): number {
  const d = ref.mu[0].length;
  const decay = Math.exp(-t), noise = -Math.expm1(-2 * t);
  const logs = ref.w.map((w, j) => {
    let q = 0, logDet = 0;
    for (let i = 0; i < d; i++) {
      const v = decay * decay * ref.s2[j][i] + noise;
      const r = x[i] - decay * ref.mu[j][i];
      q += (r * r) / v;
      logDet += Math.log(2 * Math.PI * v);
    }
    return Math.log(w) - 0.5 * (q + logDet);
  });
  const top = Math.max(...logs);
  return -(top + Math.log(logs.reduce((a, l) => a + Math.exp(l - top), 0)));
}

function refMoments(ref: Ref, t: number) {
  // Per coordinate: mean, variance and 4th central moment of the mixture p_t.
  const d = ref.mu[0].length;
  const decay = Math.exp(-t), noise = -Math.expm1(-2 * t);
  const wsum = ref.w.reduce((a, b) => a + b, 0);
  const w = ref.w.map((x) => x / wsum);
  const mean = new Array<number>(d).fill(0), variance = new Array<number>(d).fill(0), m4 = new Array<number>(d).fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < w.length; j++) mean[i] += w[j] * decay * ref.mu[j][i];
    for (let j = 0; j < w.length; j++) {
      const delta = decay * ref.mu[j][i] - mean[i];
      const v = decay * decay * ref.s2[j][i] + noise;
      variance[i] += w[j] * (delta * delta + v);
      m4[i] += w[j] * (delta ** 4 + 6 * delta * delta * v + 3 * v * v);
    }
  }
  return { mean, variance, m4 };
}

// A 3-component mixture in d = 3 with unequal weights and mixed isotropic / diagonal variances.
const D = 3;
const MEANS = [
  [0, 0, 0],
  [1.5, -1, 0.5],
  [-1, 2, -0.5],
];
const WEIGHTS = [1, 2, 3];
const VARIANCES: (number | number[])[] = [0.5, [0.3, 0.8, 1.2], 0.9];
const REF: Ref = {
  w: WEIGHTS.map((w) => w / 6),
  mu: MEANS,
  s2: VARIANCES.map((v) => (typeof v === 'number' ? new Array<number>(D).fill(v) : v)),
};

function small(): GaussianMixture {
  return new GaussianMixture({ means: MEANS, weights: WEIGHTS, variances: VARIANCES });
}

function paperRef(): Ref {
  const mu = Array.from({ length: 12 }, (_, j) => {
    const m = new Array<number>(10).fill(0);
    m[0] = Math.cos((2 * Math.PI * j) / 12);
    m[1] = Math.sin((2 * Math.PI * j) / 12);
    return m;
  });
  return { w: new Array<number>(12).fill(1 / 12), mu, s2: mu.map(() => new Array<number>(10).fill(0.007)) };
}

// ---------------------------------------------------------------------------------------------
describe('GaussianMixture constructor validation', () => {
  type Case = [string, unknown, typeof TypeError | typeof RangeError, RegExp[]];
  const ok = { means: [[0, 0], [1, 1]], variances: [1, 1] };
  const cases: Case[] = [
    ['empty means', { means: [], variances: [] }, RangeError, [/\bmeans\b/, /an Array of length 0/]],
    ['means missing', { variances: [1] }, TypeError, [/\bmeans\b/, /undefined/]],
    ['means not an array', { means: 'abc', variances: [1] }, TypeError, [/\bmeans\b/, /the string "abc"/]],
    ['means[0] empty vector', { means: [[]], variances: [1] }, RangeError, [/means\[0\]/, /an Array of length 0/]],
    ['ragged means', { means: [[0, 0], [1]], variances: [1, 1] }, RangeError, [/means\[1\]/, /an Array of length 1/]],
    ['mean row not an array', { means: [[0, 0], 7], variances: [1, 1] }, TypeError, [/means\[1\]/, /the number 7/]],
    ['NaN mean', { means: [[0, NaN]], variances: [1] }, RangeError, [/means\[0\]\[1\]/, /NaN/]],
    ['infinite mean', { means: [[Infinity, 0]], variances: [1] }, RangeError, [/means\[0\]\[0\]/, /Infinity/]],
    ['string mean', { means: [[0, '1']], variances: [1] }, TypeError, [/means\[0\]\[1\]/, /the string "1"/]],
    ['weights length mismatch', { ...ok, weights: [1] }, RangeError, [/\bweights\b/, /an Array of length 1/]],
    ['weights not an array', { ...ok, weights: 3 }, TypeError, [/\bweights\b/, /the number 3/]],
    ['weight = 0', { ...ok, weights: [1, 0] }, RangeError, [/weights\[1\]/, /the number 0/]],
    ['weight < 0', { ...ok, weights: [-2, 1] }, RangeError, [/weights\[0\]/, /the number -2/]],
    ['weight NaN', { ...ok, weights: [1, NaN] }, RangeError, [/weights\[1\]/, /NaN/]],
    ['variances missing', { means: [[0, 0]] }, TypeError, [/\bvariances\b/, /undefined/]],
    ['variances count mismatch', { means: [[0, 0], [1, 1]], variances: [1] }, RangeError, [/\bvariances\b/, /an Array of length 1/]],
    ['variance = 0', { means: [[0, 0], [1, 1]], variances: [1, 0] }, RangeError, [/variances\[1\]/, /the number 0/]],
    ['variance < 0', { means: [[0, 0]], variances: [-0.5] }, RangeError, [/variances\[0\]/, /the number -0.5/]],
    ['variance NaN', { means: [[0, 0]], variances: [NaN] }, RangeError, [/variances\[0\]/, /NaN/]],
    ['variance Infinity', { means: [[0, 0]], variances: [Infinity] }, RangeError, [/variances\[0\]/, /Infinity/]],
    ['diagonal variance = 0', { means: [[0, 0]], variances: [[1, 0]] }, RangeError, [/variances\[0\]\[1\]/, /the number 0/]],
    ['diagonal variance NaN', { means: [[0, 0]], variances: [[NaN, 1]] }, RangeError, [/variances\[0\]\[0\]/, /NaN/]],
    ['diagonal variance negative', { means: [[0, 0]], variances: [[1, -1]] }, RangeError, [/variances\[0\]\[1\]/, /the number -1/]],
    ['wrong-length diagonal', { means: [[0, 0]], variances: [[1, 1, 1]] }, RangeError, [/variances\[0\]/, /an Array of length 3/]],
    ['variance of another type', { means: [[0, 0]], variances: ['1'] }, TypeError, [/variances\[0\]/, /the string "1"/]],
    ['unknown option', { ...ok, weight: [1, 1] }, TypeError, [/'weight'/, /did you mean 'weights'/]],
    ['unknown option (far)', { ...ok, colour: 'red' }, TypeError, [/'colour'/, /GaussianMixture options/]],
    ['non-object: number', 5, TypeError, [/GaussianMixture options/, /the number 5/]],
    ['non-object: null', null, TypeError, [/GaussianMixture options/, /null/]],
    ['non-object: undefined', undefined, TypeError, [/GaussianMixture options/, /undefined/]],
    ['non-object: array', [1, 2], TypeError, [/GaussianMixture options/, /an Array of length 2/]],
    ['non-object: string', 'x', TypeError, [/GaussianMixture options/, /the string "x"/]],
  ];

  // Exactly the class named: a RangeError is not a TypeError and vice versa.
  test.each(cases)('%s', (_name, options, errorClass, patterns) => {
    expectNamedError(() => new GaussianMixture(options as never), errorClass, ...patterns);
  });

  // Regression: each weight is checked finite, but their sum overflows to
  // Infinity, every normalised weight becomes 0 and the native constructor rejects them with
  // "weights must be positive and finite", naming neither the option nor the value.
  test('finite positive weights whose sum overflows are still normalised', () => {
    const g = new GaussianMixture({ means: [[0], [1]], variances: [1, 1], weights: [1e308, 1e308] });
    expect(Array.from(g.weights)).toEqual([0.5, 0.5]);
  });

  test('valid options construct, with typed arrays accepted for means and variances', () => {
    const g = new GaussianMixture({
      means: [Float64Array.of(0, 1), Float32Array.of(2, 3)],
      variances: Float64Array.of(0.5, 2),
      weights: Float32Array.of(1, 3),
    });
    expect(g.dim).toBe(2);
    expect(g.components).toBe(2);
    expect(Array.from(g.means)).toEqual([0, 1, 2, 3]);
    expect(Array.from(g.variances)).toEqual([0.5, 0.5, 2, 2]);
    expect(String(g)).toBe('GaussianMixture(2 components, dim 2)');
  });
});

describe('GaussianMixture weights and variances', () => {
  test('weights are normalised to sum to 1 (default: equal)', () => {
    const g = small();
    expect(g.weights[0]).toBeCloseTo(1 / 6, 15);
    expect(g.weights[1]).toBeCloseTo(2 / 6, 15);
    expect(g.weights[2]).toBeCloseTo(3 / 6, 15);
    expect(Math.abs(g.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-15);
    const equal = new GaussianMixture({ means: MEANS, variances: VARIANCES });
    for (const w of equal.weights) expect(w).toBeCloseTo(1 / 3, 15);
  });

  test('scaled weights give the same score and the same normalised energy', () => {
    const a = small();
    const b = new GaussianMixture({ means: MEANS, weights: WEIGHTS.map((w) => w * 1e-3), variances: VARIANCES });
    const x = a.sampleExact({ n: 50, t: 0.3, seed: 11 }) as Float64Array;
    for (const t of [0, 0.3]) {
      const sa = new Float64Array(x.length), sb = new Float64Array(x.length);
      const ea = new Float64Array(50), eb = new Float64Array(50);
      a.score(x, t, sa);
      b.score(x, t, sb);
      a.energy(x, t, ea);
      b.energy(x, t, eb);
      for (let i = 0; i < x.length; i++) expect(Math.abs(sa[i] - sb[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(sa[i])));
      for (let i = 0; i < 50; i++) expect(Math.abs(ea[i] - eb[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(ea[i])));
    }
  });

  test('energy is the exact normalised -log p_t (independent JS reference)', () => {
    const g = small();
    const x = g.sampleExact({ n: 40, t: 0.2, seed: 3 }) as Float64Array;
    const far = Float64Array.of(30, -25, 40); // deep in the tail: stable log-sum-exp needed
    for (const t of [0, 0.1, 1]) {
      const e = new Float64Array(40);
      g.energy(x, t, e);
      for (let p = 0; p < 40; p++) {
        const want = refEnergy(REF, x.subarray(p * D, p * D + D), t);
        expect(Math.abs(e[p] - want)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
      }
      const ef = new Float64Array(1), sf = new Float64Array(D);
      g.energy(far, t, ef);
      g.score(far, t, sf);
      const want = refEnergy(REF, far, t);
      expect(Number.isFinite(ef[0])).toBe(true);
      expect(Math.abs(ef[0] - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
      for (const s of sf) expect(Number.isFinite(s)).toBe(true);
    }
  });

  test('isotropic and equal diagonal variances give identical results', () => {
    const iso = new GaussianMixture({ means: MEANS, weights: WEIGHTS, variances: [0.5, 0.7, 0.9] });
    const diag = new GaussianMixture({
      means: MEANS,
      weights: WEIGHTS,
      variances: [[0.5, 0.5, 0.5], [0.7, 0.7, 0.7], Float64Array.of(0.9, 0.9, 0.9)],
    });
    expect(Array.from(diag.variances)).toEqual(Array.from(iso.variances));
    const x = iso.sampleExact({ n: 64, t: 0.05, seed: 5 }) as Float64Array;
    for (const t of [0, 0.1, 1]) {
      const s1 = new Float64Array(x.length), s2 = new Float64Array(x.length);
      const e1 = new Float64Array(64), e2 = new Float64Array(64);
      iso.score(x, t, s1);
      diag.score(x, t, s2);
      iso.energy(x, t, e1);
      diag.energy(x, t, e2);
      expect(s2).toEqual(s1);
      expect(e2).toEqual(e1);
    }
    expect(diag.sampleExact({ n: 100, seed: 9, t: 0.4 })).toEqual(iso.sampleExact({ n: 100, seed: 9, t: 0.4 }));
    expect(diag.marginalBinMasses(0.2, 10, [-1, 1])).toEqual(iso.marginalBinMasses(0.2, 10, [-1, 1]));
  });
});

describe('GaussianMixture score = -grad energy (central finite differences)', () => {
  // Central difference error: h^2/6 |E'''| (truncation) + eps |E| / h (rounding); with h = 1e-5 and
  // the variances used here both are far below the tolerance 1e-6 (1 + |score|).
  function checkFd(g: GaussianMixture, x: Float64Array, t: number, h: number, tol: number) {
    const d = g.dim, n = x.length / d;
    const score = new Float64Array(x.length);
    g.score(x, t, score);
    const shifted = new Float64Array(n * d * 2 * d);
    for (let p = 0; p < n; p++)
      for (let i = 0; i < d; i++)
        for (let sign = 0; sign < 2; sign++) {
          const row = (p * d + i) * 2 + sign;
          shifted.set(x.subarray(p * d, p * d + d), row * d);
          shifted[row * d + i] += sign === 0 ? h : -h;
        }
    const e = new Float64Array(n * d * 2);
    g.energy(shifted, t, e);
    let worst = 0;
    for (let p = 0; p < n; p++)
      for (let i = 0; i < d; i++) {
        const k = p * d + i;
        const fd = -(e[2 * k] - e[2 * k + 1]) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - score[k]) / (1 + Math.abs(score[k])));
      }
    expect(worst).toBeLessThan(tol);
    // and the check has teeth: a wrong sign or a missing factor would be far off
    expect(score.some((s) => Math.abs(s) > 0.1)).toBe(true);
  }

  test.each([0, 0.1, 1])('small diagonal mixture at t = %p', (t) => {
    const g = small();
    const x = g.sampleExact({ n: 30, t, seed: 21 }) as Float64Array;
    // plus points between the modes, where the responsibilities switch
    const between = Float64Array.of(0.75, -0.5, 0.25, -0.5, 1, -0.25, 0.25, 0.5, 0);
    const all = new Float64Array(x.length + between.length);
    all.set(x);
    all.set(between, x.length);
    checkFd(g, all, t, 1e-5, 1e-6);
  });

  test.each([0, 0.1, 1])('paper target at t = %p', (t) => {
    const g = GaussianMixture.paperTarget();
    const x = g.sampleExact({ n: 20, t, seed: 4 }) as Float64Array;
    // variance 0.007 at t = 0: a smaller step keeps the truncation error small
    checkFd(g, x, t, t === 0 ? 1e-6 : 1e-5, 1e-5);
  });
});

describe('GaussianMixture float32 and argument checks', () => {
  test('Float32Array inputs are accepted and close to the float64 result', () => {
    const g = small();
    const x32 = g.sampleExact({ n: 200, t: 0.1, seed: 8, dtype: 'float32' });
    expect(x32).toBeInstanceOf(Float32Array);
    const x64 = Float64Array.from(x32);
    for (const t of [0, 0.1, 1]) {
      const s32 = new Float32Array(x32.length), s64 = new Float64Array(x32.length);
      const e32 = new Float32Array(200), e64 = new Float64Array(200);
      g.score(x32, t, s32);
      g.score(x64, t, s64);
      g.energy(x32, t, e32);
      g.energy(x64, t, e64);
      // the same input values: only the float32 rounding of the result differs (2^-24 relative)
      for (let i = 0; i < s64.length; i++) expect(Math.abs(s32[i] - s64[i])).toBeLessThanOrEqual(1e-6 * (1e-3 + Math.abs(s64[i])));
      for (let i = 0; i < 200; i++) expect(Math.abs(e32[i] - e64[i])).toBeLessThanOrEqual(1e-6 * (1e-3 + Math.abs(e64[i])));
    }
  });

  test('float32 exact draws agree with the float64 draws to float32 accuracy', () => {
    const g = GaussianMixture.paperTarget();
    const a = g.sampleExact({ n: 300, seed: 17, t: 0.5, dtype: 'float32' });
    const b = g.sampleExact({ n: 300, seed: 17, t: 0.5 });
    expect(a).toBeInstanceOf(Float32Array);
    expect(b).toBeInstanceOf(Float64Array);
    // the normal is rounded to float32 before scaling (|z| < 7, sd < 1), then the result: a few ulps
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(b[i])));
  });

  test('score/energy length and type checks', () => {
    const g = small(); // dim 3
    const x = new Float64Array(6);
    expectNamedError(() => g.score(new Float64Array(5), 0, new Float64Array(5)), RangeError, /for x/, /Float64Array of length 5/);
    expectNamedError(() => g.score(new Float64Array(0), 0, new Float64Array(0)), RangeError, /for x/, /length 0/);
    expectNamedError(() => g.score(x, 0, new Float64Array(3)), RangeError, /for out/, /length 3/);
    expectNamedError(() => g.score(x, 0, new Float64Array(9)), RangeError, /for out/, /length 9/);
    expectNamedError(() => g.score(x, 0, new Float32Array(6)), TypeError, /for out/, /Float32Array/);
    expectNamedError(() => g.score([0, 0, 0] as never, 0, new Float64Array(3)), TypeError, /for x/, /an Array of length 3/);
    expectNamedError(() => g.score(x, -1, new Float64Array(6)), RangeError, /for t/, /the number -1/);
    expectNamedError(() => g.score(x, NaN, new Float64Array(6)), RangeError, /for t/, /NaN/);
    expectNamedError(() => g.energy(x, 0, new Float64Array(6)), RangeError, /for out/, /length 6/);
    expectNamedError(() => g.energy(x, 0, new Float64Array(1)), RangeError, /for out/, /length 1/);
    expectNamedError(() => g.energy(new Float64Array(7), 0, new Float64Array(2)), RangeError, /for x/, /length 7/);
    expectNamedError(() => g.energy(new Float32Array(6), 0, new Float64Array(2)), TypeError, /for out/);
    expectNamedError(() => g.energy(new Int32Array(6) as never, 0, new Float64Array(2)), TypeError, /for x/, /Int32Array/);
    expectNamedError(() => g.energy(x, Infinity, new Float64Array(2)), RangeError, /for t/, /Infinity/);
    expectNamedError(() => g.sampleExact({ n: 0 }), RangeError, /for n/, /the number 0/);
    expectNamedError(() => g.sampleExact({ n: 2.5 }), RangeError, /for n/);
    expectNamedError(() => g.sampleExact({ n: 10, seed: -1 }), RangeError, /for seed/);
    expectNamedError(() => g.sampleExact({ n: 10, t: -0.5 }), RangeError, /for t/);
    expectNamedError(() => g.sampleExact({ n: 10, sed: 1 } as never), TypeError, /'sed'/, /did you mean 'seed'/);
    expectNamedError(() => g.marginalBinMasses(0, 0, [-1, 1]), RangeError, /for bins/);
    expectNamedError(() => g.marginalBinMasses(0, 10, [1, -1]), RangeError, /for range/);
  });
});

describe('GaussianMixture.sampleExact dtype', () => {
  // Regression: sampleExact does not validate `dtype`; anything other than
  // 'float32' (a typo such as 'float16' or 'Float32') silently returns a Float64Array.
  test('an unknown dtype is rejected with a named error', () => {
    expect(() => small().sampleExact({ n: 2, dtype: 'float16' as never })).toThrow(/dtype/);
  });
});

describe('GaussianMixture exact draws', () => {
  // |sample mean - mean| <= 5 SE with SE = sqrt(var / n); |sample var - var| <= 5 SE with
  // SE = sqrt((mu4 - var^2) / n) (the exact 4th central moment of the mixture).
  function checkMoments(g: GaussianMixture, ref: Ref, n: number, t: number, seed: number) {
    const d = g.dim;
    const x = g.sampleExact({ n, t, seed });
    expect(x.length).toBe(n * d);
    const { mean, variance, m4 } = refMoments(ref, t);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += x[p * d + i];
      const m = s / n;
      let q = 0;
      for (let p = 0; p < n; p++) q += (x[p * d + i] - m) ** 2;
      const v = q / n;
      const seMean = Math.sqrt(variance[i] / n);
      const seVar = Math.sqrt((m4[i] - variance[i] ** 2) / n);
      expect(Math.abs(m - mean[i])).toBeLessThan(5 * seMean);
      expect(Math.abs(v - variance[i])).toBeLessThan(5 * seVar);
    }
  }

  test.each([0, 0.7])('small mixture (unequal weights) moments at t = %p', (t) => {
    checkMoments(small(), REF, 40000, t, 101);
  });

  test('paper target moments at t = 0', () => {
    checkMoments(GaussianMixture.paperTarget(), paperRef(), 20000, 0, 202);
  });

  test('draws are deterministic for a seed and differ between seeds', () => {
    const g = small();
    const a = g.sampleExact({ n: 500, seed: 1 });
    expect(g.sampleExact({ n: 500, seed: 1 })).toEqual(a);
    const b = g.sampleExact({ n: 500, seed: 2 });
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same).toBe(0);
  });
});

describe('GaussianMixture.paperTarget', () => {
  test('12 equal components on the unit circle in dim 10, variance 0.007', () => {
    const g = GaussianMixture.paperTarget();
    expect(g.components).toBe(12);
    expect(g.dim).toBe(10);
    expect(g.native.dim).toBe(10);
    for (const w of g.weights) expect(w).toBeCloseTo(1 / 12, 15);
    for (const v of g.variances) expect(v).toBe(0.007);
    for (let j = 0; j < 12; j++) {
      expect(g.means[j * 10]).toBeCloseTo(Math.cos((2 * Math.PI * j) / 12), 15);
      expect(g.means[j * 10 + 1]).toBeCloseTo(Math.sin((2 * Math.PI * j) / 12), 15);
      for (let i = 2; i < 10; i++) expect(g.means[j * 10 + i]).toBe(0);
    }
  });
});
