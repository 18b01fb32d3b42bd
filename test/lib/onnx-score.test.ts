/**
 * @jest-environment ./test/lib/onnx-score.environment.js
 */
// onnxScore (lib/onnx-score.ts): an ONNX network as a batched async score. Checked exactly (to
// float32 precision) against tiny networks with a closed form (models/fixtures/, made by
// make_fixtures.py: the exact eps / x0 / score of N(0, s^2 I) in d = 4), then on the committed
// digits model (models/digits/), and on bad inputs.
import * as fs from 'fs';
import * as path from 'path';
import { linearAlphaBar, OnnxModelError, onnxScore, sample, sampleSync } from '../../lib';

const ROOT = path.join(__dirname, '..', '..');
const FIX = path.join(ROOT, 'models', 'fixtures');
const DIGITS = path.join(ROOT, 'models', 'digits');

let ortAvailable = true;
try {
  require.resolve('onnxruntime-node');
} catch {
  ortAvailable = false;
  // A visible line, not a silent pass: the suite needs the optional peer dependency.
  console.warn('SKIPPED test/lib/onnx-score.test.ts: onnxruntime-node is not installed (npm install onnxruntime-node)');
}
const describeOrt = ortAvailable ? describe : describe.skip;

const S2 = 0.25; // the fixtures' data variance s^2
const D = 4;
const varT = (t: number) => Math.exp(-2 * t) * S2 - Math.expm1(-2 * t);

/** n rows of d values, deterministic. */
function rows(n: number, d = D, seed = 1): Float64Array {
  const x = new Float64Array(n * d);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32) * 6 - 3;
  }
  return x;
}

async function rejection(p: Promise<unknown> | (() => Promise<unknown>)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-12));
  return worst;
}

