// Property-based fuzzing of the native addon's entry points (exported as `native` from lib):
// normals, scoreStep, stepCoefficients, malaAccept, uldStep, uldCoefficients, segmentPotential,
// NativeGaussianMixture (constructor, evaluate, sampleExact, marginalBinMasses), JsScoreRun
// (driven through random protocol sequences) and sampleNative, with random typed arrays of
// random types and lengths (Float64/32, integer and BigInt arrays, DataView, plain arrays,
// ArrayBuffers, SharedArrayBuffer views, detached buffers, offset subarrays) and random option
// objects. The jest worker must survive every case, and each case must return a well-formed
// result or throw an Error (of any realm: the addon's errors are not instanceof the sandbox's).
//
// Sizes: counts are small or invalid, never huge AND valid: a valid huge size reaches an
// allocation (see the isolated crash tests at the end of this file).
//
// FC_SEED=<n> | random and FC_RUNS=<n per entry point> as in fuzz-options.test.ts.
import fc from 'fast-check';
import { native } from '../../lib';
import { detach, isError, runIsolated } from './helpers';

const SEED = process.env.FC_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED ?? 20261130);
const RUNS = Number(process.env.FC_RUNS ?? 300);

type AnyArray = unknown;

/** every() that also works on a detached array (length 0: vacuously true). */
function all(a: unknown, pred: (v: number) => boolean): boolean {
  const arr = a as ArrayLike<number>;
  for (let i = 0; i < arr.length; i++) if (!pred(arr[i])) return false;
  return true;
}
type Real = Float64Array | Float32Array;

