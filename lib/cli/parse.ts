// Strict parsers for flag values (commander argParsers): a bad value is a one-line usage error
// naming the flag, never a NaN passed on.
import { InvalidArgumentError } from 'commander';

function number(text: string): number {
  const s = text.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal / exponent notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return NaN;
  return Number(s);
}

export function parseInteger(text: string): number {
  const x = number(text);
  if (!Number.isSafeInteger(x)) throw new InvalidArgumentError('Expected an integer.');
  return x;
}

export function parseNonNegativeInteger(text: string): number {
  const x = parseInteger(text);
  if (x < 0) throw new InvalidArgumentError('Expected an integer >= 0.');
  return x;
}

export function parsePositiveInteger(text: string): number {
  const x = parseInteger(text);
  if (x < 1) throw new InvalidArgumentError('Expected an integer >= 1.');
  return x;
}

export function parseNumber(text: string): number {
  const x = number(text);
  if (!Number.isFinite(x)) throw new InvalidArgumentError('Expected a finite number.');
  return x;
}

/** A number or the word 'auto'. */
export function parseNumberOrAuto(text: string): number | 'auto' {
  if (text.trim() === 'auto') return 'auto';
  const x = number(text);
  if (!Number.isFinite(x)) throw new InvalidArgumentError("Expected a number or 'auto'.");
  return x;
}

/** A comma-separated list of numbers ("5,2,1,0.5,0"). */
export function parseNumberList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const xs = parts.map(number);
  if (parts.length === 0 || xs.some((x) => !Number.isFinite(x)))
    throw new InvalidArgumentError('Expected a comma-separated list of numbers.');
  return xs;
}

/** A number or a comma-separated list of integers (one per RTK segment). */
export function parseIntegerOrList(text: string): number | number[] {
  const parts = text.split(',').map((p) => p.trim());
  const xs = parts.map(number);
  if (xs.some((x) => !Number.isSafeInteger(x)))
    throw new InvalidArgumentError('Expected an integer or a comma-separated list of integers.');
  return xs.length === 1 ? xs[0] : xs;
}

/** 'uniform', 'geometric' or a comma-separated list of decreasing times. */
export function parseGrid(text: string): 'uniform' | 'geometric' | number[] {
  const s = text.trim();
  if (s === 'uniform' || s === 'geometric') return s;
  if (/^[a-z]/i.test(s)) throw new InvalidArgumentError("Expected 'uniform', 'geometric' or a comma-separated list of times.");
  return parseNumberList(s);
}

/** Two non-negative integers "i,j" (coordinates to plot). */
export function parsePair(text: string): [number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const xs = parts.map(number);
  if (xs.length !== 2 || !xs.every((x) => Number.isSafeInteger(x) && x >= 0))
    throw new InvalidArgumentError('Expected two coordinate indices, e.g. 0,1.');
  if (xs[0] === xs[1]) throw new InvalidArgumentError('Expected two different coordinates.');
  return [xs[0], xs[1]];
}

/** A range "lo,hi" with lo < hi. */
export function parseRange(text: string): [number, number] {
  const xs = parseNumberList(text);
  if (xs.length !== 2 || !(xs[0] < xs[1])) throw new InvalidArgumentError('Expected lo,hi with lo < hi, e.g. -2,2.');
  return [xs[0], xs[1]];
}