describeOrt('onnxScore on closed-form Gaussian networks (float32 precision)', () => {
  const x = rows(37);
  const exact = (t: number) => Float64Array.from(x, (v) => -v / varT(t));

  test('epsilon model with time input t: score = -x / var_t', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: D });
    const info = await score.load();
    expect(info).toMatchObject({ xInput: 'x', timeInput: 't', output: 'eps', timeShape: 'rows', fixedBatch: null, xType: 'float32' });
    for (const t of [0.01, 0.1, 0.7, 2, 5]) {
      const out = new Float64Array(x.length);
      const r = score(x, t, out);
      expect(r).toBeInstanceOf(Promise);
      await r;
      // float32 inputs (rel. 6e-8) and 1 - e^{-2t} in float32 inside the graph (abs. 6e-8).
      expect(maxRelErr(out, exact(t))).toBeLessThan(2e-6 + 1.2e-7 / -Math.expm1(-2 * t));
    }
    // At the smallest training time 1 - e^{-2t} in float32 limits the graph itself to ~1e-4.
    const out = new Float64Array(x.length);
    await score(x, 1e-3, out);
    expect(maxRelErr(out, exact(1e-3))).toBeLessThan(1e-4);
  });

  test('float32 batches work the same', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: D });
    const x32 = Float32Array.from(x), out = new Float32Array(x.length);
    await score(x32, 0.5, out);
    expect(maxRelErr(out, Float64Array.from(x32, (v) => -v / varT(0.5)))).toBeLessThan(1e-5);
  });

  test('x0 model with an alphaBar time input of shape [N, 1]', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-x0-ab.onnx'), { kind: 'x0', dim: D, timeInput: 'alphaBar' });
    expect(await score.load()).toMatchObject({ xInput: 'x', timeInput: 'alpha_bar', timeShape: 'rows1' });
    for (const t of [0.05, 0.5, 3]) {
      const out = new Float64Array(x.length);
      await score(x, t, out);
      expect(maxRelErr(out, exact(t))).toBeLessThan(2e-5 / -Math.expm1(-2 * t));
    }
  });

  test('score model with a scalar sigma input listed before the sample (found from metadata)', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-score-sigma.onnx'), { kind: 'score', dim: D, timeInput: 'sigma' });
    expect(await score.load()).toMatchObject({ xInput: 'x', timeInput: 'sigma', timeShape: 'scalar' });
    for (const t of [0.02, 0.4, 4]) {
      const out = new Float64Array(x.length);
      await score(x, t, out);
      expect(maxRelErr(out, exact(t))).toBeLessThan(1e-5);
    }
  });

  test('DDPM timestep (int64) input with a linear schedule: the nearest index, and the adapter formula', async () => {
    const schedule = linearAlphaBar(1000);
    const score = onnxScore(path.join(FIX, 'gaussian-eps-ddpm.onnx'), { kind: 'epsilon', dim: D, schedule });
    expect(await score.load()).toMatchObject({ xInput: 'sample', timeInput: 'timestep', timeType: 'int64' });
    for (const k of [3, 100, 517, 998]) {
      // A time between two indices: the model sees the nearest index k.
      const t = -0.5 * Math.log(schedule[k]) + 1e-7;
      const out = new Float64Array(x.length);
      await score(x, t, out);
      const ab = Math.fround(schedule[k]);
      const want = Float64Array.from(x, (v) => (-Math.sqrt(1 - ab) * v) / (ab * S2 + 1 - ab) / Math.sqrt(-Math.expm1(-2 * t)));
      expect(maxRelErr(out, want)).toBeLessThan(2e-6 / (1 - ab));
    }
    await expect(
      onnxScore(path.join(FIX, 'gaussian-eps-ddpm.onnx'), { kind: 'epsilon', dim: D, schedule, timestep: 'continuous' }).load(),
    ).rejects.toThrow(/integer \(int64\).*'nearest'/);
    expect(() => onnxScore(path.join(FIX, 'gaussian-eps-ddpm.onnx'), { kind: 'epsilon', dim: D, timeInput: 'timestep' })).toThrow(
      /needs the model's 'schedule'/,
    );
  });

  test('chunking: batchSize splits the batch into runs; a fixed-batch model gets padded chunks', async () => {
    const calls: number[] = [];
    const ort = require('onnxruntime-node');
    const session = await ort.InferenceSession.create(path.join(FIX, 'gaussian-eps.onnx'));
    const run = session.run.bind(session);
    session.run = (feeds: Record<string, { dims: number[] }>, ...rest: unknown[]) => {
      calls.push(feeds.x.dims[0]);
      return run(feeds, ...rest);
    };
    const whole = onnxScore(session, { kind: 'epsilon', dim: D, name: 'wrapped' });
    const out = new Float64Array(x.length);
    await whole(x, 0.3, out);
    expect(calls).toEqual([37]); // one session.run per call for the whole batch
    calls.length = 0;
    const chunked = onnxScore(session, { kind: 'epsilon', dim: D, batchSize: 10 });
    const out2 = new Float64Array(x.length);
    await chunked(x, 0.3, out2);
    expect(calls).toEqual([10, 10, 10, 7]);
    expect(Array.from(out2)).toEqual(Array.from(out));

    const fixed = onnxScore(path.join(FIX, 'gaussian-eps-batch8.onnx'), { kind: 'epsilon', dim: D });
    expect((await fixed.load()).fixedBatch).toBe(8);
    const e = await rejection(fixed(x, 0.3, new Float64Array(x.length)));
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/gaussian-eps-batch8\.onnx takes batches of exactly 8 rows .* but got 37: pass batchSize: 8/);
    const fixed8 = onnxScore(path.join(FIX, 'gaussian-eps-batch8.onnx'), { kind: 'epsilon', dim: D, batchSize: 8 });
    const out3 = new Float64Array(x.length);
    await fixed8(x, 0.3, out3);
    expect(maxRelErr(out3, out)).toBeLessThan(1e-12);
  });

  test('sample({ score, dim, sampler }) draws from N(0, s^2 I) (DDPM and score-only RTK-MALA)', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: D });
    const n = 2000;
    for (const sampler of ['ddpm', 'rtk-mala-es'] as const) {
      const extra = sampler === 'ddpm' ? { tMin: 1e-3, finalDenoise: true } : {};
      const r = await sample({ score, dim: D, sampler, nfe: 100, particles: n, seed: 3, T: 5, tEnd: 1e-3, ...extra });
      expect(r.samples.length).toBe(n * D);
      expect(r.stats.path).toBe('js');
      expect(r.stats.nfe).toBe(100);
      let m2 = 0, mean = 0;
      for (let i = 0; i < r.samples.length; i++) {
        expect(Number.isFinite(r.samples[i])).toBe(true);
        m2 += r.samples[i] ** 2;
        mean += r.samples[i];
      }
      mean /= r.samples.length;
      m2 /= r.samples.length;
      // Exact draws: mean 0 +- 0.006, second moment 0.25 +- 0.004 (one sd); the samplers' bias at
      // 100 NFE is a few per cent.
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(m2 / S2 - 1)).toBeLessThan(0.06);
    }
  });

  test('sampleSync refuses the asynchronous ONNX score with the clear error', () => {
    const score = onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: D });
    expect(() => sampleSync({ score, dim: D, sampler: 'ddpm', nfe: 10, particles: 8 })).toThrow(
      /sampleSync needs a synchronous score.*returned a Promise.*await sample/,
    );
  });
});

