// sample / sampleSync: validate the options, resolve the plan, and run it, either entirely in
// C++ (native target) or with the user's JS score called once per step for the whole batch.
import * as os from 'os';

import { ResolvedDevice, resolveDevice } from './device';
import { AbortError, rangeError, typeError } from './errors';
import { NativeTarget } from './native-target';
import { addon, NativeProgress, NativeResult, Real } from './native';
import {
  EnergyFunction,
  OPTION_NAMES,
  ProgressInfo,
  RTK_SAMPLERS,
  SampleOptions,
  SampleResult,
  SamplerName,
  SAMPLERS,
  ScoreFunction,
  WarmStart,
} from './options';
import { PlanInput, ResolvedPlan, resolvePlan } from './plan';
import { releaseScoreBuffers, takeScoreBuffers } from './score-buffers';
import { finiteNumber, integer, knownKeys, nonNegativeNumber, oneOf, plainObject, positiveNumber } from './validate';

interface Validated {
  input: PlanInput;
  resolved: ResolvedPlan;
  target?: NativeTarget;
  score?: ScoreFunction;
  energy?: EnergyFunction;
  dtype: 'float64' | 'float32';
  out?: Real;
  device: ResolvedDevice;
  onProgress?: (p: ProgressInfo) => void;
  progressIntervalMs: number;
  signal?: AbortSignal;
}

/** The `out` option: a typed array of the run's dtype with particles * dim values. */
function samplesOut(value: unknown, dtype: 'float64' | 'float32', values: number): Real {
  const name = dtype === 'float32' ? 'Float32Array' : 'Float64Array';
  // The tag, not instanceof: an array from another realm (vm context, worker) is as good.
  if (Object.prototype.toString.call(value) !== `[object ${name}]`) throw typeError('out', `a ${name} (dtype '${dtype}')`, value);
  const array = value as Real;
  if (array.length !== values) throw rangeError('out', `a ${name} of particles * dim = ${values} values`, value);
  return array;
}

function autoOrPositive(option: string, value: unknown): number {
  if (value === undefined || value === 'auto') return 0;
  return positiveNumber(option, value);
}

/**
 * The warm start of an RTK segment when none is given. MALA: 'ddpm', a draw from the one-step
 * Gaussian approximation of the segment's target, so the chain starts with about the right
 * spread; a short chain with MALA's small steps cannot restore the spread that Tweedie's
 * posterior mean removes (measured on the harder family, d = 64, 32 NFE: marginal accuracy
 * 0.915 with 'tweedie', 0.964 with 'ddpm'). ULD and ULA: 'tweedie', whose centred start their
 * large critically damped / unadjusted steps spread out within a few steps (on the paper's
 * target RTK-ULD at 32 NFE: 0.975 with 'tweedie', 0.963 with 'ddpm').
 */
function defaultWarmStart(sampler: SamplerName): WarmStart {
  return sampler === 'rtk-mala' || sampler === 'rtk-mala-es' ? 'ddpm' : 'tweedie';
}

