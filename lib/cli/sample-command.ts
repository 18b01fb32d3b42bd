// `rtk sample`: draw samples from a target (default: the paper's 12-mode mixture) with any
// sampler and every option of SampleOptions, write them (.npy / .csv / .json / '-'), and print
// a summary with the NFE spent and, for mixture targets, the marginal accuracy beside the
// exact-sample noise floor at the same n.
import * as fs from 'fs';
import { Command, Option } from 'commander';
import { RTK_SAMPLERS, SAMPLERS } from '../options';
import type { SampleOptions, SampleResult, SamplerName, ProgressInfo } from '../options';
import { InterruptedError, UsageError, messageOf, withFlagNames, EXIT_INTERRUPTED } from './errors';
import { checkWritable, outputFormat, writeSamples, writeToStream } from './output-formats';
import type { Real } from './output-formats';
import { packageVersion } from './package-info';
import {
  parseGrid,
  parseIntegerOrList,
  parseNonNegativeInteger,
  parseNumber,
  parseNumberOrAuto,
  parsePair,
  parsePositiveInteger,
  parseRange,
} from './parse';
import { createProgressBar } from './progress';
import { LoadedTarget, loadTargetFile, paperTarget } from './target-file';

/** The options commander hands the action (flag names in camelCase). */
export interface SampleFlags {
  target?: string;
  sampler?: SamplerName;
  nfe?: number;
  particles?: number;
  dim?: number;
  seed?: number;
  T?: number;
  tEnd?: number;
  threads?: number;
  out?: string;
  stats?: string;
  plot?: string;
  plotDims: [number, number];
  maBins?: number;
  maRange?: [number, number];
  quiet?: boolean;
  verbose?: boolean;
  schedule?: 'hybrid' | 'segments';
  switchTime?: number;
  hybridPrefix?: 'ddim' | 'ddpm';
  segments?: number;
  grid?: 'uniform' | 'geometric' | number[];
  tMin?: number;
  stepSize?: number | 'auto';
  targetAccept?: number;
  friction?: number | 'auto';
  innerSteps?: number | number[];
  warmStart?: 'gaussian' | 'tweedie' | 'ddpm';
  projectionRadius?: number;
  energyEstimate?: 'trapezoid' | 'simpson';
  finalDenoise?: boolean;
  langevinSteps?: number;
  aldStepScale?: number;
  dtype?: 'float64' | 'float32';
  device?: 'cpu' | 'cuda' | 'auto';
}

const EXAMPLES = `
Examples:
  $ rtk sample                                   # rtk-mala, 64 NFE, 1000 particles on the paper's mixture
  $ rtk sample --sampler ddpm --nfe 32 --particles 20000 --out x.npy --plot x.png
  $ rtk sample --target my-mixture.json --out - > samples.csv
  $ rtk sample --sampler rtk-uld --segments 3 --inner-steps 10,10,20 --stats run.json

Target file (JSON): {"type": "gaussian-mixture", "weights": [0.3, 0.7], "means": [[0, 0], [2, 1]],
  "variances": [0.5, [0.2, 0.1]]}  (weights optional; a variance is a number (isotropic) or d numbers (diagonal))

Output by extension: .npy (float64, shape (particles, dim)), .csv (header x0,x1,...), .json (array of rows),
'-' for CSV on stdout. Without --out the samples are not saved.
Exit codes: 0 done, 1 failed, 2 bad command line or input file, 130 interrupted (Ctrl-C).`;

