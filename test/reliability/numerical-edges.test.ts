// Numerical edge cases: d = 1 and n = 1, very large T, tEnd close to 0, tiny and huge
// variances, float32 and huge coordinates. Each either gives correct results (moments of a 1-D
// Gaussian within 5 Monte Carlo standard errors, n = 20000, fixed seeds so nothing is flaky)
// or a clear error; the cases that give neither are test.failing with a `// BUG:` comment.
import { GaussianMixture, native, sample, sampleSync, SAMPLERS, uniformGrid } from '../../lib';
import type { SampleOptions, SamplerName } from '../../lib';
import { caught, expectOptionError, isError, moments1, NOT_THROWN, Real } from './helpers';

const N = 20000;

/** Mean and variance of the samples of N(mu, s2) within `k` standard errors. */
function expectMoments(x: Real, mu: number, s2: number, k = 5) {
  const m = moments1(x);
  const seMean = Math.sqrt(s2 / x.length), seVar = s2 * Math.sqrt(2 / (x.length - 1));
  expect({ meanZ: Math.abs(m.mean - mu) / seMean < k, varZ: Math.abs(m.variance - s2) / seVar < k }).toEqual({ meanZ: true, varZ: true });
}

function gaussian1(s2: number, mu = 0.3) {
  return new GaussianMixture({ means: [[mu]], variances: [s2] });
}

describe('d = 1 and n = 1', () => {
  const g = gaussian1(0.5);
  test.each(SAMPLERS.map((s) => [s]))('%s: one particle in one dimension (native, JS score, sampleSync, float32)', async (sampler) => {
    const base = { sampler: sampler as SamplerName, particles: 1, nfe: 16, seed: 2 };
    const native1 = await sample({ target: g, ...base });
    const js = await sample({ score: (x, t, out) => g.score(x, t, out), energy: (x, t, out) => g.energy(x, t, out), dim: 1, ...base });
    const sync = sampleSync({ target: g, ...base });
    const f32 = await sample({ target: g, ...base, dtype: 'float32' });
    for (const r of [native1, js, sync, f32]) {
      expect(r.samples.length).toBe(1);
      expect(Number.isFinite(r.samples[0])).toBe(true);
      expect(r.stats.nfe).toBeLessThanOrEqual(16);
    }
    expect(Object.is(native1.samples[0], js.samples[0])).toBe(true);
    expect(Object.is(native1.samples[0], sync.samples[0])).toBe(true);
    expect(Math.abs(f32.samples[0] - native1.samples[0])).toBeLessThan(1e-3);
  });

  test('kernels with n = 1, d = 1 (and n = 0: nothing to do)', () => {
    const one = new Float64Array(1);
    native.normals(one, { n: 1, d: 1, seed: 4 });
    expect(Number.isFinite(one[0])).toBe(true);
    native.normals(new Float64Array(0), { n: 0, d: 1 });
    const z = Float64Array.of(0.1), v = Float64Array.of(0.2), grad = Float64Array.of(0.3);
    native.uldStep(2, 0.1, z, v, grad, { n: 1, d: 1 });
    expect(Number.isFinite(z[0]) && Number.isFinite(v[0])).toBe(true);
    const r = native.malaAccept({ tau: 0.1 }, { z, gradG: grad, g: Float64Array.of(0), zProp: Float64Array.of(0.2), gradGProp: grad, gProp: Float64Array.of(0) }, { n: 1, d: 1 });
    expect(r.accepted.length).toBe(1);
    const empty = native.malaAccept({ tau: 0.1 }, { z: new Float64Array(0), gradG: new Float64Array(0), g: new Float64Array(0), zProp: new Float64Array(0), gradGProp: new Float64Array(0), gProp: new Float64Array(0) }, { n: 0, d: 1 });
    expect(empty.accepted.length).toBe(0);
    expect(empty.acceptRate).toBe(0);
  });
});

