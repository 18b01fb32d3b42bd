// Bad input for every public entry point: each case must throw (or reject with) a TypeError
// (wrong type) or RangeError (right type, bad value) whose message names the option, says what
// was expected and what was received ("Expected <what> for <option> but received <value>").
// These extend the argument checks of test/lib/*.test.ts (new cases only); bugs found are
// written as test.failing with a `// BUG:` comment.
import {
  cosineAlphaBar,
  epsilonScore,
  GaussianMixture,
  geometricGrid,
  linearAlphaBar,
  marginalAccuracy,
  marginalAccuracyFloor,
  sample,
  sampleSync,
  uniformGrid,
  x0Score,
} from '../../lib';
import type { SampleOptions } from '../../lib';
import { caught, caughtSync, detach, ErrorName, expectOptionError, gauss3, isError, Real } from './helpers';

const target = gauss3();
const score = (x: Real, t: number, out: Real) => target.score(x, t, out);
const energy = (x: Real, t: number, out: Real) => target.energy(x, t, out);
const eps = () => undefined;

// [label, options, error name, option named, expected fragment, received fragment]
type SampleCase = [string, unknown, ErrorName, string | RegExp, RegExp | undefined, RegExp | undefined];

const T = { target, particles: 4 };

function detachedFloat64Array(length: number): Float64Array {
  const array = new Float64Array(length);
  detach(array);
  return array;
}
const J = { score, dim: 3, particles: 4 };

