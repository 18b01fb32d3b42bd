// The public options of `sample`, their defaults, and the names of every sampler.
import type { NativeTarget } from './native-target';
import type { NativeProgress, NativeSegmentStats, Real } from './native';

export const SAMPLERS = ['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula', 'ddpm', 'ddim', 'pf-heun', 'ald'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
export const RTK_SAMPLERS: readonly SamplerName[] = ['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula'];

export type GridKind = 'uniform' | 'geometric';
export type WarmStart = 'gaussian' | 'tweedie' | 'ddpm' | 'ddim';

/** A batched score: write grad log p_t(x_i) into out (n*d, row-major); a returned Promise is awaited.
 * x and out are the library's arrays, reused from call to call and from one run to the next of the
 * same shape: copy what you need to keep beyond the call. */
export type ScoreFunction = (x: Real, t: number, out: Real) => unknown;
/** A batched energy: write -log p_t(x_i) (any additive constant) into out (length n); x and out are
 * reused like the score's. */
export type EnergyFunction = (x: Real, t: number, out: Real) => unknown;

/** Where a run is (segment, step, NFE spent of the budget) and the time since it started. */
export interface ProgressInfo extends NativeProgress {
  elapsedMs: number;
}

export interface SampleOptions {
  /** A native target (GaussianMixture, a score plugin): the whole run stays in C++. */
  target?: NativeTarget;
  /** Or a JS score function (with `dim`). */
  score?: ScoreFunction;
  /** Optional JS energy function (needed by 'rtk-mala' with a JS score). */
  energy?: EnergyFunction;
  /** Dimension d (taken from the target when one is given). */
  dim?: number;
  /** Number of particles n. Default 1000. */
  particles?: number;
  /** Seed of the Philox streams (integer in [0, 2^32)). Default 0. */
  seed?: number;
  /** Sampler name. Default 'rtk-mala'. */
  sampler?: SamplerName;
  /** Budget of batched score evaluations per particle. Default 64. */
  nfe?: number;
  /** Start time. Default 5. */
  T?: number;
  /** End time. Default 0. */
  tEnd?: number;
  /** RTK schedule: 'hybrid' (default: DDPM steps down to switchTime, then two MH-corrected
   * segments) or 'segments' (the paper's: RTK segments all the way; default when segments, grid
   * or innerSteps is given). */
  schedule?: 'hybrid' | 'segments';
  /** RTK hybrid: the time where the prefix steps hand over to RTK segments. Default 0.2. */
  switchTime?: number;
  /** RTK hybrid: the steps before switchTime, 'ddim' (default) or 'ddpm'. */
  hybridPrefix?: 'ddim' | 'ddpm';
  /** RTK 'segments' schedule: number of segments. Default: chosen from the budget (see README). */
  segments?: number;
  /** Time grid: 'uniform', 'geometric' or explicit decreasing times from T. */
  grid?: GridKind | number[];
  /** Smallest time of a geometric grid. Default 1e-3 (RTK: 0.05 before the final segment). */
  tMin?: number;
  /** RTK inner step size tau, or 'auto' (adapted on the acceptance rate / curvature). */
  stepSize?: number | 'auto';
  /** MALA: the acceptance rate the step-size adaptation aims at. Default 0.8 (higher than the textbook 0.574: one step size serves the whole batch, and on mixtures with modes of different widths a lower target leaves chains in the narrow modes stuck). */
  targetAccept?: number;
  /** ULD friction gamma, or 'auto'. */
  friction?: number | 'auto';
  /** RTK inner steps per segment (overrides the even split of the budget). */
  innerSteps?: number | number[];
  /** RTK warm start. Default: 'ddpm' for MALA (rtk-mala, rtk-mala-es), 'tweedie' for ULD and ULA. */
  warmStart?: WarmStart;
  /** Projected MALA: reject proposals farther than this from the current point. */
  projectionRadius?: number;
  /** Score-only MALA: energy differences by 'trapezoid' (default) or 'simpson'. */
  energyEstimate?: 'trapezoid' | 'simpson';
  /** Baselines: Tweedie denoise at the grid's last time (1 NFE). Default true on geometric grids. */
  finalDenoise?: boolean;
  /** ALD: Langevin steps per noise level. Default 2. */
  langevinSteps?: number;
  /** ALD: tau_t = aldStepScale * (1 - e^{-2t}). Default 0.1. */
  aldStepScale?: number;
  /**
   * Threads for native work. Default: all cores. With a JS score the calling (JS) thread is one of
   * them: while the sampler computes between two calls of the score it runs part of that work.
   */
  threads?: number;
  /** Precision of the run. Default 'float64'. */
  dtype?: 'float64' | 'float32';
  /**
   * Where the samples go: a Float64Array (dtype 'float64') or Float32Array ('float32') of
   * particles * dim values, written when the run completes (untouched if it fails or is
   * aborted) and returned as `samples`. Without it every run returns a new array. Repeated runs
   * into one array reuse the run's memory instead of mapping fresh pages for each result.
   */
  out?: Real;
  /** Where the run executes: 'cpu' (default), 'cuda' (the GPU backend of a `npm run build:cuda`
   * build; an error without a usable GPU) or 'auto' (the GPU when usable, else the CPU, noted
   * in stats.deviceNote). On the GPU a native mixture stays in device memory for the whole run;
   * a JS score or a plugin copies the batch to the host and back for every evaluation. */
  device?: 'cpu' | 'cuda' | 'auto';
  /** Called at most every `progressIntervalMs` during the run. */
  onProgress?: (p: ProgressInfo) => void;
  progressIntervalMs?: number;
  /** Stops the run within one step; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export const OPTION_NAMES: readonly (keyof SampleOptions)[] = [
  'target', 'score', 'energy', 'dim', 'particles', 'seed', 'sampler', 'nfe', 'T', 'tEnd', 'schedule', 'switchTime', 'hybridPrefix', 'segments', 'grid',
  'tMin', 'stepSize', 'targetAccept', 'friction', 'innerSteps', 'warmStart', 'projectionRadius', 'energyEstimate',
  'finalDenoise', 'langevinSteps', 'aldStepScale', 'threads', 'dtype', 'out', 'device', 'onProgress', 'progressIntervalMs', 'signal',
];

/** One segment (RTK) or step (baselines) of a run: tStart, t, eta, steps, nfe, energyEvals and,
 * where they apply, acceptRate, stepSize, friction. */
export type SegmentStats = NativeSegmentStats;

export interface SampleStats {
  sampler: SamplerName;
  /** Score evaluations per particle actually spent (never more than the budget). */
  nfe: number;
  nfeBudget: number;
  /** How the budget was spread, in words (e.g. the part left unspent and why). */
  budgetNote: string;
  energyEvals: number;
  ms: number;
  path: 'native' | 'js';
  /** Where the run executed. */
  device: 'cpu' | 'cuda';
  /** Why device 'auto' ran on the CPU (absent otherwise). */
  deviceNote?: string;
  segments: SegmentStats[];
}

export interface SampleResult {
  samples: Real;
  stats: SampleStats;
}
