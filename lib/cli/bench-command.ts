// `rtk bench`: runs the paper's benchmark script (bench/paper-mog.js, in the source repository)
// as a child process with its own output, passing the flags through; exits with its code.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { UsageError } from './errors';
import { PACKAGE_ROOT } from './package-info';
import { parseNonNegativeInteger, parsePositiveInteger } from './parse';

export const BENCH_SCRIPT = path.join(PACKAGE_ROOT, 'bench', 'paper-mog.js');

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
    .description(
      "Run the paper's benchmark (node bench/paper-mog.js): marginal accuracy against NFE for every sampler on the 12-mode mixture, with the exact-sample noise floor; writes PREFIX.json and PREFIX.svg.",
    )
    .option('--quick', 'n = 5000 and NFE 16, 32, 64 (a minute or so)')
    .option('--out <prefix>', 'output prefix (default: bench/out/paper-mog in the package folder)')
    .option('--particles <n>', 'particles per run', parsePositiveInteger)
    .option('--seed <s>', 'seed of every run', parseNonNegativeInteger)
    .option('--threads <n>', 'native worker threads', parsePositiveInteger)
    .option('--nfe <list>', 'comma-separated NFE budgets, e.g. 16,32,64')
    .action(async (flags: BenchFlags) => {
      process.exitCode = await runBench(flags);
    });
}

export function benchArgs(flags: BenchFlags): string[] {
  const args = [BENCH_SCRIPT];
  if (flags.quick) args.push('--quick');
  args.push('--out', flags.out ?? path.join(PACKAGE_ROOT, 'bench', 'out', 'paper-mog'));
  if (flags.particles !== undefined) args.push('--particles', String(flags.particles));
  if (flags.seed !== undefined) args.push('--seed', String(flags.seed));
  if (flags.threads !== undefined) args.push('--threads', String(flags.threads));
  if (flags.nfe !== undefined) args.push('--nfe', flags.nfe);
  return args;
}

async function runBench(flags: BenchFlags): Promise<number> {
  if (!fs.existsSync(BENCH_SCRIPT))
    throw new UsageError(`${BENCH_SCRIPT} not found: the benchmarks come with the source repository, not the npm package`);
  const child = spawn(process.execPath, benchArgs(flags), { stdio: 'inherit' });
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
