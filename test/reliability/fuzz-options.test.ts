// Property-based fuzzing of sample / sampleSync over the option space (fast-check): random
// option objects, each key omitted, valid or invalid (wrong type, NaN, Infinity, negative,
// zero, huge, fractional, misspelt). Every case either returns a well-formed result (samples of
// particles * dim values of the asked dtype; stats.nfe <= nfe, equal to the segments' sum; finite
// for the MH-corrected samplers on a built-in mixture) or throws an Error (a TypeError /
// RangeError in the validators' format for option errors). Sizes stay small (and huge only
// where they are invalid): a valid huge particles * dim exhausts memory, see fuzz-native.test.ts.
//
// The seed is fixed for reproducible CI runs; FC_SEED=<n> (or FC_SEED=random) explores others,
// FC_RUNS=<n> changes the number of cases.
import fc from 'fast-check';
import { GaussianMixture, sample, sampleSync, SAMPLERS } from '../../lib';
import type { SampleOptions, SampleResult } from '../../lib';
import { isError, Real } from './helpers';

const SEED = process.env.FC_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED ?? 20261130);
const RUNS = Number(process.env.FC_RUNS ?? 1500);

const targets = {
  g1: new GaussianMixture({ means: [[0.3]], variances: [0.5] }),
  g3: new GaussianMixture({ means: [[0.5, -1, 2]], variances: [[0.5, 0.2, 1.5]] }),
  paper: GaussianMixture.paperTarget(),
  wide: new GaussianMixture({ means: [[-3, 0], [3, 1]], variances: [1e-4, [50, 2]], weights: [1, 3] }),
};
type TargetName = keyof typeof targets;

// ---------------------------------------------------------------------------------------------
// Value arbitraries: `valid` for the option, or one of the usual suspects.
const junk = fc.constantFrom<unknown>(null, true, 'x', '10', {}, [], [1], () => 1, Symbol('s'), 10n, NaN, Infinity, -Infinity, -1, 0, 0.5, -0, 1e300, 2 ** 32, 2 ** 53 + 2);
// Rarely junk per key, so that about half the cases are entirely valid (the corruptions below
// put junk on one or two keys of the other half).
const maybe = <T>(valid: fc.Arbitrary<T>, weight = 60) => fc.oneof({ arbitrary: valid, weight }, { arbitrary: junk, weight: 1 });
const small = (min: number, max: number) => fc.integer({ min, max });
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const decreasingGrid = fc
  .array(dbl(0, 12), { minLength: 1, maxLength: 6 })
  .map((a) => [...new Set(a)].sort((x, y) => y - x))
  .chain((a) => fc.constantFrom(a, [...a, 0], [...a].reverse(), [a[0], a[0]], [a[0], NaN], []));

const w = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<unknown>, weights = [12, 1]) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: weights[0] }, { arbitrary: edge, weight: weights[1] });

// Valid values, and (weight 1 in ~12) the domain's edges: values of the right type that are out
// of range or only just in range.
const optionArbs = {
  particles: maybe(small(1, 48)),
  seed: maybe(w(small(0, 1000), fc.constantFrom(2 ** 32 - 1, 2 ** 32))),
  sampler: maybe(w(fc.constantFrom(...SAMPLERS), fc.constantFrom('rtk', 'RTK-MALA', 'ddpm '))),
  nfe: maybe(w(small(13, 100), fc.oneof(small(1, 12), fc.constantFrom(1e7 + 1, 2.5)), [6, 1])),
  T: maybe(w(dbl(0.1, 12), fc.constantFrom(50, 1e-9, 1e-3, 0.03, 700, 1e308, 0.2, 0.2000000000000001, 0.05000000000000001))),
  tEnd: maybe(w(dbl(0, 0.5), fc.constantFrom(1e-8, 4.9, 5, 6))),
  segments: maybe(w(small(1, 8), fc.constantFrom(10000, 10001, 1.5))),
  schedule: maybe(w(fc.constantFrom('hybrid', 'segments'), fc.constant('auto'))),
  switchTime: maybe(w(dbl(0.01, 3), fc.constantFrom(1e-9, 5, 50, 1e308))),
  grid: maybe(w(fc.constantFrom('uniform', 'geometric'), fc.oneof(fc.constant('linear'), decreasingGrid), [3, 1])),
  tMin: maybe(w(dbl(1e-6, 0.09), fc.constantFrom(5, 20, 0.5))),
  stepSize: maybe(w(fc.oneof(fc.constant('auto'), dbl(1e-6, 1)), fc.constantFrom(1e-300, 1e300, 10))),
  targetAccept: maybe(w(dbl(0.01, 0.99), fc.constantFrom(1, 2, 1e-300))),
  friction: maybe(w(fc.oneof(fc.constant('auto'), dbl(1e-2, 1e2)), fc.constantFrom(1e-300, 1e300))),
  innerSteps: maybe(w(fc.oneof(small(1, 12), fc.array(small(1, 6), { minLength: 1, maxLength: 5 })), fc.constantFrom([1, 0], 1e6))),
  warmStart: maybe(w(fc.constantFrom('gaussian', 'tweedie', 'ddpm'), fc.constant('cold'))),
  projectionRadius: maybe(w(dbl(1e-2, 10), fc.constantFrom(1e-300, 1e300))),
  energyEstimate: maybe(w(fc.constantFrom('trapezoid', 'simpson'), fc.constant('exact'))),
  finalDenoise: maybe(fc.boolean()),
  langevinSteps: maybe(w(small(1, 5), fc.constant(1e6))),
  aldStepScale: maybe(w(dbl(1e-4, 1), fc.constantFrom(1e6, 1e-300))),
  threads: maybe(w(small(1, 3), fc.constantFrom(64, 1025))),
  dtype: maybe(w(fc.constantFrom('float64', 'float32'), fc.constant('float16'))),
  progressIntervalMs: maybe(w(small(0, 50), fc.constant(1e9))),
};

