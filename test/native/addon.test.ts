// The N-API addon's kernel entry points (native/addon/kernels_binding.cc), through lib's loader:
// Philox4x32-10 streams, normals, the shared score step and its coefficients, the MALA
// Metropolis–Hastings test, exact ULD steps and the RTK segment potential (rtk-math.md).
import { spawnSync } from 'child_process';
import * as fs from 'fs';

import { native } from '../../lib';
import { addonCandidates } from '../../lib/native';
import { mulberry32 } from '../helpers';

type Real = Float64Array | Float32Array;

// ---------------------------------------------------------------------------------------------
// Helpers: the stream layout of native/include/rtk/philox.h (counter = (block, step, segment,
// purpose), key = (seed, particle)) and its Box–Muller / uniform draws reproduced in JS; the
// seeded input generator is test/helpers.ts's mulberry32.
const PURPOSE = { noise: 2, accept: 3 } as const;

function gaussianArray(length: number, seed: number, scale = 1): Float64Array {
  const u = mulberry32(seed);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = scale * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function philoxBlock(seed: number, segment: number, step: number, purpose: number, particle: number, block: number) {
  return native.philox4x32(Uint32Array.of(block, step, segment, purpose), Uint32Array.of(seed, particle));
}

function jsNormals(seed: number, segment: number, step: number, particle: number, d: number): number[] {
  const out: number[] = [];
  for (let block = 0; block * 4 < d; block++) {
    const r = philoxBlock(seed, segment, step, PURPOSE.noise, particle, block);
    for (let pair = 0; pair < 2; pair++) {
      const radius = Math.sqrt(-2 * Math.log((r[2 * pair] + 0.5) * 2 ** -32));
      const angle = 2 * Math.PI * ((r[2 * pair + 1] + 0.5) * 2 ** -32);
      out.push(radius * Math.cos(angle), radius * Math.sin(angle));
    }
  }
  return out.slice(0, d);
}

function jsUniform(seed: number, segment: number, step: number, particle: number): number {
  const r = philoxBlock(seed, segment, step, PURPOSE.accept, particle, 0);
  return ((r[0] >>> 5) * 67108864 + (r[1] >>> 6)) * 2 ** -53;
}

function bytesEqual(a: Real, b: Real): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function hex(a: Uint32Array): string[] {
  return Array.from(a, (x) => x.toString(16).padStart(8, '0'));
}

function expectNamedError(f: () => unknown, cls: typeof TypeError | typeof RangeError, ...patterns: RegExp[]) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  // Errors thrown by the addon come from Node's own realm, not from jest's sandbox, so compare
  // by name (and that it is a real Error object) rather than with instanceof.
  expect(Object.prototype.toString.call(caught)).toBe('[object Error]');
  expect((caught as Error).name).toBe(cls.name);
  expect((caught as Error).constructor.name).toBe(cls.name);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

function throwsNamed(f: () => unknown, name: string): boolean {
  try {
    f();
  } catch (e) {
    return (e as Error).name === name;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
describe('philox4x32 (Random123 known-answer vectors)', () => {
  test.each([
    [[0, 0, 0, 0], [0, 0], ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']],
  ])('ctr %j key %j', (ctr, key, want) => {
    const r = native.philox4x32(Uint32Array.from(ctr), Uint32Array.from(key));
    expect(Object.prototype.toString.call(r)).toBe('[object Uint32Array]');
    expect(hex(r)).toEqual(want);
  });
});

describe('normals', () => {
  const n = 1000, d = 7; // d not a multiple of 4: the last Philox block is used partly

  test('the Noise stream: Box–Muller on Philox(ctr = (block, step, segment, 2), key = (seed, particle))', () => {
    const out = new Float64Array(50 * 6);
    native.normals(out, { n: 50, d: 6, seed: 99, segment: 4, step: 17, particleOffset: 1000 });
    for (let p = 0; p < 50; p++) {
      const want = jsNormals(99, 4, 17, 1000 + p, 6);
      for (let i = 0; i < 6; i++) expect(Math.abs(out[p * 6 + i] - want[i])).toBeLessThan(1e-13);
    }
  });

  test('bit-identical for threads 1, 2, 3 and 0 (all cores)', () => {
    const outs = [1, 2, 3, 0].map((threads) => {
      const out = new Float64Array(n * d);
      native.normals(out, { n, d, seed: 5, segment: 1, step: 2, threads });
      return out;
    });
    for (const o of outs.slice(1)) expect(bytesEqual(o, outs[0])).toBe(true);
  });

  test('one batch equals two chunks with particleOffset, and subarray views are respected', () => {
    const whole = new Float64Array(n * d);
    native.normals(whole, { n, d, seed: 8, threads: 2 });
    const big = new Float64Array(n * d + 10).fill(-123);
    native.normals(big.subarray(3, 3 + 300 * d), { n: 300, d, seed: 8, particleOffset: 0, threads: 3 });
    native.normals(big.subarray(3 + 300 * d, 3 + n * d), { n: n - 300, d, seed: 8, particleOffset: 300, threads: 1 });
    expect(bytesEqual(big.subarray(3, 3 + n * d), whole)).toBe(true);
    for (const i of [0, 1, 2, n * d + 3, n * d + 9]) expect(big[i]).toBe(-123);
  });

  test('seed, segment, step each change the stream', () => {
    const base = new Float64Array(40);
    native.normals(base, { n: 10, d: 4, seed: 1, segment: 2, step: 3 });
    for (const opts of [{ seed: 2, segment: 2, step: 3 }, { seed: 1, segment: 3, step: 3 }, { seed: 1, segment: 2, step: 4 }]) {
      const other = new Float64Array(40);
      native.normals(other, { n: 10, d: 4, ...opts });
      expect(other.every((v, i) => v !== base[i])).toBe(true);
    }
  });

  test('float32 output is the float64 output rounded to float32', () => {
    const a = new Float64Array(200 * 5), b = new Float32Array(200 * 5);
    native.normals(a, { n: 200, d: 5, seed: 3, threads: 2 });
    native.normals(b, { n: 200, d: 5, seed: 3, threads: 1 });
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(Math.fround(a[i]));
  });

  test('mean 0, variance 1, 4th moment 3 and uncorrelated lanes within Monte Carlo error', () => {
    const N = 20000, dd = 8, total = N * dd;
    const x = new Float64Array(total);
    native.normals(x, { n: N, d: dd, seed: 2024, segment: 7, step: 1 });
    let s = 0, s2 = 0, s4 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
      s4 += v ** 4;
    }
    expect(Math.abs(s / total)).toBeLessThan(5 / Math.sqrt(total)); // SE 1/sqrt(N)
    expect(Math.abs(s2 / total - 1)).toBeLessThan(5 * Math.sqrt(2 / total)); // Var(x^2) = 2
    expect(Math.abs(s4 / total - 3)).toBeLessThan(5 * Math.sqrt(96 / total)); // Var(x^4) = 105 - 9
    // Box–Muller pairs (lanes 0, 1), lanes of different pairs (1, 2), neighbouring particles
    for (const [i, j, dp] of [[0, 1, 0], [1, 2, 0], [3, 4, 0], [0, 0, 1]]) {
      let c = 0;
      for (let p = 0; p + dp < N; p++) c += x[p * dd + i] * x[(p + dp) * dd + j];
      expect(Math.abs(c / (N - dp))).toBeLessThan(5 / Math.sqrt(N - dp));
    }
    for (let i = 0; i < dd; i++) {
      let m = 0;
      for (let p = 0; p < N; p++) m += x[p * dd + i];
      expect(Math.abs(m / N)).toBeLessThan(5 / Math.sqrt(N));
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('stepCoefficients against rtk-math.md', () => {
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

  test.each([
    [1, 0.5],
    [5, 4.9],
    [0.01, 0],
    [3, 0.001],
  ])('ddpm and ddim, a = %p, b = %p', (a, b) => {
    const h = a - b;
    const ddpm = native.stepCoefficients('ddpm', a, b);
    // x' = e^h x + 2 (e^h - 1) score + sqrt(e^{2h} - 1) xi
    expect(rel(ddpm.cx, Math.exp(h))).toBeLessThan(1e-14);
    expect(rel(ddpm.cs, 2 * Math.expm1(h))).toBeLessThan(1e-13);
    expect(rel(ddpm.cn, Math.sqrt(Math.expm1(2 * h)))).toBeLessThan(1e-13);
    // x' = e^{-b} x0hat + sqrt(1 - e^{-2b}) epshat, x0hat = e^a (x + (1 - e^{-2a}) s),
    // epshat = -sqrt(1 - e^{-2a}) s
    const ddim = native.stepCoefficients('ddim', a, b);
    const va = 1 - Math.exp(-2 * a), vb = 1 - Math.exp(-2 * b);
    expect(rel(ddim.cx, Math.exp(-b) * Math.exp(a))).toBeLessThan(1e-13);
    expect(Math.abs(ddim.cs - (Math.exp(-b) * Math.exp(a) * va - Math.sqrt(vb) * Math.sqrt(va)))).toBeLessThan(1e-12 * Math.exp(h));
    expect(ddim.cn).toBe(0);
    // Euler step of the probability-flow ODE dx/dt = -x - score from a to b
    expect(native.stepCoefficients('pf-euler', a, b)).toEqual({ cx: 1 + h, cs: h, cn: 0 });
  });

  test.each([1e-3, 0.05, 1, 4])('tweedie and langevin at %p', (t) => {
    // x0 = e^t (x + (1 - e^{-2t}) score)
    const c = native.stepCoefficients('tweedie', t);
    expect(rel(c.cx, Math.exp(t))).toBeLessThan(1e-14);
    expect(rel(c.cs, Math.exp(t) * (1 - Math.exp(-2 * t)))).toBeLessThan(1e-12);
    expect(c.cn).toBe(0);
    // z' = z + tau score + sqrt(2 tau) xi
    const l = native.stepCoefficients('langevin', t);
    expect(l.cx).toBe(1);
    expect(l.cs).toBe(t);
    expect(rel(l.cn, Math.sqrt(2 * t))).toBeLessThan(1e-15);
  });
});

describe('scoreStep', () => {
  const n = 333, d = 5, seed = 7, segment = 3, step = 11;
  const x = gaussianArray(n * d, 1);
  const s = gaussianArray(n * d, 2, 3);

  test('ddpm: x\' = e^h x + 2 (e^h - 1) s + sqrt(e^{2h} - 1) xi with the same normals', () => {
    const a = 0.8, b = 0.5, h = a - b;
    const out = new Float64Array(n * d);
    native.scoreStep(native.stepCoefficients('ddpm', a, b), x, s, out, { n, d, seed, segment, step, threads: 2 });
    const xi = new Float64Array(n * d);
    native.normals(xi, { n, d, seed, segment, step });
    for (let i = 0; i < n * d; i++) {
      const terms = [Math.exp(h) * x[i], 2 * (Math.exp(h) - 1) * s[i], Math.sqrt(Math.exp(2 * h) - 1) * xi[i]];
      const want = terms[0] + terms[1] + terms[2];
      const scale = Math.abs(terms[0]) + Math.abs(terms[1]) + Math.abs(terms[2]);
      expect(Math.abs(out[i] - want)).toBeLessThanOrEqual(1e-12 * scale);
    }
  });

  test('ddim and tweedie through scoreStep match the x0hat / epshat formulas (no noise)', () => {
    const a = 1.2, b = 0.4;
    const out = new Float64Array(n * d);
    native.scoreStep(native.stepCoefficients('ddim', a, b), x, s, out, { n, d, seed });
    const tw = new Float64Array(n * d);
    native.scoreStep(native.stepCoefficients('tweedie', a), x, s, tw, { n, d, seed });
    for (let i = 0; i < n * d; i++) {
      const x0hat = Math.exp(a) * (x[i] + (1 - Math.exp(-2 * a)) * s[i]);
      const epshat = -Math.sqrt(1 - Math.exp(-2 * a)) * s[i];
      const want = Math.exp(-b) * x0hat + Math.sqrt(1 - Math.exp(-2 * b)) * epshat;
      expect(Math.abs(out[i] - want)).toBeLessThanOrEqual(1e-12 * (Math.abs(Math.exp(a - b) * x[i]) + 3 * Math.abs(s[i]) + 1e-300));
      expect(Math.abs(tw[i] - x0hat)).toBeLessThanOrEqual(1e-12 * (Math.abs(Math.exp(a) * x[i]) + Math.abs(Math.exp(a) * s[i])));
    }
  });

  test('thread count, chunking and in-place output (out = x) do not change the result', () => {
    const c = native.stepCoefficients('ddpm', 2, 1.5);
    const ref = new Float64Array(n * d);
    native.scoreStep(c, x, s, ref, { n, d, seed, segment, step, threads: 1 });
    for (const threads of [2, 3]) {
      const o = new Float64Array(n * d);
      native.scoreStep(c, x, s, o, { n, d, seed, segment, step, threads });
      expect(bytesEqual(o, ref)).toBe(true);
    }
    const chunks = new Float64Array(n * d);
    const cut = 100 * d;
    native.scoreStep(c, x.subarray(0, cut), s.subarray(0, cut), chunks.subarray(0, cut), { n: 100, d, seed, segment, step });
    native.scoreStep(c, x.subarray(cut), s.subarray(cut), chunks.subarray(cut), { n: n - 100, d, seed, segment, step, particleOffset: 100 });
    expect(bytesEqual(chunks, ref)).toBe(true);
    const inPlace = Float64Array.from(x);
    native.scoreStep(c, inPlace, s, inPlace, { n, d, seed, segment, step, threads: 3 });
    expect(bytesEqual(inPlace, ref)).toBe(true);
  });

  test('float32 arrays: the float64 step rounded to float32', () => {
    const c = native.stepCoefficients('ddpm', 0.6, 0.2);
    const x32 = Float32Array.from(x), s32 = Float32Array.from(s);
    const out32 = new Float32Array(n * d), out64 = new Float64Array(n * d);
    native.scoreStep(c, x32, s32, out32, { n, d, seed, threads: 2 });
    native.scoreStep(c, Float64Array.from(x32), Float64Array.from(s32), out64, { n, d, seed });
    for (let i = 0; i < n * d; i++) expect(Math.abs(out32[i] - out64[i])).toBeLessThanOrEqual(1.2e-7 * Math.abs(out64[i]) + 1e-30);
  });
});

// ---------------------------------------------------------------------------------------------
describe('malaAccept', () => {
  const n = 3000, d = 4, tau = 0.05, seed = 31, segment = 2, step = 9;

  interface Arrays {
    z: Real;
    gradG: Real;
    g?: Real;
    zProp: Real;
    gradGProp: Real;
    gProp?: Real;
    gradGMid?: Real;
  }

  /** A chain on g(z) = |z|^2 / 2 with a MALA proposal; gProp perturbed so that la takes both
   * signs; special rows with non-finite values. */
  function makeArrays(): Required<Arrays> & { z: Float64Array } {
    const z = gaussianArray(n * d, 11);
    const xi = gaussianArray(n * d, 12);
    const noise = gaussianArray(n, 13, 0.7);
    const midNoise = gaussianArray(n * d, 14);
    const zProp = new Float64Array(n * d), gradGMid = new Float64Array(n * d);
    const g = new Float64Array(n), gProp = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      let a = 0, b = 0;
      for (let i = 0; i < d; i++) {
        const k = p * d + i;
        zProp[k] = z[k] - tau * z[k] + Math.sqrt(2 * tau) * xi[k];
        gradGMid[k] = 0.5 * (z[k] + zProp[k]) + 0.2 * midNoise[k]; // exact midpoint gradient, perturbed
        a += z[k] ** 2;
        b += zProp[k] ** 2;
      }
      g[p] = 0.5 * a;
      gProp[p] = 0.5 * b + noise[p];
    }
    const gradG = Float64Array.from(z), gradGProp = Float64Array.from(zProp);
    gProp[5] = NaN; // la NaN (exact)
    zProp[6 * d] = NaN; // la NaN (all modes)
    gradGProp[7 * d + 1] = Infinity; // la not finite (all modes)
    g[8] = Infinity; // la = +Infinity (exact): not finite, rejected
    gProp[9] = g[9] - 100; // la >= 0 (exact)
    gradGMid[10 * d] = NaN; // la NaN (simpson)
    return { z, gradG, g, zProp, gradGProp, gProp, gradGMid };
  }

  function copyArrays<T extends Arrays>(a: T, f32 = false): T {
    const out: Record<string, Real | undefined> = {};
    for (const [k, v] of Object.entries(a)) out[k] = v === undefined ? undefined : f32 ? Float32Array.from(v as Real) : Float64Array.from(v as Real);
    return out as unknown as T;
  }

  type Mode = 'exact' | 'trapezoid' | 'simpson';

  /** The log ratio la of rtk-math.md "Inner MALA", in the same order of operations as JS can. */
  function logRatio(a: Arrays, p: number, mode: Mode, radius = Infinity): number {
    let forward = 0, backward = 0, deltaG = 0, step2 = 0;
    for (let i = 0; i < d; i++) {
      const k = p * d + i;
      const u = a.zProp[k] - a.z[k];
      const f = u + tau * a.gradG[k], r = -u + tau * a.gradGProp[k];
      forward += f * f;
      backward += r * r;
      step2 += u * u;
      if (mode === 'trapezoid') deltaG += 0.5 * (a.gradG[k] + a.gradGProp[k]) * u;
      if (mode === 'simpson') deltaG += ((a.gradG[k] + 4 * a.gradGMid![k] + a.gradGProp[k]) * u) / 6;
    }
    if (mode === 'exact') deltaG = a.gProp![p] - a.g![p];
    if (step2 > radius * radius) return -Infinity;
    return -deltaG + (forward - backward) / (4 * tau);
  }

  function check(mode: Mode, f32: boolean, radius?: number) {
    const base = makeArrays();
    const input = copyArrays(
      mode === 'exact'
        ? { z: base.z, gradG: base.gradG, g: base.g, zProp: base.zProp, gradGProp: base.gradGProp, gProp: base.gProp }
        : mode === 'trapezoid'
          ? { z: base.z, gradG: base.gradG, zProp: base.zProp, gradGProp: base.gradGProp }
          : { z: base.z, gradG: base.gradG, zProp: base.zProp, gradGProp: base.gradGProp, gradGMid: base.gradGMid },
      f32,
    ) as Arrays;
    const before = copyArrays(input, f32);
    const params = radius === undefined ? { tau, energyDelta: mode } : { tau, energyDelta: mode, projectionRadius: radius };
    const r = native.malaAccept(params, input, { n, d, seed, segment, step, particleOffset: 500, threads: 2 });
    expect(Object.prototype.toString.call(r.accepted)).toBe('[object Uint8Array]');
    expect(r.accepted.length).toBe(n);
    let probSum = 0, count = 0, nonFinite = 0, positive = 0;
    const badFlag: number[] = [], nonFiniteAccepted: number[] = [], positiveRejected: number[] = [];
    const decisionMismatch: number[] = [], stateMismatch: number[] = [];
    for (let p = 0; p < n; p++) {
      const la = logRatio(before, p, mode, radius ?? Infinity);
      const finite = Number.isFinite(la);
      const flag = r.accepted[p];
      if (flag !== 0 && flag !== 1) badFlag.push(p);
      if (!finite) {
        nonFinite++;
        if (flag) nonFiniteAccepted.push(p); // NaN / infinite la: never accepted
      } else if (la >= 0) {
        positive++;
        if (!flag) positiveRejected.push(p); // la >= 0: always accepted
      }
      // the full decision with the Accept stream's uniform (Philox purpose 3, block 0)
      const u = jsUniform(seed, segment, step, 500 + p);
      if (flag !== (finite && (la >= 0 || u < Math.exp(la)) ? 1 : 0)) decisionMismatch.push(p);
      probSum += finite ? Math.min(1, Math.exp(la)) : 0;
      count += flag;
      // accepted rows take the proposal (z, gradG, g); rejected rows are unchanged
      const src = flag ? { z: before.zProp, gradG: before.gradGProp, g: before.gProp } : { z: before.z, gradG: before.gradG, g: before.g };
      for (let i = 0; i < d; i++)
        if (!Object.is(input.z[p * d + i], src.z[p * d + i]) || !Object.is(input.gradG[p * d + i], src.gradG[p * d + i])) stateMismatch.push(p);
      if (mode === 'exact' && !Object.is(input.g![p], src.g![p])) stateMismatch.push(p);
    }
    expect({ badFlag, nonFiniteAccepted, positiveRejected, decisionMismatch, stateMismatch }).toEqual({
      badFlag: [],
      nonFiniteAccepted: [],
      positiveRejected: [],
      decisionMismatch: [],
      stateMismatch: [],
    });
    expect(r.acceptRate).toBe(count / n);
    expect(Math.abs(r.meanAcceptProb - probSum / n)).toBeLessThan(1e-12);
    // the data really exercises both branches and the non-finite rows
    expect(nonFinite).toBeGreaterThanOrEqual(2);
    expect(positive).toBeGreaterThan(50);
    expect(count).toBeGreaterThan(positive);
    expect(count).toBeLessThan(n - nonFinite);
    return r;
  }

  test.each([
    ['exact', false],
    ['trapezoid', false],
    ['simpson', false],
    ['exact', true],
    ['trapezoid', true],
  ] as [Mode, boolean][])('%s energy differences, float32 = %p: la, decisions, rates and state updates', (mode, f32) => {
    check(mode, f32);
  });

  test('projected MALA: steps longer than the radius are rejected', () => {
    const r = check('exact', false, 0.45);
    // about half the rows have ||z' - z|| > 0.45 here: the acceptance rate drops accordingly
    const free = check('exact', false);
    expect(r.acceptRate).toBeLessThan(free.acceptRate - 0.1);
  });

  test('bit-identical across thread counts (several 1024-row blocks)', () => {
    const base = makeArrays();
    const results = [1, 2, 3].map((threads) => {
      const a = copyArrays(base);
      const r = native.malaAccept({ tau, energyDelta: 'exact' }, a, { n, d, seed, segment, step, threads });
      return { r, a };
    });
    for (const { r, a } of results.slice(1)) {
      expect(Buffer.from(r.accepted).equals(Buffer.from(results[0].r.accepted))).toBe(true);
      expect(r.meanAcceptProb).toBe(results[0].r.meanAcceptProb);
      expect(r.acceptRate).toBe(results[0].r.acceptRate);
      expect(bytesEqual(a.z, results[0].a.z)).toBe(true);
      expect(bytesEqual(a.g, results[0].a.g)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('uldCoefficients', () => {
  /** gamma^2 Var xi_z = 2x - 3 + 4e^{-x} - e^{-2x}, x = gamma tau, by its Taylor series
   * sum_{k>=3} (-1)^k (4 - 2^k) x^k / k! (no cancellation) for x < 1, else the closed form. */
  function scaledVarZ(x: number): number {
    if (x >= 1) return 2 * x - 3 + 4 * Math.exp(-x) - Math.exp(-2 * x);
    let sum = 0, term = 1;
    for (let k = 1; k <= 40; k++) {
      term *= x / k;
      if (k >= 3) sum += (k % 2 ? -1 : 1) * (4 - 2 ** k) * term;
    }
    return sum;
  }
  /** gamma^2 c_grad = x - (1 - e^{-x}) = sum_{k>=2} (-1)^k x^k / k! */
  function scaledDrift(x: number): number {
    if (x >= 1) return x - (1 - Math.exp(-x));
    let sum = 0, term = 1;
    for (let k = 1; k <= 40; k++) {
      term *= x / k;
      if (k >= 2) sum += (k % 2 ? -1 : 1) * term;
    }
    return sum;
  }
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  test.each([
    [0.01, 1],
    [0.01, 20],
    [0.5, 2],
    [0.5, 0.1],
    [3, 1],
    [3, 6],
  ])('gamma tau = %p (gamma = %p) against the closed forms', (x, gamma) => {
    const tau = x / gamma;
    const c = native.uldCoefficients(gamma, tau);
    const e = Math.exp(-x);
    const varZ = scaledVarZ(x) / gamma ** 2, varV = 1 - Math.exp(-2 * x), cov = (1 - e) ** 2 / gamma;
    // the naive closed form agrees with the series to what its cancellation allows
    expect(rel(scaledVarZ(x), 2 * x - 3 + 4 * e - e * e)).toBeLessThan(1e-15 / scaledVarZ(x) * 20);
    expect(rel(c.e, e)).toBeLessThan(1e-15);
    expect(rel(c.cV, (1 - e) / gamma)).toBeLessThan(1e-13);
    expect(rel(c.cGrad, scaledDrift(x) / gamma ** 2)).toBeLessThan(1e-12);
    expect(rel(c.cGrad, (tau - (1 - e) / gamma) / gamma)).toBeLessThan(1e-15 * 20 * (x / scaledDrift(x)));
    // the Cholesky factor reproduces the covariance of (xi_z, xi_v)
    expect(rel(c.lZZ ** 2, varZ)).toBeLessThan(1e-12);
    expect(rel(c.lZZ * c.lVZ, cov)).toBeLessThan(1e-12);
    expect(rel(c.lVZ ** 2 + c.lVV ** 2, varV)).toBeLessThan(1e-12);
    for (const v of Object.values(c)) expect(Number.isFinite(v)).toBe(true);
    expect(c.lZZ).toBeGreaterThan(0);
    expect(c.lVV).toBeGreaterThan(0);
  });

  test('gamma tau = 1e-8: finite, positive and accurate (no cancellation)', () => {
    for (const [gamma, tau] of [[1, 1e-8], [1e-4, 1e-4], [100, 1e-10]]) {
      const x = gamma * tau;
      const c = native.uldCoefficients(gamma, tau);
      for (const v of Object.values(c)) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(rel(c.lZZ ** 2, scaledVarZ(x) / gamma ** 2)).toBeLessThan(1e-12);
      expect(rel(c.lZZ ** 2, ((2 / 3) * x ** 3) / gamma ** 2)).toBeLessThan(1e-7); // leading term
      expect(rel(c.lZZ * c.lVZ, (-Math.expm1(-x)) ** 2 / gamma)).toBeLessThan(1e-12);
      expect(rel(c.lVZ ** 2 + c.lVV ** 2, -Math.expm1(-2 * x))).toBeLessThan(1e-12);
      expect(rel(c.cGrad, scaledDrift(x) / gamma ** 2)).toBeLessThan(1e-12);
    }
  });
});

describe('uldStep', () => {
  const n = 600, d = 6, gamma = 2, tau = 0.1, seed = 12, segment = 1, step = 5;
  const z0 = gaussianArray(n * d, 21), v0 = gaussianArray(n * d, 22), g0 = gaussianArray(n * d, 23, 2);

  test("z' follows the exact step with the Noise stream; v' carries an independent N(0,1) second normal", () => {
    const c = native.uldCoefficients(gamma, tau);
    const z = Float64Array.from(z0), v = Float64Array.from(v0);
    native.uldStep(gamma, tau, z, v, g0, { n, d, seed, segment, step, threads: 2 });
    const n1 = new Float64Array(n * d);
    native.normals(n1, { n, d, seed, segment, step });
    const n2 = new Float64Array(n * d);
    for (let k = 0; k < n * d; k++) {
      const want = z0[k] + c.cV * v0[k] - c.cGrad * g0[k] + c.lZZ * n1[k];
      expect(Math.abs(z[k] - want)).toBeLessThanOrEqual(1e-12 * (Math.abs(z0[k]) + Math.abs(c.cV * v0[k]) + Math.abs(c.cGrad * g0[k]) + Math.abs(c.lZZ * n1[k])));
      n2[k] = (v[k] - (c.e * v0[k] - c.cV * g0[k] + c.lVZ * n1[k])) / c.lVV;
    }
    const N = n * d;
    const mean = n2.reduce((a, b) => a + b, 0) / N;
    const second = n2.reduce((a, b) => a + b * b, 0) / N;
    const corr = n2.reduce((a, b, k) => a + b * n1[k], 0) / N;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(second - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(N));
  });

  test('bit-identical across thread counts and chunks; float32 accepted', () => {
    const run = (threads: number) => {
      const z = Float64Array.from(z0), v = Float64Array.from(v0);
      native.uldStep(gamma, tau, z, v, g0, { n, d, seed, segment, step, threads });
      return { z, v };
    };
    const ref = run(1);
    for (const threads of [2, 3]) {
      const o = run(threads);
      expect(bytesEqual(o.z, ref.z)).toBe(true);
      expect(bytesEqual(o.v, ref.v)).toBe(true);
    }
    const z = Float64Array.from(z0), v = Float64Array.from(v0), cut = 250 * d;
    native.uldStep(gamma, tau, z.subarray(0, cut), v.subarray(0, cut), g0.subarray(0, cut), { n: 250, d, seed, segment, step });
    native.uldStep(gamma, tau, z.subarray(cut), v.subarray(cut), g0.subarray(cut), { n: n - 250, d, seed, segment, step, particleOffset: 250, threads: 3 });
    expect(bytesEqual(z, ref.z)).toBe(true);
    expect(bytesEqual(v, ref.v)).toBe(true);
    const z32 = Float32Array.from(z0), v32 = Float32Array.from(v0);
    native.uldStep(gamma, tau, z32, v32, Float32Array.from(g0), { n, d, seed, segment, step });
    for (let k = 0; k < n * d; k++) {
      expect(Math.abs(z32[k] - ref.z[k])).toBeLessThan(1e-5 * (1 + Math.abs(ref.z[k])));
      expect(Math.abs(v32[k] - ref.v[k])).toBeLessThan(1e-5 * (1 + Math.abs(ref.v[k])));
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('segmentPotential', () => {
  const n = 700, d = 3, eta = 0.3;
  const anchor = gaussianArray(n * d, 31), z = gaussianArray(n * d, 32), score = gaussianArray(n * d, 33);
  const energy = gaussianArray(n, 34).map(Math.abs);

  test('g and grad g of rtk-math.md "RTK"', () => {
    const grad = new Float64Array(n * d), g = new Float64Array(n);
    native.segmentPotential(eta, anchor, z, score, energy, grad, g, { n, d, threads: 2 });
    const decay = Math.exp(-eta), sigma2 = 1 - Math.exp(-2 * eta);
    for (let p = 0; p < n; p++) {
      let quad = 0;
      for (let i = 0; i < d; i++) {
        const k = p * d + i;
        const r = decay * z[k] - anchor[k];
        quad += r * r;
        const want = -score[k] + (decay * r) / sigma2;
        expect(Math.abs(grad[k] - want)).toBeLessThanOrEqual(1e-12 * (Math.abs(score[k]) + Math.abs((decay * r) / sigma2)));
      }
      const want = energy[p] + quad / (2 * sigma2);
      expect(Math.abs(g[p] - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
    }
    // score-only: energy and gOut null, grad g identical
    const grad2 = new Float64Array(n * d);
    native.segmentPotential(eta, anchor, z, score, null, grad2, null, { n, d });
    expect(bytesEqual(grad2, grad)).toBe(true);
  });

  test('bit-identical across thread counts; float32 accepted', () => {
    const run = (threads: number) => {
      const grad = new Float64Array(n * d), g = new Float64Array(n);
      native.segmentPotential(eta, anchor, z, score, energy, grad, g, { n, d, threads });
      return { grad, g };
    };
    const ref = run(1);
    for (const threads of [2, 3, 0]) {
      const o = run(threads);
      expect(bytesEqual(o.grad, ref.grad)).toBe(true);
      expect(bytesEqual(o.g, ref.g)).toBe(true);
    }
    const grad32 = new Float32Array(n * d), g32 = new Float32Array(n);
    const f = (a: Float64Array) => Float32Array.from(a);
    native.segmentPotential(eta, f(anchor), f(z), f(score), f(energy), grad32, g32, { n, d });
    for (let k = 0; k < n * d; k++) expect(Math.abs(grad32[k] - ref.grad[k])).toBeLessThan(1e-5 * (1 + Math.abs(ref.grad[k])));
    for (let p = 0; p < n; p++) expect(Math.abs(g32[p] - ref.g[p])).toBeLessThan(1e-5 * (1 + Math.abs(ref.g[p])));
  });
});

// ---------------------------------------------------------------------------------------------
describe('bad inputs throw TypeError / RangeError and never crash the process', () => {
  const f64 = (k: number) => new Float64Array(k);
  const f32 = (k: number) => new Float32Array(k);
  const opts = { n: 2, d: 3 };
  const mala = (params: unknown, arrays: unknown, options: unknown = opts) => native.malaAccept(params as never, arrays as never, options as never);
  const okArrays = () => ({ z: f64(6), gradG: f64(6), g: f64(2), zProp: f64(6), gradGProp: f64(6), gProp: f64(2) });
  type Case = [string, () => unknown, typeof TypeError | typeof RangeError, RegExp[]];
  const cases: Case[] = [
    // philox4x32
    ['philox: plain arrays', () => native.philox4x32([0, 0, 0, 0] as never, [0, 0] as never), TypeError, [/counter/, /an Array of length 4/]],
    ['philox: wrong length counter', () => native.philox4x32(new Uint32Array(3), new Uint32Array(2)), TypeError, [/counter/, /Uint32Array of length 3/]],
    ['philox: Int32Array key', () => native.philox4x32(new Uint32Array(4), new Int32Array(2) as never), TypeError, [/key/, /Int32Array/]],
    ['philox: undefined', () => (native.philox4x32 as unknown as () => unknown)(), TypeError, [/counter/, /undefined/]],
    // normals
    ['normals: undefined', () => (native.normals as unknown as () => unknown)(), TypeError, [/options/, /undefined/]],
    ['normals: missing options', () => native.normals(f64(6), undefined as never), TypeError, [/options/, /undefined/]],
    ['normals: plain array out', () => native.normals([0, 0, 0, 0, 0, 0] as never, opts), TypeError, [/\bout\b/, /an Array of length 6/]],
    ['normals: Int32Array out', () => native.normals(new Int32Array(6) as never, opts), TypeError, [/\bout\b/, /Int32Array/]],
    ['normals: wrong length', () => native.normals(f64(5), opts), RangeError, [/\bout\b/, /length 6/, /length 5/]],
    ['normals: negative n', () => native.normals(f64(6), { n: -2, d: 3 }), RangeError, [/options\.n/, /-2/]],
    ['normals: fractional d', () => native.normals(f64(6), { n: 2, d: 1.5 }), RangeError, [/options\.d/]],
    ['normals: d = 0', () => native.normals(f64(0), { n: 2, d: 0 }), RangeError, [/options\.d/]],
    ['normals: missing n', () => native.normals(f64(6), { d: 3 } as never), TypeError, [/options\.n/, /undefined/]],
    ['normals: NaN seed', () => native.normals(f64(6), { ...opts, seed: NaN }), RangeError, [/options\.seed/, /NaN/]],
    ['normals: seed 2^32', () => native.normals(f64(6), { ...opts, seed: 2 ** 32 }), RangeError, [/options\.seed/]],
    ['normals: string step', () => native.normals(f64(6), { ...opts, step: '1' as never }), TypeError, [/options\.step/, /the string "1"/]],
    ['normals: threads 5000', () => native.normals(f64(6), { ...opts, threads: 5000 }), RangeError, [/options\.threads/]],
    // scoreStep
    ['scoreStep: undefined', () => (native.scoreStep as unknown as () => unknown)(), TypeError, [/coefficients/, /undefined/]],
    ['scoreStep: NaN coefficient', () => native.scoreStep({ cx: 1, cs: NaN, cn: 0 }, f64(6), f64(6), f64(6), opts), TypeError, [/coefficients\.cs/, /NaN/]],
    ['scoreStep: missing options', () => native.scoreStep({ cx: 1, cs: 1, cn: 1 }, f64(6), f64(6), f64(6), undefined as never), TypeError, [/options/]],
    ['scoreStep: mixed dtypes', () => native.scoreStep({ cx: 1, cs: 1, cn: 1 }, f64(6), f32(6), f64(6), opts), TypeError, [/\bscore\b/, /Float32Array/]],
    ['scoreStep: wrong out length', () => native.scoreStep({ cx: 1, cs: 1, cn: 1 }, f64(6), f64(6), f64(7), opts), RangeError, [/\bout\b/, /length 7/]],
    ['scoreStep: plain array x', () => native.scoreStep({ cx: 1, cs: 1, cn: 1 }, [0] as never, f64(6), f64(6), opts), TypeError, [/\bx\b/, /an Array/]],
    // stepCoefficients
    ['stepCoefficients: unknown kind', () => native.stepCoefficients('euler' as never, 1, 0.5), TypeError, [/\bkind\b/, /the string "euler"/]],
    ['stepCoefficients: NaN a', () => native.stepCoefficients('ddpm', NaN, 0.5), TypeError, [/\ba\b/, /NaN/]],
    ['stepCoefficients: missing b', () => (native.stepCoefficients as (k: string, a: number) => unknown)('ddim', 1), TypeError, [/\bb\b/, /undefined/]],
    ['stepCoefficients: undefined', () => (native.stepCoefficients as unknown as () => unknown)(), TypeError, [/undefined/]],
    // malaAccept
    ['malaAccept: undefined', () => (native.malaAccept as unknown as () => unknown)(), TypeError, [/params/, /undefined/]],
    ['malaAccept: NaN tau', () => mala({ tau: NaN }, okArrays()), TypeError, [/params\.tau/, /NaN/]],
    ['malaAccept: tau 0', () => mala({ tau: 0 }, okArrays()), RangeError, [/params\.tau/, /the number 0/]],
    ['malaAccept: missing tau', () => mala({}, okArrays()), TypeError, [/params\.tau/, /undefined/]],
    ['malaAccept: bad energyDelta', () => mala({ tau: 0.1, energyDelta: 'midpoint' }, okArrays()), TypeError, [/params\.energyDelta/, /"midpoint"/]],
    ['malaAccept: arrays undefined', () => mala({ tau: 0.1 }, undefined), TypeError, [/\barrays\b/, /undefined/]],
    ['malaAccept: missing options', () => native.malaAccept({ tau: 0.1 }, okArrays(), undefined as never), TypeError, [/options/, /undefined/]],
    ['malaAccept: null options', () => mala({ tau: 0.1 }, okArrays(), null), TypeError, [/options/, /null/]],
    ['malaAccept: missing z', () => mala({ tau: 0.1 }, { ...okArrays(), z: undefined }), TypeError, [/arrays\.z/, /undefined/]],
    ['malaAccept: exact without g', () => mala({ tau: 0.1 }, { ...okArrays(), g: undefined }), TypeError, [/arrays\.g\b/, /undefined/]],
    ['malaAccept: simpson without gradGMid', () => mala({ tau: 0.1, energyDelta: 'simpson' }, okArrays()), TypeError, [/arrays\.gradGMid/, /undefined/]],
    ['malaAccept: wrong z length', () => mala({ tau: 0.1 }, { ...okArrays(), z: f64(5) }), RangeError, [/arrays\.z/, /length 5/]],
    ['malaAccept: wrong g length', () => mala({ tau: 0.1 }, { ...okArrays(), gProp: f64(6) }), RangeError, [/arrays\.gProp/, /length 6/]],
    ['malaAccept: mixed dtypes', () => mala({ tau: 0.1 }, { ...okArrays(), zProp: f32(6) }), TypeError, [/arrays\.zProp/, /Float32Array/]],
    ['malaAccept: plain arrays', () => mala({ tau: 0.1 }, { ...okArrays(), z: [0, 0, 0, 0, 0, 0] }), TypeError, [/arrays\.z/, /an Array of length 6/]],
    ['malaAccept: negative n', () => mala({ tau: 0.1 }, okArrays(), { n: -1, d: 3 }), RangeError, [/options\.n/]],
    ['malaAccept: NaN radius', () => mala({ tau: 0.1, projectionRadius: NaN }, okArrays()), RangeError, [/params\.projectionRadius/, /NaN/]],
    // uldStep / uldCoefficients
    ['uldStep: NaN tau', () => native.uldStep(1, NaN, f64(6), f64(6), f64(6), opts), TypeError, [/\btau\b/, /NaN/]],
    ['uldStep: negative gamma', () => native.uldStep(-1, 0.1, f64(6), f64(6), f64(6), opts), RangeError, [/gamma >= 1e-100/]],
    ['uldStep: zero tau', () => native.uldStep(1, 0, f64(6), f64(6), f64(6), opts), RangeError, [/tau > 0/]],
    ['uldStep: missing options', () => native.uldStep(1, 0.1, f64(6), f64(6), f64(6), undefined as never), TypeError, [/options/]],
    ['uldStep: wrong v length', () => native.uldStep(1, 0.1, f64(6), f64(3), f64(6), opts), RangeError, [/\bv\b/, /length 3/]],
    ['uldStep: mixed dtypes', () => native.uldStep(1, 0.1, f64(6), f64(6), f32(6), opts), TypeError, [/gradG/, /Float32Array/]],
    ['uldStep: plain array z', () => native.uldStep(1, 0.1, [0] as never, f64(6), f64(6), opts), TypeError, [/\bz\b/, /an Array/]],
    ['uldStep: undefined', () => (native.uldStep as unknown as () => unknown)(), TypeError, [/gamma/, /undefined/]],
    ['uldCoefficients: NaN tau', () => native.uldCoefficients(1, NaN), TypeError, [/\btau\b/, /NaN/]],
    ['uldCoefficients: zero gamma', () => native.uldCoefficients(0, 1), RangeError, [/gamma >= 1e-100/]],
    ['uldCoefficients: string gamma', () => native.uldCoefficients('1' as never, 1), TypeError, [/gamma/, /the string "1"/]],
    // segmentPotential
    ['segmentPotential: eta 0', () => native.segmentPotential(0, f64(6), f64(6), f64(6), null, f64(6), null, opts), RangeError, [/\beta\b/, /the number 0/]],
    ['segmentPotential: NaN eta', () => native.segmentPotential(NaN, f64(6), f64(6), f64(6), null, f64(6), null, opts), TypeError, [/\beta\b/, /NaN/]],
    ['segmentPotential: missing options', () => native.segmentPotential(0.1, f64(6), f64(6), f64(6), null, f64(6), null, undefined as never), TypeError, [/options/]],
    ['segmentPotential: energy without gOut', () => native.segmentPotential(0.1, f64(6), f64(6), f64(6), f64(2), f64(6), null, opts), TypeError, [/gOut/, /null/]],
    ['segmentPotential: wrong energy length', () => native.segmentPotential(0.1, f64(6), f64(6), f64(6), f64(6), f64(6), f64(2), opts), RangeError, [/\benergy\b/, /length 6/]],
    ['segmentPotential: mixed dtypes', () => native.segmentPotential(0.1, f32(6), f64(6), f64(6), null, f64(6), null, opts), TypeError, [/anchor/, /Float32Array/]],
    ['segmentPotential: undefined', () => (native.segmentPotential as unknown as () => unknown)(), TypeError, [/undefined/]],
  ];

  test.each(cases)('%s', (_name, f, cls, patterns) => {
    expectNamedError(f, cls, ...patterns);
  });

  test('a throwing options getter propagates its own error', () => {
    const bad = { d: 3, get n(): number {
      throw new SyntaxError('from the getter');
    } };
    expect(throwsNamed(() => native.normals(f64(6), bad), 'SyntaxError')).toBe(true);
    expect(() => native.normals(f64(6), bad)).toThrow(/from the getter/);
  });

  test('a detached buffer is a length error, not a crash', () => {
    const buffer = new ArrayBuffer(48);
    const view = new Float64Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    expectNamedError(() => native.normals(view, opts), RangeError, /\bout\b/, /length 0/);
  });

  test('the process is still alive and the addon still works after all of the above', () => {
    expect(hex(native.philox4x32(new Uint32Array(4), new Uint32Array(2)))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const out = f64(6);
    native.normals(out, opts);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});

describe('regressions: addon argument checks', () => {
  // Regression: particleOffset and n are each checked < 2^32, but not their sum; the Philox key holds
  // the particle index as uint32, so particle 2^32 silently reuses particle 0's stream.
  test('particleOffset + n beyond 2^32 is rejected', () => {
    const out = new Float64Array(2);
    expect(throwsNamed(() => native.normals(out, { n: 2, d: 1, particleOffset: 2 ** 32 - 1 }), 'RangeError')).toBe(true);
    expect(() => native.normals(out, { n: 2, d: 1, particleOffset: 2 ** 32 - 2 })).not.toThrow();
  });

  // Regression: a non-string energyDelta (5, null, true) silently selects 'exact' instead of a TypeError.
  test('malaAccept rejects a non-string energyDelta', () => {
    const z = new Float64Array(2);
    const call = () =>
      native.malaAccept({ tau: 0.1, energyDelta: 5 as never }, { z, gradG: z, zProp: z, gradGProp: z, g: new Float64Array(1), gProp: new Float64Array(1) }, { n: 1, d: 2 });
    expect(throwsNamed(call, 'TypeError')).toBe(true);
  });

  // Regression: projectionRadius <= 0 is accepted (a negative radius acts as |r| because only r^2 is used).
  test('malaAccept rejects projectionRadius <= 0', () => {
    const z = new Float64Array(2);
    const call = () =>
      native.malaAccept({ tau: 0.1, projectionRadius: -1 }, { z, gradG: z, zProp: z, gradGProp: z, g: new Float64Array(1), gProp: new Float64Array(1) }, { n: 1, d: 2 });
    expect(throwsNamed(call, 'RangeError')).toBe(true);
  });

  // Regression: stepCoefficients does not check b < a (or times >= 0): ddpm with a < b returns cn = NaN.
  test("stepCoefficients('ddpm', a, b) with a < b throws instead of returning NaN", () => {
    expect(throwsNamed(() => native.stepCoefficients('ddpm', 0.1, 0.5), 'RangeError')).toBe(true);
  });
});

describe('run results own their samples (native/addon/samples_array.h)', () => {
  // The typed arrays that the run entry points return are views of the sampler's own buffer
  // (no copy); they must keep that memory alive, stay intact through GC and later runs, and
  // JsScoreRun.result() must hand it over only once.
  const gc = (() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('vm').runInNewContext('gc') as () => void;
  })();
  const plan = (sampler: string) => ({
    sampler, particles: 37, dim: 3, seed: 5, threads: 2, times: [2, 1, 0], steps: sampler === 'ddpm' ? [] : [4, 4],
    warmStart: 'tweedie', stepSize: 0, targetAccept: 0.6, friction: 0, projectionRadius: null,
    energyEstimate: 'trapezoid', finalDenoise: false, aldStepScale: 0.1,
  });
  const target = new native.NativeGaussianMixture(Float64Array.of(0.5, 0.5), Float64Array.of(1, 0, -1, -1, 0, 1), Float64Array.of(0.3, 0.3, 0.3, 0.5, 0.5, 0.5), 3);

  test('sampleNativeSync and sampleNative: the samples survive GC and later runs unchanged', async () => {
    const kept: Float64Array[] = [], copies: Float64Array[] = [];
    for (let i = 0; i < 6; i++) {
      const r = i % 2 ? await native.sampleNative(plan('rtk-mala'), target, 100, 'float64').promise : native.sampleNativeSync(plan('rtk-mala'), target, 100, 'float64');
      const s = r.samples as Float64Array;
      expect(Object.prototype.toString.call(s)).toBe('[object Float64Array]'); // Node's realm, not jest's
      expect(s.length).toBe(37 * 3);
      kept.push(s);
      copies.push(s.slice());
      gc();
    }
    for (let i = 0; i < 6; i++) {
      expect(bytesEqual(kept[i], copies[i])).toBe(true);
      expect(bytesEqual(kept[i], kept[0])).toBe(true); // same seed: same samples, sync or async
    }
    const f32 = native.sampleNativeSync(plan('ddpm'), target, 100, 'float32').samples;
    expect(Object.prototype.toString.call(f32)).toBe('[object Float32Array]');
    expect(f32.length).toBe(37 * 3);
    expect(Array.from(f32).every(Number.isFinite)).toBe(true);
  });

  test('JsScoreRun.result() hands the samples over once; they outlive close() and GC', () => {
    const x = new Float64Array(37 * 3), score = new Float64Array(37 * 3);
    const run = new native.JsScoreRun(plan('rtk-uld') as never, 100, x, score, null);
    for (let kind = run.next(); kind !== 2; kind = run.next()) {
      for (let i = 0; i < x.length; i++) score[i] = -x[i]; // the score of N(0, I) at every t
      run.provide();
    }
    const samples = run.result().samples as Float64Array;
    const copy = samples.slice();
    expect(() => run.result()).toThrow(/samples are gone: result\(\) hands them over once/);
    run.close();
    gc();
    for (let i = 0; i < 4; i++) native.sampleNativeSync(plan('rtk-mala'), target, 100, 'float64'); // reuses freed memory
    expect(samples.length).toBe(37 * 3);
    expect(bytesEqual(samples, copy)).toBe(true);
    expect(Array.from(samples).every(Number.isFinite)).toBe(true);
  });
});

// The addon is built with hidden symbols and, on Linux, the version script
// native/addon/exports.map (binding.gyp, CMakeLists.txt): a C++ symbol it exported (an inline
// function's static, a template instance) would be bound process-wide to the first copy loaded,
// so two builds of the addon in one process (two versions of the package) would share such
// statics across different code.
describe('the built addon', () => {
  const files = addonCandidates().filter((file) => fs.existsSync(file));
  const nmWorks = process.platform === 'linux' && spawnSync('nm', ['--version']).status === 0;
  (nmWorks ? test : test.skip)('exports its N-API entry point and no rtk symbol (Linux, nm)', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const nm = spawnSync('nm', ['-DC', '--defined-only', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(nm.status).toBe(0);
      expect(nm.stdout).toMatch(/ napi_register_module_v1$/m);
      const exported = nm.stdout.split('\n').filter((line) => /\brtk(_addon)?::/.test(line));
      expect(exported).toEqual([]);
    }
  });
});