const sampleCases: SampleCase[] = [
  // the options object itself
  ['options undefined', undefined, 'TypeError', 'sample options', /an options object/, /undefined/],
  ['options an array', [T], 'TypeError', 'sample options', /an options object/, /an Array of length 1/],
  ['options a string', 'rtk-mala', 'TypeError', 'sample options', /an options object/, /the string "rtk-mala"/],
  ['options a typed array', new Float64Array(3), 'TypeError', 'sample options', /an options object/, /Float64Array of length 3/],
  // misspelt and unknown options
  ['misspelt particle', { ...T, particle: 10 }, 'TypeError', /'particle'/, /did you mean 'particles'/, undefined],
  ['misspelt Seed (case)', { ...T, Seed: 1 }, 'TypeError', /'Seed'/, /did you mean 'seed'/, undefined],
  ['misspelt stepsize', { ...T, stepsize: 0.1 }, 'TypeError', /'stepsize'/, /did you mean 'stepSize'/, undefined],
  ['misspelt innerstep', { ...T, innerstep: 3 }, 'TypeError', /'innerstep'/, /did you mean 'innerSteps'/, undefined],
  ['misspelt samplr', { ...T, samplr: 'ddpm' }, 'TypeError', /'samplr'/, /did you mean 'sampler'/, undefined],
  ['misspelt warmstart', { ...T, warmstart: 'gaussian' }, 'TypeError', /'warmstart'/, /did you mean 'warmStart'/, undefined],
  ['unknown option, far from all', { ...T, colour: 'red' }, 'TypeError', /'colour'/, /Valid options: .*particles/, undefined],
  // target / score / energy
  ['target the class, not an instance', { target: GaussianMixture }, 'TypeError', 'target', /a native target/, /a function/],
  ['target the raw addon object', { target: target.native }, 'TypeError', 'target', /a native target/, /an object/],
  ['target a number', { target: 3 }, 'TypeError', 'target', /a native target/, /the number 3/],
  ['target and score both', { target, score }, 'TypeError', /'target'.*'score'/, /not both/, undefined],
  ['energy with a native target', { ...T, energy }, 'TypeError', /'energy'/, /native target brings its own/, undefined],
  ['score null', { score: null, dim: 3 }, 'TypeError', 'score', /a function/, /null/],
  ['energy not a function', { ...J, energy: 5 }, 'TypeError', 'energy', /a function/, /the number 5/],
  // dim (JS score)
  ['dim 0', { ...J, dim: 0 }, 'RangeError', 'dim', /integer in \[1, 1048576\]/, /the number 0/],
  ['dim negative', { ...J, dim: -3 }, 'RangeError', 'dim', /integer/, /the number -3/],
  ['dim fractional', { ...J, dim: 2.5 }, 'RangeError', 'dim', /integer/, /the number 2.5/],
  ['dim NaN', { ...J, dim: NaN }, 'RangeError', 'dim', /integer/, /NaN/],
  ['dim Infinity', { ...J, dim: Infinity }, 'RangeError', 'dim', /integer/, /Infinity/],
  ['dim huge', { ...J, dim: 2 ** 20 + 1 }, 'RangeError', 'dim', /integer in \[1, 1048576\]/, /1048577/],
  ['dim a string', { ...J, dim: '3' }, 'TypeError', 'dim', /integer/, /the string "3"/],
  // particles
  ['particles NaN', { ...T, particles: NaN }, 'RangeError', 'particles', /integer in \[1, 4294967295\]/, /NaN/],
  ['particles Infinity', { ...T, particles: Infinity }, 'RangeError', 'particles', /integer/, /Infinity/],
  ['particles 0', { ...T, particles: 0 }, 'RangeError', 'particles', /integer/, /the number 0/],
  ['particles fractional', { ...T, particles: 2.5 }, 'RangeError', 'particles', /integer/, /the number 2.5/],
  ['particles 2^32', { ...T, particles: 2 ** 32 }, 'RangeError', 'particles', /integer/, /4294967296/],
  ['particles 1e300', { ...T, particles: 1e300 }, 'RangeError', 'particles', /integer/, /1e\+300/],
  ['particles * dim > 2^31', { ...J, dim: 10, particles: 3e8 }, 'RangeError', 'particles', /particles \* dim <= 2\^31/, /300000000/],
  ['particles null', { ...T, particles: null }, 'TypeError', 'particles', /integer/, /null/],
  ['particles boolean', { ...T, particles: true }, 'TypeError', 'particles', /integer/, /true/],
  ['particles bigint', { ...T, particles: 10n }, 'TypeError', 'particles', /integer/, /the bigint 10/],
  // seed
  ['seed negative', { ...T, seed: -1 }, 'RangeError', 'seed', /integer in \[0, 4294967295\]/, /the number -1/],
  ['seed 2^32', { ...T, seed: 2 ** 32 }, 'RangeError', 'seed', /integer/, /4294967296/],
  ['seed NaN', { ...T, seed: NaN }, 'RangeError', 'seed', /integer/, /NaN/],
  ['seed a string', { ...T, seed: '1' }, 'TypeError', 'seed', /integer/, /the string "1"/],
  // nfe and budgets below each sampler's minimum
  ['nfe negative', { ...T, nfe: -1 }, 'RangeError', 'nfe', /integer in \[1, 10000000\]/, /the number -1/],
  ['nfe NaN', { ...T, nfe: NaN }, 'RangeError', 'nfe', /integer/, /NaN/],
  ['nfe Infinity', { ...T, nfe: Infinity }, 'RangeError', 'nfe', /integer/, /Infinity/],
  ['nfe huge', { ...T, nfe: 1e8 }, 'RangeError', 'nfe', /integer in \[1, 10000000\]/, /100000000/],
  ['nfe a string', { ...T, nfe: '64' }, 'TypeError', 'nfe', /integer/, /the string "64"/],
  ['rtk-mala budget 4', { ...T, sampler: 'rtk-mala', nfe: 4 }, 'RangeError', 'nfe', /at least 5 for rtk-mala with 2 segments/, /the number 4/],
  ['rtk-mala-es simpson budget 6', { ...T, sampler: 'rtk-mala-es', energyEstimate: 'simpson', nfe: 6 }, 'RangeError', 'nfe', /at least 7 .*2 per inner step/, /the number 6/],
  ['rtk-uld budget 3', { ...T, sampler: 'rtk-uld', nfe: 3 }, 'RangeError', 'nfe', /at least 4 for rtk-uld/, /the number 3/],
  ['rtk-ula budget 3', { ...T, sampler: 'rtk-ula', nfe: 3 }, 'RangeError', 'nfe', /at least 4 for rtk-ula/, /the number 3/],
  ['ddpm budget 1', { ...T, sampler: 'ddpm', nfe: 1 }, 'RangeError', 'nfe', /at least 2 for ddpm/, /the number 1/],
  ['ddim budget 1', { ...T, sampler: 'ddim', nfe: 1 }, 'RangeError', 'nfe', /at least 2 for ddim/, /the number 1/],
  ['pf-heun budget 2', { ...T, sampler: 'pf-heun', nfe: 2 }, 'RangeError', 'nfe', /at least 3 for pf-heun/, /the number 2/],
  ['ald budget 2', { ...T, sampler: 'ald', nfe: 2 }, 'RangeError', 'nfe', /at least 3 for ald/, /the number 2/],
  ['40 segments on 64 NFE', { ...T, segments: 40, nfe: 64 }, 'RangeError', 'nfe', /at least 81 for rtk-mala with 40 segments/, /the number 64/],
  // segments / innerSteps
  ['segments 0', { ...T, segments: 0 }, 'RangeError', 'segments', /integer in \[1, 10000\]/, /the number 0/],
  ['segments huge', { ...T, segments: 10001 }, 'RangeError', 'segments', /integer/, /10001/],
  ['segments fractional', { ...T, segments: 1.5 }, 'RangeError', 'segments', /integer/, /1.5/],
  ['innerSteps 0', { ...T, innerSteps: 0 }, 'RangeError', 'innerSteps', /integer in \[1, 1000000\]/, /the number 0/],
  ['innerSteps fractional entry', { ...T, innerSteps: [1, 2.5] }, 'RangeError', /innerSteps\[1\]/, /integer/, /2.5/],
  ['innerSteps one per segment', { ...T, nfe: 30, innerSteps: [1, 2, 3] }, 'RangeError', 'innerSteps', /2 entries \(one per segment\)/, /an Array of length 3/],
  ['innerSteps beyond the budget', { ...T, innerSteps: 1000 }, 'RangeError', 'innerSteps', /fits the budget nfe = 64/, /the number 1000/],
  ['innerSteps a string', { ...T, innerSteps: '3' }, 'TypeError', 'innerSteps', /integer/, /the string "3"/],
  // times
  ['T 0', { ...T, T: 0 }, 'RangeError', 'T', /a number > 0/, /the number 0/],
  ['T negative', { ...T, T: -1 }, 'RangeError', 'T', /a number > 0/, /the number -1/],
  ['T a string', { ...T, T: '5' }, 'TypeError', 'T', /a finite number/, /the string "5"/],
  ['T null', { ...T, T: null }, 'TypeError', 'T', /a finite number/, /null/],
  ['T < tEnd', { ...T, T: 1, tEnd: 2 }, 'RangeError', 'T', /greater than tEnd = 2/, /the number 1/],
  ['T < tEnd (baseline)', { ...T, sampler: 'ddpm', T: 0.005, tEnd: 0.01 }, 'RangeError', 'T', /greater than tEnd = 0.01/, /0.005/],
  ['tEnd negative', { ...T, tEnd: -0.1 }, 'RangeError', 'tEnd', /a number >= 0/, /-0.1/],
  ['tEnd NaN', { ...T, tEnd: NaN }, 'RangeError', 'tEnd', /a finite number/, /NaN/],
  ['tEnd Infinity', { ...T, tEnd: Infinity }, 'RangeError', 'tEnd', /a finite number/, /Infinity/],
  ['tMin 0', { ...T, sampler: 'ddpm', tMin: 0 }, 'RangeError', 'tMin', /a number > 0/, /the number 0/],
  ['tMin above T', { ...T, sampler: 'ddpm', tMin: 6 }, 'RangeError', 'tMin', /a time below T = 5/, /the number 6/],
  // RTK schedule
  ['schedule unknown', { ...T, schedule: 'auto' }, 'RangeError', 'schedule', /'hybrid', 'segments'/, /the string "auto"/],
  ['schedule a number', { ...T, schedule: 1 }, 'TypeError', 'schedule', /'hybrid', 'segments'/, /the number 1/],
  ['switchTime 0', { ...T, switchTime: 0 }, 'RangeError', 'switchTime', /a number > 0/, /the number 0/],
  ['switchTime NaN', { ...T, switchTime: NaN }, 'RangeError', 'switchTime', /finite/, /NaN/],
  ['switchTime a string', { ...T, switchTime: '0.2' }, 'TypeError', 'switchTime', /finite number/, /the string "0.2"/],
  ['misspelt switchtime', { ...T, switchtime: 0.3 }, 'TypeError', /'switchtime'/, /did you mean 'switchTime'/, undefined],
  // grid
  ['grid unknown kind', { ...T, grid: 'linear' }, 'RangeError', 'grid', /'uniform', 'geometric'/, /the string "linear"/],
  ['grid a number', { ...T, grid: 5 }, 'TypeError', 'grid', /'uniform', 'geometric'/, /the number 5/],
  ['grid empty', { ...T, grid: [] }, 'RangeError', 'grid', /at least 2 decreasing times/, /an Array of length 0/],
  ['grid NaN time', { ...T, grid: [5, NaN] }, 'RangeError', /grid\[1\]/, /finite/, /NaN/],
  ['grid negative time', { ...T, grid: [5, -1] }, 'RangeError', /grid\[1\]/, />= 0/, /-1/],
  ['grid string time', { ...T, grid: [5, '1'] }, 'TypeError', /grid\[1\]/, /finite number/, /the string "1"/],
  ['grid repeated time', { ...T, grid: [5, 5, 0] }, 'RangeError', 'grid', /strictly decreasing/, /an Array of length 3/],
  ['grid[0] != T', { ...T, T: 4, grid: [5, 0] }, 'RangeError', /grid\[0\]/, /T = 4/, /the number 5/],
  ['ald grid reaching 0', { ...T, sampler: 'ald', grid: [5, 0] }, 'RangeError', 'grid', /t > 0/, /an Array of length 2/],
  // inner-chain options
  ['stepSize 0', { ...T, stepSize: 0 }, 'RangeError', 'stepSize', /a number > 0/, /the number 0/],
  ['stepSize negative', { ...T, stepSize: -0.1 }, 'RangeError', 'stepSize', /> 0/, /-0.1/],
  ['stepSize NaN', { ...T, stepSize: NaN }, 'RangeError', 'stepSize', /finite/, /NaN/],
  ['stepSize a word', { ...T, stepSize: 'fast' }, 'TypeError', 'stepSize', /finite number/, /the string "fast"/],
  ['targetAccept 0', { ...T, targetAccept: 0 }, 'RangeError', 'targetAccept', /a rate in \(0, 1\)/, /the number 0/],
  ['targetAccept 1', { ...T, targetAccept: 1 }, 'RangeError', 'targetAccept', /\(0, 1\)/, /the number 1/],
  ['targetAccept a string', { ...T, targetAccept: '0.5' }, 'TypeError', 'targetAccept', /finite number/, /the string "0.5"/],
  ['friction negative', { ...T, sampler: 'rtk-uld', friction: -1 }, 'RangeError', 'friction', /> 0/, /-1/],
  ['friction 0', { ...T, sampler: 'rtk-uld', friction: 0 }, 'RangeError', 'friction', /> 0/, /the number 0/],
  ['warmStart a number', { ...T, warmStart: 3 }, 'TypeError', 'warmStart', /'gaussian', 'tweedie', 'ddpm'/, /the number 3/],
  ['projectionRadius 0', { ...T, projectionRadius: 0 }, 'RangeError', 'projectionRadius', /> 0/, /the number 0/],
  ['projectionRadius Infinity', { ...T, projectionRadius: Infinity }, 'RangeError', 'projectionRadius', /finite/, /Infinity/],
  ['energyEstimate unknown', { ...T, energyEstimate: 'midpoint' }, 'RangeError', 'energyEstimate', /'trapezoid', 'simpson'/, /"midpoint"/],
  ['energyEstimate a number', { ...T, energyEstimate: 2 }, 'TypeError', 'energyEstimate', /'trapezoid'/, /the number 2/],
  ['finalDenoise a string', { ...T, sampler: 'ddpm', finalDenoise: 'yes' }, 'TypeError', 'finalDenoise', /a boolean/, /the string "yes"/],
  ['finalDenoise 1', { ...T, sampler: 'ddpm', finalDenoise: 1 }, 'TypeError', 'finalDenoise', /a boolean/, /the number 1/],
  ['langevinSteps 0', { ...T, sampler: 'ald', langevinSteps: 0 }, 'RangeError', 'langevinSteps', /integer/, /the number 0/],
  ['langevinSteps fractional', { ...T, sampler: 'ald', langevinSteps: 2.5 }, 'RangeError', 'langevinSteps', /integer/, /2.5/],
  ['aldStepScale negative', { ...T, sampler: 'ald', aldStepScale: -1 }, 'RangeError', 'aldStepScale', /> 0/, /-1/],
  // run options
  ['threads 0', { ...T, threads: 0 }, 'RangeError', 'threads', /integer in \[1, 1024\]/, /the number 0/],
  ['threads huge', { ...T, threads: 1025 }, 'RangeError', 'threads', /integer in \[1, 1024\]/, /1025/],
  ['threads a string', { ...T, threads: '2' }, 'TypeError', 'threads', /integer/, /the string "2"/],
  ['dtype float16', { ...T, dtype: 'float16' }, 'RangeError', 'dtype', /'float64', 'float32'/, /"float16"/],
  ['dtype a number', { ...T, dtype: 32 }, 'TypeError', 'dtype', /'float64', 'float32'/, /the number 32/],
  ['onProgress a number', { ...T, onProgress: 5 }, 'TypeError', 'onProgress', /a function/, /the number 5/],
  ['progressIntervalMs NaN', { ...T, progressIntervalMs: NaN }, 'RangeError', 'progressIntervalMs', /finite/, /NaN/],
  ['progressIntervalMs a string', { ...T, progressIntervalMs: '10' }, 'TypeError', 'progressIntervalMs', /finite/, /the string "10"/],
  ['signal a string', { ...T, signal: 'abort' }, 'TypeError', 'signal', /an AbortSignal/, /the string "abort"/],
  ['signal an empty object', { ...T, signal: {} }, 'TypeError', 'signal', /an AbortSignal/, /an object/],
  ['sampler a number', { ...T, sampler: 5 }, 'TypeError', 'sampler', /'rtk-mala'/, /the number 5/],
  ['sampler wrong case', { ...T, sampler: 'RTK-MALA' }, 'RangeError', 'sampler', /'rtk-mala'/, /"RTK-MALA"/],
  // out (particles * dim = 12 values)
  ['out an Array', { ...T, out: new Array(12).fill(0) }, 'TypeError', 'out', /a Float64Array \(dtype 'float64'\)/, /an Array of length 12/],
  ['out of the other dtype', { ...T, out: new Float32Array(12) }, 'TypeError', 'out', /a Float64Array/, /a Float32Array of length 12/],
  ['out float64 for dtype float32', { ...T, dtype: 'float32', out: new Float64Array(12) }, 'TypeError', 'out', /a Float32Array \(dtype 'float32'\)/, /a Float64Array of length 12/],
  ['out too short', { ...T, out: new Float64Array(11) }, 'RangeError', 'out', /particles \* dim = 12 values/, /a Float64Array of length 11/],
  ['out too long (JS score)', { ...J, out: new Float64Array(13) }, 'RangeError', 'out', /12 values/, /length 13/],
  ['out detached', { ...T, out: detachedFloat64Array(12) }, 'RangeError', 'out', /12 values/, /length 0/],
  ['out a DataView', { ...T, out: new DataView(new ArrayBuffer(96)) }, 'TypeError', 'out', /a Float64Array/, /a DataView/],
];

