// Error construction shared by every validator: "Expected X for option Y but received Z".

/** A short, readable description of any value a caller may pass. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return `the number ${value}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `the bigint ${value}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor?.name ?? 'TypedArray';
    const length = (value as unknown as { length?: number }).length;
    return length === undefined ? `a ${name}` : `a ${name} of length ${length}`;
  }
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  return 'an object';
}

export function typeError(option: string, expected: string, received: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${option} but received ${describe(received)}`);
}

export function rangeError(option: string, expected: string, received: unknown): RangeError {
  return new RangeError(`Expected ${expected} for ${option} but received ${describe(received)}`);
}

/** The error a run rejects with when its AbortSignal fires. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The sampling run was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}
