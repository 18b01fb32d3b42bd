// Model adapters (lib/adapters.ts; rtk-math.md "Relation to the usual DDPM/VP parameterisations"):
// alphaBar = e^{-2t}; epsilon-prediction score = -eps / sqrt(1 - alphaBar); x0-prediction
// score = (e^{-t} x0 - x) / (1 - e^{-2t}).
import {
  alphaBarFromTime,
  cosineAlphaBar,
  epsilonScore,
  linearAlphaBar,
  timeFromAlphaBar,
  x0Score,
  type Predictor,
} from '../../lib';
import { expectNamedError } from '../helpers';

type Real = Float64Array | Float32Array;

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('time <-> alphaBar', () => {
  test('alphaBarFromTime is e^{-2t} and timeFromAlphaBar inverts it', () => {
    for (const t of [1e-3, 0.01, 0.1, 0.5, 1, 2.5, 5, 10]) {
      expect(relErr(alphaBarFromTime(t), Math.exp(-2 * t))).toBeLessThan(1e-15);
      expect(relErr(timeFromAlphaBar(alphaBarFromTime(t)), t)).toBeLessThan(1e-12);
    }
    for (const a of [1e-8, 1e-3, 0.1, 0.5, 0.9, 0.9999]) {
      expect(relErr(alphaBarFromTime(timeFromAlphaBar(a)), a)).toBeLessThan(1e-14);
      expect(relErr(timeFromAlphaBar(a), -0.5 * Math.log(a))).toBeLessThan(1e-15);
    }
    expect(Math.abs(timeFromAlphaBar(1))).toBe(0);
    expect(alphaBarFromTime(0)).toBe(1);
  });
});

describe('alphaBar schedules', () => {
  test('linearAlphaBar(1000) is the closed-form product of (1 - beta_k), decreasing', () => {
    const ab = linearAlphaBar(1000);
    expect(ab).toBeInstanceOf(Float64Array);
    expect(ab.length).toBe(1000);
    expect(ab[0]).toBe(1 - 1e-4);
    // prod_{k<=K} (1 - beta_k), beta_k = 1e-4 + (0.02 - 1e-4) k / 999, summed in log space
    const closed = (K: number) => {
      let s = 0;
      for (let k = 0; k <= K; k++) s += Math.log1p(-(1e-4 + ((0.02 - 1e-4) * k) / 999));
      return Math.exp(s);
    };
    for (const K of [0, 1, 499, 998, 999]) expect(relErr(ab[K], closed(K))).toBeLessThan(1e-12);
    // the well-known final value of the DDPM schedule (alphas_cumprod[-1] ~ 4.04e-5)
    expect(ab[999]).toBeGreaterThan(4.0e-5);
    expect(ab[999]).toBeLessThan(4.1e-5);
    for (let k = 1; k < 1000; k++) expect(ab[k]).toBeLessThan(ab[k - 1]);
    // other arguments
    const custom = linearAlphaBar(10, 0.01, 0.1);
    expect(custom[0]).toBeCloseTo(0.99, 15);
    expect(relErr(custom[9], [...Array(10)].reduce((p: number, _, k) => p * (1 - (0.01 + 0.01 * k)), 1))).toBeLessThan(1e-13);
  });

  test('cosineAlphaBar is decreasing in (0, 1]', () => {
    for (const steps of [1000, 50]) {
      const ab = cosineAlphaBar(steps);
      expect(ab.length).toBe(steps);
      expect(ab[0]).toBeLessThanOrEqual(1);
      expect(ab[steps - 1]).toBeGreaterThan(0);
      for (let k = 1; k < steps; k++) expect(ab[k]).toBeLessThan(ab[k - 1]);
      // alphaBar(k) = f(k+1)/f(0) while no beta is clipped (all but the very last steps)
      const f = (u: number) => Math.cos(((u / steps + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      for (const k of [0, Math.floor(steps / 2)]) expect(relErr(ab[k], f(k + 1) / f(0))).toBeLessThan(1e-12);
    }
  });

  test('schedule arguments are validated', () => {
    expectNamedError(() => linearAlphaBar(1), RangeError, /\bsteps\b/, /the number 1/);
    expectNamedError(() => linearAlphaBar(10.5), RangeError, /\bsteps\b/);
    expectNamedError(() => cosineAlphaBar('10' as never), TypeError, /\bsteps\b/, /the string "10"/);
  });
});

// The data distribution N(0, s^2 I): under the forward process p_t = N(0, var_t I) with
// var_t = e^{-2t} s^2 + 1 - e^{-2t}, score = -x / var_t, eps(x, t) = -sqrt(1 - e^{-2t}) score and
// E[X_0 | X_t = x] = e^{-t} s^2 x / var_t.
const S2 = 0.49;
const varT = (t: number) => Math.exp(-2 * t) * S2 - Math.expm1(-2 * t);
const ALPHA_BAR = linearAlphaBar(1000);
const LOG_AB = Array.from(ALPHA_BAR, Math.log);

/** The time a (fractional) model timestep stands for: alphaBar interpolated in log space. */
function timeOfTimestep(k: number): number {
  const lo = Math.floor(k), hi = Math.min(lo + 1, LOG_AB.length - 1);
  const logAb = LOG_AB[lo] + (k - lo) * (LOG_AB[hi] - LOG_AB[lo]);
  return -0.5 * logAb;
}

function exactEps(calls: number[]): Predictor {
  return (x, timestep, out) => {
    calls.push(timestep);
    const t = timeOfTimestep(timestep);
    const scale = Math.sqrt(-Math.expm1(-2 * t)) / varT(t);
    for (let i = 0; i < x.length; i++) out[i] = scale * x[i];
  };
}

function exactX0(calls: number[]): Predictor {
  return (x, timestep, out) => {
    calls.push(timestep);
    const t = timeOfTimestep(timestep);
    const scale = (Math.exp(-t) * S2) / varT(t);
    for (let i = 0; i < x.length; i++) out[i] = scale * x[i];
  };
}

function asyncOf(p: Predictor): Predictor {
  return async (x, timestep, out) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    await p(x, timestep, out);
  };
}

// Times inside the schedule's range [-0.5 ln alphaBar_0, -0.5 ln alphaBar_999] = [5e-5, 5.06].
const TIMES = [0.003, 0.05, 0.3, 1, 2.5, 4.9];
const X = Float64Array.from({ length: 12 }, (_, i) => Math.sin(1.7 * i + 0.3) * 2);

function checkExactScore(out: Real, x: Real, t: number, tol: number) {
  for (let i = 0; i < x.length; i++) {
    const want = -x[i] / varT(t);
    expect(Math.abs(out[i] - want)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want), 1e-3));
  }
}