describe('sample: bad options', () => {
  test.each(sampleCases)('%s', async (_label, options, name, option, expected, received) => {
    const e = await caught(() => sample(options as SampleOptions));
    expectOptionError(e, name, option, expected, received);
  });
});

describe('sampleSync: the same bad options throw the same errors synchronously', () => {
  test.each(sampleCases)('%s', (_label, options, name, option, expected, received) => {
    const e = caughtSync(() => sampleSync(options as SampleOptions));
    expectOptionError(e, name, option, expected, received);
  });
});

describe('sample: option validation bugs', () => {
  // BUG: lib/validate.ts knownKeys suggests the FIRST known option within edit distance 2 in
  // OPTION_NAMES order, not the closest one: the misspelling 'tend' (tEnd, distance 0 ignoring
  // case) is answered "did you mean 'seed'?" because 'seed' (distance 2) comes first.
  test("misspelt 'tend' suggests 'tEnd', not 'seed'", async () => {
    const e = await caught(() => sample({ ...T, tend: 0 } as SampleOptions));
    expectOptionError(e, 'TypeError', /'tend'/, /did you mean 'tEnd'/);
  });

  // BUG: lib/sample.ts validate(): with a native target, `dim` is compared with !== only, so a
  // wrong TYPE (the string '3' for a 3-D target) is reported as a RangeError ("Expected the
  // target's dimension 3 for dim but received the string "3"") instead of a TypeError.
  test("dim: '3' with a 3-D target is a TypeError", async () => {
    const e = await caught(() => sample({ ...T, dim: '3' } as unknown as SampleOptions));
    expectOptionError(e, 'TypeError', 'dim', undefined, /the string "3"/);
  });

  // BUG: lib/sample.ts validate(): with an explicit grid, an explicit T that disagrees with
  // grid[0] is a RangeError, but an explicit tEnd that disagrees with the grid's last time is
  // silently replaced: { grid: [5, 1, 0], tEnd: 0.5 } runs to t = 0 with no error.
  test('tEnd disagreeing with an explicit grid is a RangeError naming tEnd', async () => {
    const e = await caught(() => sample({ ...T, sampler: 'ddpm', grid: [5, 1, 0], tEnd: 0.5, nfe: 8 }));
    expectOptionError(e, 'RangeError', 'tEnd', undefined, /0.5/);
  });

  // BUG: lib/sample.ts validate(): the default tMin of the RTK samplers (0.05) is checked
  // against T even on the RTK default 'uniform' grid, where tMin is not used, so a valid short
  // run { T: 0.01 } fails with "Expected a time below T = 0.01 for tMin but received the number
  // 0.05": an error about an option the caller never gave.
  test('RTK with a small T (0.01) and no tMin runs', async () => {
    const r = await sample({ ...T, T: 0.01, nfe: 16 });
    expect(r.samples.length).toBe(12);
  });

  // BUG: lib/plan.ts resolveRtk (hybrid schedule, the RTK default): when T is just above
  // switchTime (T = 0.2 + 1e-16 with switchTime 0.2; or T = 0.05 + 1e-17 with the current default
  // 0.05), geometricGrid(T, switchTime, m) with m ~ nfe / 2 prefix steps gives times that are
  // equal in floating point, and the addon rejects lib's own plan: "RangeError: plan.times must
  // decrease strictly" (an internal field, no option named). Found by the option fuzz
  // (fuzz-options.test.ts, FC_SEED=732288138). Expected: the run (fewer prefix steps, or none).
  test('RTK hybrid with T a hair above switchTime runs', async () => {
    const r = await sample({ ...T, sampler: 'rtk-uld', schedule: 'hybrid', switchTime: 0.2, T: 0.2000000000000001, nfe: 62 });
    expect(r.samples.length).toBe(12);
  });

  // BUG: lib/sample.ts validate() accepts any object whose `aborted` is a boolean as `signal`;
  // with a native target sample() then calls addon.sampleNative (starting the run) and only
  // afterwards signal.addEventListener, which throws "v.signal?.addEventListener is not a
  // function" (no option name, not the validators' format) and leaves the started native run
  // orphaned (its promise is never awaited).
  test('signal: { aborted: false } (no addEventListener) is a TypeError naming signal', async () => {
    const e = await caught(() => sample({ ...T, signal: { aborted: false } as AbortSignal }));
    expectOptionError(e, 'TypeError', 'signal', /an AbortSignal/, /an object/);
  });
});

