// `rtk bench [paper|suite]`: runs a benchmark script of the source repository (bench/paper-mog.js,
// the paper's experiment, or bench/suite.js, every sampler on the paper's target and the harder
// mixture family) as a child process with its own output, passing the flags through; then
// renders its SVG plot as a PNG beside it. Exits with the script's code.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { UsageError } from './errors';
import { PACKAGE_ROOT } from './package-info';
import { parseNonNegativeInteger, parsePositiveInteger } from './parse';

export const BENCH_SCRIPTS = {
  paper: path.join(PACKAGE_ROOT, 'bench', 'paper-mog.js'),
  suite: path.join(PACKAGE_ROOT, 'bench', 'suite.js'),
} as const;
export const BENCH_SCRIPT = BENCH_SCRIPTS.paper;
type BenchName = keyof typeof BENCH_SCRIPTS;

interface BenchFlags {
  quick?: boolean;
  out?: string;
  particles?: number;
  seed?: number;
  threads?: number;
  nfe?: string;
}

export function benchCommand(): Command {
  return new Command('bench')
    .argument('[which]', "'paper' (default: bench/paper-mog.js, marginal accuracy against NFE for every sampler on the 12-mode mixture, with the noise floor) or 'suite' (bench/suite.js: also the harder mixtures, mode-weight error and sliced W2)", 'paper')
    .description('Run a benchmark; writes PREFIX.json, PREFIX.svg and PREFIX.png.')
    .option('--quick', 'n = 5000 and NFE 16, 32, 64 (a minute or so)')
    .option('--out <prefix>', 'output prefix (default: bench/out/paper-mog in the package folder)')
    .option('--particles <n>', 'particles per run', parsePositiveInteger)
    .option('--seed <s>', 'seed of every run', parseNonNegativeInteger)
    .option('--threads <n>', 'native worker threads', parsePositiveInteger)
    .option('--nfe <list>', 'comma-separated NFE budgets, e.g. 16,32,64')
    .action(async (which: string, flags: BenchFlags) => {
      if (which !== 'paper' && which !== 'suite') throw new UsageError(`rtk bench: expected 'paper' or 'suite' but received "${which}"`);
      process.exitCode = await runBench(which, flags);
    });
}

function outPrefix(which: BenchName, flags: BenchFlags): string {
  return flags.out ?? path.join(PACKAGE_ROOT, 'bench', 'out', which === 'paper' ? 'paper-mog' : 'suite');
}

export function benchArgs(flags: BenchFlags, which: BenchName = 'paper'): string[] {
  const args = [BENCH_SCRIPTS[which]];
  if (flags.quick) args.push('--quick');
  args.push('--out', outPrefix(which, flags));
  if (flags.particles !== undefined) args.push('--particles', String(flags.particles));
  if (flags.seed !== undefined) args.push('--seed', String(flags.seed));
  if (flags.threads !== undefined) args.push('--threads', String(flags.threads));
  if (flags.nfe !== undefined) args.push('--nfe', flags.nfe);
  return args;
}

async function runBench(which: BenchName, flags: BenchFlags): Promise<number> {
  const script = BENCH_SCRIPTS[which];
  if (!fs.existsSync(script))
    throw new UsageError(`${script} not found: the benchmarks come with the source repository, not the npm package`);
  const code = await runScript(benchArgs(flags, which));
  const svg = `${outPrefix(which, flags)}.svg`;
  if (code === 0 && fs.existsSync(svg)) {
    const { svgToPng } = require('./plot') as typeof import('./plot');
    fs.writeFileSync(`${outPrefix(which, flags)}.png`, svgToPng(fs.readFileSync(svg, 'utf8')));
    process.stdout.write(`wrote ${outPrefix(which, flags)}.png\n`);
  }
  return code;
}

async function runScript(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal; a SIGINT sent to this process alone is passed on.
  const forward = () => child.kill('SIGINT');
  process.on('SIGINT', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code !== null) resolve(code);
        else resolve(128 + ((signal && os.constants.signals[signal]) || 1));
      });
    });
  } finally {
    process.off('SIGINT', forward);
  }
}
