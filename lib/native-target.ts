// The base of every target whose score runs in C++ (GaussianMixture, score plugins): `sample`
// hands its `native` object to the addon and the whole run stays off the main thread.
import type { Real } from './native';

export abstract class NativeTarget {
  /** The addon object the native run evaluates. */
  abstract readonly native: object;
  abstract readonly dim: number;
  /** Whether the target has an energy (-log p_t); 'rtk-mala' needs one. */
  abstract readonly hasEnergy: boolean;
  /** Score (and/or energy) at the rows of x, from JS; used by sampleSync and JS-side checks. */
  abstract evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void;
}