// ---------------------------------------------------------------------------------------------
type SyncCase = [string, () => unknown, ErrorName, string | RegExp, RegExp | undefined, RegExp | undefined];

const mixtureCases: SyncCase[] = [
  ['means null', () => new GaussianMixture({ means: null, variances: [1] } as never), 'TypeError', 'means', /mean vectors/, /null/],
  ['means an array-like object', () => new GaussianMixture({ means: { length: 1, 0: [0] }, variances: [1] } as never), 'TypeError', 'means', /an array/, /an object/],
  ['means row of strings', () => new GaussianMixture({ means: ['ab'], variances: [1] } as never), 'TypeError', /means\[0\]/, /an array of numbers/, /the string "ab"/],
  ['means dim beyond 2^20', () => new GaussianMixture({ means: [new Float64Array(2 ** 20 + 1)], variances: [1] }), 'RangeError', /\bdim\b/, /1048576/, /1048577/],
  ['empty mixture (typed)', () => new GaussianMixture({ means: new Float64Array(0) as never, variances: [] }), 'RangeError', 'means', /at least one component/, /Float64Array of length 0/],
  ['weights empty', () => new GaussianMixture({ means: [[0]], variances: [1], weights: [] }), 'RangeError', 'weights', /1 weights/, /an Array of length 0/],
  ['weight Infinity', () => new GaussianMixture({ means: [[0], [1]], variances: [1, 1], weights: [Infinity, 1] }), 'RangeError', /weights\[0\]/, /finite/, /Infinity/],
  ['weight a string', () => new GaussianMixture({ means: [[0]], variances: [1], weights: ['1'] } as never), 'TypeError', /weights\[0\]/, /finite number/, /the string "1"/],
  ['variance -0', () => new GaussianMixture({ means: [[0]], variances: [-0] }), 'RangeError', /variances\[0\]/, /> 0/, /the number 0/],
  ['variances typed, 0', () => new GaussianMixture({ means: [[0]], variances: new Float64Array(1) }), 'RangeError', /variances\[0\]/, /> 0/, /the number 0/],
  ['variance -Infinity in a diagonal', () => new GaussianMixture({ means: [[0, 0]], variances: [[1, -Infinity]] }), 'RangeError', /variances\[0\]\[1\]/, /> 0/, /Infinity/],
  ['variances null', () => new GaussianMixture({ means: [[0]], variances: null } as never), 'TypeError', 'variances', /K variances/, /null/],
  ['variance row an object', () => new GaussianMixture({ means: [[0]], variances: [{}] } as never), 'TypeError', /variances\[0\]/, /a number or an array/, /an object/],
  // methods
  ['score: x an Int32Array', () => target.score(new Int32Array(3) as never, 0, new Float64Array(3)), 'TypeError', 'x', /Float64Array or Float32Array/, /Int32Array of length 3/],
  ['score: x not rows of dim', () => target.score(new Float64Array(4), 0, new Float64Array(4)), 'RangeError', 'x', /multiple of dim = 3/, /length 4/],
  ['score: x empty', () => target.score(new Float64Array(0), 0, new Float64Array(0)), 'RangeError', 'x', /non-empty/, /length 0/],
  ['score: t negative', () => target.score(new Float64Array(3), -1, new Float64Array(3)), 'RangeError', 't', />= 0/, /the number -1/],
  ['score: t a string', () => target.score(new Float64Array(3), '1' as never, new Float64Array(3)), 'TypeError', 't', /finite/, /the string "1"/],
  ['score: out of the other dtype', () => target.score(new Float64Array(3), 0, new Float32Array(3) as never), 'TypeError', 'out', /Float64Array/, /Float32Array/],
  ['energy: out of length n*d', () => target.energy(new Float64Array(6), 0, new Float64Array(6)), 'RangeError', 'out', /length 2/, /length 6/],
  ['evaluate (native): t NaN', () => target.evaluate(new Float64Array(3), NaN, new Float64Array(3), null), 'TypeError', 't', /finite number/, /NaN/],
  ['evaluate (native): scoreOut too short', () => target.evaluate(new Float64Array(3), 0, new Float64Array(2), null), 'RangeError', 'scoreOut', /length 3/, /length 2/],
  ['evaluate (native): x a plain array', () => target.evaluate([0, 0, 0] as never, 0, null, null), 'TypeError', 'x', /Float64Array or Float32Array/, /an Array of length 3/],
  ['sampleExact: options undefined', () => target.sampleExact(undefined as never), 'TypeError', 'sampleExact options', /options object/, /undefined/],
  ['sampleExact: n NaN', () => target.sampleExact({ n: NaN }), 'RangeError', 'n', /integer/, /NaN/],
  ['sampleExact: n fractional', () => target.sampleExact({ n: 1.5 }), 'RangeError', 'n', /integer/, /1.5/],
  ['sampleExact: n 2^32', () => target.sampleExact({ n: 2 ** 32 }), 'RangeError', 'n', /integer in \[1, \d+\]/, /4294967296/],
  ['sampleExact: n a string', () => target.sampleExact({ n: '5' } as never), 'TypeError', 'n', /integer/, /the string "5"/],
  ['sampleExact: t Infinity', () => target.sampleExact({ n: 2, t: Infinity }), 'RangeError', 't', /finite/, /Infinity/],
  ['sampleExact: seed 2^32', () => target.sampleExact({ n: 2, seed: 2 ** 32 }), 'RangeError', 'seed', /integer/, /4294967296/],
  ['sampleExact: misspelt', () => target.sampleExact({ n: 2, sed: 1 } as never), 'TypeError', /'sed'/, /did you mean 'seed'/, undefined],
  ['marginalBinMasses: bins 0', () => target.marginalBinMasses(0, 0, [-1, 1]), 'RangeError', 'bins', /integer/, /the number 0/],
  ['marginalBinMasses: bins huge', () => target.marginalBinMasses(0, 1e7, [-1, 1]), 'RangeError', 'bins', /integer in \[1, 1000000\]/, /10000000/],
  ['marginalBinMasses: range reversed', () => target.marginalBinMasses(0, 10, [1, -1]), 'RangeError', 'range', /lo < hi/, /an Array of length 2/],
  ['marginalBinMasses: range a string', () => target.marginalBinMasses(0, 10, 'ab' as never), 'RangeError', 'range', /lo < hi/, /the string "ab"/],
  ['marginalBinMasses: t NaN', () => target.marginalBinMasses(NaN, 10, [-1, 1]), 'RangeError', 't', /finite/, /NaN/],
];

