// Shared helpers of the reliability suites (test/reliability/*.test.ts).
//
// Realms: errors created by the native addon come from Node's own realm, not from jest's
// sandbox, so `instanceof Error` / `instanceof TypeError` are false for them. Everything here
// compares by internal class tag and `name` instead, which holds for both realms.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { GaussianMixture } from '../../lib';

export { detach, mulberry32, sameBits } from '../helpers';

export type Real = Float64Array | Float32Array;
export type ErrorName = 'TypeError' | 'RangeError' | 'Error' | 'AbortError';

export const ROOT = path.join(__dirname, '..', '..');

/** True for an Error object of any realm (its [[Class]] tag is "Error"). */
export function isError(e: unknown): e is Error {
  return Object.prototype.toString.call(e) === '[object Error]' && typeof (e as Error).message === 'string';
}

/** Runs f (sync or async) and returns what it threw or rejected with, or a marker when it did not. */
export async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return NOT_THROWN;
}

export function caughtSync(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return NOT_THROWN;
}

export const NOT_THROWN = Symbol('did not throw');

/**
 * The message format of every validator (lib/errors.ts, native/addon/convert.cc):
 * "Expected <what> for <option> but received <value>". `option` must appear as the option's
 * name, `expected` and `received` as fragments (regular expressions).
 */
export function expectOptionError(e: unknown, name: ErrorName, option: string | RegExp, expected?: RegExp, received?: RegExp): void {
  if (!isError(e)) throw new Error(`expected a ${name}, got ${e === NOT_THROWN ? 'no error' : String(e)}`);
  expect({ name: e.name, message: e.message }).toEqual({ name, message: expect.any(String) });
  const opt = typeof option === 'string' ? new RegExp(`(^|[^A-Za-z0-9_])${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_]|$)`) : option;
  expect(e.message).toMatch(opt);
  if (expected) expect(e.message).toMatch(expected);
  if (received) expect(e.message).toMatch(received);
}

/** A 1-D and a 3-D target used across the suites. */
export const gauss1 = () => new GaussianMixture({ means: [[0.3]], variances: [0.5] });
export const gauss3 = () => new GaussianMixture({ means: [[0.5, -1, 2]], variances: [[0.5, 0.2, 1.5]] });

export function moments1(x: ArrayLike<number>): { mean: number; variance: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2 / (n - 1);
  return { mean, variance };
}

/** JS prelude for child processes: loads lib/*.ts directly (transpiled on require). */
const PRELUDE = `
const ts = require('typescript'), fs = require('fs');
require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
const L = require('./lib');
`;

/**
 * Runs `script` (JS source; `L` is the library, loaded from lib/) in a child Node process whose
 * virtual memory is capped with `ulimit -v`, so that a huge allocation fails at once instead of
 * waking the OOM killer (which can kill other processes on a shared machine). Returns the exit
 * status, the signal and the output.
 */
export function runIsolated(script: string, { memoryKb = 8_000_000, timeoutMs = 60_000 } = {}) {
  const r = spawnSync('bash', ['-c', `ulimit -v ${memoryKb}; exec "${process.execPath}" -e "$RTK_SCRIPT"`], {
    cwd: ROOT,
    env: { ...process.env, RTK_SCRIPT: PRELUDE + script },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