describe('moments of a 1-D Gaussian N(0.3, s2) (n = 20000, 5 standard errors)', () => {
  const cases: [string, number, Partial<SampleOptions>][] = [
    ['rtk-mala (defaults), s2 = 0.5', 0.5, {}],
    ['rtk-mala-es (defaults), s2 = 0.5', 0.5, { sampler: 'rtk-mala-es' }],
    ['rtk-mala, float32', 0.5, { dtype: 'float32' }],
    ['rtk-mala-es simpson, float32', 0.5, { sampler: 'rtk-mala-es', energyEstimate: 'simpson', dtype: 'float32' }],
    ["rtk-mala 'segments', T = 20 (the largest allowed)", 0.5, { schedule: 'segments', T: 20 }],
    ["rtk-mala 'segments', T = 20, float32", 0.5, { schedule: 'segments', T: 20, dtype: 'float32' }],
    ['pf-heun, T = 20', 0.5, { sampler: 'pf-heun', T: 20 }],
    ['rtk-mala, tEnd = 1e-8', 0.5, { tEnd: 1e-8 }],
    ["rtk-mala 'segments', tEnd = 1e-8, float32", 0.5, { tEnd: 1e-8, schedule: 'segments', dtype: 'float32' }],
    ['ddpm, tEnd = 1e-8 (no final denoise)', 0.5, { sampler: 'ddpm', tEnd: 1e-8, nfe: 128 }],
    ['rtk-mala (defaults), tiny variance s2 = 1e-6', 1e-6, {}],
    ["rtk-mala 'segments', s2 = 1e-6, float32", 1e-6, { schedule: 'segments', dtype: 'float32' }],
    ["rtk-mala 'segments', huge variance s2 = 1e4, T = 12", 1e4, { schedule: 'segments', T: 12 }],
    ["rtk-mala-es 'segments', s2 = 1e4, T = 12, float32", 1e4, { sampler: 'rtk-mala-es', schedule: 'segments', T: 12, dtype: 'float32' }],
  ];
  test.each(cases)('%s', async (_label, s2, extra) => {
    const r = await sample({ target: gaussian1(s2), particles: N, nfe: 64, seed: 1, ...extra } as SampleOptions);
    expect(r.samples.every(Number.isFinite)).toBe(true);
    // at tEnd = 1e-8 the marginal is N(e^-t mu, e^-2t s2 + 1 - e^-2t): the data to 1e-8
    expectMoments(r.samples, 0.3, s2);
  });

  test('very large T (50, 1e4) is a RangeError naming T (p_T is N(0, I) to double precision by T = 20)', async () => {
    for (const T of [50, 1e4]) {
      const e = await caught(() => sample({ target: gaussian1(0.5), particles: 100, nfe: 64, seed: 5, schedule: 'segments', T }));
      expectOptionError(e, 'RangeError', 'T', /\(0, 20\]/, new RegExp(`the number ${T}`));
    }
  });

  test('T = 700 (e^{2T} overflows a double) is a clear error, or correct', async () => {
    for (const sampler of SAMPLERS) {
      const e = await caught(async () => {
        const r = await sample({ target: gaussian1(0.5), sampler, particles: 200, nfe: 32, seed: 5, T: 700, schedule: sampler.startsWith('rtk') ? 'segments' : undefined });
        if (!r.samples.every(Number.isFinite)) throw new Error('non-finite samples without an error');
      });
      if (isError(e)) expect(e.message).toMatch(/non-finite|Expected/);
    }
  });

  // BUG: lib/plan.ts, baselines' default geometric grid: with T = 50 and the default nfe = 64
  // the first ddpm steps have h = t_k - t_{k+1} ~ 8, where the exponential-integrator
  // Euler–Maruyama step multiplies the variance by ~2 e^{2h}: ddpm returns FINITE GARBAGE with
  // no error (mean 0.3 + ~3e10, z ~ 7e12; variance ~1e25 for N(0.3, 0.5)). (The RTK hybrid
  // default had the same failure while its prefix was DDPM steps, commit 29c0321; with the DDIM
  // prefix of 451f8af it gives var z ~ -5.) Expected: correct moments or a RangeError naming T.
  test('ddpm with T = 50 (default grid, nfe 64): correct moments or a clear error', async () => {
    const e = await caught(async () => {
      const r = await sample({ target: gaussian1(0.5), sampler: 'ddpm', particles: N, nfe: 64, seed: 1, T: 50 });
      expectMoments(r.samples, 0.3, 0.5);
    });
    if (e !== NOT_THROWN && !(isError(e) && /\bT\b/.test(e.message))) throw e;
  });

  // BUG: lib/plan.ts hybrid schedule (the RTK default): on a wide target N(0.3, 1e4) with T = 12
  // (p_T is N(0, 1) to 4e-7) the default rtk-mala returns a variance 33% too small at nfe 64
  // (-33 standard errors) and 10% too small at nfe 256 (-9.9): the unadjusted prefix down to
  // switchTime is biased and the two MALA segments after it do not repair the marginal. (With
  // the earlier DDPM prefix it was 17% too LARGE.) schedule 'segments' at the same budget is
  // within 1 standard error (the cases above). The run is MH-corrected by name only.
  test.failing('rtk-mala defaults on N(0.3, 1e4), T = 12 (nfe 64 and 256): variance within 5 standard errors', async () => {
    for (const nfe of [64, 256]) {
      const r = await sample({ target: gaussian1(1e4), particles: N, nfe, seed: 1, T: 12 });
      expectMoments(r.samples, 0.3, 1e4);
    }
  });
});