const adapterCases: SyncCase[] = [
  ['linearAlphaBar: steps NaN', () => linearAlphaBar(NaN), 'RangeError', 'steps', /integer in \[2, 10000000\]/, /NaN/],
  ['linearAlphaBar: steps huge', () => linearAlphaBar(1e8), 'RangeError', 'steps', /integer in \[2, 10000000\]/, /100000000/],
  ['linearAlphaBar: steps negative', () => linearAlphaBar(-5), 'RangeError', 'steps', /integer/, /-5/],
  ['linearAlphaBar: steps null', () => linearAlphaBar(null as never), 'TypeError', 'steps', /integer/, /null/],
  ['cosineAlphaBar: steps Infinity', () => cosineAlphaBar(Infinity), 'RangeError', 'steps', /integer/, /Infinity/],
  ['cosineAlphaBar: steps 0', () => cosineAlphaBar(0), 'RangeError', 'steps', /integer/, /the number 0/],
  ['epsilonScore: timestep null', () => epsilonScore(eps, { alphaBar: [0.9, 0.5], timestep: null as never }), 'TypeError', 'timestep', /'continuous', 'nearest'/, /null/],
  ['epsilonScore: alphaBar Infinity', () => epsilonScore(eps, { alphaBar: [0.9, Infinity] }), 'RangeError', /alphaBar\[1\]/, /finite/, /Infinity/],
  ['epsilonScore: alphaBar sparse length', () => epsilonScore(eps, { alphaBar: { length: 3 } as never }), 'TypeError', /alphaBar\[0\]/, /finite number/, /undefined/],
  ['epsilonScore: misspelt alphabar', () => epsilonScore(eps, { alphabar: [0.9, 0.5] } as never), 'TypeError', /'alphabar'/, /did you mean 'alphaBar'/, undefined],
  ['epsilonScore: predictEps null', () => epsilonScore(null as never, { alphaBar: [0.9, 0.5] }), 'TypeError', 'predictEps', /a function/, /null/],
  ['x0Score: alphaBar negative', () => x0Score(eps, { alphaBar: [0.5, -0.1] }), 'RangeError', /alphaBar\[1\]/, /\(0, 1\]/, /-0.1/],
  ['x0Score: alphaBar a number', () => x0Score(eps, { alphaBar: 0.5 as never }), 'TypeError', 'alphaBar', /at least 2/, /the number 0.5/],
  ['x0Score: options an array', () => x0Score(eps, [0.9, 0.5] as never), 'TypeError', 'adapter options', /options object/, /an Array of length 2/],
];

