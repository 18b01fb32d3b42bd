// Marginal accuracy (rtk-math.md, "Accuracy measure"): MA = 1 - (1/d) sum_i TV(phat_i, p_i)
// with exact bin masses of the target's marginals, mass outside the range included.
import { rangeError, typeError } from './errors';
import { GaussianMixture } from './gaussian-mixture';
import type { Real } from './native';
import { integer, isFloat32Array, isFloat64Array, knownKeys, plainObject } from './validate';

export interface MarginalAccuracyOptions {
  /** Number of bins. Default 100. */
  bins?: number;
  /** Binned range [lo, hi]. Default [-2, 2]. */
  range?: [number, number];
  /** Time of the target's marginal. Default 0. */
  t?: number;
}

function resolve(options: MarginalAccuracyOptions | undefined) {
  const o = options === undefined ? {} : plainObject('marginalAccuracy options', options);
  knownKeys('marginalAccuracy options', o, ['bins', 'range', 't']);
  const bins = o.bins === undefined ? 100 : integer('bins', o.bins, 1, 1e6);
  const range = (o.range ?? [-2, 2]) as [number, number];
  if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0]) || !range.every(Number.isFinite))
    throw rangeError('range', 'a pair [lo, hi] of finite numbers with lo < hi', o.range);
  const t = o.t === undefined ? 0 : (o.t as number);
  return { bins, range, t };
}

/** Marginal accuracy of samples (n*d row-major) against a mixture's exact marginals. */
export function marginalAccuracy(samples: Real, target: GaussianMixture, options?: MarginalAccuracyOptions): number {
  if (!(target instanceof GaussianMixture)) throw typeError('target', 'a GaussianMixture', target);
  if (!(isFloat64Array(samples) || isFloat32Array(samples)))
    throw typeError('samples', 'a Float64Array or Float32Array', samples);
  const d = target.dim;
  if (samples.length === 0 || samples.length % d !== 0)
    throw rangeError('samples', `a non-empty multiple of the target's dim = ${d} values`, samples);
  const { bins, range, t } = resolve(options);
  const masses = target.marginalBinMasses(t, bins, range);
  const n = samples.length / d, width = bins + 2;
  const [lo, hi] = range;
  const counts = new Float64Array(d * width);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < d; i++) {
      const x = samples[p * d + i];
      // Bin 0 below lo, bins 1..bins inside, bins+1 above hi; NaN counts as outside (above).
      const b = x < lo ? 0 : x >= hi || Number.isNaN(x) ? bins + 1 : 1 + Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins));
      counts[i * width + b] += 1;
    }
  }
  let total = 0;
  for (let i = 0; i < d; i++) {
    let tv = 0;
    for (let b = 0; b < width; b++) tv += Math.abs(counts[i * width + b] / n - masses[i * width + b]);
    total += 1 - 0.5 * tv;
  }
  return total / d;
}

/** The marginal accuracy of n exact draws from the target: the noise floor a perfect sampler
 * reaches at this n (averaged over `repeats` independent draws). */
export function marginalAccuracyFloor(
  target: GaussianMixture,
  n: number,
  options?: MarginalAccuracyOptions & { seed?: number; repeats?: number },
): number {
  if (!(target instanceof GaussianMixture)) throw typeError('target', 'a GaussianMixture', target);
  const o = options === undefined ? {} : plainObject('marginalAccuracyFloor options', options);
  knownKeys('marginalAccuracyFloor options', o, ['bins', 'range', 't', 'seed', 'repeats']);
  const { seed = 12345, repeats = 3, ...ma } = o as MarginalAccuracyOptions & { seed?: number; repeats?: number };
  integer('n', n, 1, Math.floor(2 ** 31 / target.dim));
  integer('repeats', repeats, 1, 1000);
  integer('seed', seed, 0, 2 ** 32 - 1 - repeats);
  let sum = 0;
  for (let r = 0; r < repeats; r++) sum += marginalAccuracy(target.sampleExact({ n, seed: seed + r, t: ma.t ?? 0 }), target, ma);
  return sum / repeats;
}