// A few misspelt or unknown keys, rarely.
const extraKey = fc.constantFrom('particle', 'nfes', 'Seed', 'tend', 'stepsize', 'innerstep', 'colour', 'warm_start', 'T ', 'switchtime');

const corruptions = fc.oneof(
  { arbitrary: fc.constant([] as [string, unknown][]), weight: 1 },
  { arbitrary: fc.array(fc.tuple(fc.constantFrom(...Object.keys(optionArbs)), junk), { minLength: 1, maxLength: 2 }), weight: 1 },
);

interface Case {
  corrupt: [string, unknown][];
  path: 'target' | 'js' | 'js-async';
  sync: boolean;
  target: TargetName;
  options: Record<string, unknown>;
  extra: string | null;
  dimMode: 'omit' | 'right' | 'wrong';
  energy: boolean;
  signal: 'none' | 'live' | 'aborted' | 'junk';
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  corrupt: corruptions,
  path: fc.constantFrom('target', 'js', 'js-async'),
  sync: fc.boolean(),
  target: fc.constantFrom<TargetName>('g1', 'g3', 'paper', 'wide'),
  options: fc.record(optionArbs, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>,
  extra: fc.oneof({ arbitrary: fc.constant(null), weight: 15 }, { arbitrary: extraKey, weight: 1 }),
  dimMode: fc.constantFrom('omit', 'omit', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'wrong'),
  energy: fc.boolean(),
  signal: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'none', 'live', 'aborted', 'junk'),
});

function buildOptions(c: Case): SampleOptions {
  const target = targets[c.target];
  const o: Record<string, unknown> = { ...c.options };
  for (const [key, value] of c.corrupt) o[key] = value;
  if (c.path === 'target') o.target = target;
  else {
    o.score = c.path === 'js' ? (x: Real, t: number, out: Real) => target.score(x, t, out) : async (x: Real, t: number, out: Real) => target.score(x, t, out);
    if (c.energy) o.energy = (x: Real, t: number, out: Real) => target.energy(x, t, out);
  }
  if (c.dimMode === 'right' || (c.path !== 'target' && c.dimMode === 'omit')) o.dim = target.dim;
  if (c.dimMode === 'wrong') o.dim = target.dim + 1;
  if (c.extra) o[c.extra] = 1;
  if (c.signal === 'live') o.signal = new AbortController().signal;
  if (c.signal === 'aborted') o.signal = AbortSignal.abort();
  if (c.signal === 'junk') o.signal = { aborted: 'no' };
  if (o.particles === undefined) o.particles = 24; // the default (1000) is slow for thousands of runs
  return o as SampleOptions;
}

