// Score adapters for trained models (rtk-math.md, "Relation to the usual DDPM/VP
// parameterisations"): alphaBar = e^{-2t}; epsilon-prediction: score = -eps / sqrt(1 - alphaBar);
// x0-prediction: score = (e^{-t} x0 - x) / (1 - e^{-2t}).
import { rangeError, typeError } from './errors';
import type { Real } from './native';
import type { ScoreFunction } from './options';
import { finiteNumber, integer, knownKeys, oneOf, plainObject } from './validate';

/** A network called on the whole batch: writes its prediction (eps or x0) into out. */
export type Predictor = (x: Real, timestep: number, out: Real) => void | Promise<void>;

/** t = -0.5 ln(alphaBar). */
export function timeFromAlphaBar(alphaBar: number): number {
  return -0.5 * Math.log(alphaBar);
}

/** alphaBar = e^{-2t}. */
export function alphaBarFromTime(t: number): number {
  return Math.exp(-2 * t);
}

/** DDPM's linear beta schedule (Ho et al. 2020): alphaBar_k = prod_{i<=k} (1 - beta_i). */
export function linearAlphaBar(steps = 1000, betaStart = 1e-4, betaEnd = 0.02): Float64Array {
  integer('steps', steps, 2, 1e7);
  for (const [name, beta] of [['betaStart', betaStart], ['betaEnd', betaEnd]] as const) {
    if (typeof beta !== 'number') throw typeError(name, 'a number in (0, 1)', beta);
    if (!(beta > 0 && beta < 1)) throw rangeError(name, 'a number in (0, 1)', beta);
  }
  const out = new Float64Array(steps);
  let product = 1;
  for (let k = 0; k < steps; k++) {
    product *= 1 - (betaStart + ((betaEnd - betaStart) * k) / (steps - 1));
    out[k] = product;
  }
  return out;
}

/** The cosine schedule (Nichol & Dhariwal 2021): alphaBar(k) = f(k)/f(0), f(u) = cos^2(((u/K + s)/(1 + s)) pi/2),
 * with betas clipped at 0.999. */
export function cosineAlphaBar(steps = 1000, s = 0.008): Float64Array {
  integer('steps', steps, 2, 1e7);
  if (typeof s !== 'number') throw typeError('s', 'a finite offset >= 0', s);
  if (!(s >= 0 && Number.isFinite(s))) throw rangeError('s', 'a finite offset >= 0', s);
  const f = (u: number) => Math.cos((((u / steps) + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const out = new Float64Array(steps);
  let product = 1;
  for (let k = 0; k < steps; k++) {
    const beta = Math.min(1 - f(k + 1) / f(k), 0.999);
    product *= 1 - beta;
    out[k] = product;
  }
  return out;
}

export interface AdapterOptions {
  /** The model's discrete alphaBar schedule (decreasing), e.g. linearAlphaBar(1000). */
  alphaBar: ArrayLike<number>;
  /** Pass the model a fractional timestep matching e^{-2t} exactly ('continuous', default),
   * or the nearest integer index ('nearest'). */
  timestep?: 'continuous' | 'nearest';
}

/** ln alphaBar_k of a schedule given as option `name`, checked: at least 2 strictly decreasing
 * values in (0, 1]. */
export function scheduleLogs(schedule: unknown, name: string): Float64Array {
  const ab = schedule as ArrayLike<number>;
  if (!ab || typeof ab !== 'object' || typeof ab.length !== 'number' || ab.length < 2)
    throw typeError(name, 'an array of at least 2 decreasing values in (0, 1]', schedule);
  const logs = new Float64Array(ab.length);
  for (let k = 0; k < ab.length; k++) {
    const v = finiteNumber(`${name}[${k}]`, ab[k]);
    if (!(v > 0 && v <= 1) || (k > 0 && !(v < ab[k - 1])))
      throw rangeError(`${name}[${k}]`, 'strictly decreasing values in (0, 1]', v);
    logs[k] = Math.log(v);
  }
  return logs;
}

/** The (fractional) model timestep k whose alphaBar_k equals e^{-2t}: linear in ln alphaBar
 * between indices, clamped to the schedule. */
export function timestepOf(logs: Float64Array, t: number): number {
  const target = -2 * t;
  if (target >= logs[0]) return 0;
  if (target <= logs[logs.length - 1]) return logs.length - 1;
  let lo = 0, hi = logs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (logs[mid] >= target) lo = mid;
    else hi = mid;
  }
  return lo + (logs[lo] - target) / (logs[lo] - logs[hi]);
}

function checkSchedule(options: AdapterOptions) {
  const o = plainObject('adapter options', options);
  knownKeys('adapter options', o, ['alphaBar', 'timestep']);
  const logs = scheduleLogs(o.alphaBar, 'alphaBar');
  const mode = o.timestep === undefined ? 'continuous' : oneOf('timestep', o.timestep, ['continuous', 'nearest'] as const);
  return (t: number): number => (mode === 'nearest' ? Math.round(timestepOf(logs, t)) : timestepOf(logs, t));
}

function then(r: void | Promise<void>, convert: () => void): void | Promise<void> {
  if (r && typeof (r as Promise<void>).then === 'function') return (r as Promise<void>).then(convert);
  convert();
}

/** A score from an epsilon-prediction network: score = -eps / sqrt(1 - e^{-2t}). */
export function epsilonScore(predictEps: Predictor, options: AdapterOptions): ScoreFunction {
  if (typeof predictEps !== 'function') throw typeError('predictEps', 'a function (x, timestep, out)', predictEps);
  const timestep = checkSchedule(options);
  return (x, t, out) =>
    then(predictEps(x, timestep(t), out), () => {
      const scale = -1 / Math.sqrt(-Math.expm1(-2 * t));
      for (let i = 0; i < out.length; i++) out[i] *= scale;
    });
}

/** A score from an x0-prediction network: score = (e^{-t} x0 - x) / (1 - e^{-2t}). */
export function x0Score(predictX0: Predictor, options: AdapterOptions): ScoreFunction {
  if (typeof predictX0 !== 'function') throw typeError('predictX0', 'a function (x, timestep, out)', predictX0);
  const timestep = checkSchedule(options);
  return (x, t, out) =>
    then(predictX0(x, timestep(t), out), () => {
      const decay = Math.exp(-t), variance = -Math.expm1(-2 * t);
      for (let i = 0; i < out.length; i++) out[i] = (decay * out[i] - x[i]) / variance;
    });
}
