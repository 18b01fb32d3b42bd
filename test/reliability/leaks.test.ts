// A light version of scripts/leak-check.js (which runs 10,000 + 3,000): ~1000 short runs
// alternating the native target and a JS score, then faulty runs; after a warm-up, RSS (after a
// full GC) must stay within a few MB and no thread may be left behind.
import * as fs from 'fs';
import * as v8 from 'v8';
import * as vm from 'vm';
import { GaussianMixture, native, sample, sampleSync, SAMPLERS } from '../../lib';
import type { SamplerName } from '../../lib';
import type { Real } from './helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function rssMb(): number {
  gc();
  gc();
  return process.memoryUsage().rss / 1048576;
}

function threads(): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
  } catch {
    return NaN; // not Linux: not checked
  }
}

const target = new GaussianMixture({ means: [[0.5, -1, 2], [-0.5, 1, 0]], variances: [[0.5, 0.2, 1.5], 0.3] });
const score = (x: Real, t: number, out: Real) => target.score(x, t, out);
const energy = (x: Real, t: number, out: Real) => target.energy(x, t, out);

async function good(i: number) {
  const base = { sampler: SAMPLERS[i % SAMPLERS.length] as SamplerName, particles: 32, nfe: 16, seed: i };
  switch (i % 4) {
    case 0: return sample({ target, ...base });
    case 1: return sample({ score, energy, dim: 3, ...base });
    case 2: return sampleSync({ target, ...base });
    default: return sampleSync({ score, energy, dim: 3, ...base });
  }
}

const faulty: (() => unknown)[] = [
  () => sample({ score: () => { throw new Error('boom'); }, dim: 3, sampler: 'ddpm', nfe: 8, particles: 32 }),
  () => sample({ score: async () => { throw new Error('boom'); }, dim: 3, sampler: 'rtk-uld', nfe: 8, particles: 32 }),
  () => sample({ score: (_x, _t, out) => out.fill(NaN), dim: 3, sampler: 'ddpm', nfe: 8, particles: 32 }),
  () => sample({ score: () => undefined, dim: 3, sampler: 'ddim', nfe: 8, particles: 32 }),
  () => sample({ score: (_x, _t, out) => out.subarray(0, 48).fill(0), dim: 3, sampler: 'pf-heun', nfe: 8, particles: 32 }),
  () => sample({ score: (x, t, out) => { score(x, t, out); structuredClone(out.buffer, { transfer: [out.buffer as ArrayBuffer] }); }, dim: 3, sampler: 'ald', nfe: 8, particles: 32 }),
  () => sampleSync({ score: async (x, t, out) => score(x, t, out), dim: 3, sampler: 'ddpm', nfe: 8, particles: 32 }),
  () => {
    const c = new AbortController();
    let calls = 0;
    return sample({ score: (x, t, out) => { if (++calls === 3) c.abort(); score(x, t, out); }, dim: 3, sampler: 'ddpm', nfe: 20, particles: 32, signal: c.signal });
  },
  async () => {
    const c = new AbortController();
    const p = sample({ target, sampler: 'ddpm', nfe: 2000, particles: 2000, signal: c.signal });
    await new Promise((r) => setImmediate(r));
    c.abort();
    return p;
  },
];

async function measure(runs: number, one: (i: number) => unknown) {
  const warm = Math.floor(runs / 5);
  let before = 0, threadsBefore = 0;
  for (let i = 0; i < runs; i++) {
    if (i === warm) {
      before = rssMb();
      threadsBefore = threads();
    }
    try {
      await one(i);
    } catch {
      // faults are expected here; their errors are checked in faulty-scores.test.ts
    }
  }
  return { before, after: rssMb(), threadsBefore, threadsAfter: threads() };
}

test('1000 good runs (native / JS score, sample / sampleSync): RSS flat after warm-up, no thread left', async () => {
  const m = await measure(1000, good);
  // eslint-disable-next-line no-console
  console.log(`good runs: RSS ${m.before.toFixed(1)} -> ${m.after.toFixed(1)} MB; threads ${m.threadsBefore} -> ${m.threadsAfter}`);
  expect(m.after - m.before).toBeLessThan(16);
  if (!Number.isNaN(m.threadsBefore)) expect(m.threadsAfter).toBeLessThanOrEqual(m.threadsBefore);
});

test('450 faulty runs (throws, rejects, NaN, partial, detached, Promise to sampleSync, aborts): RSS flat, no thread left', async () => {
  const m = await measure(450, (i) => faulty[i % faulty.length]());
  // eslint-disable-next-line no-console
  console.log(`faulty runs: RSS ${m.before.toFixed(1)} -> ${m.after.toFixed(1)} MB; threads ${m.threadsBefore} -> ${m.threadsAfter}`);
  expect(m.after - m.before).toBeLessThan(16);
  if (!Number.isNaN(m.threadsBefore)) expect(m.threadsAfter).toBeLessThanOrEqual(m.threadsBefore);
});

test('JsScoreRun objects dropped mid-run without close() are reclaimed by the GC (sampler threads joined)', async () => {
  const plan = {
    sampler: 'rtk-uld', particles: 4, dim: 3, seed: 1, threads: 1, times: [2, 1, 0], steps: [5, 5],
    warmStart: 'tweedie', stepSize: 0, targetAccept: 0.6, friction: 0, projectionRadius: null,
    energyEstimate: 'trapezoid', finalDenoise: false, aldStepScale: 0.1,
  };
  gc();
  await new Promise((r) => setTimeout(r, 20));
  const before = threads();
  let peak = before;
  for (let i = 0; i < 40; i++) {
    const x = new Float64Array(12), out = new Float64Array(12);
    const run = new native.JsScoreRun(plan as never, 20, x, out, null);
    expect(run.next()).toBe(0); // the sampler thread now waits for this evaluation
    peak = Math.max(peak, threads());
  }
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const after = threads();
  // eslint-disable-next-line no-console
  console.log(`dropped JsScoreRuns: threads ${before} -> peak ${peak} -> ${after} after GC`);
  if (!Number.isNaN(before)) {
    expect(peak).toBeGreaterThan(before + 30); // the runs really had threads
    expect(after).toBeLessThanOrEqual(before + 1); // (the last run may still be on the stack)
  }
});