// Outcome bookkeeping for the report.
const outcomes = new Map<string, number>();
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
afterAll(() => {
  const lines = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)} x ${k}`);
  // eslint-disable-next-line no-console
  console.log(`sample option fuzz (seed ${SEED}): ${[...outcomes.values()].reduce((a, b) => a + b, 0)} cases\n${lines.join('\n')}`);
});

const OPTION_ERROR = /^(Expected .+ for .+ but received .+|Unknown option '.+' in sample options.*|Give either 'target' .*|sample needs a 'target'.*|'dim' is required.*|'energy' is only for .*|sampler 'rtk-mala' .* needs .*)$/s;

function checkResult(c: Case, options: SampleOptions, r: SampleResult): void {
  const target = targets[c.target];
  const particles = options.particles as number;
  const dim = (options.dim as number | undefined) ?? target.dim; // a JS score may be asked for another dim
  const tag = Object.prototype.toString.call(r.samples);
  expect(tag).toBe(options.dtype === 'float32' ? '[object Float32Array]' : '[object Float64Array]');
  expect(r.samples.length).toBe(particles * dim);
  const budget = (options.nfe as number | undefined) ?? 64;
  expect(r.stats.nfe).toBeLessThanOrEqual(budget);
  expect(r.stats.nfeBudget).toBe(budget);
  expect(r.stats.segments.reduce((a, s) => a + s.nfe, 0)).toBe(r.stats.nfe);
  expect(r.stats.sampler).toBe(options.sampler ?? 'rtk-mala');
  expect(r.stats.path).toBe(c.path === 'target' ? 'native' : 'js');
  for (const s of r.stats.segments) {
    expect(Number.isFinite(s.tStart) && Number.isFinite(s.t)).toBe(true);
    if (s.acceptRate !== undefined) expect(s.acceptRate >= 0 && s.acceptRate <= 1).toBe(true);
  }
  const mh = r.stats.sampler === 'rtk-mala' || r.stats.sampler === 'rtk-mala-es';
  if (mh) expect(r.samples.every(Number.isFinite)).toBe(true);
  count(`ok ${mh ? '(MH, finite)' : ''}${r.samples.every(Number.isFinite) ? '' : '(non-finite values)'}`.trim());
}

function checkError(e: unknown): void {
  if (!isError(e)) throw new Error(`threw a non-Error: ${String(e)}`);
  expect(e.message.length).toBeGreaterThan(0);
  if (e.name === 'TypeError' || e.name === 'RangeError') {
    // An option error must name a public option, never an internal field of the native plan.
    // KNOWN BUG (numerical-edges.test.ts): uniformGrid overflows for T near 1e308 and the addon
    // then rejects lib's own plan ("... for plan.times[2] but received -Infinity").
    // KNOWN BUG (bad-input.test.ts): the hybrid schedule with T a hair above switchTime gives
    // times that are equal in floating point ("plan.times must decrease strictly").
    if (/plan\./.test(e.message)) {
      if (/for plan\.times\[\d+\] but received -Infinity/.test(e.message)) count('KNOWN BUG: uniformGrid overflow for T ~ 1e308 (plan.times -Infinity)');
      else if (/^plan\.times must decrease strictly$/.test(e.message)) count('KNOWN BUG: hybrid grid with T just above switchTime (plan.times not decreasing)');
      else throw new Error(`an error about lib's plan, not an option: ${e.message}`);
      return;
    }
    if (!OPTION_ERROR.test(e.message) && !/synchronous score/.test(e.message)) throw new Error(`unformatted ${e.name}: ${e.message}`);
    const option = /^Unknown option/.test(e.message) ? 'an unknown option' : (/ for (\S+) but received/.exec(e.message)?.[1] ?? e.message.slice(0, 40));
    count(`${e.name} naming ${option}`);
  } else if (e.name === 'AbortError') count('AbortError (signal already aborted)');
  else count(`${e.name}: ${e.message.replace(/t = [-0-9.e+]+/g, 't = …').replace(/\d+/g, 'N').slice(0, 110)}`);
}

describe('fuzz: sample / sampleSync option space', () => {
  test(`${RUNS} random option objects: a well-formed result or an Error`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const options = buildOptions(c);
        let result: SampleResult | undefined;
        let error: unknown;
        try {
          result = c.sync && c.path !== 'js-async' ? sampleSync(options) : await sample(options);
        } catch (e) {
          error = e;
        }
        if (result) checkResult(c, options, result);
        else checkError(error);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  test('valid-only options (no junk): every case runs or fails for a stated reason', async () => {
    const validOnly = fc.record({
      sampler: fc.constantFrom(...SAMPLERS),
      nfe: small(8, 80),
      particles: small(1, 32),
      T: dbl(0.2, 10),
      seed: small(0, 1000),
      warmStart: fc.constantFrom('gaussian', 'tweedie', 'ddpm' as const),
      dtype: fc.constantFrom('float64', 'float32' as const),
      target: fc.constantFrom<TargetName>('g1', 'g3', 'paper', 'wide'),
    });
    await fc.assert(
      fc.asyncProperty(validOnly, async ({ target, ...o }) => {
        const options = { ...o, target: targets[target] };
        let r: SampleResult;
        try {
          r = await sample(options);
        } catch (e) {
          // the two known bugs above are the only "stated reasons" expected here
          if (isError(e) && /plan\.times/.test(e.message)) return checkError(e);
          throw e;
        }
        checkResult({ corrupt: [], path: 'target', sync: false, target, options: o, extra: null, dimMode: 'omit', energy: false, signal: 'none' }, options, r);
      }),
      { numRuns: Math.ceil(RUNS / 5), seed: SEED + 1, endOnFailure: true },
    );
  });
});
