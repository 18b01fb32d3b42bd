// The base of every target whose score runs in C++ (GaussianMixture, score plugins): `sample`
// hands its `native` object to the addon and the whole run stays off the main thread.
import { rangeError, typeError } from './errors';
import type { Real } from './native';
import { isFloat32Array, isFloat64Array, nonNegativeNumber } from './validate';

export abstract class NativeTarget {
  /** The addon object the native run evaluates. */
  abstract readonly native: object;
  abstract readonly dim: number;
  /** Whether the target has an energy (-log p_t); 'rtk-mala' needs one. */
  abstract readonly hasEnergy: boolean;
  /** Score (and/or energy) at the rows of x, unchecked; used by sampleSync and the methods below. */
  abstract evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void;

  /** score(x, t, out): out = grad log p_t at each row of x (n*d, row-major). */
  score(x: Real, t: number, out: Real): void {
    const n = this.rows('x', x);
    nonNegativeNumber('t', t);
    this.evaluate(x, t, this.checkOut('out', x, out, n * this.dim), null);
  }

  /** energy(x, t, out): out[i] = -log p_t(x_i) (up to a constant); only when hasEnergy. */
  energy(x: Real, t: number, out: Real): void {
    if (!this.hasEnergy) throw new TypeError(`${this} has no energy function`);
    const n = this.rows('x', x);
    nonNegativeNumber('t', t);
    this.evaluate(x, t, null, this.checkOut('out', x, out, n));
  }

  private rows(name: string, x: unknown): number {
    if (!(isFloat64Array(x) || isFloat32Array(x))) throw typeError(name, 'a Float64Array or Float32Array', x);
    if (x.length === 0 || x.length % this.dim !== 0)
      throw rangeError(name, `a non-empty multiple of dim = ${this.dim} values`, x);
    return x.length / this.dim;
  }

  private checkOut(name: string, x: Real, out: unknown, length: number): Real {
    const same = isFloat64Array(x) ? isFloat64Array(out) : isFloat32Array(out);
    if (!same) throw typeError(name, `a ${x.constructor.name} (the type of x)`, out);
    if ((out as Real).length !== length) throw rangeError(name, `length ${length}`, out);
    return out as Real;
  }
}