/** The `sample` command; `argv` (the command line after 'rtk') is recorded in --stats. */
export function sampleCommand(argv: string[] = []): Command {
  const cmd = new Command('sample')
    .description(
      "Draw samples with an RTK sampler or a baseline and print a summary (NFE spent, energy evaluations, time and, for mixture targets, marginal accuracy beside the exact-sample noise floor).",
    )
    .optionsGroup('Target and run:')
    .option('--target <file.json>', "target file (see below); default: the paper's 12-mode mixture in d = 10")
    .addOption(new Option('--sampler <name>', 'sampler (default: rtk-mala)').choices(SAMPLERS))
    .option('--nfe <n>', 'budget of score evaluations per particle (default: 64)', parsePositiveInteger)
    .option('--particles <n>', 'number of particles (default: 1000)', parsePositiveInteger)
    .option('--dim <n>', "dimension: must match a --target; for the default target, the paper's circle in d = n (n >= 2)", parsePositiveInteger)
    .option('--seed <s>', 'seed, an integer in [0, 2^32) (default: 0)', parseNonNegativeInteger)
    .option('--T <x>', 'start time (default: 5)', parseNumber)
    .option('--t-end <x>', 'end time (default: 0)', parseNumber)
    .option('--threads <n>', 'native worker threads (default: all cores)', parsePositiveInteger)
    .addOption(new Option('--dtype <type>', 'precision of the run (default: float64)').choices(['float64', 'float32']))
    .addOption(
      new Option('--device <where>', "'cpu' (default), 'cuda' (GPU: needs `npm run build:cuda`) or 'auto' (the GPU when usable)").choices(['cpu', 'cuda', 'auto']),
    )
    .optionsGroup('Sampler options (defaults: see the README):')
    .addOption(new Option('--schedule <kind>', "RTK schedule: 'hybrid' (default: DDIM steps down to --switch-time, then two MH-corrected segments) or 'segments' (the paper's)").choices(['hybrid', 'segments']))
    .option('--switch-time <x>', 'RTK hybrid: where the prefix steps hand over to RTK segments (default: 0.05)', parseNumber)
    .addOption(new Option('--hybrid-prefix <kind>', "RTK hybrid: the steps before --switch-time (default: ddim)").choices(['ddim', 'ddpm']))
    .option('--segments <n>', "RTK 'segments' schedule: number of segments (default: from the budget)", parsePositiveInteger)
    .option('--grid <grid>', "time grid: 'uniform', 'geometric' or decreasing times 'T,...,tEnd' (comma-separated)", parseGrid)
    .option('--t-min <x>', 'last time of a geometric grid (RTK 0.05, baselines 1e-3)', parseNumber)
    .option('--step-size <x|auto>', "RTK inner step size tau, or 'auto' (default)", parseNumberOrAuto)
    .option('--target-accept <x>', 'MALA: acceptance rate the step size adapts towards (default: 0.8)', parseNumber)
    .option('--friction <x|auto>', "ULD friction gamma, or 'auto' (default)", parseNumberOrAuto)
    .option('--inner-steps <n|list>', 'RTK inner steps: one number, or one per segment (comma-separated)', parseIntegerOrList)
    .addOption(new Option('--warm-start <kind>', 'RTK warm start (default: ddpm for MALA, tweedie for ULD/ULA)').choices(['gaussian', 'tweedie', 'ddpm', 'ddim']))
    .option('--projection-radius <r>', 'projected MALA: reject steps longer than r', parseNumber)
    .addOption(new Option('--energy-estimate <rule>', 'rtk-mala-es: energy differences from scores (default: trapezoid)').choices(['trapezoid', 'simpson']))
    .option('--final-denoise', 'baselines: Tweedie denoise at the last time (1 NFE; default on geometric grids)')
    .option('--no-final-denoise', 'baselines: no final denoise')
    .option('--langevin-steps <n>', 'ALD: Langevin steps per noise level (default: 2)', parsePositiveInteger)
    .option('--ald-step-scale <x>', 'ALD: step size scale (default: 0.1)', parseNumber)
    .optionsGroup('Output:')
    .option('-o, --out <file>', "write the samples: .npy, .csv or .json by extension, '-' for CSV on stdout (default: not saved)")
    .option('--stats <file.json>', "write the run's statistics and accuracy as JSON ('-' for stdout)")
    .option('--plot <file.png>', 'write a PNG: scatter of two coordinates and histograms against the exact marginals')
    .addOption(
      new Option('--plot-dims <i,j>', 'the two coordinates of the scatter').argParser(parsePair).default([0, 1] as [number, number], '0,1'),
    )
    .option('--ma-bins <n>', 'marginal accuracy: number of bins (default: 100)', parsePositiveInteger)
    .option('--ma-range <lo,hi>', "marginal accuracy: binned range (default: [-2, 2] for the paper's target, else the target's +-4 sd hull)", parseRange)
    .option('-q, --quiet', 'no progress bar and no summary (errors are still printed)')
    .option('-v, --verbose', 'print the plan before the run, per-segment statistics after it, and stack traces of errors')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: SampleFlags) => {
      await runSample(flags, argv);
    });
  return cmd;
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** The default binned range of the accuracy: [-2, 2] for the paper's target (its bins), else the
 * exact marginals' +-4 sd hull at time t, rounded out to halves. */
function accuracyRange(target: LoadedTarget, t: number): [number, number] {
  if (target.paper) return [-2, 2];
  const m = target.mixture!;
  const a = Math.exp(-t), s = -Math.expm1(-2 * t);
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < m.components; j++)
    for (let i = 0; i < m.dim; i++) {
      const mu = a * m.means[j * m.dim + i], sd = Math.sqrt(a * a * m.variances[j * m.dim + i] + s);
      lo = Math.min(lo, mu - 4 * sd);
      hi = Math.max(hi, mu + 4 * sd);
    }
  return [Math.floor(lo * 2) / 2, Math.ceil(hi * 2) / 2];
}

interface Accuracy {
  value: number;
  floor: number | null;
  bins: number;
  range: [number, number];
  t: number;
}