describe('epsilonScore / x0Score with exact predictors', () => {
  test.each([
    ['epsilonScore', epsilonScore, exactEps],
    ['x0Score', x0Score, exactX0],
  ] as const)('%s, synchronous predictor: the exact score, continuous timesteps', (_name, adapter, predictor) => {
    const calls: number[] = [];
    const score = adapter(predictor(calls), { alphaBar: ALPHA_BAR });
    for (const t of TIMES) {
      const out = new Float64Array(X.length);
      const r = score(X, t, out);
      expect(r).toBeUndefined(); // synchronous predictor: synchronous score
      checkExactScore(out, X, t, 1e-11);
    }
    expect(calls.length).toBe(TIMES.length);
    TIMES.forEach((t, c) => {
      const k = calls[c];
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(999);
      expect(Number.isInteger(k)).toBe(false); // fractional
      // alphaBar interpolated in log space at the timestep passed is e^{-2t}
      const lo = Math.floor(k);
      const logAb = LOG_AB[lo] + (k - lo) * (LOG_AB[lo + 1] - LOG_AB[lo]);
      expect(Math.abs(logAb - -2 * t)).toBeLessThan(1e-12 * Math.max(1, 2 * t));
      expect(relErr(Math.exp(logAb), Math.exp(-2 * t))).toBeLessThan(1e-12);
    });
  });

  test.each([
    ['epsilonScore', epsilonScore, exactEps],
    ['x0Score', x0Score, exactX0],
  ] as const)('%s, async predictor: a Promise resolving after out holds the exact score', async (_name, adapter, predictor) => {
    const calls: number[] = [];
    const score = adapter(asyncOf(predictor(calls)), { alphaBar: ALPHA_BAR, timestep: 'continuous' });
    for (const t of TIMES) {
      const out = new Float32Array(X.length);
      const x = Float32Array.from(X);
      const r = score(x, t, out);
      expect(r).toBeInstanceOf(Promise);
      expect(Array.from(out).every((v) => v === 0)).toBe(true); // nothing written yet
      await r;
      if (adapter === epsilonScore) checkExactScore(out, x, t, 1e-6); // float32 output
      else {
        // x0 is stored in float32 (relative error 2^-24) before (e^{-t} x0 - x) / (1 - e^{-2t}):
        // the rounding of both terms is amplified by 1 / (1 - e^{-2t}) at small t
        const amplify = 1 / -Math.expm1(-2 * t);
        for (let i = 0; i < x.length; i++) {
          const want = -x[i] / varT(t);
          const bound = 4 * 2 ** -24 * (Math.abs(x[i]) * 2 * amplify + Math.abs(want));
          expect(Math.abs(out[i] - want)).toBeLessThanOrEqual(bound);
        }
      }
    }
    expect(calls.length).toBe(TIMES.length);
    for (const k of calls) expect(Number.isInteger(k)).toBe(false);
  });

  test("timestep 'nearest' passes the nearest integer index", () => {
    const calls: number[] = [];
    const score = epsilonScore(exactEps(calls), { alphaBar: ALPHA_BAR, timestep: 'nearest' });
    for (const t of TIMES) score(X, t, new Float64Array(X.length));
    TIMES.forEach((t, c) => {
      const k = calls[c];
      expect(Number.isInteger(k)).toBe(true);
      // the nearest index in log alphaBar: |log alphaBar_k + 2t| is at most half a step
      const step = Math.abs(LOG_AB[Math.min(k + 1, 999)] - LOG_AB[Math.max(k - 1, 0)]);
      expect(Math.abs(LOG_AB[k] + 2 * t)).toBeLessThanOrEqual(step / 2 + 1e-12);
    });
  });

  test('times outside the schedule clamp to its first / last index', () => {
    const calls: number[] = [];
    const score = x0Score(exactX0(calls), { alphaBar: ALPHA_BAR });
    score(X, 1e-6, new Float64Array(X.length));
    score(X, 8, new Float64Array(X.length));
    expect(calls).toEqual([0, 999]);
  });

  test('the scaling is the documented one for a non-exact predictor', () => {
    const eps: Predictor = (_x, _k, out) => {
      out.fill(1);
    };
    const x0: Predictor = (_x, _k, out) => {
      out.fill(0.5);
    };
    const t = 0.7;
    const a = new Float64Array(X.length), b = new Float64Array(X.length);
    epsilonScore(eps, { alphaBar: ALPHA_BAR })(X, t, a);
    x0Score(x0, { alphaBar: ALPHA_BAR })(X, t, b);
    for (let i = 0; i < X.length; i++) {
      expect(relErr(a[i], -1 / Math.sqrt(1 - Math.exp(-2 * t)))).toBeLessThan(1e-14);
      expect(relErr(b[i], (Math.exp(-t) * 0.5 - X[i]) / (1 - Math.exp(-2 * t)))).toBeLessThan(1e-12);
    }
  });
});