// ---------------------------------------------------------------------------------------------
// Outcome bookkeeping
const tally = new Map<string, Map<string, number>>();
function record(entry: string, outcome: string) {
  const m = tally.get(entry) ?? new Map<string, number>();
  m.set(outcome, (m.get(outcome) ?? 0) + 1);
  tally.set(entry, m);
}
afterAll(() => {
  const lines: string[] = [];
  let total = 0;
  for (const [entry, m] of tally) {
    const n = [...m.values()].reduce((a, b) => a + b, 0);
    total += n;
    lines.push(`  ${entry}: ${n} cases; ${[...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  }
  // eslint-disable-next-line no-console
  console.log(`native fuzz (seed ${SEED}): ${total} calls\n${lines.join('\n')}`);
});

// RTK_FUZZ_TRACE=<file>: append every case before running it (to find a case that crashes).
const TRACE = process.env.RTK_FUZZ_TRACE;
function trace(what: string, value: unknown) {
  if (!TRACE) return;
  let text: string;
  try {
    text = fc.stringify(value);
  } catch {
    text = '(unprintable)';
  }
  require('fs').appendFileSync(TRACE, `${what} ${text}\n`);
}

/** Calls f; a throw must be an Error (any realm). Returns the value or undefined on a throw. */
function attempt<T>(entry: string, f: () => T): { ok: true; value: T } | { ok: false; error: Error } {
  try {
    const value = f();
    record(entry, 'returned');
    return { ok: true, value };
  } catch (e) {
    if (!isError(e)) throw new Error(`${entry} threw a non-Error: ${String(e)}`);
    expect(e.message.length).toBeGreaterThan(0);
    record(entry, e.name);
    return { ok: false, error: e };
  }
}

// ---------------------------------------------------------------------------------------------
// Arrays
const KINDS = [
  'f64', 'f32', 'i8', 'u8', 'u8c', 'i16', 'u16', 'i32', 'u32', 'bi64', 'bu64',
  'dataview', 'plain', 'arraybuffer', 'sab-f64', 'sab-f32', 'detached-f64', 'offset-f64', 'offset-f32',
] as const;
type Kind = (typeof KINDS)[number];

const specialValues = [0, -0, 1, -1, 0.5, 1e-300, 1e300, -1e300, NaN, Infinity, -Infinity, 5e-324];
function valueAt(i: number, seed: number, specials: boolean): number {
  if (specials && (i * 7 + seed) % 5 === 0) return specialValues[(i + seed) % specialValues.length];
  return Math.sin(1.3 * i + seed) * 2;
}

function makeArray(kind: Kind, length: number, seed: number, specials: boolean): AnyArray {
  const fill = (a: { length: number; [i: number]: number }) => {
    for (let i = 0; i < a.length; i++) a[i] = valueAt(i, seed, specials);
    return a;
  };
  switch (kind) {
    case 'f64': return fill(new Float64Array(length));
    case 'f32': return fill(new Float32Array(length));
    case 'i8': return new Int8Array(length);
    case 'u8': return new Uint8Array(length);
    case 'u8c': return new Uint8ClampedArray(length);
    case 'i16': return new Int16Array(length);
    case 'u16': return new Uint16Array(length);
    case 'i32': return new Int32Array(length);
    case 'u32': return new Uint32Array(length);
    case 'bi64': return new BigInt64Array(length);
    case 'bu64': return new BigUint64Array(length);
    case 'dataview': return new DataView(new ArrayBuffer(length * 8));
    case 'plain': return fill(new Array(length).fill(0));
    case 'arraybuffer': return new ArrayBuffer(length * 8);
    case 'sab-f64': return fill(new Float64Array(new SharedArrayBuffer(length * 8)));
    case 'sab-f32': return fill(new Float32Array(new SharedArrayBuffer(length * 4)));
    case 'detached-f64': {
      const a = new Float64Array(length);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return a;
    }
    case 'offset-f64': return fill(new Float64Array(length + 5).subarray(3, 3 + length));
    case 'offset-f32': return fill(new Float32Array(length + 5).subarray(1, 1 + length));
  }
}

/** An array argument: usually the right dtype and length, otherwise anything. */
interface ArraySpec {
  right: boolean;
  kind: Kind;
  delta: number; // length offset when not right
  specials: boolean;
  seed: number;
}
const arraySpec: fc.Arbitrary<ArraySpec> = fc.record({
  right: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
  kind: fc.constantFrom(...KINDS),
  delta: fc.constantFrom(-1, 0, 0, 1, 7),
  specials: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});
function build(spec: ArraySpec, length: number, dtype: 'f64' | 'f32'): AnyArray {
  if (spec.right) return makeArray(spec.kind.startsWith('offset') ? (dtype === 'f64' ? 'offset-f64' : 'offset-f32') : spec.kind.startsWith('sab') ? (dtype === 'f64' ? 'sab-f64' : 'sab-f32') : dtype, length, spec.seed, spec.specials);
  return makeArray(spec.kind, Math.max(0, length + spec.delta), spec.seed, spec.specials);
}

// ---------------------------------------------------------------------------------------------
// Scalars and option objects
const junk = fc.constantFrom<unknown>(undefined, null, true, 'x', '2', {}, [], [2], () => 2, Symbol('s'), 2n, NaN, Infinity, -Infinity, -1, 1.5, -0, 1e300, 2 ** 32, 2 ** 53);
const num = (valid: fc.Arbitrary<number>) => fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 8 }, { arbitrary: junk, weight: 1 });
const THREADS = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(undefined, 0, 1, 2, 3), weight: 60 },
  { arbitrary: fc.constantFrom<unknown>(1025, -1, 2.5, NaN, '2', 64), weight: 3 },
  { arbitrary: fc.constant<unknown>(1024), weight: 1 },
);
const optionValue = (valid: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: junk, weight: 1 });

interface Shape {
  n: number;
  d: number;
  dtype: 'f64' | 'f32';
  options: unknown;
}
/** n, d and the kernel options object { n, d, seed, segment, step, particleOffset, threads }. */
const shape: fc.Arbitrary<Shape> = fc
  .record({
    n: fc.integer({ min: 0, max: 9 }),
    d: fc.integer({ min: 1, max: 6 }),
    dtype: fc.constantFrom<'f64' | 'f32'>('f64', 'f32'),
    optN: optionValue(fc.constant('same')),
    optD: optionValue(fc.constant('same')),
    seed: optionValue(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 ** 32 - 1 }))),
    segment: optionValue(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 ** 32 - 1 }))),
    step: optionValue(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 100 }))),
    particleOffset: optionValue(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 ** 32 - 1 }))),
    threads: THREADS,
    form: fc.constantFrom('object', 'object', 'object', 'object', 'object', 'object', 'object', 'undefined', 'null', 'number', 'array', 'getter-throws'),
  })
  .map(({ n, d, dtype, optN, optD, form, ...rest }) => {
    const o: Record<string, unknown> = { n: optN === 'same' ? n : optN, d: optD === 'same' ? d : optD };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) o[k] = v;
    let options: unknown = o;
    if (form === 'undefined') options = undefined;
    if (form === 'null') options = null;
    if (form === 'number') options = 3;
    if (form === 'array') options = [n, d];
    if (form === 'getter-throws')
      options = Object.defineProperty({ ...o }, 'seed', {
        get() {
          throw new SyntaxError('getter');
        },
        enumerable: true,
      });
    return { n, d, dtype, options };
  });

// ---------------------------------------------------------------------------------------------
describe('fuzz: kernel entry points', () => {
  const opts = { numRuns: RUNS, seed: SEED, endOnFailure: true };

  test('normals(out, options)', () => {
    fc.assert(
      fc.property(shape, arraySpec, (s, a) => {
        trace('normals', [s, a]);
        const out = build(a, s.n * s.d, s.dtype);
        const r = attempt('normals', () => native.normals(out as Real, s.options as never));
        if (r.ok) expect(all(out, Number.isFinite)).toBe(true);
      }),
      opts,
    );
  });

  test('scoreStep(coefficients, x, score, out, options)', () => {
    const coef = fc.oneof(
      { arbitrary: fc.record({ cx: num(fc.double()), cs: num(fc.double()), cn: num(fc.double()) }) as fc.Arbitrary<unknown>, weight: 8 },
      { arbitrary: junk, weight: 1 },
    );
    fc.assert(
      fc.property(shape, coef, arraySpec, arraySpec, arraySpec, fc.boolean(), (s, c, ax, as, ao, inPlace) => {
        trace('scoreStep', [s, c, ax, as, ao, inPlace]);
        const values = s.n * s.d;
        const x = build(ax, values, s.dtype), score = build(as, values, s.dtype);
        const out = inPlace ? x : build(ao, values, s.dtype);
        attempt('scoreStep', () => native.scoreStep(c as never, x as Real, score as Real, out as Real, s.options as never));
      }),
      opts,
    );
  });

  test('stepCoefficients(kind, a, b)', () => {
    const kind = fc.oneof({ arbitrary: fc.constantFrom<unknown>('ddpm', 'ddim', 'tweedie', 'pf-euler', 'langevin'), weight: 8 }, { arbitrary: fc.constantFrom<unknown>('DDPM', 'euler', '', 5, null), weight: 1 });
    fc.assert(
      fc.property(kind, num(fc.double()), num(fc.double()), (k, a, b) => {
        trace('stepCoefficients', [k, a, b]);
        const r = attempt('stepCoefficients', () => native.stepCoefficients(k as never, a as number, b as number));
        if (r.ok) for (const key of ['cx', 'cs', 'cn'] as const) expect(typeof r.value[key]).toBe('number');
      }),
      opts,
    );
  });

  test('malaAccept(params, arrays, options)', () => {
    const params = fc.oneof(
      {
        arbitrary: fc.record(
          {
            tau: num(fc.double({ min: 1e-6, max: 10, noNaN: true })),
            projectionRadius: optionValue(fc.oneof(fc.constant(undefined), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.constant(Infinity))),
            energyDelta: optionValue(fc.constantFrom(undefined, 'exact', 'trapezoid', 'simpson')),
          },
          { requiredKeys: ['tau'] },
        ) as fc.Arbitrary<unknown>,
        weight: 9,
      },
      { arbitrary: junk, weight: 1 },
    );
    const names = ['z', 'gradG', 'g', 'zProp', 'gradGProp', 'gProp', 'gradGMid'] as const;
    fc.assert(
      fc.property(shape, params, fc.array(arraySpec, { minLength: 7, maxLength: 7 }), fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), (s, p, specs, omit) => {
        trace('malaAccept', [s, p, specs, omit]);
        const arrays: Record<string, unknown> = {};
        names.forEach((name, i) => {
          if (omit[i] && specs[i].seed % 4 === 0) return; // omitted in 1 case in 8
          arrays[name] = build(specs[i], name === 'g' || name === 'gProp' ? s.n : s.n * s.d, s.dtype);
        });
        const r = attempt('malaAccept', () => native.malaAccept(p as never, arrays as never, s.options as never));
        if (r.ok) {
          expect(Object.prototype.toString.call(r.value.accepted)).toBe('[object Uint8Array]');
          expect(r.value.accepted.length).toBe(s.n);
          expect(all(r.value.accepted, (v) => v === 0 || v === 1)).toBe(true);
          expect(r.value.acceptRate >= 0 && r.value.acceptRate <= 1).toBe(true);
          if (s.n > 0) expect(r.value.meanAcceptProb >= 0 && r.value.meanAcceptProb <= 1).toBe(true);
        }
      }),
      opts,
    );
  });

  test('uldStep(gamma, tau, z, v, gradG, options) and uldCoefficients(gamma, tau)', () => {
    const positive = num(fc.oneof(fc.double({ min: 1e-12, max: 1e6, noNaN: true }), fc.constantFrom(1e-100, 1e-300, 0, 1e308)));
    fc.assert(
      fc.property(shape, positive, positive, arraySpec, arraySpec, arraySpec, (s, gamma, tau, az, av, ag) => {
        trace('uld', [s, gamma, tau, az, av, ag]);
        const values = s.n * s.d;
        attempt('uldStep', () => native.uldStep(gamma as number, tau as number, build(az, values, s.dtype) as Real, build(av, values, s.dtype) as Real, build(ag, values, s.dtype) as Real, s.options as never));
        const r = attempt('uldCoefficients', () => native.uldCoefficients(gamma as number, tau as number));
        if (r.ok) for (const key of ['e', 'cV', 'cGrad', 'lZZ', 'lVZ', 'lVV'] as const) expect(typeof r.value[key]).toBe('number');
      }),
      opts,
    );
  });

  test('segmentPotential(eta, anchor, z, score, energy | null, gradGOut, gOut | null, options)', () => {
    const eta = num(fc.oneof(fc.double({ min: 1e-9, max: 20, noNaN: true }), fc.constantFrom(1e-300, 800, 1e308)));
    fc.assert(
      fc.property(shape, eta, fc.array(arraySpec, { minLength: 6, maxLength: 6 }), fc.boolean(), (s, e, specs, withEnergy) => {
        trace('segmentPotential', [s, e, specs, withEnergy]);
        const values = s.n * s.d;
        const [anchor, z, score, grad] = specs.slice(0, 4).map((a) => build(a, values, s.dtype));
        const energy = withEnergy ? build(specs[4], s.n, s.dtype) : null;
        const g = withEnergy ? build(specs[5], s.n, s.dtype) : specs[5].right ? null : build(specs[5], s.n, s.dtype);
        attempt('segmentPotential', () => native.segmentPotential(e as number, anchor as Real, z as Real, score as Real, energy as Real | null, grad as Real, g as Real | null, s.options as never));
      }),
      opts,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('fuzz: NativeGaussianMixture', () => {
  const mixtureArgs = fc.record({
    k: fc.integer({ min: 0, max: 4 }),
    d: fc.integer({ min: 1, max: 4 }),
    dim: optionValue(fc.constant('same')),
    weights: arraySpec,
    means: arraySpec,
    variances: arraySpec,
    badValue: fc.constantFrom<number | null>(null, null, null, null, 0, -1, NaN, Infinity, 1e-320, 1e308),
    which: fc.constantFrom<'weights' | 'means' | 'variances'>('weights', 'means', 'variances'),
  });

  type MixtureArgs = typeof mixtureArgs extends fc.Arbitrary<infer A> ? A : never;
  function construct(a: MixtureArgs) {
    const w = build({ ...a.weights, specials: false }, a.k, 'f64');
    const m = build({ ...a.means, specials: false }, a.k * a.d, 'f64');
    const v = build({ ...a.variances, specials: false }, a.k * a.d, 'f64');
    const fix = (x: AnyArray, positive: boolean) => {
      if (Object.prototype.toString.call(x) === '[object Float64Array]' && (x as Float64Array).length > 0) {
        const arr = x as Float64Array;
        if (positive) for (let i = 0; i < arr.length; i++) arr[i] = 0.1 + Math.abs(arr[i]);
      }
    };
    fix(w, true);
    fix(v, true);
    const target = a.which === 'weights' ? w : a.which === 'means' ? m : v;
    if (a.badValue !== null && Object.prototype.toString.call(target) === '[object Float64Array]' && (target as Float64Array).length > 0)
      (target as Float64Array)[0] = a.badValue;
    const dim = a.dim === 'same' ? a.d : a.dim;
    return attempt('NativeGaussianMixture()', () => new native.NativeGaussianMixture(w as Float64Array, m as Float64Array, v as Float64Array, dim as number));
  }

  test('constructor, then evaluate / sampleExact / marginalBinMasses with random arguments', () => {
    const calls = fc.record({
      n: fc.integer({ min: 0, max: 6 }),
      dtype: fc.constantFrom<'f64' | 'f32'>('f64', 'f32'),
      x: arraySpec,
      scoreOut: fc.oneof(fc.constant(null), arraySpec),
      energyOut: fc.oneof(fc.constant(null), arraySpec),
      t: num(fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(0, 1e-12, 700, 1e308))),
      seed: num(fc.integer({ min: 0, max: 2 ** 32 - 1 })),
      offset: fc.oneof(fc.constant(undefined), num(fc.integer({ min: 0, max: 2 ** 32 - 1 }))),
      bins: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 40 }) as fc.Arbitrary<unknown>, weight: 8 }, { arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, NaN, 2 ** 24, 1e20, '5'), weight: 1 }),
      lo: num(fc.double({ min: -5, max: 5, noNaN: true })),
      width: num(fc.double({ min: -1, max: 10, noNaN: true })),
    });
    fc.assert(
      fc.property(mixtureArgs, calls, (a, c) => {
        trace('mixture', [a, c]);
        const made = construct(a);
        if (!made.ok) return;
        const g = made.value;
        expect(g.dim).toBe(a.d);
        const d = a.d;
        const x = build(c.x, c.n * d, c.dtype);
        const so = c.scoreOut === null ? null : build(c.scoreOut, c.n * d, c.dtype);
        const eo = c.energyOut === null ? null : build(c.energyOut, c.n, c.dtype);
        const ev = attempt('mixture.evaluate', () => g.evaluate(x as Real, c.t as number, so as Real | null, eo as Real | null));
        // (|x| >= ~1e155 gives NaN: a known bug, see numerical-edges.test.ts)
        // (and so do a mean or variance of 1e308 and a variance of 1e-320: numerical-edges.test.ts)
        if (ev.ok && typeof c.t === 'number' && all(x, (v) => Math.abs(v) < 1e6) && c.t < 700 && a.badValue === null) {
          if (so) expect(all(so, (v) => !Number.isNaN(v))).toBe(true);
          if (eo) expect(all(eo, (v) => !Number.isNaN(v))).toBe(true);
        }
        const out = build(c.x, c.n * d, c.dtype);
        const se = attempt('mixture.sampleExact', () => g.sampleExact(c.n as number, c.t as number, c.seed as number, out as Real, c.offset as number | undefined));
        // (a variance of 1e308 gives draws ~1e154: finite in float64, Infinity in float32)
        if (se.ok && (c.t as number) < 700 && (c.dtype === 'f64' || a.badValue !== 1e308)) expect(all(out, Number.isFinite)).toBe(true);
        const hi = typeof c.lo === 'number' && typeof c.width === 'number' ? c.lo + c.width : c.width;
        const mb = attempt('mixture.marginalBinMasses', () => g.marginalBinMasses(c.t as number, c.bins as number, c.lo as number, hi as number));
        if (mb.ok) {
          const bins = c.bins as number;
          expect(mb.value.length).toBe(d * (bins + 2));
          for (let i = 0; i < d; i++) {
            let sum = 0;
            for (let b = 0; b < bins + 2; b++) sum += mb.value[i * (bins + 2) + b];
            if (Number.isFinite(sum)) expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
          }
        }
      }),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Plans for JsScoreRun and sampleNative: a valid small plan with a few fields replaced.
const SAMPLER_NAMES = ['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula', 'ddpm', 'ddim', 'pf-heun', 'ald'];
const throwingToString = { toString() { throw new EvalError('toString'); } };

function validPlan(sampler: string, n: number, d: number, k: number) {
  const rtk = sampler.startsWith('rtk');
  const times = Array.from({ length: k + 1 }, (_, i) => 2 * (1 - i / k) + (i === k ? 0 : 0.01));
  return {
    sampler, particles: n, dim: d, seed: 3, threads: 1,
    times: sampler === 'ald' ? times.slice(0, k).map((t) => t + 0.01) : times,
    steps: rtk ? new Array(k).fill(2) : sampler === 'ald' ? new Array(k).fill(1) : [],
    warmStart: 'tweedie', stepSize: 0, targetAccept: 0.6, friction: 0, projectionRadius: null,
    energyEstimate: 'trapezoid', finalDenoise: false, aldStepScale: 0.1,
  } as Record<string, unknown>;
}

const planField = fc.constantFrom('sampler', 'particles', 'dim', 'seed', 'threads', 'times', 'steps', 'warmStart', 'stepSize', 'targetAccept', 'friction', 'projectionRadius', 'energyEstimate', 'finalDenoise', 'aldStepScale');
const planValue = fc.oneof(
  junk,
  fc.constantFrom<unknown>(
    throwingToString, 'rtk-mala', 'ddpm', 'nope', 'simpson', 'gaussian', 'ddpm', 0, 1, 2, 1e7, 1e7 + 1, -0.5, 0.5, 3,
    [], [1], [2, 1], [1, 2], [2, 2], [2, -1], [2, NaN], [1e308, 0], [2, '1'], [0, 0], [1, 1, 1], [-1], [1.5], [1e7 + 1],
  ),
);
const planArb = fc.record({
  sampler: fc.constantFrom(...SAMPLER_NAMES),
  n: fc.integer({ min: 1, max: 6 }),
  d: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 3 }),
  mutations: fc.oneof({ arbitrary: fc.constant([] as [string, unknown][]), weight: 1 }, { arbitrary: fc.array(fc.tuple(planField, planValue), { minLength: 1, maxLength: 3 }), weight: 1 }),
  form: fc.oneof({ arbitrary: fc.constant('object'), weight: 20 }, { arbitrary: fc.constantFrom('null', 'number', 'string'), weight: 1 }),
});
function makePlan(p: { sampler: string; n: number; d: number; k: number; mutations: [string, unknown][]; form: string }) {
  const plan = validPlan(p.sampler, p.n, p.d, p.k);
  for (const [key, value] of p.mutations) {
    // never a huge but valid particle count (it allocates ~100 bytes per value and particle)
    if (key === 'particles' && typeof value === 'number' && value > 64 && value < 2 ** 32) plan[key] = 2 ** 32;
    else plan[key] = value;
  }
  if (p.form === 'null') return null;
  if (p.form === 'number') return 5;
  if (p.form === 'string') return 'plan';
  return plan;
}

// The `out` argument of sampleNative, sampleNativeSync and JsScoreRun.result: none (mostly), an
// array that fits the plan (n * d values of the dtype), one of the other type or a value too
// many, junk, or one that fits but whose buffer JS detaches while the run goes on (sampleNative:
// right after the call; sampleNativeSync: at its first step; JsScoreRun: not detached).
const outArb = fc.oneof(
  { arbitrary: fc.constant<unknown>('none'), weight: 6 },
  { arbitrary: fc.constantFrom<unknown>('fit', 'fit', 'other type', 'one more', 'detach'), weight: 4 },
  { arbitrary: junk, weight: 1 },
);
function makeOut(o: unknown, n: number, d: number, dtype: unknown): unknown {
  const make = (type: unknown, length: number) => (type === 'float32' ? new Float32Array(length) : new Float64Array(length));
  if (o === 'none') return undefined;
  if (o === 'fit' || o === 'detach') return make(dtype, n * d);
  if (o === 'other type') return make(dtype === 'float32' ? 'float64' : 'float32', n * d);
  if (o === 'one more') return make(dtype, n * d + 1);
  return o;
}

describe('fuzz: JsScoreRun protocol', () => {
  const ACTIONS = ['next', 'next', 'next', 'provide', 'provide', 'provide', 'write', 'write', 'write', 'writeNaN', 'writePart', 'result', 'progress', 't', 'close', 'detach', 'writeEnergy'] as const;
  test('random plans, buffers and call sequences: every call returns or throws an Error', () => {
    const runArb = fc.record({
      plan: planArb,
      nfe: num(fc.integer({ min: 0, max: 100 })),
      dtype: fc.constantFrom<'f64' | 'f32'>('f64', 'f32'),
      x: arraySpec,
      score: arraySpec,
      energy: fc.oneof(fc.constant(null), arraySpec),
      actions: fc.array(fc.constantFrom(...ACTIONS), { minLength: 0, maxLength: 40 }),
      autoDrive: fc.boolean(),
      out: outArb,
    });
    fc.assert(
      fc.property(runArb, (c) => {
        trace('JsScoreRun', c);
        const plan = makePlan(c.plan);
        const n = c.plan.n, d = c.plan.d;
        const x = build(c.x, n * d, c.dtype);
        const score = build(c.score, n * d, c.dtype);
        const energy = c.energy === null ? null : build(c.energy, n, c.dtype);
        const made = attempt('JsScoreRun()', () => new native.JsScoreRun(plan as never, c.nfe as number, x as Real, score as Real, energy as Real | null));
        if (!made.ok) return;
        const run = made.value;
        let kind: number | undefined;
        const writeScore = (how: 'all' | 'nan' | 'part') => {
          const xs = x as Real, out = score as Real;
          if (!ArrayBuffer.isView(out) || out.length !== n * d) return;
          const m = how === 'part' ? Math.floor(out.length / 2) : out.length;
          for (let i = 0; i < m; i++) out[i] = how === 'nan' ? NaN : -xs[i];
        };
        const writeEnergy = () => {
          const xs = x as Real, out = energy as Real;
          if (!out || !ArrayBuffer.isView(out) || out.length !== n) return;
          for (let p = 0; p < n; p++) {
            let q = 0;
            for (let i = 0; i < d; i++) q += xs[p * d + i] ** 2;
            out[p] = 0.5 * q;
          }
        };
        try {
          for (const action of c.actions) {
            switch (action) {
              case 'next': {
                const r = attempt('JsScoreRun.next', () => run.next());
                if (r.ok) {
                  expect([0, 1, 2]).toContain(r.value);
                  kind = r.value;
                }
                break;
              }
              case 'provide': attempt('JsScoreRun.provide', () => run.provide()); break;
              case 'write': kind === 1 ? writeEnergy() : writeScore('all'); break;
              case 'writeNaN': writeScore('nan'); break;
              case 'writePart': writeScore('part'); break;
              case 'writeEnergy': writeEnergy(); break;
              case 'result': {
                const out = makeOut(c.out, n, d, c.dtype === 'f32' ? 'float32' : 'float64');
                const r = attempt('JsScoreRun.result', () => run.result(out as never));
                if (r.ok) expect(r.value.samples.length).toBe(n * d);
                if (r.ok && out !== undefined) expect(r.value.samples).toBe(out);
                break;
              }
              case 'progress': {
                const r = attempt('JsScoreRun.progress', () => run.progress());
                if (r.ok) expect(typeof r.value.nfeSpent).toBe('number');
                break;
              }
              case 't': expect(typeof run.t).toBe('number'); break;
              case 'close': attempt('JsScoreRun.close', () => run.close()); break;
              case 'detach': {
                const target = c.x.seed % 2 === 0 ? x : score;
                if (ArrayBuffer.isView(target) && !(target.buffer instanceof SharedArrayBuffer) && target.buffer.byteLength > 0)
                  structuredClone(target.buffer, { transfer: [target.buffer as ArrayBuffer] });
                break;
              }
            }
          }
          // Drive the run to its end with a correct score (when it is still usable).
          if (c.autoDrive) {
            for (let i = 0; i < 200; i++) {
              const r = attempt('JsScoreRun.next', () => run.next());
              if (!r.ok || r.value === 2) {
                if (r.ok) {
                  const res = attempt('JsScoreRun.result', () => run.result());
                  if (res.ok) {
                    expect(res.value.samples.length).toBe(n * d);
                    expect(Array.isArray(res.value.stats.segments)).toBe(true); // may be empty: a 1-time grid
                  }
                }
                break;
              }
              if (r.value === 0) writeScore('all');
              else writeEnergy();
              if (!attempt('JsScoreRun.provide', () => run.provide()).ok) break;
            }
          }
        } finally {
          attempt('JsScoreRun.close', () => run.close());
        }
        // after close every method is an Error or harmless
        attempt('JsScoreRun.next (closed)', () => run.next());
        attempt('JsScoreRun.provide (closed)', () => run.provide());
        attempt('JsScoreRun.result (closed)', () => run.result());
      }),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });
});

describe('fuzz: sampleNative', () => {
  test('random plans, targets, budgets, dtypes and out arrays: a result or a rejection with an Error', async () => {
    const mixtures = [1, 2, 3].map((d) => new native.NativeGaussianMixture(Float64Array.of(1), new Float64Array(d), new Float64Array(d).fill(0.5), d));
    // 'match': the mixture of the plan's dim; else another dim, or not a target at all.
    const targetArb = fc.oneof(
      { arbitrary: fc.constant<unknown>('match'), weight: 12 },
      { arbitrary: fc.integer({ min: 0, max: 2 }).map((i) => mixtures[i] as unknown), weight: 2 },
      { arbitrary: fc.constantFrom<unknown>(undefined, null, {}, 5, native, { native: mixtures[0] }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(
        planArb,
        targetArb,
        num(fc.integer({ min: 0, max: 1000 })),
        fc.constantFrom<unknown>('float64', 'float32', 'float16', 5, undefined),
        fc.constantFrom('await', 'await', 'await', 'cancel', 'progress'),
        outArb,
        async (p, t, nfe, dtype, mode, o) => {
          trace('sampleNative', [p, t === 'match' ? 'match' : String(t), nfe, dtype, mode, String(o)]);
          const plan = makePlan(p);
          const target = t === 'match' ? mixtures[p.d - 1] : t;
          const out = makeOut(o, p.n, p.d, dtype);
          const made = attempt('sampleNative()', () => native.sampleNative(plan as never, target as object, nfe as number, dtype as never, out as never));
          if (!made.ok) return;
          const handle = made.value;
          if (o === 'detach') detach(out as Float64Array);
          if (mode === 'cancel') handle.cancel();
          if (mode === 'progress') expect(typeof handle.progress().nfeSpent).toBe('number');
          try {
            const r = await handle.promise;
            record('sampleNative (promise)', 'resolved');
            expect(r.samples.length).toBe(p.n * p.d);
            expect(Object.prototype.toString.call(r.samples)).toBe(dtype === 'float32' ? '[object Float32Array]' : '[object Float64Array]');
            if (out !== undefined) expect(r.samples).toBe(out);
          } catch (e) {
            if (!isError(e)) throw new Error(`sampleNative rejected with a non-Error: ${String(e)}`);
            record('sampleNative (promise)', (e as { code?: string }).code === 'RTK_CANCELLED' ? 'rejected (cancelled)' : `rejected ${e.name}`);
          }
        },
      ),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });
});

describe('fuzz: sampleNativeSync', () => {
  test('random plans, targets, budgets, dtypes, step callbacks and out arrays: a result or a thrown Error', () => {
    const mixtures = [1, 2, 3].map((d) => new native.NativeGaussianMixture(Float64Array.of(1), new Float64Array(d), new Float64Array(d).fill(0.5), d));
    const targetArb = fc.oneof(
      { arbitrary: fc.constant<unknown>('match'), weight: 12 },
      { arbitrary: fc.integer({ min: 0, max: 2 }).map((i) => mixtures[i] as unknown), weight: 2 },
      { arbitrary: fc.constantFrom<unknown>(undefined, null, {}, 5, native, { native: mixtures[0] }), weight: 1 },
    );
    const boom = new Error('from onStep');
    const stepArb = fc.constantFrom<unknown>(undefined, null, 7, 'f', () => undefined, () => { throw boom; });
    fc.assert(
      fc.property(
        planArb,
        targetArb,
        num(fc.integer({ min: 0, max: 1000 })),
        fc.constantFrom<unknown>('float64', 'float32', 'float16', 5, undefined),
        stepArb,
        outArb,
        (p, t, nfe, dtype, onStep, o) => {
          trace('sampleNativeSync', [p, t === 'match' ? 'match' : String(t), nfe, dtype, typeof onStep, String(o)]);
          const plan = makePlan(p);
          const target = t === 'match' ? mixtures[p.d - 1] : t;
          const out = makeOut(o, p.n, p.d, dtype);
          // 'detach': the first step callback detaches out, in the middle of the run.
          const step = o === 'detach' && typeof onStep !== 'function' ? () => detach(out as Float64Array) : onStep;
          const r = attempt('sampleNativeSync()', () =>
            native.sampleNativeSync(plan as never, target as object, nfe as number, dtype as never, step as never, out as never),
          );
          if (r.ok) expect(r.value.samples.length).toBe(p.n * p.d);
          if (r.ok && out !== undefined) expect(r.value.samples).toBe(out);
        },
      ),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });
});

describe('after all of the above', () => {
  test('the process is alive and the addon gives its known answers', () => {
    const a = new Float64Array(6), b = new Float64Array(6);
    native.normals(a, { n: 2, d: 3, seed: 1 });
    native.normals(b, { n: 2, d: 3, seed: 1, threads: 2 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(native.philox4x32(new Uint32Array(4), new Uint32Array(2)), (v) => v.toString(16))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  });
});

// ---------------------------------------------------------------------------------------------
// Crashes found by hand from the code, since fixed (they killed the process, so each runs in a child process
// with `ulimit -v`, where the huge allocation fails at once instead of waking the OOM killer).
describe('isolated: crashes', () => {
  // Fixed, kept as a regression test: native/addon/js_run.cc: JsScoreRun accepts plan.sampler 'rtk-mala' with a null energy
  // buffer (has_energy_ = false), but run_rtk always evaluates the energy for 'rtk-mala'
  // (exact_energy depends on the sampler only) and JsOracle::evaluate forwards the request; at
  // that request JsScoreRun::Next -> copy_request_to_js reads energy_ref_, a never-assigned
  // Napi::Reference whose env is null, and typed_array -> throw_type -> Napi::Error::New fails:
  // "FATAL ERROR: Error::New napi_get_last_error_info", SIGABRT. lib/ guards it (rtk-mala with a
  // JS score needs `energy`), the addon does not: it should throw a TypeError in the constructor.
  test("JsScoreRun with 'rtk-mala' and no energy buffer throws instead of aborting", () => {
    const r = runIsolated(`
      const plan = { sampler: 'rtk-mala', particles: 2, dim: 1, seed: 3, threads: 1, times: [2, 1, 0], steps: [2, 2],
        warmStart: 'tweedie', stepSize: 0, targetAccept: 0.6, friction: 0, projectionRadius: null,
        energyEstimate: 'trapezoid', finalDenoise: false, aldStepScale: 0.1 };
      const x = new Float64Array(2), s = new Float64Array(2);
      try {
        const run = new L.native.JsScoreRun(plan, 10, x, s, null);
        for (let i = 0; i < 20; i++) { if (run.next() === 2) break; for (let j = 0; j < 2; j++) s[j] = -x[j]; run.provide(); }
        run.close();
        console.log('FINISHED');
      } catch (e) { console.log('CAUGHT ' + e.name + ': ' + e.message); }
    `);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/CAUGHT TypeError/);
  });
});

describe('isolated: crashes (2)', () => {
  // Fixed, kept as a regression test: native/addon/kernels_binding.cc mala_accept_typed reads arrays.g whenever it is given
  // (arr("g", n, exact) returns its pointer even when not needed) but arrays.gProp only when
  // exact, so with energyDelta 'trapezoid' or 'simpson', a `g` and no `gProp`, MalaArrays has
  // g != null and g_prop == null; mala_accept_particle (native/include/rtk/kernels/mala.h) then
  // does `if (a.g) a.g[row] = a.g_prop[row]` on every accepted proposal: a null read, SIGSEGV.
  // Found by the fuzz above. Minimal input:
  //   malaAccept({ tau: 0.1, energyDelta: 'trapezoid' },
  //              { z, gradG, g: new Float64Array(n), zProp: z + 0.01, gradGProp }, { n: 4, d: 2 })
  test("malaAccept('trapezoid') with g but no gProp returns or throws, no segfault", () => {
    const r = runIsolated(`
      const n = 4, d = 2;
      const z = new Float64Array(n * d), gradG = new Float64Array(n * d);
      const zProp = new Float64Array(n * d).fill(0.01), gradGProp = new Float64Array(n * d);
      try {
        const out = L.native.malaAccept({ tau: 0.1, energyDelta: 'trapezoid' }, { z, gradG, g: new Float64Array(n), zProp, gradGProp }, { n, d });
        console.log('RETURNED ' + out.acceptRate);
      } catch (e) { console.log('CAUGHT ' + e.name + ': ' + e.message); }
    `);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/RETURNED|CAUGHT/);
  });
});

describe('isolated: huge but valid sizes', () => {
  // Fixed, kept as a regression test: native/addon (all bindings): C++ exceptions other than Napi::Error escape N-API
  // callbacks. binding.gyp / CMakeLists.txt define NAPI_CPP_EXCEPTIONS but not
  // NODE_ADDON_API_CPP_EXCEPTIONS_ALL, so node-addon-api only converts Napi::Error; a
  // std::bad_alloc thrown by MixtureBinding::MarginalBinMasses (marginal_bin_masses allocates
  // d * (bins + 2) doubles) calls std::terminate and aborts Node ("terminate called after
  // throwing an instance of 'std::bad_alloc'", SIGABRT). Reached from the public API with a
  // 100000-dimensional mixture and marginalAccuracy(samples, target, { bins: 1e6 }) (800 GB).
  test('marginalAccuracy on a 100000-D mixture with 1e6 bins throws a RangeError, the process survives', () => {
    const r = runIsolated(`
      const d = 100000;
      const g = new L.GaussianMixture({ means: [new Float64Array(d)], variances: [1] });
      try { L.marginalAccuracy(new Float64Array(d), g, { bins: 1e6 }); console.log('RETURNED'); }
      catch (e) { console.log('CAUGHT ' + e.name + ': ' + e.message); }
    `);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/CAUGHT (RangeError|Error)/);
  });

  // Fixed, kept as a regression test: native/addon/convert.cc number_list() allocates std::vector<double>(a.Length()) before
  // reading any element, so a sparse Array of length 2^32 - 1 as plan.times (sampleNative,
  // JsScoreRun) asks for 34 GB; the std::bad_alloc escapes N-API (see above) and aborts Node
  // (without a memory limit: the OOM killer instead). Only reachable through the addon itself:
  // lib/ never builds such a plan.
  test('sampleNative with a sparse plan.times of length 2^32 - 1 throws, the process survives', () => {
    const r = runIsolated(`
      const g = new L.native.NativeGaussianMixture(Float64Array.of(1), Float64Array.of(0), Float64Array.of(1), 1);
      const plan = { sampler: 'ddpm', particles: 1, dim: 1, seed: 0, threads: 1, times: new Array(2 ** 32 - 1), steps: [],
        warmStart: 'gaussian', stepSize: 0, targetAccept: 0.5, friction: 0, projectionRadius: null, energyEstimate: 'trapezoid',
        finalDenoise: false, aldStepScale: 0.1 };
      try { L.native.sampleNative(plan, g, 10, 'float64'); console.log('RETURNED'); }
      catch (e) { console.log('CAUGHT ' + e.name + ': ' + e.message); }
    `);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/CAUGHT/);
  });

  // Fixed, kept as a regression test: lib/sample.ts validate() caps particles * dim at 2^31 values but not by memory: a run
  // needs about a dozen n*d buffers (8 bytes each in float64), so { dim: 1, particles: 2^31 }
  // (JS score) or { target: <3-D mixture>, particles: 3e8 } (native) pass validation and
  // allocate ~200 GB; with Linux overcommit the process is killed by the OOM killer (seen while
  // writing these tests: "Out of memory: Killed process (node)"). Under `ulimit -v` the JS path
  // fails with V8's "Array buffer allocation failed" and the native path with "out of memory",
  // neither naming the option. Expected: a RangeError naming particles, before any allocation.
  test('particles whose buffers cannot fit in memory are a RangeError naming particles (JS score and native target)', () => {
    const r = runIsolated(`
      (async () => {
        const g = new L.GaussianMixture({ means: [[0, 0, 0]], variances: [1] });
        for (const o of [{ score: (x, t, out) => out.fill(0), dim: 1, particles: 2 ** 31, sampler: 'ddpm', nfe: 2 },
                         { target: g, particles: 3e8, sampler: 'ddpm', nfe: 2 }]) {
          try { await L.sample(o); console.log('RESOLVED'); }
          catch (e) { console.log('CAUGHT ' + e.name + ': ' + e.message); }
        }
      })();
    `, { memoryKb: 3_000_000 });
    expect(r.signal).toBeNull();
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^CAUGHT RangeError: .*\bparticles\b/);
  });
});
