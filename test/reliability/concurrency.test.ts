// Cancellation and concurrency: concurrent runs give the same bits as sequential ones; an
// AbortSignal stops a run within one step (no further score call), also from a timer while an
// async score is pending, for native and JS runs; many runs aborted at once all reject with
// AbortError; the run after an abort works; no abort listener is left behind.
import { getEventListeners, setMaxListeners } from 'events';
import { AbortError, GaussianMixture, sample, sampleSync, SAMPLERS } from '../../lib';
import type { SamplerName } from '../../lib';
import { caught, caughtSync, gauss3, Real, sameBits } from './helpers';

const paper = GaussianMixture.paperTarget();
const target = gauss3();
const score = (x: Real, t: number, out: Real) => target.score(x, t, out);
const energy = (x: Real, t: number, out: Real) => target.energy(x, t, out);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectAbortError(e: unknown, reason?: unknown) {
  expect(e).toBeInstanceOf(AbortError);
  expect((e as AbortError).name).toBe('AbortError');
  expect((e as AbortError).code).toBe('ABORT_ERR');
  if (reason !== undefined) expect((e as Error).cause).toBe(reason);
}

describe('concurrency', () => {
  test('50 concurrent native runs (different seeds, samplers) equal the same runs one at a time', async () => {
    const configs = Array.from({ length: 50 }, (_, i) => ({
      target: paper,
      sampler: SAMPLERS[i % SAMPLERS.length] as SamplerName,
      nfe: 24,
      particles: 500 + 37 * i,
      seed: 1000 + i,
      threads: 1 + (i % 3),
    }));
    const together = await Promise.all(configs.map((c) => sample(c)));
    for (let i = 0; i < configs.length; i++) {
      const alone = await sample(configs[i]);
      expect(sameBits(together[i].samples, alone.samples)).toBe(true);
      expect(together[i].stats.nfe).toBe(alone.stats.nfe);
    }
    // different seeds really differ
    expect(sameBits(together[0].samples.subarray(0, 100), together[8].samples.subarray(0, 100))).toBe(false);
  });

  test('20 concurrent JS-score runs with interleaving async scores equal their sequential results', async () => {
    const asyncScore = (delay: number) => async (x: Real, t: number, out: Real) => {
      await sleep(delay);
      score(x, t, out);
    };
    const asyncEnergy = async (x: Real, t: number, out: Real) => {
      await sleep(0);
      energy(x, t, out);
    };
    const configs = Array.from({ length: 20 }, (_, i) => ({
      dim: 3,
      sampler: SAMPLERS[i % SAMPLERS.length] as SamplerName,
      nfe: 12,
      particles: 50 + i,
      seed: 7 * i,
    }));
    const together = await Promise.all(configs.map((c, i) => sample({ ...c, score: asyncScore(i % 3), energy: asyncEnergy })));
    for (let i = 0; i < configs.length; i++) {
      const alone = sampleSync({ ...configs[i], score, energy });
      expect(sameBits(together[i].samples, alone.samples)).toBe(true);
    }
  });

  test('native and JS runs mixed concurrently, with one of them failing, do not disturb each other', async () => {
    const boom = new Error('only this run fails');
    const runs = [
      sample({ target: paper, nfe: 16, particles: 2000, seed: 1 }),
      sample({ score: async () => Promise.reject(boom), dim: 3, sampler: 'ddim', nfe: 8, particles: 4 }),
      sample({ score: async (x, t, out) => score(x, t, out), dim: 3, nfe: 16, particles: 100, seed: 2, sampler: 'rtk-uld' }),
      sample({ target, nfe: 16, particles: 100, seed: 2, sampler: 'rtk-uld' }),
    ];
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBe(boom);
    const js = (settled[2] as PromiseFulfilledResult<{ samples: Real }>).value.samples;
    const nat = (settled[3] as PromiseFulfilledResult<{ samples: Real }>).value.samples;
    expect(sameBits(js, nat)).toBe(true);
  });
});

