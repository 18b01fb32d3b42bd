// Loads the compiled addon (cmake-js's CUDA build-cuda/Release, node-gyp's build/Release, or
// cmake-js's build-cmake/Release) and
// describes its interface. Everything JS hands it has been validated by lib/ first.
import * as fs from 'fs';
import * as path from 'path';

export type Real = Float64Array | Float32Array;

export interface NativeSegmentStats {
  /** The segment's (or step's) start time. */
  tStart: number;
  /** Its end time. */
  t: number;
  eta: number;
  steps: number;
  nfe: number;
  energyEvals: number;
  acceptRate?: number;
  stepSize?: number;
  friction?: number;
}

export interface NativeStats {
  nfe: number;
  energyEvals: number;
  segments: NativeSegmentStats[];
}

export interface NativeProgress {
  segment: number;
  segments: number;
  step: number;
  steps: number;
  nfeSpent: number;
  nfeBudget: number;
}

export interface NativeResult {
  samples: Real;
  stats: NativeStats;
}

export interface NativePlan {
  sampler: string;
  particles: number;
  dim: number;
  seed: number;
  threads: number;
  times: number[];
  steps: number[];
  /** One name for every segment, or one per segment. */
  warmStart: string | string[];
  stepSize: number;
  targetAccept: number;
  friction: number;
  projectionRadius: number | null;
  energyEstimate: string;
  finalDenoise: boolean;
  aldStepScale: number;
  /** Where the run executes (lib/device.ts has resolved 'auto'). */
  device?: 'cpu' | 'cuda';
}

export interface NativeGaussianMixture {
  readonly dim: number;
  evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void;
  sampleExact(n: number, t: number, seed: number, out: Real, particleOffset?: number): void;
  marginalBinMasses(t: number, bins: number, lo: number, hi: number): Float64Array;
}

export interface JsScoreRun {
  /** 0: call the score; 1: the score, then refreshX(), then the energy; 2: done. */
  next(): 0 | 1 | 2;
  refreshX(): void;
  readonly t: number;
  provide(): void;
  /** The samples once: a new array, or copied into out (returned as samples). */
  result(out?: Real): NativeResult;
  close(): void;
  progress(): NativeProgress;
}

export interface KernelOptions {
  n: number;
  d: number;
  seed?: number;
  segment?: number;
  step?: number;
  particleOffset?: number;
  threads?: number;
}

export interface StepCoefficients {
  cx: number;
  cs: number;
  cn: number;
}

export interface Addon {
  NativeGaussianMixture: new (weights: Float64Array, means: Float64Array, variances: Float64Array, dim: number) => NativeGaussianMixture;
  JsScoreRun: new (plan: NativePlan, nfeBudget: number, x: Real, score: Real, energy: Real | null) => JsScoreRun;
  sampleNative(
    plan: NativePlan,
    target: object,
    nfeBudget: number,
    dtype: 'float64' | 'float32',
    out?: Real,
  ): { promise: Promise<NativeResult>; cancel(): void; progress(): NativeProgress };
  sampleNativeSync(
    plan: NativePlan,
    target: object,
    nfeBudget: number,
    dtype: 'float64' | 'float32',
    onStep?: (progress: NativeProgress) => void,
    out?: Real,
  ): NativeResult;
  philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array;
  normals(out: Real, options: KernelOptions): void;
  scoreStep(c: StepCoefficients, x: Real, score: Real, out: Real, options: KernelOptions): void;
  stepCoefficients(kind: 'ddpm' | 'ddim' | 'tweedie' | 'pf-euler' | 'langevin', a: number, b?: number): StepCoefficients;
  malaAccept(
    params: { tau: number; projectionRadius?: number; energyDelta?: 'exact' | 'trapezoid' | 'simpson' },
    arrays: { z: Real; gradG: Real; g?: Real; zProp: Real; gradGProp: Real; gProp?: Real; gradGMid?: Real },
    options: KernelOptions,
  ): { accepted: Uint8Array; acceptRate: number; meanAcceptProb: number };
  uldStep(gamma: number, tau: number, z: Real, v: Real, gradG: Real, options: KernelOptions): void;
  uldCoefficients(gamma: number, tau: number): { e: number; cV: number; cGrad: number; lZZ: number; lVZ: number; lVV: number };
  segmentPotential(
    eta: number,
    anchor: Real,
    z: Real,
    score: Real,
    energy: Real | null,
    gradGOut: Real,
    gOut: Real | null,
    options: KernelOptions,
  ): void;
  cudaInfo(): { compiled: boolean; devices: number; name: string; error: string };
  build: { hardwareThreads: number };
}

/** Where a build of the addon may be, in the order the loader tries them: the CUDA build (npm
 * run build:cuda) first, since whoever made it asked for the GPU backend. */
export function addonCandidates(): string[] {
  const root = path.join(__dirname, '..');
  return [
    path.join(root, 'build-cuda', 'Release', 'rtk_addon.node'),
    path.join(root, 'build-cuda', 'rtk_addon.node'),
    path.join(root, 'build', 'Release', 'rtk_addon.node'),
    path.join(root, 'build-cmake', 'Release', 'rtk_addon.node'),
    path.join(root, 'build-cmake', 'rtk_addon.node'),
  ];
}

function load(): Addon {
  const candidates = addonCandidates();
  for (const file of candidates) {
    if (fs.existsSync(file)) return require(file) as Addon;
  }
  throw new Error(
    `rtk-diffusion: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Run `npm install` (node-gyp) or `npm run build:cmake` in the package folder.',
  );
}

let loaded: Addon | undefined;

/** The native addon, loaded on first use (so that importing the package never fails; a
 * missing build is reported when something needs it). */
export const addon: Addon = new Proxy({} as Addon, {
  get(_target, property) {
    loaded ??= load();
    return Reflect.get(loaded, property);
  },
  set(_target, property, value) {
    loaded ??= load();
    return Reflect.set(loaded, property, value);
  },
});
