// Faulty JS score (and energy) functions: every fault either reaches the caller as the very
// error it threw, or as a clear Error naming where it happened; MALA rejects non-finite
// proposals; the process never crashes, buffers a score keeps cannot change a result, and the
// next run works. (test/lib/sample.test.ts covers the basic cases: one thrown Error, one
// rejected Promise, an all-NaN ddpm score, a score writing nothing, a patchy NaN MALA score.)
import { sample, sampleSync, SAMPLERS } from '../../lib';
import type { SampleOptions, SamplerName } from '../../lib';
import { caught, caughtSync, gauss3, isError, NOT_THROWN, Real, runIsolated, sameBits } from './helpers';

const target = gauss3();
const score = (x: Real, t: number, out: Real) => target.score(x, t, out);
const energy = (x: Real, t: number, out: Real) => target.energy(x, t, out);
const base = { dim: 3, particles: 8, nfe: 12, seed: 3 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A score that behaves until call number `at` (1-based), where `fault` replaces it. */
function faultAt(at: number, fault: (x: Real, t: number, out: Real) => unknown) {
  let calls = 0;
  const f = (x: Real, t: number, out: Real) => (++calls === at ? fault(x, t, out) : score(x, t, out));
  return Object.assign(f, { calls: () => calls });
}

async function reference(sampler: SamplerName, extra: Partial<SampleOptions> = {}) {
  return sample({ ...base, score, energy, sampler, ...extra } as SampleOptions);
}

const faultLog: { what: string; outcome: string }[] = [];
afterAll(() => {
  // One line per kind of outcome (numbers and times folded), with how many faults produced it.
  const kinds = new Map<string, number>();
  for (const { outcome: line } of faultLog) {
    const outcome = line.replace(/t = [0-9.]+/g, 't = …').replace(/\d+/g, 'N');
    kinds.set(outcome, (kinds.get(outcome) ?? 0) + 1);
  }
  const summary = [...kinds].map(([k, n]) => `  ${String(n).padStart(3)} x ${k}`).join('\n');
  // eslint-disable-next-line no-console
  console.log(`faults tried: ${faultLog.length}\n${summary}`);
});
function log(what: string, outcome: unknown) {
  faultLog.push({
    what,
    outcome: outcome === NOT_THROWN ? 'completed' : isError(outcome) ? `${outcome.name}: ${outcome.message}` : `threw ${String(outcome)}`,
  });
}

describe('thrown and rejected values reach the caller unchanged', () => {
  const thrown: [string, unknown][] = [
    ['an Error', new Error('model exploded')],
    ['a TypeError', new TypeError('bad tensor')],
    ['a string', 'plain string'],
    ['undefined', undefined],
    ['a plain object', { code: 42 }],
  ];
  test.each(SAMPLERS.flatMap((s) => thrown.map(([label, value]) => [s, label, value] as const)))(
    '%s: score throws %s at its 3rd call (sample and sampleSync)',
    async (sampler, label, value) => {
      const f = faultAt(3, () => {
        throw value;
      });
      const e = await caught(() => sample({ ...base, score: f, energy, sampler }));
      expect(e).toBe(value);
      expect(f.calls()).toBe(3);
      const g = faultAt(3, () => {
        throw value;
      });
      expect(caughtSync(() => sampleSync({ ...base, score: g, energy, sampler }))).toBe(value);
      log(`${sampler}: score throws ${label}`, e);
    },
  );

  test.each(SAMPLERS.map((s) => [s]))('%s: score rejects at its 2nd call, after a delay', async (sampler) => {
    const boom = new RangeError('async failure');
    const f = faultAt(2, async () => {
      await sleep(5);
      throw boom;
    });
    const e = await caught(() => sample({ ...base, score: f, energy, sampler }));
    expect(e).toBe(boom);
    log(`${sampler}: score rejects`, e);
  });

  test('rtk-mala: the energy throws / rejects: the caller gets that object', async () => {
    const boom = new Error('energy exploded');
    let calls = 0;
    const throwing = (x: Real, t: number, out: Real) => {
      if (++calls === 2) throw boom;
      energy(x, t, out);
    };
    expect(await caught(() => sample({ ...base, score, energy: throwing, sampler: 'rtk-mala' }))).toBe(boom);
    const rejecting = async () => Promise.reject(boom);
    expect(await caught(() => sample({ ...base, score, energy: rejecting, sampler: 'rtk-mala' }))).toBe(boom);
    log('rtk-mala: energy throws / rejects', boom);
  });

  test('after every fault above, a clean run gives the reference bits', async () => {
    for (const sampler of SAMPLERS) {
      const a = await reference(sampler);
      const b = sampleSync({ ...base, score, energy, sampler });
      expect(sameBits(a.samples, b.samples)).toBe(true);
    }
  });
});

describe('sampleSync and Promises', () => {
  test('a score returning a Promise on a later call (not the first) is refused clearly', () => {
    const f = faultAt(4, async (x: Real, t: number, out: Real) => score(x, t, out));
    const e = caughtSync(() => sampleSync({ ...base, score: f, sampler: 'ddpm' }));
    expect(isError(e) && e.name).toBe('TypeError');
    expect((e as Error).message).toMatch(/sampleSync needs a synchronous score.*returned a Promise/);
    log('sampleSync: Promise at call 4', e);
  });

  test('an energy returning a Promise is refused clearly', () => {
    const e = caughtSync(() => sampleSync({ ...base, score, energy: async (x, t, out) => energy(x, t, out), sampler: 'rtk-mala' }));
    expect((e as Error).message).toMatch(/synchronous score \(and energy\)/);
    log('sampleSync: energy returns a Promise', e);
  });

  test('a thenable (not a Promise) is treated as a Promise', () => {
    const thenable = { then: (resolve: () => void) => resolve() };
    const e = caughtSync(() => sampleSync({ ...base, score: (x, t, out) => (score(x, t, out), thenable), sampler: 'ddim' }));
    expect((e as Error).message).toMatch(/returned a Promise/);
    log('sampleSync: thenable', e);
  });

  test('sample awaits a thenable (not a Promise) and gives the same bits as a sync score', async () => {
    const thenable = { then: (resolve: () => void) => setTimeout(resolve, 0) };
    const a = await sample({ ...base, score: (x, t, out) => (score(x, t, out), thenable), sampler: 'ddim' });
    const b = await reference('ddim');
    expect(sameBits(a.samples, b.samples)).toBe(true);
  });

  // BUG: lib/sample.ts sampleSync: when the score returns a Promise, sampleSync throws its
  // TypeError but leaves that Promise unobserved; if it then rejects (an async model that fails,
  // `async () => { throw ... }`), Node reports an unhandled rejection and, by default
  // (--unhandled-rejections=throw), the PROCESS EXITS with code 1 after sampleSync's TypeError
  // was already caught. Fix: attach a no-op handler to the refused promise. (Isolated: it would
  // kill the jest worker.)
  test('an async score that rejects, refused by sampleSync, does not crash the process', () => {
    const r = runIsolated(`
      try { L.sampleSync({ score: async () => { throw new Error('model failed'); }, dim: 2, sampler: 'ddpm', nfe: 4, particles: 2 }); }
      catch (e) { console.log('CAUGHT ' + e.name); }
      setTimeout(() => console.log('ALIVE'), 50);
    `);
    expect(r.stdout).toMatch(/CAUGHT TypeError/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ALIVE/);
  });

  test('the Promise refused by sampleSync may still write into its buffers later: nothing breaks', async () => {
    const e = caughtSync(() =>
      sampleSync({
        ...base,
        score: async (x, _t, out) => {
          await sleep(5);
          out.fill(1e300);
          x.fill(-1e300);
        },
        sampler: 'ddpm',
      }),
    );
    expect((e as Error).message).toMatch(/returned a Promise/);
    await sleep(20);
    const b = await reference('ddpm');
    expect(b.samples.every(Number.isFinite)).toBe(true);
  });
});

describe('non-finite values', () => {
  const nonFinite: [string, number][] = [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ];
  // [sampler, call (1-based), expected place]; RTK with the paper's 'segments' schedule, whose
  // call order is fixed (the default hybrid schedule starts with prefix steps, see below).
  const places: [SamplerName, number, RegExp][] = [
    ['ddpm', 1, /at segment 0, step 0, t = 5/],
    ['ddpm', 4, /at segment 3, step 0/],
    ['ddim', 2, /at segment 1, step 0/],
    ['pf-heun', 2, /at segment 0, step 1/],
    ['pf-heun', 3, /at segment 1, step 0/],
    ['ald', 2, /at segment 0, step 1/],
    ['ald', 5, /at segment 2, step 0/],
    ['rtk-uld', 1, /at segment 0, warm start, t = 5/],
    ['rtk-uld', 3, /at segment 0, step 1/],
    ['rtk-ula', 2, /at segment 0, step 0/],
    ['rtk-mala-es', 1, /at segment 0, warm start/],
    ['rtk-mala-es', 2, /the score at the chain's start .* at segment 0, warm start/],
    ['rtk-mala', 2, /the score at the chain's start .* at segment 0/],
  ];
  test.each(places.flatMap(([s, at, where]) => nonFinite.map(([label, v]) => [s, at, label, v, where] as const)))(
    '%s: %s at call %d is a clear error naming segment and step',
    async (sampler, at, label, value, where) => {
      const f = faultAt(at, (_x, _t, out) => {
        score(_x, _t, out);
        out[out.length - 1] = value;
      });
      const e = await caught(() => sample({ ...base, score: f, energy, sampler, schedule: 'segments' }));
      expect(isError(e)).toBe(true);
      expect((e as Error).message).toMatch(/non-finite value/);
      expect((e as Error).message).toMatch(where);
      expect((e as Error).message).toMatch(new RegExp(`at index ${base.particles * 3 - 1}\\b`));
      log(`${sampler}: ${label} at call ${at}`, e);
    },
  );

  test.each((['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula'] as SamplerName[]).flatMap((s) => [1, 3, 9].map((at) => [s, at] as const)))(
    '%s (default schedule): NaN at call %d is a clear error naming segment and step (or warm start)',
    async (sampler, at) => {
      const f = faultAt(at, (_x, _t, out) => out.fill(NaN));
      const e = await caught(() => sample({ ...base, nfe: 24, score: f, energy, sampler }));
      expect(isError(e)).toBe(true);
      expect((e as Error).message).toMatch(/non-finite value \(nan at index 0\) at segment \d+, (step \d+|warm start), t = /);
      log(`${sampler} (default schedule): NaN at call ${at}`, e);
    },
  );

  test.each(nonFinite.map(([l, v]) => [l, v]))('MALA rejects proposals whose score is %s (finite result, nothing beyond the bad region)', async (label, value) => {
    // Non-finite wherever x0 > 1.2 at t < 0.5 (2.4 sd above the data mean): those proposals
    // are rejected, so no final sample lies there.
    const patchy = (x: Real, t: number, out: Real) => {
      score(x, t, out);
      if (t < 0.5) for (let p = 0; p < x.length / 3; p++) if (x[p * 3] > 1.2) out[p * 3] = value as number;
    };
    for (const sampler of ['rtk-mala', 'rtk-mala-es'] as const) {
      // 'segments': with the default hybrid schedule the unadjusted prefix steps also run below
      // t = 0.5, where a NaN is (rightly) an error
      // warmStart 'tweedie': chains start at posterior means, inside the finite region (a 'ddpm'
      // start, MALA's default, is an unadjusted draw that may land beyond it: an error there).
      const r = await sample({ ...base, particles: 1000, nfe: 40, score: patchy, energy, sampler, seed: 9, schedule: 'segments', warmStart: 'tweedie' });
      expect(r.samples.every(Number.isFinite)).toBe(true);
      for (let p = 0; p < 1000; p++) expect(r.samples[p * 3]).toBeLessThanOrEqual(1.2);
      log(`${sampler}: ${label} score on proposals beyond x0 = 1.2`, NOT_THROWN);
    }
  });

  test('rtk-mala rejects proposals whose energy is NaN / Infinity', async () => {
    for (const value of [NaN, Infinity]) {
      const patchy = (x: Real, t: number, out: Real) => {
        energy(x, t, out);
        if (t < 0.5) for (let p = 0; p < out.length; p++) if (x[p * 3] > 1.2) out[p] = value;
      };
      const r = await sample({ ...base, particles: 1000, nfe: 40, score, energy: patchy, sampler: 'rtk-mala', seed: 9, schedule: 'segments', warmStart: 'tweedie' });
      expect(r.samples.every(Number.isFinite)).toBe(true);
      for (let p = 0; p < 1000; p++) expect(r.samples[p * 3]).toBeLessThanOrEqual(1.2);
      log(`rtk-mala: ${value} energy on proposals beyond x0 = 1.2`, NOT_THROWN);
    }
  });

  test('simpson midpoint scores that are NaN are rejections too', async () => {
    let calls = 0;
    const f = (x: Real, t: number, out: Real) => {
      score(x, t, out);
      // rtk-mala-es + simpson: after the chain start every 2nd call of a segment is a midpoint.
      if (t < 0.5 && ++calls % 2 === 0) out.fill(NaN);
    };
    const r = await sample({ ...base, nfe: 30, score: f, sampler: 'rtk-mala-es', energyEstimate: 'simpson', schedule: 'segments' });
    expect(r.samples.every(Number.isFinite)).toBe(true);
    log('rtk-mala-es simpson: NaN midpoints', NOT_THROWN);
  });

  // BUG: native/include/rtk/samplers/rtk.h run_rtk checks the chain start's SCORE with
  // require_finite but not its ENERGY: with sampler 'rtk-mala' and an energy that is NaN at the
  // chain's start, g(z) is NaN, every MH test fails, and the run "succeeds" returning the warm
  // starts unchanged (stats acceptRate 0 in every segment) instead of a clear error naming
  // segment and step. The chain start is not a proposal, so rejection is not the documented
  // behaviour there.
  test("rtk-mala: a NaN energy at the chain's start is a clear error naming the segment", async () => {
    const e = await caught(() => sample({ ...base, score, energy: (_x, _t, out) => out.fill(NaN), sampler: 'rtk-mala', schedule: 'segments' }));
    log('rtk-mala: energy NaN everywhere', e);
    expect(isError(e)).toBe(true);
    expect((e as Error).message).toMatch(/energy.*non-finite.*segment 0/);
  });
});

describe('missing and partial writes', () => {
  const writes: [string, (out: Real) => void, RegExp][] = [
    ['nothing', () => undefined, /did not write out\[0\] \(of 24\)/],
    ['the first half', (out) => out.subarray(0, 12).fill(0.5), /did not write out\[12\] \(of 24\)/],
    ['all but the last value', (out) => out.subarray(0, 23).fill(0.5), /did not write out\[23\] \(of 24\)/],
    ['every other value', (out) => out.forEach((_v, i) => (i % 2 ? undefined : (out[i] = 0.1))), /did not write out\[1\] \(of 24\)/],
  ];
  test.each(SAMPLERS.flatMap((s) => writes.map(([label, w, m]) => [s, label, w, m] as const)))('%s: a score that writes %s at call 2', async (sampler, label, write, message) => {
    const f = faultAt(2, (_x, _t, out) => write(out));
    const e = await caught(() => sample({ ...base, score: f, energy, sampler }));
    expect(isError(e)).toBe(true);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).toMatch(/must fill the whole output array/);
    log(`${sampler}: writes ${label}`, e);
  });

  test('rtk-mala: an energy that writes nothing is a clear error', async () => {
    const e = await caught(() => sample({ ...base, score, energy: () => undefined, sampler: 'rtk-mala' }));
    expect((e as Error).message).toMatch(/The energy function did not write out\[0\] \(of 8\)/);
    log('rtk-mala: energy writes nothing', e);
  });

  test('float32: a partial write is detected as well', async () => {
    const f = faultAt(1, (_x, _t, out) => out.subarray(0, 5).fill(0));
    const e = await caught(() => sample({ ...base, score: f, sampler: 'ddpm', dtype: 'float32' }));
    expect((e as Error).message).toMatch(/did not write out\[5\]/);
  });

  // BUG: native/addon/js_run.cc copy_reply_from_js: the "did not write" error names the index,
  // the length and t ("The score function did not write out[12] (of 24) at t = 2.500000"), but
  // not the segment and step, unlike the non-finite errors of the samplers ("at segment 0,
  // step 1"); with several evaluations at the same t (every inner step of an RTK segment) the
  // place of the fault is ambiguous.
  test('a partial write is an error naming the segment and step', async () => {
    const f = faultAt(3, (_x, _t, out) => out.subarray(0, 12).fill(0.5));
    const e = await caught(() => sample({ ...base, score: f, sampler: 'rtk-uld', schedule: 'segments' }));
    expect((e as Error).message).toMatch(/segment \d+, step \d+/);
  });
});

describe('buffers kept by the score', () => {
  test('writing into the kept x / out after the run does not change the result', async () => {
    for (const sampler of SAMPLERS) {
      let keptX: Real | undefined, keptOut: Real | undefined;
      const r = await sample({ ...base, score: (x, t, out) => ((keptX = x), (keptOut = out), score(x, t, out)), energy, sampler });
      const copy = Float64Array.from(r.samples);
      keptX!.fill(1e300);
      keptOut!.fill(NaN);
      expect(sameBits(r.samples, copy)).toBe(true);
      expect(r.samples.buffer).not.toBe(keptX!.buffer);
      expect(r.samples.buffer).not.toBe(keptOut!.buffer);
    }
    log('all samplers: kept buffers written after the run', NOT_THROWN);
  });

  test('scribbling over x inside the score (after reading it) does not change the result', async () => {
    for (const sampler of SAMPLERS) {
      const scribble = (x: Real, t: number, out: Real) => {
        score(x, t, out);
        x.fill(1e300);
      };
      const a = await sample({ ...base, score: scribble, energy, sampler });
      const b = await reference(sampler);
      expect(sameBits(a.samples, b.samples)).toBe(true);
    }
    log('all samplers: score overwrites x', NOT_THROWN);
  });

  test("stale writes into an earlier run's buffers during a second run do not corrupt it", async () => {
    let keptX: Real | undefined, keptOut: Real | undefined;
    await sample({ ...base, score: (x, t, out) => ((keptX = x), (keptOut = out), score(x, t, out)), sampler: 'ddpm' });
    const timer = setInterval(() => {
      keptX!.fill(7);
      keptOut!.fill(NaN);
    }, 0);
    try {
      // An async score yields to the event loop between steps, so the interval really runs.
      const slow = async (x: Real, t: number, out: Real) => {
        await sleep(1);
        score(x, t, out);
      };
      for (const sampler of ['rtk-mala', 'rtk-uld', 'ddpm', 'pf-heun'] as const) {
        const a = await sample({ ...base, score: slow, energy, sampler });
        const b = await reference(sampler);
        expect(sameBits(a.samples, b.samples)).toBe(true);
      }
    } finally {
      clearInterval(timer);
    }
    log('stale writes into a finished run\'s buffers during other runs', NOT_THROWN);
  });

  test('a late write by an async score after its own promise settled cannot reach the sampler after the run', async () => {
    const late: Real[] = [];
    const r = await sample({
      ...base,
      score: async (x, t, out) => {
        score(x, t, out);
        late.push(out);
        setTimeout(() => out.fill(NaN), 3);
      },
      sampler: 'ddim',
    });
    const copy = Float64Array.from(r.samples);
    await sleep(20);
    expect(sameBits(r.samples, copy)).toBe(true);
    expect(r.samples.every(Number.isFinite)).toBe(true);
  });
});

describe('slow scores', () => {
  test('50 ms per call (async), 6 calls: completes with the reference bits', async () => {
    const slow = async (x: Real, t: number, out: Real) => {
      await sleep(50);
      score(x, t, out);
    };
    const started = Date.now();
    const a = await sample({ ...base, nfe: 6, score: slow, sampler: 'ddim' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(6 * 45);
    const b = await sample({ ...base, nfe: 6, score, sampler: 'ddim' });
    expect(sameBits(a.samples, b.samples)).toBe(true);
    log('async score, 50 ms per call', NOT_THROWN);
  });

  test('50 ms per call (busy, synchronous), rtk-uld with 5 calls: completes (sample and sampleSync)', async () => {
    const busy = (x: Real, t: number, out: Real) => {
      const until = Date.now() + 50;
      while (Date.now() < until);
      score(x, t, out);
    };
    const a = await sample({ ...base, nfe: 5, score: busy, sampler: 'rtk-uld' });
    const b = sampleSync({ ...base, nfe: 5, score: busy, sampler: 'rtk-uld' });
    expect(sameBits(a.samples, b.samples)).toBe(true);
    log('sync busy score, 50 ms per call', NOT_THROWN);
  });
});

describe('detached buffers', () => {
  const detach = (b: ArrayBufferLike) => structuredClone(b, { transfer: [b as ArrayBuffer] });
  const cases: [string, (x: Real, t: number, out: Real) => unknown][] = [
    ['out detached before writing', (_x, _t, out) => detach(out.buffer)],
    ['out detached after writing', (x, t, out) => (score(x, t, out), detach(out.buffer))],
    ['x detached after reading', (x, t, out) => (score(x, t, out), detach(x.buffer))],
    ['both detached', (x, t, out) => (score(x, t, out), detach(x.buffer), detach(out.buffer))],
    ['out detached by an async score after writing', async (x, t, out) => (score(x, t, out), await sleep(1), detach(out.buffer))],
  ];
  test.each(SAMPLERS.flatMap((s) => cases.map(([label, f]) => [s, label, f] as const)))('%s: %s at call 2: an Error, no crash', async (sampler, label, fault) => {
    const f = faultAt(2, fault);
    const e = await caught(() => sample({ ...base, score: f, energy, sampler }));
    expect(isError(e)).toBe(true);
    expect((e as Error).message).toMatch(/(score|x) buffer.*length 0|detached/);
    log(`${sampler}: ${label}`, e);
  });

  test('sampleSync, float32 and the energy buffer too; the next run works', async () => {
    const e1 = caughtSync(() => sampleSync({ ...base, score: (x, t, out) => (score(x, t, out), detach(out.buffer)), sampler: 'ddpm' }));
    const e2 = await caught(() => sample({ ...base, dtype: 'float32', score: (x, t, out) => (score(x, t, out), detach(out.buffer)), sampler: 'ddpm' }));
    const e3 = await caught(() => sample({ ...base, score, energy: (x, t, out) => (energy(x, t, out), detach(out.buffer)), sampler: 'rtk-mala' }));
    for (const e of [e1, e2, e3]) expect(isError(e)).toBe(true);
    expect((e3 as Error).message).toMatch(/energy function's out array was detached/);
    log('sampleSync / float32 / energy buffer detached', e3);
    const r = await reference('rtk-mala');
    expect(r.samples.every(Number.isFinite)).toBe(true);
  });
});

describe('faulty onProgress callbacks', () => {
  test('JS score path: a throwing onProgress rejects the run with that error; the next run works', async () => {
    const boom = new Error('progress bar broke');
    const e = await caught(() => sample({ ...base, score, sampler: 'ddpm', progressIntervalMs: 0, onProgress: () => { throw boom; } }));
    expect(e).toBe(boom);
    log('JS path: onProgress throws', e);
    expect((await reference('ddpm')).samples.every(Number.isFinite)).toBe(true);
  });

  // BUG: lib/sample.ts sample() (native target): onProgress is called from a setInterval timer
  // (`setInterval(() => report(true), ...)`), outside the promise chain, so an exception thrown
  // by the user's onProgress is an uncaught exception: the PROCESS EXITS (code 1) while the
  // caller's try/await cannot catch it, and the native run is left running. On the JS-score path
  // the same callback rejects the run (test above). (Isolated: it would kill the jest worker.)
  test('native path: a throwing onProgress rejects the run (or is ignored), the process survives', () => {
    const r = runIsolated(`
      (async () => {
        const g = L.GaussianMixture.paperTarget();
        try {
          await L.sample({ target: g, sampler: 'ddpm', nfe: 500, particles: 20000, progressIntervalMs: 0,
                           onProgress: () => { throw new Error('progress bar broke'); } });
          console.log('RESOLVED');
        } catch (e) { console.log('CAUGHT ' + e.message); }
        setTimeout(() => console.log('ALIVE'), 50);
      })();
    `);
    expect(r.stdout).toMatch(/RESOLVED|CAUGHT progress bar broke/);
    expect(r.stdout).toMatch(/ALIVE/);
    expect(r.status).toBe(0);
  });
});

describe('detached buffers: the message', () => {
  // BUG: native/addon/js_run.cc (typed_array via copy_reply_from_js / copy_request_to_js): a
  // score that detaches (transfers) its out buffer gets "Expected a Float64Array of length 24 for
  // score buffer but received one of length 0": a clear Error, but it names neither the segment
  // and step nor the cause (the function's output array was detached/transferred); "score
  // buffer" is the addon's internal name for the `out` argument.
  test('a detached out buffer is reported with the segment and step and the word "detached"', async () => {
    const f = faultAt(2, (x, t, out) => (score(x, t, out), structuredClone(out.buffer, { transfer: [out.buffer as ArrayBuffer] })));
    const e = await caught(() => sample({ ...base, score: f, sampler: 'ddpm' }));
    expect((e as Error).message).toMatch(/detached|transferred/);
    expect((e as Error).message).toMatch(/segment \d+, step \d+/);
  });
});

describe('re-entrancy', () => {
  test('a score that itself runs sampleSync / sample (nested runs) works', async () => {
    const nested = (x: Real, t: number, out: Real) => {
      const inner = sampleSync({ ...base, particles: 2, nfe: 3, score, sampler: 'ddpm' });
      expect(inner.samples.length).toBe(6);
      score(x, t, out);
    };
    const a = sampleSync({ ...base, score: nested, sampler: 'rtk-uld' });
    const b = await reference('rtk-uld');
    expect(sameBits(a.samples, b.samples)).toBe(true);
    const asyncNested = async (x: Real, t: number, out: Real) => {
      await sample({ target, particles: 2, nfe: 3, sampler: 'ddim' });
      score(x, t, out);
    };
    const c = await sample({ ...base, score: asyncNested, sampler: 'rtk-uld' });
    expect(sameBits(c.samples, b.samples)).toBe(true);
    log('nested runs inside the score', NOT_THROWN);
  });
});