function validate(options: SampleOptions): Validated {
  const o = plainObject('sample options', options);
  knownKeys('sample options', o, OPTION_NAMES as readonly string[]);
  const target = o.target;
  if (target !== undefined && !(target instanceof NativeTarget))
    throw typeError('target', 'a native target (GaussianMixture or a score plugin)', target);
  if (target !== undefined && o.score !== undefined)
    throw new TypeError("Give either 'target' (a native target) or 'score' (a JS function), not both");
  if (target === undefined && o.score === undefined)
    throw new TypeError("sample needs a 'target' (e.g. new GaussianMixture(...)) or a 'score' function with 'dim'");
  if (o.score !== undefined && typeof o.score !== 'function') throw typeError('score', 'a function (x, t, out)', o.score);
  if (o.energy !== undefined && typeof o.energy !== 'function') throw typeError('energy', 'a function (x, t, out)', o.energy);
  if (target !== undefined && o.energy !== undefined)
    throw new TypeError("'energy' is only for a JS 'score'; a native target brings its own energy");
  let dim: number;
  if (target) {
    dim = target.dim;
    if (o.dim !== undefined && typeof o.dim !== 'number') throw typeError('dim', `the target's dimension ${dim}`, o.dim);
    if (o.dim !== undefined && o.dim !== dim) throw rangeError('dim', `the target's dimension ${dim}`, o.dim);
  } else {
    if (o.dim === undefined) throw new TypeError("'dim' is required with a JS score function");
    dim = integer('dim', o.dim, 1, 1 << 20);
  }
  const sampler = o.sampler === undefined ? 'rtk-mala' : oneOf('sampler', o.sampler, SAMPLERS);
  const particles = o.particles === undefined ? 1000 : integer('particles', o.particles, 1, 2 ** 32 - 1);
  if (particles * dim > 2 ** 31) throw rangeError('particles', `particles * dim <= 2^31 (dim = ${dim})`, particles);
  // A run holds about 12 arrays of particles * dim values (README, "Memory"): refuse what cannot fit.
  const bytes = 12 * particles * dim * (o.dtype === 'float32' ? 4 : 8);
  if (bytes > os.totalmem())
    throw rangeError('particles', `a batch whose buffers (about ${(bytes / 1e9).toFixed(1)} GB) fit in this machine's ${(os.totalmem() / 1e9).toFixed(1)} GB of memory`, particles);
  const seed = o.seed === undefined ? 0 : integer('seed', o.seed, 0, 2 ** 32 - 1);
  const nfe = o.nfe === undefined ? 64 : integer('nfe', o.nfe, 1, 1e7);
  const threads = o.threads === undefined ? 0 : integer('threads', o.threads, 1, 1024);
  const dtype = o.dtype === undefined ? 'float64' : oneOf('dtype', o.dtype, ['float64', 'float32'] as const);
  const out = o.out === undefined ? undefined : samplesOut(o.out, dtype, particles * dim);
  const deviceOption = o.device === undefined ? 'cpu' : oneOf('device', o.device, ['cpu', 'cuda', 'auto'] as const);
  let T = o.T === undefined ? 5 : positiveNumber('T', o.T);
  // e^{-20} = 2e-9: p_T is N(0, I) to double precision long before; larger T only adds huge
  // first steps (the exponential-integrator steps then amplify errors).
  if (T > 20) throw rangeError('T', 'a start time in (0, 20] (p_T is N(0, I) to double precision by T = 20)', T);
  let tEnd = o.tEnd === undefined ? 0 : nonNegativeNumber('tEnd', o.tEnd);
  let grid: PlanInput['grid'];
  if (Array.isArray(o.grid)) {
    if (o.grid.length < 2) throw rangeError('grid', 'an array of at least 2 decreasing times', o.grid);
    o.grid.forEach((t, i) => {
      nonNegativeNumber(`grid[${i}]`, t);
      if (i > 0 && !(t < (o.grid as number[])[i - 1])) throw rangeError('grid', 'strictly decreasing times', o.grid);
    });
    if (o.T !== undefined && o.T !== o.grid[0]) throw rangeError('grid[0]', `T = ${T}`, o.grid[0]);
    if (o.tEnd !== undefined && o.tEnd !== o.grid[o.grid.length - 1])
      throw rangeError('tEnd', `the explicit grid's last time ${o.grid[o.grid.length - 1]} (or no tEnd)`, o.tEnd);
    T = o.grid[0];
    tEnd = o.grid[o.grid.length - 1];
  } else if (o.grid !== undefined) grid = oneOf('grid', o.grid, ['uniform', 'geometric'] as const);
  if (Array.isArray(o.grid)) grid = o.grid.slice() as number[];
  if (!(T > tEnd)) throw rangeError('T', `a start time greater than tEnd = ${tEnd}`, T);
  // The default tMin never exceeds a tenth of T, so a short run needs no tMin of its own.
  const tMin = o.tMin === undefined ? Math.min(RTK_SAMPLERS.includes(sampler) ? 0.05 : 1e-3, T / 10) : positiveNumber('tMin', o.tMin);
  if (!(tMin < T)) throw rangeError('tMin', `a time below T = ${T}`, tMin);
  const segments = o.segments === undefined ? undefined : integer('segments', o.segments, 1, 10000);
  let innerSteps: number | number[] | undefined;
  if (o.innerSteps !== undefined) {
    if (Array.isArray(o.innerSteps)) innerSteps = o.innerSteps.map((s, i) => integer(`innerSteps[${i}]`, s, 1, 1e6));
    else innerSteps = integer('innerSteps', o.innerSteps, 1, 1e6);
  }
  const projectionRadius = o.projectionRadius === undefined ? null : positiveNumber('projectionRadius', o.projectionRadius);
  const input: PlanInput = {
    sampler,
    dim,
    particles,
    seed,
    threads,
    nfe,
    T,
    tEnd,
    segments,
    grid,
    schedule: o.schedule === undefined ? undefined : oneOf('schedule', o.schedule, ['hybrid', 'segments'] as const),
    switchTime: o.switchTime === undefined ? 0.05 : positiveNumber('switchTime', o.switchTime),
    hybridPrefix: o.hybridPrefix === undefined ? undefined : oneOf('hybridPrefix', o.hybridPrefix, ['ddim', 'ddpm'] as const),
    tMin,
    stepSize: autoOrPositive('stepSize', o.stepSize),
    targetAccept: o.targetAccept === undefined ? 0.8 : finiteNumber('targetAccept', o.targetAccept),
    friction: autoOrPositive('friction', o.friction),
    innerSteps,
    warmStart: o.warmStart === undefined ? defaultWarmStart(sampler) : oneOf('warmStart', o.warmStart, ['gaussian', 'tweedie', 'ddpm', 'ddim'] as const),
    projectionRadius,
    energyEstimate: o.energyEstimate === undefined ? 'trapezoid' : oneOf('energyEstimate', o.energyEstimate, ['trapezoid', 'simpson'] as const),
    finalDenoise: o.finalDenoise === undefined ? undefined : (() => {
      if (typeof o.finalDenoise !== 'boolean') throw typeError('finalDenoise', 'a boolean', o.finalDenoise);
      return o.finalDenoise;
    })(),
    langevinSteps: o.langevinSteps === undefined ? 2 : integer('langevinSteps', o.langevinSteps, 1, 1e6),
    aldStepScale: o.aldStepScale === undefined ? 0.1 : positiveNumber('aldStepScale', o.aldStepScale),
  };
  if (!(input.targetAccept > 0 && input.targetAccept < 1)) throw rangeError('targetAccept', 'a rate in (0, 1)', o.targetAccept);
  if (sampler === 'rtk-mala' && !target && !o.energy)
    throw new TypeError("sampler 'rtk-mala' with a JS score needs an 'energy' function; use 'rtk-mala-es' for score-only MALA");
  if (sampler === 'rtk-mala' && target && !(target as NativeTarget).hasEnergy)
    throw new TypeError("sampler 'rtk-mala' needs a target with an energy; this one has none: use 'rtk-mala-es'");
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw typeError('onProgress', 'a function', o.onProgress);
  const progressIntervalMs = o.progressIntervalMs === undefined ? 100 : nonNegativeNumber('progressIntervalMs', o.progressIntervalMs);
  const signal = o.signal as AbortSignal | undefined;
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function' || typeof signal.removeEventListener !== 'function')
  )
    throw typeError('signal', 'an AbortSignal', signal);
  const device = resolveDevice(deviceOption);
  const resolved = resolvePlan(input);
  resolved.plan.device = device.device;
  return {
    input,
    resolved,
    target: target as NativeTarget | undefined,
    score: o.score as ScoreFunction | undefined,
    energy: sampler === 'rtk-mala' ? (o.energy as EnergyFunction | undefined) : undefined,
    dtype,
    out,
    device,
    onProgress: o.onProgress as ((p: ProgressInfo) => void) | undefined,
    progressIntervalMs,
    signal,
  };
}

