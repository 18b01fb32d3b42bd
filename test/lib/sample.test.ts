// End-to-end sampler tests: exact Gaussian moments, the paper's mixture near its noise floor,
// exact NFE accounting, determinism, JS path == native path, faulty scores, bad options.
import { AbortError, GaussianMixture, marginalAccuracy, marginalAccuracyFloor, sample, sampleSync, SAMPLERS } from '../../lib';
import type { SampleOptions, SamplerName } from '../../lib';
import { detach, sameBits } from '../helpers';

const gaussian = new GaussianMixture({ means: [[0.5, -1, 2]], variances: [[0.5, 0.2, 1.5]] });
const mu = [0.5, -1, 2];
const s2 = [0.5, 0.2, 1.5];

function moments(x: Float64Array | Float32Array, d: number) {
  const n = x.length / d;
  const mean = new Array(d).fill(0), variance = new Array(d).fill(0);
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) mean[i] += x[p * d + i] / n;
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) variance[i] += (x[p * d + i] - mean[i]) ** 2 / (n - 1);
  return { mean, variance };
}

describe('Gaussian target: exact moments (n = 20000, 5 standard errors)', () => {
  // At NFE 128 these samplers' bias is below the MC error. RTK-ULA and ALD with their current
  // automatic step sizes are not (their variance is off by more than 5 standard errors on the
  // slow coordinate); RTK-ULD's variance is 2-3.5 standard errors low at seeds 3-5 (a bias of the
  // frozen-gradient step that is smaller than 5 SE but one-signed): none of them is claimed here.
  const consistent: SamplerName[] = ['rtk-mala', 'rtk-mala-es', 'ddpm', 'ddim', 'pf-heun'];
  test.each(consistent.map((s) => [s]))('%s', async (sampler) => {
    const n = 20000;
    const r = await sample({ target: gaussian, sampler: sampler as SamplerName, nfe: 128, particles: n, seed: 3 });
    const m = moments(r.samples, 3);
    for (let i = 0; i < 3; i++) {
      const seMean = Math.sqrt(s2[i] / n);
      const seVar = s2[i] * Math.sqrt(2 / (n - 1));
      expect(Math.abs(m.mean[i] - mu[i])).toBeLessThan(5 * seMean);
      expect(Math.abs(m.variance[i] - s2[i])).toBeLessThan(5 * seVar);
    }
  });
});

describe("the paper's mixture at a generous budget (NFE 128, n = 10000)", () => {
  const target = GaussianMixture.paperTarget();
  const n = 10000;
  const floor = marginalAccuracyFloor(target, n);
  // Stated margins below the exact-sample floor: RTK-MALA is MH-corrected and must sit on the
  // floor; the unadjusted or deterministic samplers carry a discretisation bias.
  const margins: Record<SamplerName, number> = {
    'rtk-mala': 0.004,
    'rtk-mala-es': 0.004,
    'rtk-uld': 0.03,
    'rtk-ula': 0.03,
    ddpm: 0.05,
    ddim: 0.06,
    'pf-heun': 0.06,
    ald: 0.04,
  };
  test.each(SAMPLERS.map((s) => [s]))('%s', async (sampler) => {
    const r = await sample({ target, sampler: sampler as SamplerName, nfe: 128, particles: n, seed: 7 });
    const ma = marginalAccuracy(r.samples, target);
    expect(ma).toBeGreaterThan(floor - margins[sampler as SamplerName]);
    expect(ma).toBeLessThan(floor + 0.01);
  });
});

describe('NFE accounting', () => {
  test.each(SAMPLERS.flatMap((s) => [16, 33, 64].map((nfe) => [s, nfe] as const)))('%s with nfe %d', async (sampler, nfe) => {
    let scoreCalls = 0, energyCalls = 0;
    const r = await sample({
      score: (x, t, out) => {
        scoreCalls++;
        gaussian.score(x, t, out);
      },
      energy: (x, t, out) => {
        energyCalls++;
        gaussian.energy(x, t, out);
      },
      dim: 3,
      sampler,
      nfe,
      particles: 50,
      seed: 1,
    });
    expect(r.stats.nfe).toBe(scoreCalls);
    expect(r.stats.energyEvals).toBe(energyCalls);
    expect(r.stats.nfe).toBeLessThanOrEqual(nfe);
    expect(r.stats.nfe).toBeGreaterThanOrEqual(nfe - 1); // only a Heun step (2 NFE) can leave 1 unspent
    expect(r.stats.segments.reduce((a, s) => a + s.nfe, 0)).toBe(r.stats.nfe);
    if (sampler === 'rtk-mala') expect(energyCalls).toBeGreaterThan(0);
    else expect(energyCalls).toBe(0);
  });
});