describe('huge and tiny values in the mixture', () => {
  // BUG: native/include/rtk/targets/gaussian_mixture.h evaluate: for finite |x| >= ~1e155 (where
  // (x - m)^2 / v overflows) the score and the energy are NaN even for ONE component, whose score
  // -(x - m) / v is finite (-1e200 for x = 1e200); the energy should be +Infinity or finite, not
  // NaN. (In the samplers a NaN score is a rejection in MALA and an error elsewhere, so runs stay
  // safe; the public score()/energy() give NaN.)
  test.failing('score and energy at |x| = 1e200 are not NaN (one component: score = -(x - m)/v)', () => {
    const g = gaussian1(1, 0);
    const s = new Float64Array(1), e = new Float64Array(1);
    g.score(Float64Array.of(1e200), 0, s);
    g.energy(Float64Array.of(1e200), 0, e);
    expect(s[0]).toBeCloseTo(-1e200, -190);
    expect(Number.isNaN(e[0])).toBe(false);
  });

  // BUG: lib/gaussian-mixture.ts accepts any finite variance > 0, including subnormal ones
  // (1e-310) whose precision 1/v overflows: score and energy are then NaN even at the mean
  // (x = 0 for N(0, 1e-310)), while 1e-300 and 1e-308 work. Expected: a RangeError naming
  // variances[0] (e.g. below the smallest normal double), or finite results.
  test('a subnormal variance (1e-310) is rejected or gives finite score and energy', () => {
    let g: GaussianMixture;
    try {
      g = new GaussianMixture({ means: [[0]], variances: [1e-310] });
    } catch (e) {
      expect((e as Error).name).toBe('RangeError');
      expect((e as Error).message).toMatch(/variances\[0\]/);
      return;
    }
    const s = new Float64Array(1), e = new Float64Array(1);
    g.score(Float64Array.of(0), 0, s);
    g.energy(Float64Array.of(0), 0, e);
    expect(Number.isFinite(s[0]) && Number.isFinite(e[0])).toBe(true);
  });

  test('variances 1e-6 and 1e4 in one mixture: finite score and energy, exact draws with the right moments', () => {
    const g = new GaussianMixture({ means: [[-1, 0], [1, 0]], variances: [[1e-6, 1e4], [1e4, 1e-6]] });
    const x = g.sampleExact({ n: N, seed: 3 });
    const s = new Float64Array(x.length), e = new Float64Array(N);
    g.score(x, 0, s);
    g.energy(x, 0, e);
    expect(s.every(Number.isFinite) && e.every(Number.isFinite)).toBe(true);
    // coordinate 0: 0.5 N(-1, 1e-6) + 0.5 N(1, 1e4): mean 0, variance 0.5 (1e-6 + 1e4) + 1
    const c0 = Float64Array.from({ length: N }, (_, p) => x[p * 2]);
    const m = moments1(c0);
    const variance = 0.5 * (1e-6 + 1e4) + 1;
    expect(Math.abs(m.mean) / Math.sqrt(variance / N)).toBeLessThan(5);
    expect(Math.abs(m.variance - variance) / variance).toBeLessThan(0.05);
  });
});

describe('time grids and messages at the extremes', () => {
  // BUG: lib/schedules.ts uniformGrid computes T - (T - tEnd) * i / steps; (T - tEnd) * i
  // overflows for T near the largest double, so uniformGrid(1e308, 0, 3) is
  // [1e308, 6.7e307, -Infinity, 0]; sample({ T: 1e308 }) then fails with the addon's
  // "Expected a finite number for plan.times[2] but received -Infinity" (an internal field).
  test('uniformGrid(1e308, 0, 3) is finite and strictly decreasing', () => {
    const g = uniformGrid(1e308, 0, 3);
    expect(g.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < g.length; i++) expect(g[i]).toBeLessThan(g[i - 1]);
  });

  test('uniformGrid / geometricGrid with tEnd = 1e-8 and T = 50 stay strictly decreasing', () => {
    const u = uniformGrid(50, 1e-8, 1000);
    for (let i = 1; i < u.length; i++) expect(u[i]).toBeLessThan(u[i - 1]);
    expect(u[u.length - 1]).toBe(1e-8);
  });

  // BUG: native/include/rtk/samplers/run_context.h require_finite (and js_run.cc's "did not
  // write" message) print t with std::to_string, i.e. 6 decimals: a fault at t = 1e-8 is
  // reported "at segment 2, step 0, t = 0.000000" and at T = 1e308 as a 309-digit number.
  test('the time in a non-finite-score error keeps its significant digits (t = 1e-8)', async () => {
    const g = gaussian1(0.5);
    const e = await caught(() =>
      sample({
        score: (x, t, out) => (t < 1e-6 ? out.fill(NaN) : g.score(x, t, out)),
        dim: 1,
        sampler: 'ddpm',
        grid: [1, 1e-8],
        nfe: 2,
        particles: 2,
      }),
    );
    expect(isError(e)).toBe(true);
    expect((e as Error).message).toMatch(/t = 1(\.0*)?e-0?8/);
  });
});