function finish(v: Validated, r: NativeResult, started: number, path: 'native' | 'js'): SampleResult {
  return {
    samples: r.samples,
    stats: {
      sampler: v.input.sampler,
      nfe: r.stats.nfe,
      nfeBudget: v.input.nfe,
      budgetNote: v.resolved.budgetNote,
      energyEvals: r.stats.energyEvals,
      ms: Date.now() - started,
      path,
      device: v.device.device,
      ...(v.device.note === undefined ? {} : { deviceNote: v.device.note }),
      segments: r.stats.segments,
    },
  };
}

function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError('The sampling run was aborted', { cause: signal?.reason });
}

/** Reports progress at most every intervalMs (and never from inside native code). */
function progressReporter(v: Validated, started: number, read: () => NativeProgress) {
  let last = -Infinity;
  return (force = false) => {
    if (!v.onProgress) return;
    const now = Date.now();
    if (!force && now - last < v.progressIntervalMs) return;
    last = now;
    v.onProgress({ ...read(), elapsedMs: now - started });
  };
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}

/** The JS-score loop shared by sample (async) and sampleSync: a generator that yields the
 * user's promise when the score is asynchronous. */
function* jsScoreLoop(v: Validated, started: number): Generator<PromiseLike<unknown>, NativeResult, unknown> {
  const { plan } = v.resolved;
  const values = plan.particles * plan.dim;
  // The arrays the user's functions get, kept for the next run of this shape (score-buffers.ts).
  const buffers = takeScoreBuffers(v.dtype, values, v.energy ? plan.particles : 0);
  const { x, score: scoreOut, energy: energyOut } = buffers;
  try {
    const run = new addon.JsScoreRun(plan, v.input.nfe, x, scoreOut, energyOut);
    const report = progressReporter(v, started, () => run.progress());
    try {
      for (;;) {
        if (v.signal?.aborted) throw abortError(v.signal);
        const kind = run.next();
        if (kind === 2) break;
        const scored = v.score!(x, run.t, scoreOut);
        if (isPromiseLike(scored)) yield scored;
        if (kind === 1) {
          // The same request asks for the energy: at the points as sent, whatever the score did to x.
          run.refreshX();
          const energized = v.energy!(x, run.t, energyOut!);
          if (isPromiseLike(energized)) yield energized;
        }
        run.provide();
        report();
      }
      report(true);
      return run.result(v.out);
    } finally {
      run.close();
    }
  } finally {
    releaseScoreBuffers(buffers);
  }
}