describe('abort: JS scores', () => {
  test.each(SAMPLERS.map((s) => [s]))('%s: abort inside the (sync) score at call 3: no further call, AbortError with the reason', async (sampler) => {
    const controller = new AbortController();
    let calls = 0, afterAbort = 0;
    const reason = new Error('user pressed stop');
    const counting = (x: Real, t: number, out: Real) => {
      if (controller.signal.aborted) afterAbort++;
      if (++calls === 3) controller.abort(reason);
      score(x, t, out);
    };
    const e = await caught(() => sample({ score: counting, energy, dim: 3, sampler, nfe: 40, particles: 10, signal: controller.signal }));
    expectAbortError(e, reason);
    expect(calls).toBe(3);
    expect(afterAbort).toBe(0);
    // the next run works and gives the reference bits
    const a = await sample({ score, energy, dim: 3, sampler, nfe: 40, particles: 10, seed: 4 });
    const b = sampleSync({ score, energy, dim: 3, sampler, nfe: 40, particles: 10, seed: 4 });
    expect(sameBits(a.samples, b.samples)).toBe(true);
  });

  test('abort from a timer while an async score is pending: that call completes, no further call', async () => {
    const controller = new AbortController();
    let calls = 0, startedAfterAbort = 0;
    const slow = async (x: Real, t: number, out: Real) => {
      if (controller.signal.aborted) startedAfterAbort++;
      calls++;
      await sleep(10);
      score(x, t, out);
    };
    const p = sample({ score: slow, dim: 3, sampler: 'ddpm', nfe: 200, particles: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 55);
    const started = Date.now();
    const e = await caught(() => p);
    expectAbortError(e);
    expect(startedAfterAbort).toBe(0);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(20);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  test('abort from inside the energy function (rtk-mala) stops before the next evaluation', async () => {
    const controller = new AbortController();
    let scoreCalls = 0, energyCalls = 0, afterAbort = 0;
    const e = await caught(() =>
      sample({
        score: (x, t, out) => {
          if (controller.signal.aborted) afterAbort++;
          scoreCalls++;
          score(x, t, out);
        },
        energy: (x, t, out) => {
          if (controller.signal.aborted) afterAbort++;
          if (++energyCalls === 4) controller.abort();
          energy(x, t, out);
        },
        dim: 3,
        sampler: 'rtk-mala',
        nfe: 40,
        particles: 10,
        signal: controller.signal,
      }),
    );
    expectAbortError(e);
    expect(afterAbort).toBe(0);
    expect(energyCalls).toBe(4);
  });

  test('sampleSync: abort inside the score throws AbortError synchronously, with no further call', () => {
    const controller = new AbortController();
    let calls = 0;
    const e = caughtSync(() =>
      sampleSync({
        score: (x, t, out) => {
          if (++calls === 2) controller.abort();
          score(x, t, out);
        },
        dim: 3,
        sampler: 'pf-heun',
        nfe: 30,
        particles: 5,
        signal: controller.signal,
      }),
    );
    expectAbortError(e);
    expect(calls).toBe(2);
  });

  test('an already-aborted signal rejects before any score call (sample, sampleSync, native)', async () => {
    const controller = new AbortController();
    controller.abort('early');
    let calls = 0;
    const counting = (x: Real, t: number, out: Real) => (calls++, score(x, t, out));
    expectAbortError(await caught(() => sample({ score: counting, dim: 3, sampler: 'ddpm', signal: controller.signal })), 'early');
    expectAbortError(caughtSync(() => sampleSync({ score: counting, dim: 3, sampler: 'ddpm', signal: controller.signal })), 'early');
    expectAbortError(await caught(() => sample({ target, signal: controller.signal })), 'early');
    expect(calls).toBe(0);
  });

  test('aborting after a run finished changes nothing and leaves no listener', async () => {
    const controller = new AbortController();
    const r = await sample({ target, nfe: 16, particles: 50, signal: controller.signal });
    const js = await sample({ score, dim: 3, nfe: 16, particles: 50, sampler: 'ddim', signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    const copy = Float64Array.from(r.samples);
    controller.abort();
    await sleep(5);
    expect(sameBits(r.samples, copy)).toBe(true);
    expect(js.samples.every(Number.isFinite)).toBe(true);
  });
});

describe('abort: native runs', () => {
  test('abort mid-run: rejects within one step (progress advances at most one step after the abort)', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = sample({
      target: paper,
      sampler: 'ddpm',
      nfe: 5000,
      particles: 20000,
      threads: 1,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => seen.push(p.nfeSpent),
    });
    await sleep(150);
    const started = Date.now();
    controller.abort();
    const e = await caught(() => run);
    const took = Date.now() - started;
    expectAbortError(e);
    // one ddpm step on 20000 x 10 values takes ~1-5 ms; the whole run would take seconds
    expect(took).toBeLessThan(500);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBeLessThan(5000);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    const ok = await sample({ target: paper, nfe: 16, particles: 100 });
    expect(ok.stats.nfe).toBe(16);
  });

  test('20 native runs aborted at once (one controller each, and one shared) all reject with AbortError', async () => {
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const runs = controllers.map((c, i) =>
      sample({ target: paper, sampler: SAMPLERS[i % SAMPLERS.length] as SamplerName, nfe: 4000, particles: 5000, seed: i, signal: c.signal }),
    );
    await sleep(50);
    const reason = new Error('stop all');
    controllers.forEach((c) => c.abort(reason));
    const settled = await Promise.allSettled(runs);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expectAbortError((s as PromiseRejectedResult).reason, reason);
    }
    const shared = new AbortController();
    setMaxListeners(25, shared.signal);
    const more = Array.from({ length: 20 }, (_, i) => sample({ target: paper, sampler: 'rtk-mala', nfe: 4000, particles: 5000, seed: i, signal: shared.signal }));
    await sleep(20);
    shared.abort();
    for (const s of await Promise.allSettled(more)) expectAbortError((s as PromiseRejectedResult).reason);
    expect(getEventListeners(shared.signal, 'abort').length).toBe(0);
    // the addon still works, and gives the same bits as before the aborts
    const a = await sample({ target: paper, nfe: 16, particles: 300, seed: 5 });
    const b = await sample({ target: paper, nfe: 16, particles: 300, seed: 5 });
    expect(sameBits(a.samples, b.samples)).toBe(true);
  });
});