describe('determinism', () => {
  const target = GaussianMixture.paperTarget();
  test.each(SAMPLERS.map((s) => [s]))('%s: same seed same bits for 1 and 2 threads; another seed differs', async (sampler) => {
    const base: SampleOptions = { target, sampler: sampler as SamplerName, nfe: 24, particles: 3000, seed: 11 };
    const one = await sample({ ...base, threads: 1 });
    const two = await sample({ ...base, threads: 2 });
    const other = await sample({ ...base, seed: 12 });
    expect(sameBits(one.samples, two.samples)).toBe(true);
    expect(sameBits(one.samples, other.samples)).toBe(false);
  });

  test.each(SAMPLERS.map((s) => [s]))('%s: JS score path, sampleSync and native path give the same bits', async (sampler) => {
    const base = { sampler: sampler as SamplerName, nfe: 20, particles: 500, seed: 5 };
    const native = await sample({ target, ...base });
    const js = await sample({
      score: (x, t, out) => target.score(x, t, out),
      energy: (x, t, out) => target.energy(x, t, out),
      dim: 10,
      ...base,
    });
    const sync = sampleSync({ target, ...base });
    expect(sameBits(native.samples, js.samples)).toBe(true);
    expect(sameBits(native.samples, sync.samples)).toBe(true);
    expect(js.stats.nfe).toBe(native.stats.nfe);
  });

  test('float32 runs are close to float64 runs', async () => {
    const base = { target: gaussian, sampler: 'ddim' as const, nfe: 32, particles: 200, seed: 2 };
    const f64 = await sample(base);
    const f32 = await sample({ ...base, dtype: 'float32' });
    expect(Object.prototype.toString.call(f32.samples)).toBe('[object Float32Array]');
    for (let i = 0; i < f64.samples.length; i++) expect(Math.abs(f32.samples[i] - f64.samples[i])).toBeLessThan(1e-3);
  });
});

describe('out: the samples written into the caller\'s array', () => {
  const target = GaussianMixture.paperTarget();
  const base: SampleOptions = { target, sampler: 'rtk-mala', nfe: 24, particles: 1003, seed: 9 };

  test.each([
    ['float64', 1],
    ['float64', 2],
    ['float32', 1],
    ['float32', 2],
  ] as const)('%s, threads %i: sample and sampleSync return out, with the bits of a run without it', async (dtype, threads) => {
    const options: SampleOptions = { ...base, dtype, threads };
    const fresh = await sample(options);
    const make = () => (dtype === 'float32' ? new Float32Array(1003 * 10) : new Float64Array(1003 * 10));
    const out = make().fill(NaN);
    const r = await sample({ ...options, out });
    expect(r.samples).toBe(out);
    expect(sameBits(fresh.samples, out)).toBe(true);
    const syncOut = make();
    expect(sampleSync({ ...options, out: syncOut }).samples).toBe(syncOut);
    expect(sameBits(fresh.samples, syncOut)).toBe(true);
  });

  test('a JS score run (sample and sampleSync) returns out, with the bits of a run without it', async () => {
    const options: SampleOptions = {
      score: (x, t, o) => target.score(x, t, o),
      energy: (x, t, o) => target.energy(x, t, o),
      dim: 10,
      sampler: 'rtk-mala',
      nfe: 16,
      particles: 300,
      seed: 4,
    };
    const fresh = await sample(options);
    const out = new Float64Array(3000);
    expect((await sample({ ...options, out })).samples).toBe(out);
    expect(sameBits(fresh.samples, out)).toBe(true);
    const syncOut = new Float64Array(3000);
    expect(sampleSync({ ...options, out: syncOut }).samples).toBe(syncOut);
    expect(sameBits(fresh.samples, syncOut)).toBe(true);
  });

  test('out may be a view into a larger buffer: the run writes only its own values', async () => {
    const values = 1003 * 10;
    const buffer = new Float64Array(values + 3).fill(-5);
    const out = buffer.subarray(1, 1 + values);
    await sample({ ...base, out });
    expect(sameBits((await sample(base)).samples, out)).toBe(true);
    expect([buffer[0], buffer[values + 1], buffer[values + 2]]).toEqual([-5, -5, -5]);
  });

  test('one array reused across runs holds the last run', async () => {
    const out = new Float64Array(1003 * 10);
    await sample({ ...base, seed: 1, out });
    await sample({ ...base, seed: 2, out });
    expect(sameBits((await sample({ ...base, seed: 2 })).samples, out)).toBe(true);
  });

  test('a run that fails leaves out untouched: aborted (JS score), or stopped by its onProgress (native, sampleSync)', async () => {
    const out = new Float64Array(30).fill(7);
    const controller = new AbortController();
    let calls = 0;
    const aborted = sample({
      score: (x, t, o) => {
        if (++calls === 5) controller.abort();
        gaussian.score(x, t, o);
      },
      dim: 3,
      sampler: 'ddpm',
      nfe: 20,
      particles: 10,
      signal: controller.signal,
      out,
    });
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    expect(out.every((v) => v === 7)).toBe(true);
    const stop = new Error('stop');
    const onProgress = () => {
      throw stop;
    };
    expect(() => sampleSync({ target: gaussian, sampler: 'ddpm', nfe: 20, particles: 10, out, progressIntervalMs: 0, onProgress })).toThrow(stop);
    expect(out.every((v) => v === 7)).toBe(true);
  });

  test('out detached during the run: the run rejects with a RangeError naming out', async () => {
    const out = new Float64Array(20000 * 10);
    const run = sample({ target, particles: 20000, nfe: 16, out });
    detach(out);
    await expect(run).rejects.toThrow(/Expected a Float64Array of length 200000 for out but received one of length 0/);
  });
});