/** The sample options for the library, from the flags (only those given). */
function sampleOptionsFrom(flags: SampleFlags, target: LoadedTarget): SampleOptions {
  const o: SampleOptions = { ...target.sampleOptions };
  if (flags.dim !== undefined && !target.paper) o.dim = flags.dim;
  const copy = [
    'sampler', 'nfe', 'particles', 'seed', 'T', 'tEnd', 'threads', 'dtype', 'device', 'schedule', 'switchTime', 'hybridPrefix', 'segments', 'grid', 'tMin', 'stepSize',
    'targetAccept', 'friction', 'innerSteps', 'warmStart', 'projectionRadius', 'energyEstimate', 'finalDenoise',
    'langevinSteps', 'aldStepScale',
  ] as const;
  for (const key of copy) if (flags[key] !== undefined) (o as Record<string, unknown>)[key] = flags[key];
  return o;
}

/** The plain (JSON-able) part of the options, for --stats and --verbose. */
function plainOptions(o: SampleOptions): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v) || (typeof v !== 'function' && typeof v !== 'object')) r[k] = v;
  }
  return r;
}

export async function runSample(flags: SampleFlags, argv: string[]): Promise<void> {
  const quiet = !!flags.quiet;
  const verbose = !!flags.verbose && !quiet;
  // Everything that can be checked before the run is checked first: a bad path fails in
  // milliseconds, not after the samples were drawn.
  if (flags.out !== undefined) {
    outputFormat(flags.out);
    checkWritable(flags.out, '--out');
  }
  if (flags.stats !== undefined) {
    if (flags.stats === '-' && flags.out === '-') throw new UsageError("--stats - and --out - cannot both write to stdout");
    checkWritable(flags.stats, '--stats');
  }
  if (flags.plot !== undefined) {
    if (!/\.png$/i.test(flags.plot)) throw new UsageError(`--plot ${flags.plot}: expected a .png file name`);
    checkWritable(flags.plot, '--plot');
  }

  const target = flags.target !== undefined ? loadTargetFile(flags.target, flags.dim) : paperTarget(flags.dim);
  const d = target.dim;
  if (flags.plot !== undefined && d >= 2 && flags.plotDims.some((i) => i >= d))
    throw new UsageError(`--plot-dims ${flags.plotDims.join(',')}: coordinates must be below d = ${d}`);

  const options = sampleOptionsFrom(flags, target);
  const sampler: SamplerName = options.sampler ?? 'rtk-mala';
  const rtk = await import('../index');

  // stdout carries the samples with --out -: the summary then goes to stderr.
  const report = (line: string) => {
    if (quiet) return;
    (flags.out === '-' || flags.stats === '-' ? process.stderr : process.stdout).write(line + '\n');
  };
  const note = (line: string) => {
    if (verbose) process.stderr.write(line + '\n');
  };

  const bar = createProgressBar({ enabled: !quiet, rtk: RTK_SAMPLERS.includes(sampler) });
  const controller = new AbortController();
  let sampling = true;
  let last: ProgressInfo | undefined;
  const onSigint = () => {
    if (sampling && !controller.signal.aborted) {
      controller.abort(new Error('SIGINT'));
      return;
    }
    // A second Ctrl-C, or one after the run (while writing): stop now.
    bar.stop();
    process.stderr.write('rtk sample: interrupted (Ctrl-C)\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  note(
    `rtk sample: ${sampler} on ${target.description}; ${fmtInt(options.particles ?? 1000)} particles, ` +
      `NFE budget ${options.nfe ?? 64}, seed ${options.seed ?? 0}, threads ${options.threads ?? `all (${rtk.native.build.hardwareThreads})`}`,
  );
  note(`options: ${JSON.stringify(plainOptions(options))}`);

  let result: SampleResult;
  try {
    try {
      result = await rtk.sample({
        ...options,
        signal: controller.signal,
        progressIntervalMs: 100,
        onProgress: (p) => {
          last = p;
          bar.update(p);
        },
      });
    } catch (e) {
      bar.stop();
      if (e instanceof rtk.AbortError || (e as { name?: string }).name === 'AbortError') {
        const spent = last ? ` after ${last.nfeSpent} of ${last.nfeBudget} NFE` : '';
        throw new InterruptedError(`interrupted (Ctrl-C): the run was aborted${spent}; nothing was written`);
      }
      if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(withFlagNames(messageOf(e)), { cause: e });
      throw e;
    }
    bar.stop();
    sampling = false;

    const { samples, stats } = result;
    const n = samples.length / d;

    // Accuracy against the exact target (mixtures), at the run's end time.
    let accuracy: Accuracy | null = null;
    if (target.mixture) {
      const t = Array.isArray(options.grid) ? options.grid[options.grid.length - 1] : (options.tEnd ?? 0);
      const bins = flags.maBins ?? 100;
      const range = flags.maRange ?? accuracyRange(target, t);
      const value = rtk.marginalAccuracy(samples, target.mixture, { bins, range, t });
      // The floor draws `repeats` exact samples of size n: skip it where that would be huge.
      const floor = n * d <= 5e7 ? rtk.marginalAccuracyFloor(target.mixture, n, { bins, range, t, repeats: n <= 200000 ? 3 : 1 }) : null;
      accuracy = { value, floor, bins, range, t };
    }

    // Files.
    if (flags.out !== undefined) await writeSamples(flags.out, samples, n, d);
    if (flags.stats !== undefined) {
      const json = JSON.stringify(
        {
          rtkDiffusion: packageVersion(),
          command: ['rtk', ...argv],
          target: target.description,
          dim: d,
          particles: n,
          options: plainOptions(options),
          stats,
          marginalAccuracy: accuracy,
          nonFinite: countNonFinite(samples),
          out: flags.out ?? null,
        },
        null,
        2,
      ) + '\n';
      if (flags.stats === '-') await writeToStream(process.stdout, [json]);
      else fs.writeFileSync(flags.stats, json);
    }
    if (flags.plot !== undefined) {
      const { renderPlotPng } = await import('./plot');
      const png = renderPlotPng({
        samples,
        n,
        d,
        dims: flags.plotDims,
        mixture: target.mixture,
        t: accuracy?.t ?? 0,
        title: `rtk sample: ${sampler}, NFE ${stats.nfe} of ${stats.nfeBudget}, n = ${fmtInt(n)}, seed ${options.seed ?? 0}`,
        subtitle:
          target.description +
          (accuracy
            ? `; marginal accuracy ${accuracy.value.toFixed(4)}` +
              (accuracy.floor !== null ? ` (exact-sample floor ${accuracy.floor.toFixed(4)})` : '')
            : ''),
      });
      fs.writeFileSync(flags.plot, png);
    }

    // Summary.
    const threads = options.threads ?? rtk.native.build.hardwareThreads;
    report(`${sampler} on ${target.description}`);
    report(`  particles  ${fmtInt(n)} (seed ${options.seed ?? 0}, ${options.dtype ?? 'float64'})`);
    report(`  NFE        ${stats.nfe} spent of a budget of ${stats.nfeBudget}${stats.budgetNote ? ` (${stats.budgetNote})` : ''}`);
    report(`  energy     ${fmtInt(stats.energyEvals)} evaluations`);
    const where = stats.device === 'cuda' ? 'GPU' : `${threads} thread${threads === 1 ? '' : 's'}`;
    report(`  time       ${(stats.ms / 1000).toFixed(stats.ms < 10000 ? 2 : 1)} s (${stats.path}, ${where})`);
    if (stats.deviceNote) report(`  device     ${stats.deviceNote}`);
    if (accuracy) {
      const where = `${accuracy.bins} bins on [${accuracy.range[0]}, ${accuracy.range[1]}]${accuracy.t > 0 ? `, t = ${accuracy.t}` : ''}`;
      report(
        `  accuracy   marginal accuracy ${accuracy.value.toFixed(4)}; exact-sample noise floor at n = ${fmtInt(n)}: ` +
          `${accuracy.floor !== null ? accuracy.floor.toFixed(4) : 'not computed (n too large)'} (${where})`,
      );
    }
    const bad = countNonFinite(samples);
    if (bad > 0) report(`  warning    ${fmtInt(bad)} sample values are not finite`);
    if (flags.out === undefined)
      report('  samples    not saved (no --out; use --out FILE.npy, .csv or .json, or --out - for CSV on stdout)');
    else if (flags.out !== '-') report(`  samples    written to ${flags.out} (${fmtInt(n)} x ${d})`);
    if (flags.stats !== undefined && flags.stats !== '-') report(`  stats      written to ${flags.stats}`);
    if (flags.plot !== undefined) report(`  plot       written to ${flags.plot}`);

    if (verbose) {
      note('segments (tStart -> t, eta, steps, nfe, energy evals, accept rate, step size, friction):');
      for (const s of stats.segments)
        note(
          `  ${s.tStart.toPrecision(4)} -> ${s.t.toPrecision(4)}  eta ${s.eta.toPrecision(3)}  steps ${s.steps}  nfe ${s.nfe}  energy ${s.energyEvals}` +
            (s.acceptRate !== undefined ? `  accept ${s.acceptRate.toFixed(3)}` : '') +
            (s.stepSize !== undefined ? `  tau ${s.stepSize.toPrecision(3)}` : '') +
            (s.friction !== undefined ? `  gamma ${s.friction.toPrecision(3)}` : ''),
        );
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function countNonFinite(x: Real): number {
  let k = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) k++;
  return k;
}
