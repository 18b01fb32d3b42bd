// The `rtk` command line: rtk sample | info | bench. Every failure is one line on stderr
// (--verbose adds the stack); exit codes 0 done, 1 failed, 2 bad usage or input, 130 Ctrl-C.
import { Command, CommanderError } from 'commander';
import { benchCommand } from './bench-command';
import { EXIT_FAILURE, EXIT_USAGE, InterruptedError, UsageError, messageOf, oneLine } from './errors';
import { infoCommand } from './info-command';
import { packageVersion } from './package-info';
import { sampleCommand } from './sample-command';

const COMMANDS = ['sample', 'info', 'bench'];

export function buildProgram(argv: string[]): Command {
  const program = new Command('rtk')
    .description('Reverse Transition Kernel diffusion samplers (rtk-diffusion) from the command line.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Errors are printed by main() as one line; commander only throws them.
      outputError: () => {},
    })
    .addHelpText(
      'after',
      "\nRun 'rtk <command> --help' for a command's options. Exit codes: 0 done, 1 failed, 2 bad usage or input, 130 interrupted.",
    );
  program.addCommand(sampleCommand(argv));
  program.addCommand(infoCommand());
  program.addCommand(benchCommand());
  // Subcommands added with addCommand do not inherit the program's settings: set them here.
  for (const c of program.commands) {
    c.exitOverride().configureOutput({ outputError: () => {} }).showSuggestionAfterError(true).helpOption('-h, --help', 'show help');
  }
  return program;
}

/** Runs the command line (the arguments after `rtk`) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const command = argv.find((a) => COMMANDS.includes(a));
  const prefix = command ? `rtk ${command}` : 'rtk';
  const program = buildProgram(argv);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // `rtk help [command]` exits 0; `rtk` alone prints the help on stderr: a usage error.
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : EXIT_USAGE;
      const message = oneLine(e.message.replace(/^error:\s*/, ''));
      process.stderr.write(`${prefix}: ${message} (see '${prefix} --help')\n`);
      return EXIT_USAGE;
    }
    const code = e instanceof UsageError || e instanceof InterruptedError ? e.exitCode : EXIT_FAILURE;
    process.stderr.write(`${prefix}: ${messageOf(e)}\n`);
    if (verbose && !(e instanceof InterruptedError) && e instanceof Error && e.stack) {
      process.stderr.write(e.stack + '\n');
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof Error && cause.stack) process.stderr.write(`caused by: ${cause.stack}\n`);
    }
    return code;
  }
}

/** Entry point of bin/rtk.js. */
export function run(argv: string[] = process.argv.slice(2)): void {
  // Output piped into a reader that stops early (`rtk sample --help | head`): end quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`rtk: ${messageOf(e)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}

if (require.main === module) run();
