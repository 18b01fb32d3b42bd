// GaussianMixture: a native target with exact score and energy of p_t under the forward
// process (rtk-math.md, "The paper's benchmark target"), plus exact draws and marginals.
import { rangeError, typeError } from './errors';
import { addon, NativeGaussianMixture, Real } from './native';
import { NativeTarget } from './native-target';
import { finiteNumber, integer, knownKeys, nonNegativeNumber, oneOf, plainObject } from './validate';

export interface GaussianMixtureOptions {
  /** Component weights (positive; normalised to sum to 1). Default: equal weights. */
  weights?: ArrayLike<number>;
  /** Component means: K arrays of length d. */
  means: ArrayLike<ArrayLike<number>>;
  /** Per component: a number (isotropic variance) or an array of d variances (diagonal). */
  variances: ArrayLike<number | ArrayLike<number>>;
}

const MIXTURE_OPTIONS = ['weights', 'means', 'variances'] as const;

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

export class GaussianMixture extends NativeTarget {
  /** The native object; used by `sample` to run entirely in C++. */
  readonly native: NativeGaussianMixture;
  readonly dim: number;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly variances: Float64Array;
  readonly hasEnergy = true;

  constructor(options: GaussianMixtureOptions) {
    super();
    const o = plainObject('GaussianMixture options', options);
    knownKeys('GaussianMixture options', o, MIXTURE_OPTIONS);
    const means = o.means;
    if (!isArrayLike(means)) throw typeError('means', 'an array of K mean vectors', means);
    const k = means.length;
    if (k < 1) throw rangeError('means', 'at least one component', means);
    const first = means[0];
    if (!isArrayLike(first)) throw typeError('means[0]', 'an array of numbers', first);
    const d = first.length;
    if (d < 1) throw rangeError('means[0]', 'a vector of length >= 1', first);
    const meanValues = new Float64Array(k * d);
    for (let j = 0; j < k; j++) {
      const m = means[j];
      if (!isArrayLike(m)) throw typeError(`means[${j}]`, 'an array of numbers', m);
      if (m.length !== d) throw rangeError(`means[${j}]`, `a vector of length ${d} (as means[0])`, m);
      for (let i = 0; i < d; i++) meanValues[j * d + i] = finiteNumber(`means[${j}][${i}]`, m[i]);
    }
    const weights = new Float64Array(k);
    if (o.weights === undefined) weights.fill(1 / k);
    else {
      if (!isArrayLike(o.weights)) throw typeError('weights', 'an array of K positive numbers', o.weights);
      if (o.weights.length !== k) throw rangeError('weights', `${k} weights (one per mean)`, o.weights);
      let largest = 0;
      for (let j = 0; j < k; j++) {
        const w = finiteNumber(`weights[${j}]`, o.weights[j]);
        if (!(w > 0)) throw rangeError(`weights[${j}]`, 'a weight > 0', w);
        weights[j] = w;
        largest = Math.max(largest, w);
      }
      // Normalised, as documented (scaled by the largest first, so huge weights cannot overflow).
      let total = 0;
      for (let j = 0; j < k; j++) total += weights[j] / largest;
      for (let j = 0; j < k; j++) weights[j] = weights[j] / largest / total;
    }
    const variances = o.variances;
    if (!isArrayLike(variances)) throw typeError('variances', 'an array of K variances (numbers or arrays)', variances);
    if (variances.length !== k) throw rangeError('variances', `${k} entries (one per mean)`, variances);
    const varValues = new Float64Array(k * d);
    for (let j = 0; j < k; j++) {
      const v = variances[j];
      if (typeof v === 'number') {
        if (!(v >= 1e-300 && v <= 1e300)) throw rangeError(`variances[${j}]`, 'a variance > 0 (within [1e-300, 1e300])', v);
        varValues.fill(v, j * d, (j + 1) * d);
      } else if (isArrayLike(v)) {
        if (v.length !== d) throw rangeError(`variances[${j}]`, `a number or ${d} diagonal variances`, v);
        for (let i = 0; i < d; i++) {
          const x = v[i];
          if (typeof x !== 'number') throw typeError(`variances[${j}][${i}]`, 'a number', x);
          if (!(x >= 1e-300 && x <= 1e300)) throw rangeError(`variances[${j}][${i}]`, 'a variance > 0 (within [1e-300, 1e300])', x);
          varValues[j * d + i] = x;
        }
      } else throw typeError(`variances[${j}]`, 'a number or an array of numbers', v);
    }
    this.dim = d;
    this.weights = weights;
    this.means = meanValues;
    this.variances = varValues;
    this.native = new addon.NativeGaussianMixture(weights, meanValues, varValues, d);
  }

  /** The paper's target (rtk-math.md): 12 equal modes on the unit circle in d = 10, variance 0.007. */
  static paperTarget(): GaussianMixture {
    const d = 10;
    const means = Array.from({ length: 12 }, (_, j) => {
      const m = new Array<number>(d).fill(0);
      m[0] = Math.cos((2 * Math.PI * j) / 12);
      m[1] = Math.sin((2 * Math.PI * j) / 12);
      return m;
    });
    return new GaussianMixture({ means, variances: new Array(12).fill(0.007) });
  }

  get components(): number {
    return this.weights.length;
  }

  evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void {
    this.native.evaluate(x, t, scoreOut, energyOut);
  }

  /** Exact draws from p_t (t = 0: the mixture itself), n*d row-major. */
  sampleExact(options: { n: number; t?: number; seed?: number; dtype?: 'float64' | 'float32' }): Real {
    const o = plainObject('sampleExact options', options);
    knownKeys('sampleExact options', o, ['n', 't', 'seed', 'dtype']);
    // n * dim values in one typed array (at most 2^31 of them).
    const n = integer('n', o.n, 1, Math.floor(2 ** 31 / this.dim));
    const t = o.t === undefined ? 0 : nonNegativeNumber('t', o.t);
    const seed = o.seed === undefined ? 0 : integer('seed', o.seed, 0, 2 ** 32 - 1);
    const dtype = o.dtype === undefined ? 'float64' : oneOf('dtype', o.dtype, ['float64', 'float32'] as const);
    const out = dtype === 'float32' ? new Float32Array(n * this.dim) : new Float64Array(n * this.dim);
    this.native.sampleExact(n, t, seed, out);
    return out;
  }

  /** Exact masses of each coordinate's marginal of p_t over `bins` bins on [lo, hi]:
   * d rows of bins + 2 values (below lo, the bins, above hi). */
  marginalBinMasses(t: number, bins: number, range: [number, number]): Float64Array {
    nonNegativeNumber('t', t);
    integer('bins', bins, 1, 1e6);
    if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0]))
      throw rangeError('range', 'a pair [lo, hi] with lo < hi', range);
    return this.native.marginalBinMasses(t, bins, finiteNumber('range[0]', range[0]), finiteNumber('range[1]', range[1]));
  }

  toString(): string {
    return `GaussianMixture(${this.components} components, dim ${this.dim})`;
  }
}