describe('JS scores: async, faulty', () => {
  const score = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => gaussian.score(x, t, out);

  test('sample awaits a score that returns a Promise; sampleSync refuses it clearly', async () => {
    const asyncScore = async (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => score(x, t, out);
    const a = await sample({ score: asyncScore, dim: 3, sampler: 'ddpm', nfe: 10, particles: 20, seed: 1 });
    const b = await sample({ score, dim: 3, sampler: 'ddpm', nfe: 10, particles: 20, seed: 1 });
    expect(sameBits(a.samples, b.samples)).toBe(true);
    expect(() => sampleSync({ score: asyncScore, dim: 3, sampler: 'ddpm', nfe: 10, particles: 20 })).toThrow(/synchronous score/);
  });

  test('rtk-mala asks for score and energy in one round trip; the energy sees x as sent even if the score wrote into it', async () => {
    const energy = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => gaussian.energy(x, t, out);
    const vandal = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => {
      score(x, t, out);
      x.fill(1e6);
    };
    let calls = 0;
    const countedEnergy = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => {
      calls++;
      energy(x, t, out);
    };
    const clean = sampleSync({ score, energy: countedEnergy, dim: 3, sampler: 'rtk-mala', nfe: 24, particles: 200, seed: 2 });
    const messy = sampleSync({ score: vandal, energy, dim: 3, sampler: 'rtk-mala', nfe: 24, particles: 200, seed: 2 });
    expect(calls).toBe(clean.stats.energyEvals);
    expect(sameBits(messy.samples, clean.samples)).toBe(true);
    const native = sampleSync({ target: gaussian, sampler: 'rtk-mala', nfe: 24, particles: 200, seed: 2 });
    expect(sameBits(clean.samples, native.samples)).toBe(true);
  });

  test('an exception thrown by the score reaches the caller unchanged, and the next run works', async () => {
    const boom = new Error('model exploded');
    let calls = 0;
    const faulty = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => {
      if (++calls === 3) throw boom;
      score(x, t, out);
    };
    await expect(sample({ score: faulty, dim: 3, sampler: 'rtk-uld', nfe: 16, particles: 10 })).rejects.toBe(boom);
    const rejected = new Error('async failure');
    await expect(
      sample({ score: async () => Promise.reject(rejected), dim: 3, sampler: 'ddim', nfe: 8, particles: 10 }),
    ).rejects.toBe(rejected);
    const r = await sample({ score, dim: 3, sampler: 'rtk-uld', nfe: 16, particles: 10 });
    expect(r.stats.nfe).toBe(16);
  });

  test('a score that writes nothing is a clear error', async () => {
    await expect(sample({ score: () => undefined, dim: 3, sampler: 'ddpm', nfe: 8, particles: 4 })).rejects.toThrow(
      /did not write out\[0\]/,
    );
  });

  test('NaN scores: MALA rejects those proposals, the other samplers stop naming segment and step', async () => {
    // Near t = 0, NaN wherever a point lies beyond x0 = 1.2 (2.4 sd above the data's mean):
    // MALA proposals there are rejected, never accepted, so no sample ends up there.
    const patchy = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => {
      score(x, t, out);
      if (t < 0.5) for (let p = 0; p < x.length / 3; p++) if (x[p * 3] > 1.2) out[p * 3] = NaN;
    };
    let rejected = false;
    const probe = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) => {
      patchy(x, t, out);
      if (t < 0.5 && out.some(Number.isNaN)) rejected = true;
    };
    // warmStart 'tweedie': the chains start at posterior means, inside the finite region (the
    // default 'ddpm' start is an unadjusted draw, which may land beyond it: an error, as for DDPM).
    const mala = await sample({ score: probe, dim: 3, sampler: 'rtk-mala-es', schedule: 'segments', warmStart: 'tweedie', nfe: 40, particles: 2000, seed: 4 });
    expect(rejected).toBe(true);
    expect(mala.samples.every(Number.isFinite)).toBe(true);
    for (let p = 0; p < 2000; p++) expect(mala.samples[p * 3]).toBeLessThanOrEqual(1.2);
    const allNaN = (_x: unknown, _t: number, out: Float64Array | Float32Array) => out.fill(NaN);
    await expect(sample({ score: allNaN, dim: 3, sampler: 'ddpm', nfe: 8, particles: 4 })).rejects.toThrow(
      /non-finite value .* at segment 0, step 0/,
    );
  });
});

