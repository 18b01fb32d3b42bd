// Small checkers for option values; each throws a TypeError/RangeError naming the option.
import { rangeError, typeError } from './errors';

export function finiteNumber(option: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(option, 'a finite number', value);
  if (!Number.isFinite(value)) throw rangeError(option, 'a finite number', value);
  return value;
}

export function positiveNumber(option: string, value: unknown): number {
  const x = finiteNumber(option, value);
  if (!(x > 0)) throw rangeError(option, 'a number > 0', value);
  return x;
}

export function nonNegativeNumber(option: string, value: unknown): number {
  const x = finiteNumber(option, value);
  if (!(x >= 0)) throw rangeError(option, 'a number >= 0', value);
  return x;
}

export function integer(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError(option, `an integer in [${min}, ${max}]`, value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw rangeError(option, `an integer in [${min}, ${max}]`, value);
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw (typeof value === 'string' ? rangeError : typeError)(
      option,
      `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
      value,
    );
  return value as T;
}

export function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value))
    throw typeError(option, 'an options object', value);
  return value as Record<string, unknown>;
}

/** Rejects option names outside `known`, suggesting the closest one. */
export function knownKeys(option: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (value[key] === undefined || known.includes(key)) continue;
    let close: string | undefined;
    let best = 3; // suggest only names within an edit distance of 2, the closest first
    for (const k of known) {
      const distance = editDistance(k.toLowerCase(), key.toLowerCase());
      if (distance < best) [close, best] = [k, distance];
    }
    const hint = close ? ` (did you mean '${close}'?)` : '';
    throw new TypeError(
      `Unknown option '${key}' in ${option}${hint}. Valid options: ${[...known].sort().join(', ')}`,
    );
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}

/** Float64Array / Float32Array checks that also hold across realms (vm contexts, jest). */
export function isFloat64Array(v: unknown): v is Float64Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float64Array]';
}

export function isFloat32Array(v: unknown): v is Float32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float32Array]';
}
