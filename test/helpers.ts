// Helpers shared by the jest suites (not a test file: jest runs only *.test.ts).

/** Deterministic PRNG for test inputs (independent of the addon). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Detaches the array's buffer (transfers it away, as postMessage does): its length becomes 0. */
export function detach(array: ArrayBufferView): void {
  const buffer = array.buffer as ArrayBuffer;
  if (buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
}

/** Equal lengths and Object.is-equal values (so -0 differs from 0 and NaN equals NaN). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** f throws an instance of exactly `cls` whose message matches every pattern. */
export function expectNamedError(f: () => unknown, cls: typeof TypeError | typeof RangeError, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).constructor).toBe(cls);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}