describe('abort', () => {
  test('an AbortSignal stops a native run with an AbortError; a second run works', async () => {
    const controller = new AbortController();
    const target = GaussianMixture.paperTarget();
    const run = sample({ target, nfe: 2000, particles: 20000, signal: controller.signal, sampler: 'ddpm' });
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toBeInstanceOf(AbortError);
    const ok = await sample({ target, nfe: 16, particles: 100 });
    expect(ok.stats.nfe).toBe(16);
  });

  test('an AbortSignal stops a JS-score run within one step', async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = sample({
      score: async (x, t, out) => {
        if (++calls === 5) controller.abort();
        gaussian.score(x, t, out);
      },
      dim: 3,
      sampler: 'ddpm',
      nfe: 100,
      particles: 10,
      signal: controller.signal,
    });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(5);
  });

  test('onProgress is called with monotone nfeSpent', async () => {
    const seen: number[] = [];
    await sample({ score: (x, t, o) => gaussian.score(x, t, o), dim: 3, nfe: 30, particles: 10, sampler: 'ddpm', progressIntervalMs: 0, onProgress: (p) => seen.push(p.nfeSpent) });
    expect(seen.length).toBeGreaterThan(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });

  test('sampleSync with a native target runs in C++ on this thread: same bits as sample, progress between steps, an onProgress error stops it', async () => {
    const options = { target: gaussian, sampler: 'rtk-mala' as const, nfe: 40, particles: 300, seed: 6 };
    const seen: number[] = [];
    const sync = sampleSync({ ...options, progressIntervalMs: 0, onProgress: (p) => seen.push(p.nfeSpent) });
    const async_ = await sample(options);
    expect(sync.stats.path).toBe('native');
    expect(sameBits(sync.samples, async_.samples)).toBe(true);
    expect(sync.stats.nfe).toBe(async_.stats.nfe);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    const stop = new Error('enough');
    let calls = 0;
    expect(() =>
      sampleSync({ ...options, progressIntervalMs: 0, onProgress: () => { if (++calls === 3) throw stop; } }),
    ).toThrow(stop);
    expect(calls).toBe(3);
    expect(sameBits(sampleSync(options).samples, async_.samples)).toBe(true);
  });
});

describe('bad options', () => {
  const target = gaussian;
  test.each([
    [{ target, sampler: 'rtk-foo' }, RangeError, /'rtk-mala'.* for sampler .*"rtk-foo"/],
    [{ target, nfes: 10 }, TypeError, /Unknown option 'nfes'.*did you mean 'nfe'/],
    [{ target, nfe: 2 }, RangeError, /at least 5 .* for nfe but received the number 2/],
    [{ target, nfe: 0 }, RangeError, /nfe/],
    [{ target, nfe: 10.5 }, RangeError, /nfe/],
    [{ target, T: Infinity }, RangeError, /T/],
    [{ target, T: NaN }, RangeError, /T/],
    [{ target, T: 1, tEnd: 1 }, RangeError, /greater than tEnd = 1 for T/],
    [{ target, particles: -1 }, RangeError, /particles/],
    [{ target, particles: '10' }, TypeError, /particles.*the string "10"/],
    [{ target, seed: 1.5 }, RangeError, /seed/],
    [{ target, warmStart: 'cold' }, RangeError, /warmStart/],
    [{ target, grid: [1, 2] }, RangeError, /grid/],
    [{ target, dim: 4 }, RangeError, /dim/],
    [{ score: (): void => undefined }, TypeError, /dim/],
    [{ score: 'x', dim: 2 }, TypeError, /score/],
    [{ score: (): void => undefined, dim: 2, sampler: 'rtk-mala' }, TypeError, /energy/],
    [{ target: {}, nfe: 10 }, TypeError, /target/],
    [{}, TypeError, /target.*score/],
  ])('%o', async (options, errorClass, message) => {
    await expect(sample(options as unknown as SampleOptions)).rejects.toThrow(errorClass as ErrorConstructor);
    await expect(sample(options as unknown as SampleOptions)).rejects.toThrow(message as RegExp);
  });

  test('non-object options', async () => {
    await expect(sample(null as unknown as SampleOptions)).rejects.toThrow(TypeError);
    expect(() => sampleSync(42 as unknown as SampleOptions)).toThrow(TypeError);
  });
});
