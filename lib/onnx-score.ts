// A batched score from an ONNX network run by onnxruntime-node (an optional peer dependency,
// loaded on first use). The network predicts eps, x0 or the score itself; the conversions are
// the adapters' (rtk-math.md, "Relation to the usual DDPM/VP parameterisations"):
//   alphaBar = e^{-2t};  epsilon: score = -eps / sqrt(1 - e^{-2t});
//   x0: score = (e^{-t} x0 - x) / (1 - e^{-2t}).
// The returned function is asynchronous (it returns a Promise), so use it with `await sample(...)`;
// each call is one session.run for the whole batch (chunks of `batchSize` rows when given).
import * as fs from 'fs';
import * as path from 'path';
import { scheduleLogs, timestepOf } from './adapters';
import { rangeError, typeError } from './errors';
import type { Real } from './native';
import type { ScoreFunction } from './options';
import { integer, isFloat32Array, isFloat64Array, knownKeys, oneOf, plainObject } from './validate';

/** How the model's time input is expressed, or a function from the library's time t to it. */
export type OnnxTimeInput = 't' | 'timestep' | 'alphaBar' | 'sigma' | 'none' | ((t: number) => number);

export interface OnnxScoreOptions {
  /** What the network predicts: the noise eps, the clean sample x0, or the score itself. */
  kind: 'epsilon' | 'x0' | 'score';
  /** Values per row (the flattened sample size); the model's input and output must match it. */
  dim: number;
  /**
   * The model's time input: 't' (this library's time, the default without a schedule),
   * 'timestep' (a DDPM index into `schedule`, the default with one), 'alphaBar' (e^{-2t}),
   * 'sigma' (sqrt(e^{2t} - 1), the noise-to-signal ratio of VE/EDM models), 'none' (the model
   * has no time input), or a function t -> the value to feed.
   */
  timeInput?: OnnxTimeInput;
  /** The model's discrete alphaBar schedule (decreasing in (0, 1]), e.g. linearAlphaBar(1000). */
  schedule?: ArrayLike<number>;
  /** With timeInput 'timestep': a fractional index matching e^{-2t} exactly ('continuous', the
   * default for a floating-point time input) or the nearest index ('nearest', always used for an
   * integer time input). */
  timestep?: 'continuous' | 'nearest';
  /** Names of the model's sample and time inputs (default: found from the model's metadata). */
  inputNames?: { x?: string; time?: string };
  /** The output holding the prediction (default: the model's first output). */
  outputName?: string;
  /** Run the batch in chunks of this many rows (default: the whole batch in one run). */
  batchSize?: number;
  /** A name for the model in error messages (default: the file path). */
  name?: string;
  /** onnxruntime session options, when given a path (e.g. { intraOpNumThreads: 2 }). */
  sessionOptions?: Record<string, unknown>;
}

/** The subset of an onnxruntime-node InferenceSession that onnxScore uses. */
export interface OnnxSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OnnxValueMetadata[];
  readonly outputMetadata?: readonly OnnxValueMetadata[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, { data: unknown; dims: readonly number[]; type?: string }>>;
  release?(): Promise<void>;
}