describe('adapter argument checks', () => {
  const eps: Predictor = () => undefined;
  test.each([
    ['predictEps not a function', () => epsilonScore('f' as never, { alphaBar: ALPHA_BAR }), TypeError, [/\bpredictEps\b/, /the string "f"/]],
    ['predictX0 undefined', () => x0Score(undefined as never, { alphaBar: ALPHA_BAR }), TypeError, [/\bpredictX0\b/, /undefined/]],
    ['options missing', () => epsilonScore(eps, undefined as never), TypeError, [/adapter options/, /undefined/]],
    ['options not an object', () => x0Score(eps, 3 as never), TypeError, [/adapter options/, /the number 3/]],
    ['alphaBar missing', () => epsilonScore(eps, {} as never), TypeError, [/\balphaBar\b/, /undefined/]],
    ['alphaBar too short', () => epsilonScore(eps, { alphaBar: [0.5] }), TypeError, [/\balphaBar\b/, /an Array of length 1/]],
    ['alphaBar increasing', () => epsilonScore(eps, { alphaBar: [0.9, 0.95, 0.5] }), RangeError, [/alphaBar\[1\]/, /0.95/]],
    ['alphaBar constant', () => x0Score(eps, { alphaBar: [0.9, 0.9] }), RangeError, [/alphaBar\[1\]/, /0.9/]],
    ['alphaBar above 1', () => epsilonScore(eps, { alphaBar: [1.5, 0.5] }), RangeError, [/alphaBar\[0\]/, /1.5/]],
    ['alphaBar zero', () => epsilonScore(eps, { alphaBar: [0.5, 0] }), RangeError, [/alphaBar\[1\]/, /the number 0/]],
    ['alphaBar NaN', () => epsilonScore(eps, { alphaBar: [0.5, NaN] }), RangeError, [/alphaBar\[1\]/, /NaN/]],
    ['alphaBar string entry', () => epsilonScore(eps, { alphaBar: [0.5, '0.1'] as never }), TypeError, [/alphaBar\[1\]/, /the string "0.1"/]],
    ['unknown option', () => epsilonScore(eps, { alphaBar: ALPHA_BAR, timeStep: 'nearest' } as never), TypeError, [/'timeStep'/, /did you mean 'timestep'/]],
    ['bad timestep', () => x0Score(eps, { alphaBar: ALPHA_BAR, timestep: 'round' as never }), RangeError, [/\btimestep\b/, /the string "round"/]],
    ['timestep not a string', () => x0Score(eps, { alphaBar: ALPHA_BAR, timestep: 1 as never }), TypeError, [/\btimestep\b/, /the number 1/]],
  ] as [string, () => unknown, typeof TypeError | typeof RangeError, RegExp[]][])('%s', (_name, f, cls, patterns) => {
    expectNamedError(f, cls, ...patterns);
  });
});
