// The arrays a JS-score run hands to the user's functions (x, the score and the energy), kept
// from one run to the next of the same shape. A new set for every run made V8 map and fault in
// fresh pages at every run (2 * n * d values: 160 of the 245 page faults of an RTK-MALA run at
// n = 4,096, d = 10, about 9 µs each on this project's VMs; bench/README.md). One set is kept, the
// one released last, and only while it holds at most MAX_KEPT_BYTES, so a process keeps at most
// that much after its runs; runs that overlap each take their own set.
import type { Real } from './native';

export interface ScoreBuffers {
  x: Real;
  score: Real;
  energy: Real | null;
}

/** The most a kept set may hold (as the native block cache: 64 MiB). */
export const MAX_KEPT_BYTES = 64 * 2 ** 20;

let kept: ScoreBuffers | null = null;

/** A set for a run of `values` = n * d values and, when `energyValues` > 0, n energies: the kept set
 * when it has that shape (it is then no longer kept), else a new one. The lengths are checked
 * every time: a user's function may have transferred an array (detaching it) during or after
 * its run. */
export function takeScoreBuffers(dtype: 'float64' | 'float32', values: number, energyValues: number): ScoreBuffers {
  const k = kept;
  if (
    k !== null &&
    k.x instanceof (dtype === 'float32' ? Float32Array : Float64Array) &&
    k.x.length === values &&
    k.score.length === values &&
    (energyValues > 0 ? k.energy !== null && k.energy.length === energyValues : k.energy === null)
  ) {
    kept = null;
    return k;
  }
  const make = (n: number): Real => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
  return { x: make(values), score: make(values), energy: energyValues > 0 ? make(energyValues) : null };
}

/** Gives a set back when its run has ended: kept for the next run unless it is too large. */
export function releaseScoreBuffers(b: ScoreBuffers): void {
  const bytes = b.x.byteLength + b.score.byteLength + (b.energy ? b.energy.byteLength : 0);
  if (bytes <= MAX_KEPT_BYTES) kept = b;
}