interface OnnxValueMetadata {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

/** What onnxScore resolved about the model (`await score.load()`). */
export interface OnnxModelInfo {
  model: string;
  xInput: string;
  /** The sample input's shape with the batch first, e.g. [N, 64] or [N, 1, 8, 8]. */
  xShape: (number | string)[];
  xType: 'float32' | 'float64';
  timeInput: string | null;
  timeShape: 'scalar' | 'single' | 'rows' | 'rows1';
  timeType: string | null;
  output: string;
  /** A fixed batch size required by the model, or null for a dynamic batch. */
  fixedBatch: number | null;
}

/** A score backed by an ONNX model: call it like any score; it returns a Promise. */
export interface OnnxScore extends ScoreFunction {
  (x: Real, t: number, out: Real): Promise<void>;
  /** The model's name in messages. */
  readonly model: string;
  /** Loads (once) and checks the model against `dim`; rejects with the mismatch. */
  load(): Promise<OnnxModelInfo>;
  /** Releases the session (only one that onnxScore created from a path). */
  release(): Promise<void>;
}

/** A model that does not fit the options, or that returned something unusable. */
export class OnnxModelError extends Error {
  constructor(message: string, readonly model: string) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

type Ort = {
  InferenceSession: { create(pathOrBuffer: string, options?: Record<string, unknown>): Promise<OnnxSessionLike> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
};

const INSTALL_HINT =
  'run `npm install onnxruntime-node` (its CPU binaries ship inside the npm package; add the line ' +
  '`onnxruntime-node-install=skip` to your project\'s .npmrc so that its install script does not try to ' +
  'download GPU binaries)';

/** Loads onnxruntime-node on first use, with a clear error when it is not installed. */
function loadOrt(): Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as Ort;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err && err.code === 'MODULE_NOT_FOUND' && /onnxruntime-node/.test(String(err.message)) && !/binding|\.node/.test(String(err.message)))
      throw new Error(`onnxScore needs the optional package onnxruntime-node, which is not installed: ${INSTALL_HINT}`, { cause: e });
    throw new Error(`onnxScore: onnxruntime-node is installed but failed to load (${err?.message ?? e}); reinstall it: ${INSTALL_HINT}`, {
      cause: e,
    });
  }
}

const TIME_NAMES = /^(t|time|times|timestep|timesteps|time_step|sigma|sigmas|noise_level|alpha_?bar|alphas?_cumprod|log_?snr|c_noise)$/i;