describeOrt('onnxScore on bad inputs', () => {
  const x = rows(5);

  test('a missing model file names the file, synchronously', () => {
    const missing = path.join(FIX, 'no-such-model.onnx');
    let e: unknown;
    try {
      onnxScore(missing, { kind: 'epsilon', dim: D });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(OnnxModelError);
    expect((e as Error).message).toContain(`the model file ${missing} does not exist`);
  });

  test('a file that is not an ONNX model', async () => {
    const e = await rejection(onnxScore(path.join(FIX, 'make_fixtures.py'), { kind: 'epsilon', dim: D }).load());
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/onnxruntime could not load the model .*make_fixtures\.py/);
  });

  test('an input shape that does not match dim names the model, the input and both sizes', async () => {
    const score = onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: 5 });
    const e = await rejection(score.load());
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/gaussian-eps\.onnx's sample input 'x' has shape \[batch, 4\] \(4 values per row\) but dim = 5/);
    // The same error rejects the score call (and so the sample run).
    const e2 = await rejection(sample({ score, dim: 5, sampler: 'ddpm', nfe: 5, particles: 4 }));
    expect(e2.message).toBe(e.message);
  });

  test('an output shape that does not match dim', async () => {
    const e = await rejection(onnxScore(path.join(FIX, 'wrong-output.onnx'), { kind: 'epsilon', dim: D }).load());
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/wrong-output\.onnx's output 'eps' has shape \[batch, 3\] \(3 values per row\) but dim = 4/);
  });

  test('an output checked at run time (a session without metadata)', async () => {
    const ort = require('onnxruntime-node');
    const real = await ort.InferenceSession.create(path.join(FIX, 'wrong-output.onnx'));
    const bare = { inputNames: real.inputNames, outputNames: real.outputNames, run: (f: unknown, o: unknown) => real.run(f, o) };
    const e = await rejection(onnxScore(bare, { kind: 'epsilon', dim: D, name: 'bare-model' })(x, 0.5, new Float64Array(x.length)));
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/bare-model's output 'eps' has dims \[5, 3\] for a batch of 5 rows but dim = 4/);
  });

  test('a network that returns NaN: the error names the model and t', async () => {
    const score = onnxScore(path.join(FIX, 'nan-eps.onnx'), { kind: 'epsilon', dim: D });
    const ok = new Float64Array(x.length);
    await score(x, 2, ok); // sqrt(t - 1) is fine for t >= 1
    expect(ok.every(Number.isFinite)).toBe(true);
    const e = await rejection(score(x, 0.5, new Float64Array(x.length)));
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toMatch(/nan-eps\.onnx returned NaN at t = 0\.5 \(time input 't' = 0\.5\) in row 0, column 0 \(20 non-finite values/);
    const e2 = await rejection(sample({ score, dim: D, sampler: 'ddpm', nfe: 10, particles: 5, T: 5, tEnd: 1e-3 }));
    expect(e2.message).toMatch(/nan-eps\.onnx returned NaN at t = 0\.\d+/);
  });

  test('wrong input names, input counts, kinds and t = 0', async () => {
    const f = path.join(FIX, 'gaussian-eps.onnx');
    await expect(onnxScore(f, { kind: 'epsilon', dim: D, inputNames: { x: 'sample' } }).load()).rejects.toThrow(
      /has no input named 'sample' \(inputNames\.x\); its inputs are 'x' \[batch, 4\] float32, 't' \[batch\] float32/,
    );
    await expect(onnxScore(f, { kind: 'epsilon', dim: D, outputName: 'score' }).load()).rejects.toThrow(/has no output named 'score'/);
    await expect(onnxScore(f, { kind: 'score', dim: D, timeInput: 'none' }).load()).rejects.toThrow(/has 2 inputs .* onnxScore feeds only the sample/);
    expect(() => onnxScore(f, { kind: 'eps' as never, dim: D })).toThrow(/Expected one of 'epsilon', 'x0', 'score' for kind but received the string "eps"/);
    expect(() => onnxScore(f, { dim: D } as never)).toThrow(/needs 'kind'/);
    expect(() => onnxScore(f, { kind: 'epsilon' } as never)).toThrow(/needs 'dim'/);
    expect(() => onnxScore(f, { kind: 'epsilon', dim: D, batchsize: 3 } as never)).toThrow(/Unknown option 'batchsize'.*did you mean 'batchSize'/);
    expect(() => onnxScore(42 as never, { kind: 'epsilon', dim: D })).toThrow(TypeError);
    const e = await rejection(onnxScore(f, { kind: 'epsilon', dim: D })(x, 0, new Float64Array(x.length)));
    expect(e.message).toMatch(/gives no score at t = 0 .* sample with tEnd > 0/);
  });

  test('without onnxruntime-node installed: a clear error with the install command', () => {
    jest.isolateModules(() => {
      jest.doMock('onnxruntime-node', () => {
        const err = new Error("Cannot find module 'onnxruntime-node' from 'lib/onnx-score.ts'") as Error & { code: string };
        err.code = 'MODULE_NOT_FOUND';
        throw err;
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../lib/onnx-score') as typeof import('../../lib/onnx-score');
      expect(() => fresh.onnxScore(path.join(FIX, 'gaussian-eps.onnx'), { kind: 'epsilon', dim: D })).toThrow(
        /needs the optional package onnxruntime-node, which is not installed: run `npm install onnxruntime-node`.*onnxruntime-node-install=skip.*\.npmrc/,
      );
      jest.dontMock('onnxruntime-node');
    });
  });
});

describeOrt('the committed digits models', () => {
  let probe: { eps: Record<string, number[]>; classifier: Record<string, number[]> };
  beforeAll(() => {
    probe = JSON.parse(fs.readFileSync(path.join(DIGITS, 'probe.json'), 'utf8'));
  });

  test('digits-eps.onnx: loads, right shape, finite, and matches torch on the probe rows', async () => {
    const score = onnxScore(path.join(DIGITS, 'digits-eps.onnx'), { kind: 'epsilon', dim: 64 });
    expect(await score.load()).toMatchObject({ xInput: 'x', timeInput: 't', output: 'eps', xShape: ['batch', 64] });
    const px = probe.eps.x as number[], ts = probe.eps.t as number[], eps = probe.eps.eps as number[];
    for (let r = 0; r < ts.length; r++) {
      const x = Float64Array.from(px.slice(r * 64, (r + 1) * 64));
      const out = new Float64Array(64);
      await score(x, ts[r], out);
      const want = eps.slice(r * 64, (r + 1) * 64).map((e) => -e / Math.sqrt(-Math.expm1(-2 * ts[r])));
      for (let i = 0; i < 64; i++) expect(Math.abs(out[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
    }
    const n = 300, x = rows(n, 64, 9), out = new Float64Array(n * 64);
    for (const t of [1e-3, 0.1, 1, 5]) {
      await score(x, t, out);
      expect(out.every(Number.isFinite)).toBe(true);
    }
  });

  test('digits-eps.onnx samples with sample(): finite digits in about [-1, 1]', async () => {
    const score = onnxScore(path.join(DIGITS, 'digits-eps.onnx'), { kind: 'epsilon', dim: 64 });
    const r = await sample({ score, dim: 64, sampler: 'ddpm', nfe: 20, particles: 50, seed: 1, T: 5, tEnd: 1e-3, tMin: 1e-3, finalDenoise: true });
    expect(r.samples.length).toBe(50 * 64);
    let lo = Infinity, hi = -Infinity;
    for (const v of r.samples) {
      expect(Number.isFinite(v)).toBe(true);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThan(-2);
    expect(hi).toBeLessThan(2);
  });

  test('digits-classifier.onnx: logits and 64 penultimate features, matching torch', async () => {
    const ort = require('onnxruntime-node');
    const s = await ort.InferenceSession.create(path.join(DIGITS, 'digits-classifier.onnx'));
    expect(s.outputNames).toEqual(['logits', 'features']);
    const x = Float32Array.from(probe.classifier.x);
    const r = await s.run({ x: new ort.Tensor('float32', x, [4, 64]) });
    expect(r.logits.dims).toEqual([4, 10]);
    expect(r.features.dims).toEqual([4, 64]);
    const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThan(1e-4 * (1 + Math.abs(v))));
    close(r.logits.data, probe.classifier.logits);
    close(r.features.data, probe.classifier.features);
  });
});