const metricSamples = new Float64Array(30);
const metricCases: SyncCase[] = [
  ['marginalAccuracy: samples not rows of dim', () => marginalAccuracy(new Float64Array(4), target), 'RangeError', 'samples', /dim = 3/, /length 4/],
  ['marginalAccuracy: samples Uint8Array', () => marginalAccuracy(new Uint8Array(3) as never, target), 'TypeError', 'samples', /Float64Array or Float32Array/, /Uint8Array/],
  ['marginalAccuracy: options null', () => marginalAccuracy(metricSamples, target, null as never), 'TypeError', 'marginalAccuracy options', /options object/, /null/],
  ['marginalAccuracy: bins huge', () => marginalAccuracy(metricSamples, target, { bins: 1e7 }), 'RangeError', 'bins', /1000000/, /10000000/],
  ['marginalAccuracy: bins NaN', () => marginalAccuracy(metricSamples, target, { bins: NaN }), 'RangeError', 'bins', /integer/, /NaN/],
  ['marginalAccuracy: t Infinity', () => marginalAccuracy(metricSamples, target, { t: Infinity }), 'RangeError', 't', /finite/, /Infinity/],
  ['marginalAccuracy: t a string', () => marginalAccuracy(metricSamples, target, { t: '1' as never }), 'TypeError', 't', /finite/, /the string "1"/],
  ['marginalAccuracy: range [0, Infinity]', () => marginalAccuracy(metricSamples, target, { range: [0, Infinity] }), 'RangeError', 'range', /finite numbers/, /an Array of length 2/],
  ['marginalAccuracyFloor: n NaN', () => marginalAccuracyFloor(target, NaN), 'RangeError', 'n', /integer/, /NaN/],
  ['marginalAccuracyFloor: n Infinity', () => marginalAccuracyFloor(target, Infinity), 'RangeError', 'n', /integer/, /Infinity/],
  ['marginalAccuracyFloor: n a string', () => marginalAccuracyFloor(target, '10' as never), 'TypeError', 'n', /integer/, /the string "10"/],
  ['marginalAccuracyFloor: repeats fractional', () => marginalAccuracyFloor(target, 10, { repeats: 1.5 }), 'RangeError', 'repeats', /integer in \[1, 1000\]/, /1.5/],
  ['marginalAccuracyFloor: repeats huge', () => marginalAccuracyFloor(target, 10, { repeats: 1001 }), 'RangeError', 'repeats', /1000/, /1001/],
  ['marginalAccuracyFloor: bins 0', () => marginalAccuracyFloor(target, 10, { bins: 0 }), 'RangeError', 'bins', /integer/, /the number 0/],
];

