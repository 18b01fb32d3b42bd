// Errors the command line reports as one line: UsageError (exit 2: bad flags, numbers, files)
// and the exit codes every command shares.

export const EXIT_OK = 0;
/** A run that failed for a reason other than the command line (I/O, native failure). */
export const EXIT_FAILURE = 1;
/** Bad flags, bad numbers, bad or missing files, options the library rejects. */
export const EXIT_USAGE = 2;
/** Interrupted by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line or its input files: one line on stderr, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The message of any thrown value, as one line. */
export function oneLine(message: string): string {
  return message
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join(' ');
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return oneLine(e.message || e.name);
  return oneLine(String(e));
}

/** The library's option names and the flags that set them, to word its errors for the CLI. */
export const OPTION_FLAGS: Record<string, string> = {
  dim: '--dim',
  particles: '--particles',
  seed: '--seed',
  sampler: '--sampler',
  nfe: '--nfe',
  T: '--T',
  tEnd: '--t-end',
  segments: '--segments',
  grid: '--grid',
  tMin: '--t-min',
  stepSize: '--step-size',
  targetAccept: '--target-accept',
  friction: '--friction',
  innerSteps: '--inner-steps',
  warmStart: '--warm-start',
  projectionRadius: '--projection-radius',
  energyEstimate: '--energy-estimate',
  finalDenoise: '--final-denoise',
  langevinSteps: '--langevin-steps',
  aldStepScale: '--ald-step-scale',
  threads: '--threads',
  dtype: '--dtype',
  device: '--device',
};

/** "Expected ... for tMin but received ..." -> "Expected ... for --t-min but received ...". */
export function withFlagNames(message: string): string {
  return message.replace(/\bfor ([A-Za-z]+)((?:\[\d+\])?) but received/g, (all, name: string, index: string) =>
    OPTION_FLAGS[name] ? `for ${OPTION_FLAGS[name]}${index ? ` (entry ${index.slice(1, -1)})` : ''} but received` : all,
  );
}

/** The run was stopped by SIGINT (Ctrl-C): one line, exit code 130. */
export class InterruptedError extends Error {
  readonly exitCode = EXIT_INTERRUPTED;
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}