function shapeText(shape: ReadonlyArray<number | string> | undefined): string {
  if (!shape) return '[?]';
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : typeof d === 'string' && d ? d : '?')).join(', ')}]`;
}

function describeValues(meta: readonly OnnxValueMetadata[] | undefined, names: readonly string[]): string {
  return names
    .map((n) => {
      const m = meta?.find((v) => v.name === n);
      return m && m.isTensor !== false ? `'${n}' ${shapeText(m.shape)} ${m.type ?? ''}`.trim() : `'${n}'`;
    })
    .join(', ');
}

const isFixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

/** Values per row of a shape [batch, ...rest], or null when some of rest is symbolic. */
function rowSize(shape: ReadonlyArray<number | string>): number | null {
  let p = 1;
  for (const d of shape.slice(1)) {
    if (!isFixed(d)) return null;
    p *= d;
  }
  return p;
}

interface Resolved {
  info: OnnxModelInfo;
  session: OnnxSessionLike;
  rowDims: number[];
}

/**
 * A batched score from an ONNX model, for `await sample({ score, dim, ... })`.
 *
 * `sessionOrPath` is a path to a .onnx file (a session is created on first use) or an
 * onnxruntime-node InferenceSession. onnxruntime-node is an optional peer dependency, required
 * only here. The model gets the batch as its sample input (float32 or float64, shape [N, dim] or
 * [N, ...] with dim values per row) and the time as `timeInput` says; the output named
 * `outputName` (default: the first) is converted to the score by `kind`.
 */
export function onnxScore(sessionOrPath: string | OnnxSessionLike, options: OnnxScoreOptions): OnnxScore {
  const o = plainObject('onnxScore options', options);
  knownKeys('onnxScore options', o, [
    'kind', 'dim', 'timeInput', 'schedule', 'timestep', 'inputNames', 'outputName', 'batchSize', 'name', 'sessionOptions',
  ]);
  if (o.kind === undefined) throw new TypeError("onnxScore needs 'kind': 'epsilon', 'x0' or 'score' (what the network predicts)");
  const kind = oneOf('kind', o.kind, ['epsilon', 'x0', 'score'] as const);
  if (o.dim === undefined) throw new TypeError("onnxScore needs 'dim' (values per sample row)");
  const dim = integer('dim', o.dim, 1, 1 << 24);
  const logs = o.schedule === undefined ? null : scheduleLogs(o.schedule, 'schedule');
  let timeInput: OnnxTimeInput;
  if (o.timeInput === undefined) timeInput = logs ? 'timestep' : 't';
  else if (typeof o.timeInput === 'function') timeInput = o.timeInput as (t: number) => number;
  else timeInput = oneOf('timeInput', o.timeInput, ['t', 'timestep', 'alphaBar', 'sigma', 'none'] as const);
  if (timeInput === 'timestep' && !logs)
    throw new TypeError("timeInput 'timestep' needs the model's 'schedule' (its alphaBar array, e.g. linearAlphaBar(1000))");
  const timestepMode = o.timestep === undefined ? undefined : oneOf('timestep', o.timestep, ['continuous', 'nearest'] as const);
  let names: { x?: string; time?: string } = {};
  if (o.inputNames !== undefined) {
    const n = plainObject('inputNames', o.inputNames);
    knownKeys('inputNames', n, ['x', 'time']);
    for (const k of ['x', 'time'] as const)
      if (n[k] !== undefined && (typeof n[k] !== 'string' || !n[k])) throw typeError(`inputNames.${k}`, 'an input name (string)', n[k]);
    names = n as { x?: string; time?: string };
  }
  if (o.outputName !== undefined && (typeof o.outputName !== 'string' || !o.outputName)) throw typeError('outputName', 'an output name (string)', o.outputName);
  const batchSize = o.batchSize === undefined ? null : integer('batchSize', o.batchSize, 1, 2 ** 31);
  if (o.sessionOptions !== undefined) plainObject('sessionOptions', o.sessionOptions);

  const ort = loadOrt();
  let model: string;
  let ownSession = false;
  let sessionPromise: () => Promise<OnnxSessionLike>;
  if (typeof sessionOrPath === 'string') {
    const file = path.resolve(sessionOrPath);
    model = o.name === undefined ? sessionOrPath : String(o.name);
    if (!fs.existsSync(file)) throw new OnnxModelError(`onnxScore: the model file ${file} does not exist`, model);
    if (!fs.statSync(file).isFile()) throw new OnnxModelError(`onnxScore: the model path ${file} is not a file`, model);
    ownSession = true;
    sessionPromise = async () => {
      try {
        return await ort.InferenceSession.create(file, (o.sessionOptions as Record<string, unknown>) ?? {});
      } catch (e) {
        throw new OnnxModelError(`onnxScore: onnxruntime could not load the model ${file}: ${(e as Error)?.message ?? e}`, model);
      }
    };
  } else if (sessionOrPath && typeof sessionOrPath === 'object' && typeof sessionOrPath.run === 'function' && Array.isArray(sessionOrPath.inputNames)) {
    model = o.name === undefined ? 'the ONNX session' : String(o.name);
    const s = sessionOrPath;
    sessionPromise = async () => s;
  } else {
    throw typeError('sessionOrPath', 'a path to a .onnx file or an onnxruntime-node InferenceSession', sessionOrPath);
  }
  const fail = (message: string) => new OnnxModelError(`onnxScore: ${message}`, model);

  const resolve = async (): Promise<Resolved> => {
    const session = await sessionPromise();
    const inputs = session.inputNames, outputs = session.outputNames;
    const meta = (n: string, list?: readonly OnnxValueMetadata[]) => list?.find((v) => v.name === n && v.isTensor !== false);
    const inMeta = session.inputMetadata, outMeta = session.outputMetadata;
    const listIn = () => describeValues(inMeta, inputs);
    for (const k of ['x', 'time'] as const)
      if (names[k] !== undefined && !inputs.includes(names[k]!))
        throw fail(`the model ${model} has no input named '${names[k]}' (inputNames.${k}); its inputs are ${listIn()}`);
    const wantTime = timeInput !== 'none';
    const needed = wantTime ? 2 : 1;
    if (inputs.length !== needed) {
      const why = inputs.length < needed
        ? `a ${kind === 'score' ? '' : kind + '-'}diffusion model needs the sample and a time input (pass timeInput: 'none' if it really takes no time)`
        : `onnxScore feeds only the sample${wantTime ? ' and the time' : ''}; wrap a model with more inputs (class labels, guidance) so that it takes ${needed}`;
      throw fail(`the model ${model} has ${inputs.length} input${inputs.length === 1 ? '' : 's'} (${listIn()}) but ${why}`);
    }
    // Which input is the sample and which the time.
    let xName = names.x, tName = wantTime ? names.time : undefined;
    if (wantTime && (!xName || !tName)) {
      const other = (n: string) => inputs.find((m) => m !== n)!;
      if (xName) tName = other(xName);
      else if (tName) xName = other(tName);
      else {
        const small = inputs.filter((n) => {
          const s = meta(n, inMeta)?.shape;
          return s !== undefined && (s.length <= 1 || (s.length === 2 && s[1] === 1));
        });
        const byName = inputs.filter((n) => TIME_NAMES.test(n));
        tName = small.length === 1 ? small[0] : byName.length === 1 ? byName[0] : inputs[1];
        xName = other(tName);
      }
    }
    if (!xName) xName = inputs[0];
    // The sample input.
    const xm = meta(xName, inMeta);
    const xType = (xm?.type ?? 'float32') as string;
    if (xType !== 'float32' && xType !== 'float64')
      throw fail(`the model ${model}'s sample input '${xName}' is ${xType}; onnxScore feeds float32 or float64`);
    let xShape: (number | string)[] = xm?.shape && xm.shape.length ? xm.shape.slice() : ['N', dim];
    if (xShape.length < 2) throw fail(`the model ${model}'s sample input '${xName}' has shape ${shapeText(xShape)}; expected [batch, ${dim}] (dim = ${dim})`);
    let per = rowSize(xShape);
    if (per === null) {
      if (xShape.length === 2) per = dim, (xShape[1] = dim);
      else throw fail(`the model ${model}'s sample input '${xName}' has shape ${shapeText(xShape)}: its row shape is not fixed, so it cannot be matched with dim = ${dim}`);
    }
    if (per !== dim)
      throw fail(`the model ${model}'s sample input '${xName}' has shape ${shapeText(xShape)} (${per} values per row) but dim = ${dim}`);
    const fixedBatch = isFixed(xShape[0]) ? xShape[0] : null;
    if (fixedBatch !== null && batchSize !== null && batchSize !== fixedBatch)
      throw fail(`the model ${model} takes batches of exactly ${fixedBatch} rows (input '${xName}' ${shapeText(xShape)}) but batchSize = ${batchSize}`);
    // The time input.
    let timeShape: OnnxModelInfo['timeShape'] = 'rows', timeType: string | null = null;
    if (tName) {
      const tm = meta(tName, inMeta);
      timeType = tm?.type ?? 'float32';
      if (!['float32', 'float64', 'int64', 'int32'].includes(timeType))
        throw fail(`the model ${model}'s time input '${tName}' is ${timeType}; onnxScore feeds float32, float64, int64 or int32`);
      if ((timeType === 'int64' || timeType === 'int32') && timeInput !== 'timestep' && typeof timeInput !== 'function')
        throw fail(`the model ${model}'s time input '${tName}' is an integer (${timeType}) but timeInput = '${timeInput}'; an integer time is a DDPM timestep: pass timeInput: 'timestep' and its schedule`);
      if ((timeType === 'int64' || timeType === 'int32') && timestepMode === 'continuous')
        throw fail(`the model ${model}'s time input '${tName}' is an integer (${timeType}), so timestep: 'continuous' is impossible; use 'nearest'`);
      const s = tm?.shape;
      if (!s || (s.length === 1 && !isFixed(s[0]))) timeShape = 'rows';
      else if (s.length === 0) timeShape = 'scalar';
      else if (s.length === 1 && s[0] === 1 && fixedBatch !== 1) timeShape = 'single';
      else if (s.length === 1 && s[0] === fixedBatch) timeShape = 'rows';
      else if (s.length === 2 && (s[1] === 1 || !isFixed(s[1]))) timeShape = 'rows1';
      else throw fail(`the model ${model}'s time input '${tName}' has shape ${shapeText(s)}; onnxScore feeds [], [1], [batch] or [batch, 1]`);
    }
    // The output.
    const output = o.outputName === undefined ? outputs[0] : (o.outputName as string);
    if (!outputs.includes(output))
      throw fail(`the model ${model} has no output named '${output}' (outputName); its outputs are ${describeValues(outMeta, outputs)}`);
    const om = meta(output, outMeta);
    if (om?.type && om.type !== 'float32' && om.type !== 'float64')
      throw fail(`the model ${model}'s output '${output}' is ${om.type}; expected float32 or float64`);
    if (om?.shape && om.shape.length) {
      const p = rowSize(om.shape);
      if (om.shape.length < 2 || (p !== null && p !== dim))
        throw fail(`the model ${model}'s output '${output}' has shape ${shapeText(om.shape)}${p !== null ? ` (${p} values per row)` : ''} but dim = ${dim}`);
    }
    const info: OnnxModelInfo = { model, xInput: xName, xShape, xType: xType as 'float32' | 'float64', timeInput: tName ?? null, timeShape, timeType, output, fixedBatch };
    return { info, session, rowDims: xShape.slice(1) as number[] };
  };

  let loading: Promise<Resolved> | null = null;
  const load = () => {
    if (!loading) loading = resolve();
    return loading;
  };
  // Start loading now (errors are delivered by load() and by the first call).
  load().catch(() => undefined);

  const timeValue = (t: number, info: OnnxModelInfo): number => {
    let v: number;
    if (typeof timeInput === 'function') v = timeInput(t);
    else if (timeInput === 't') v = t;
    else if (timeInput === 'alphaBar') v = Math.exp(-2 * t);
    else if (timeInput === 'sigma') v = Math.sqrt(Math.expm1(2 * t));
    else if (timeInput === 'timestep') {
      v = timestepOf(logs!, t);
      const integerType = info.timeType === 'int64' || info.timeType === 'int32';
      if (integerType || timestepMode === 'nearest') v = Math.round(v);
    } else v = 0;
    if (!Number.isFinite(v)) throw fail(`the time input of the model ${model} would be ${v} at t = ${t} (timeInput ${typeof timeInput === 'function' ? 'function' : `'${timeInput}'`})`);
    return v;
  };

  const timeTensor = (value: number, rows: number, info: OnnxModelInfo): unknown => {
    const count = info.timeShape === 'scalar' || info.timeShape === 'single' ? 1 : rows;
    const dims = info.timeShape === 'scalar' ? [] : info.timeShape === 'single' ? [1] : info.timeShape === 'rows' ? [rows] : [rows, 1];
    const type = info.timeType!;
    let data: Float32Array | Float64Array | BigInt64Array | Int32Array;
    if (type === 'int64') data = new BigInt64Array(count).fill(BigInt(value));
    else if (type === 'int32') data = new Int32Array(count).fill(value);
    else if (type === 'float64') data = new Float64Array(count).fill(value);
    else data = new Float32Array(count).fill(value);
    return new ort.Tensor(type, data, dims);
  };

  const score = (async (x: Real, t: number, out: Real): Promise<void> => {
    if (!(isFloat64Array(x) || isFloat32Array(x))) throw typeError('x', 'a Float64Array or Float32Array', x);
    if (!(isFloat64Array(out) || isFloat32Array(out)) || out.length !== x.length)
      throw typeError('out', `a Float64Array or Float32Array of length ${x.length}`, out);
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw rangeError('t', 'a finite time >= 0', t);
    if (x.length % dim !== 0) throw rangeError('x', `a multiple of dim = ${dim} values`, x);
    if (kind !== 'score' && !(t > 0))
      throw fail(`the ${kind} model ${model} gives no score at t = 0 (the score divides by 1 - e^{-2t}); sample with tEnd > 0`);
    const { info, session, rowDims } = await load();
    const rows = x.length / dim;
    if (rows === 0) return;
    const chunk = info.fixedBatch ?? batchSize ?? rows;
    if (info.fixedBatch !== null && batchSize === null && rows !== info.fixedBatch)
      throw fail(`the model ${model} takes batches of exactly ${info.fixedBatch} rows (input '${info.xInput}' ${shapeText(info.xShape)}) but got ${rows}: pass batchSize: ${info.fixedBatch}`);
    const tv = info.timeInput ? timeValue(t, info) : 0;
    const decay = Math.exp(-t), variance = -Math.expm1(-2 * t);
    const epsScale = -1 / Math.sqrt(variance);
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const feedRows = info.fixedBatch ?? n; // a fixed-batch model gets a zero-padded last chunk
      const xs = info.xType === 'float64' ? new Float64Array(feedRows * dim) : new Float32Array(feedRows * dim);
      xs.set(x.subarray(start * dim, (start + n) * dim));
      const feeds: Record<string, unknown> = { [info.xInput]: new ort.Tensor(info.xType, xs, [feedRows, ...rowDims]) };
      if (info.timeInput) feeds[info.timeInput] = timeTensor(tv, feedRows, info);
      let result: Awaited<ReturnType<OnnxSessionLike['run']>>;
      try {
        result = await session.run(feeds, [info.output]);
      } catch (e) {
        throw fail(`the model ${model} failed at t = ${t} on a batch of ${feedRows} rows: ${(e as Error)?.message ?? e}`);
      }
      const value = result[info.output];
      const data = value?.data as ArrayLike<number> | undefined;
      const dims = value?.dims ?? [];
      if (!data || !(ArrayBuffer.isView(data) && (isFloat32Array(data) || isFloat64Array(data))))
        throw fail(`the model ${model}'s output '${info.output}' is not a float32/float64 tensor (${value?.type ?? typeof data})`);
      if (data.length !== feedRows * dim || dims[0] !== feedRows)
        throw fail(`the model ${model}'s output '${info.output}' has dims ${shapeText(dims)} for a batch of ${feedRows} rows but dim = ${dim} (expected ${feedRows} x ${dim} values)`);
      const base = start * dim, len = n * dim;
      for (let i = 0; i < len; i++) {
        const v = data[i];
        if (!Number.isFinite(v)) {
          let bad = 0;
          for (let j = i; j < len; j++) if (!Number.isFinite(data[j])) bad++;
          const row = start + Math.floor(i / dim), col = i % dim;
          throw fail(
            `the model ${model} returned ${Number.isNaN(v) ? 'NaN' : v} at t = ${t}` +
              (info.timeInput ? ` (time input '${info.timeInput}' = ${tv})` : '') +
              ` in row ${row}, column ${col} (${bad} non-finite value${bad === 1 ? '' : 's'} in the ${n} rows from row ${start})`,
          );
        }
        if (kind === 'epsilon') out[base + i] = epsScale * v;
        else if (kind === 'x0') out[base + i] = (decay * v - x[base + i]) / variance;
        else out[base + i] = v;
      }
    }
  }) as OnnxScore;
  Object.defineProperty(score, 'model', { value: model, enumerable: true });
  score.load = async () => (await load()).info;
  score.release = async () => {
    if (!ownSession || !loading) return;
    const l = loading;
    loading = Promise.reject(fail(`the model ${model} was released`));
    loading.catch(() => undefined);
    try {
      const { session } = await l;
      await session.release?.();
    } catch {
      // never loaded: nothing to release
    }
  };
  return score;
}