/**
 * Draws `particles` samples with the chosen sampler. With a native target the run executes in
 * C++ off the main thread; with a JS score it calls `score(x, t, out)` once per step for the
 * whole batch (awaiting it when it returns a Promise).
 */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const v = validate(options);
  const started = Date.now();
  if (v.signal?.aborted) throw abortError(v.signal);
  if (v.target) {
    const handle = addon.sampleNative(v.resolved.plan, v.target.native, v.input.nfe, v.dtype, v.out);
    const onAbort = () => handle.cancel();
    v.signal?.addEventListener('abort', onAbort, { once: true });
    const report = progressReporter(v, started, () => handle.progress());
    // An onProgress that throws stops the run, and the run rejects with what it threw.
    let progressFailed: { error: unknown } | undefined;
    const tick = () => {
      try {
        report(true);
      } catch (error) {
        progressFailed ??= { error };
        handle.cancel();
      }
    };
    const timer = v.onProgress ? setInterval(tick, Math.max(10, v.progressIntervalMs)) : undefined;
    try {
      const r = await handle.promise;
      if (progressFailed) throw progressFailed.error;
      report(true);
      return finish(v, r, started, 'native');
    } catch (e) {
      if (progressFailed) throw progressFailed.error;
      if ((e as { code?: string }).code === 'RTK_CANCELLED') throw abortError(v.signal);
      throw e;
    } finally {
      if (timer) clearInterval(timer);
      v.signal?.removeEventListener('abort', onAbort);
    }
  }
  const loop = jsScoreLoop(v, started);
  let step = loop.next();
  while (!step.done) {
    try {
      await step.value;
    } catch (e) {
      step = loop.throw(e);
      continue;
    }
    step = loop.next();
  }
  return finish(v, step.value, started, 'js');
}

/**
 * The synchronous form of `sample` for JS scores (and native targets, run on the calling
 * thread's behalf): the score must not return a Promise.
 */
export function sampleSync(options: SampleOptions): SampleResult {
  const v = validate(options);
  const started = Date.now();
  if (v.signal?.aborted) throw abortError(v.signal);
  if (v.target) {
    // The whole run in C++ on this thread (blocking it); onProgress between steps.
    let last: NativeProgress | undefined;
    const report = progressReporter(v, started, () => last!);
    const onStep = (p: NativeProgress) => {
      last = p;
      report();
    };
    const r = addon.sampleNativeSync(v.resolved.plan, v.target.native, v.input.nfe, v.dtype, v.onProgress ? onStep : undefined, v.out);
    if (last) report(true);
    return finish(v, r, started, 'native');
  }
  const loop = jsScoreLoop(v, started);
  const step = loop.next();
  if (!step.done) {
    // The promise is not ours to await: mark it handled so a later rejection is not fatal.
    Promise.resolve(step.value).then(undefined, () => undefined);
    loop.return(undefined as never);
    throw new TypeError(
      'sampleSync needs a synchronous score (and energy); this one returned a Promise. Use `await sample(...)` for async scores such as onnxruntime sessions',
    );
  }
  return finish(v, step.value, started, v.target ? 'native' : 'js');
}