const gridCases: SyncCase[] = [
  ['uniformGrid: no arguments', () => (uniformGrid as unknown as () => unknown)(), 'TypeError', 'steps', /integer/, /undefined/],
  ['uniformGrid: steps NaN', () => uniformGrid(5, 0, NaN), 'RangeError', 'steps', /integer in \[1, 10000000\]/, /NaN/],
  ['uniformGrid: steps huge', () => uniformGrid(5, 0, 1e8), 'RangeError', 'steps', /10000000/, /100000000/],
  ['uniformGrid: steps a string', () => uniformGrid(5, 0, '3' as never), 'TypeError', 'steps', /integer/, /the string "3"/],
  ['uniformGrid: tEnd negative', () => uniformGrid(5, -1, 3), 'RangeError', 'tEnd', />= 0/, /-1/],
  ['uniformGrid: T = tEnd', () => uniformGrid(5, 5, 3), 'RangeError', 'T', /greater than tEnd = 5/, /the number 5/],
  ['uniformGrid: T a string', () => uniformGrid('5' as never, 0, 3), 'TypeError', 'T', /finite number/, /the string "5"/],
  ['uniformGrid: T Infinity', () => uniformGrid(Infinity, 0, 3), 'RangeError', 'T', /finite/, /Infinity/],
  ['geometricGrid: steps 0', () => geometricGrid(5, 0.1, 0), 'RangeError', 'steps', /integer/, /the number 0/],
  ['geometricGrid: tMin negative', () => geometricGrid(5, -0.1, 3), 'RangeError', 'tMin', /> 0/, /-0.1/],
  ['geometricGrid: tMin NaN', () => geometricGrid(5, NaN, 3), 'RangeError', 'tMin', /finite/, /NaN/],
  ['geometricGrid: T = tMin', () => geometricGrid(0.1, 0.1, 3), 'RangeError', 'T', /greater than tMin = 0.1/, /0.1/],
  ['geometricGrid: T below tMin', () => geometricGrid(0.01, 0.1, 3), 'RangeError', 'T', /greater than tMin/, /0.01/],
];

describe('GaussianMixture: bad input', () => {
  test.each(mixtureCases)('%s', (_label, f, name, option, expected, received) => expectOptionError(caughtSync(f), name, option, expected, received));

  // BUG: lib/gaussian-mixture.ts: a diagonal variance of the wrong TYPE (the string '2') is a
  // RangeError ("Expected a finite variance > 0 for variances[0][1] but received the string
  // "2""), while a scalar variance '1' and every other wrong type elsewhere is a TypeError.
  test('a string inside a diagonal variance is a TypeError', () => {
    const e = caughtSync(() => new GaussianMixture({ means: [[0, 0]], variances: [[1, '2']] } as never));
    expectOptionError(e, 'TypeError', /variances\[0\]\[1\]/, undefined, /the string "2"/);
  });

  // BUG: lib/gaussian-mixture.ts sampleExact: n is checked only against [1, 2^32 - 1], so a huge n
  // (2^31 rows of d = 3) reaches `new Float64Array(n * d)` and fails with V8's "Invalid typed
  // array length: 6442450944", which names no option (n * d is never checked).
  test('sampleExact with a huge n is a RangeError naming n', () => {
    const e = caughtSync(() => target.sampleExact({ n: 2 ** 31 }));
    expectOptionError(e, 'RangeError', 'n');
  });
});

describe('adapters: bad input', () => {
  test.each(adapterCases)('%s', (_label, f, name, option, expected, received) => expectOptionError(caughtSync(f), name, option, expected, received));

  // BUG: lib/adapters.ts linearAlphaBar checks `steps` only; betaStart / betaEnd are not
  // validated: linearAlphaBar(10, NaN) returns ten NaNs, linearAlphaBar(10, '0.1') returns
  // [0.9, NaN, ...] and linearAlphaBar(10, 0.5, 2) a schedule with negative "alphaBar" values.
  test('linearAlphaBar rejects NaN, non-number and > 1 betas', () => {
    expectOptionError(caughtSync(() => linearAlphaBar(10, NaN)), 'RangeError', 'betaStart', undefined, /NaN/);
    expectOptionError(caughtSync(() => linearAlphaBar(10, '0.1' as never)), 'TypeError', 'betaStart', undefined, /the string "0.1"/);
    expectOptionError(caughtSync(() => linearAlphaBar(10, 0.5, 2)), 'RangeError', 'betaEnd', undefined, /the number 2/);
  });

  // BUG: lib/adapters.ts cosineAlphaBar does not validate its offset `s`: cosineAlphaBar(10, NaN),
  // (10, -1) and (10, 'a') all return arrays of NaN without an error.
  test('cosineAlphaBar rejects a NaN, negative or non-number offset s', () => {
    expectOptionError(caughtSync(() => cosineAlphaBar(10, NaN)), 'RangeError', 's', undefined, /NaN/);
    expectOptionError(caughtSync(() => cosineAlphaBar(10, -1)), 'RangeError', 's', undefined, /-1/);
    expectOptionError(caughtSync(() => cosineAlphaBar(10, 'a' as never)), 'TypeError', 's', undefined, /the string "a"/);
  });
});

describe('metrics: bad input', () => {
  test.each(metricCases)('%s', (_label, f, name, option, expected, received) => expectOptionError(caughtSync(f), name, option, expected, received));

  // BUG: lib/metrics.ts marginalAccuracyFloor never checks `target`: marginalAccuracyFloor({}, 10)
  // throws "TypeError: target.sampleExact is not a function" (no option format), unlike
  // marginalAccuracy, which says "Expected a GaussianMixture for target but received an object".
  test('marginalAccuracyFloor with a non-mixture target names target', () => {
    expectOptionError(caughtSync(() => marginalAccuracyFloor({} as never, 10)), 'TypeError', 'target', /GaussianMixture/, /an object/);
  });

  // BUG: lib/metrics.ts marginalAccuracyFloor destructures `options ?? {}`, so a non-object
  // (5, 'x', true) is silently accepted as "no options", while marginalAccuracy rejects it.
  test('marginalAccuracyFloor with options = 5 is a TypeError', () => {
    expectOptionError(caughtSync(() => marginalAccuracyFloor(target, 10, 5 as never)), 'TypeError', /options/, undefined, /the number 5/);
  });

  // BUG: lib/metrics.ts marginalAccuracyFloor hands unknown keys to marginalAccuracy, whose
  // knownKeys lists only bins, range, t: a misspelt 'repeat' gets no hint and "Valid options:
  // bins, range, t" (seed and repeats missing), and 'sed' gets "did you mean 't'?".
  test("marginalAccuracyFloor: misspelt 'repeat' and 'sed' suggest 'repeats' and 'seed'", () => {
    expectOptionError(caughtSync(() => marginalAccuracyFloor(target, 10, { repeat: 2 } as never)), 'TypeError', /'repeat'/, /did you mean 'repeats'/);
    expectOptionError(caughtSync(() => marginalAccuracyFloor(target, 10, { sed: 2 } as never)), 'TypeError', /'sed'/, /did you mean 'seed'/);
  });

  // BUG: lib/metrics.ts marginalAccuracyFloor: a huge n (2^31, within [1, 2^32 - 1]) reaches
  // sampleExact and fails with V8's "Invalid typed array length: 21474836480" (no option named).
  test('marginalAccuracyFloor with a huge n is a RangeError naming n', () => {
    expectOptionError(caughtSync(() => marginalAccuracyFloor(GaussianMixture.paperTarget(), 2 ** 31)), 'RangeError', 'n');
  });
});

describe('time grids: bad input', () => {
  test.each(gridCases)('%s', (_label, f, name, option, expected, received) => expectOptionError(caughtSync(f), name, option, expected, received));
});

test('the number of bad-input cases (reported)', () => {
  const total = sampleCases.length * 2 + mixtureCases.length + adapterCases.length + metricCases.length + gridCases.length;
  // eslint-disable-next-line no-console
  console.log(`bad-input cases: sample ${sampleCases.length} (x2 with sampleSync), GaussianMixture ${mixtureCases.length}, adapters ${adapterCases.length}, metrics ${metricCases.length}, grids ${gridCases.length}; total ${total}`);
  expect(isError(new Error())).toBe(true);
});
