// The JS-score path's arrays kept between runs (lib/score-buffers.ts): a set comes back only for
// a run of its shape and dtype, a set over the limit is not kept, runs reuse it without carrying
// anything from one run into the next, and overlapping runs each get their own.
import { GaussianMixture, sample, sampleSync } from '../../lib';
import type { SampleOptions } from '../../lib';
import { MAX_KEPT_BYTES, releaseScoreBuffers, takeScoreBuffers } from '../../lib/score-buffers';
import { sameBits } from '../helpers';

describe('takeScoreBuffers / releaseScoreBuffers', () => {
  test('a released set comes back for its shape only', () => {
    const a = takeScoreBuffers('float64', 30, 10);
    expect(a.x).toBeInstanceOf(Float64Array);
    expect([a.x.length, a.score.length, a.energy?.length]).toEqual([30, 30, 10]);
    releaseScoreBuffers(a);
    expect(takeScoreBuffers('float64', 30, 0)).not.toBe(a); // without the energy: another shape
    releaseScoreBuffers(a);
    expect(takeScoreBuffers('float32', 30, 10)).not.toBe(a);
    releaseScoreBuffers(a);
    expect(takeScoreBuffers('float64', 40, 10)).not.toBe(a);
    releaseScoreBuffers(a);
    expect(takeScoreBuffers('float64', 30, 10)).toBe(a);
    expect(takeScoreBuffers('float64', 30, 10)).not.toBe(a); // taken: no longer kept
    const f = takeScoreBuffers('float32', 8, 0);
    expect(f.x).toBeInstanceOf(Float32Array);
    expect(f.energy).toBeNull();
  });

  test('a set whose arrays were transferred away (detached) is not handed out again', () => {
    for (const which of ['x', 'score', 'energy'] as const) {
      const b = takeScoreBuffers('float64', 30, 10);
      releaseScoreBuffers(b);
      const buffer = b[which]!.buffer as ArrayBuffer;
      structuredClone(buffer, { transfer: [buffer] });
      const next = takeScoreBuffers('float64', 30, 10);
      expect(next).not.toBe(b);
      expect([next.x.length, next.score.length, next.energy?.length]).toEqual([30, 30, 10]);
    }
  });

  test('a set larger than the limit is not kept', () => {
    const values = MAX_KEPT_BYTES / 16 + 1; // x and the score: just over the limit
    const big = takeScoreBuffers('float64', values, 0);
    releaseScoreBuffers(big);
    expect(takeScoreBuffers('float64', values, 0)).not.toBe(big);
    const fits = takeScoreBuffers('float64', values - 2, 0);
    releaseScoreBuffers(fits);
    expect(takeScoreBuffers('float64', values - 2, 0)).toBe(fits);
  });
});

describe('JS-score runs', () => {
  const target = GaussianMixture.paperTarget();
  const base = (xs: unknown[], seed: number): SampleOptions => ({
    score: (x, t, out) => {
      xs.push(x);
      target.score(x, t, out);
    },
    energy: (x, t, out) => target.energy(x, t, out),
    dim: target.dim,
    particles: 300,
    sampler: 'rtk-mala',
    nfe: 12,
    seed,
  });

  test('runs of one shape reuse the arrays, and each gives the bits of a run that had fresh ones', async () => {
    const first: unknown[] = [], second: unknown[] = [], third: unknown[] = [];
    const a = await sample(base(first, 1));
    const b = sampleSync(base(second, 2));
    const again = await sample(base(third, 1));
    expect(second[0]).toBe(first[0]);
    expect(third[0]).toBe(first[0]);
    expect(sameBits(again.samples, a.samples)).toBe(true);
    expect(sameBits(b.samples, a.samples)).toBe(false);
  });

  test('overlapping runs each get their own arrays', async () => {
    const left: unknown[] = [], right: unknown[] = [];
    const slow = (xs: unknown[], seed: number): SampleOptions => ({
      ...base(xs, seed),
      score: async (x, t, out) => {
        xs.push(x);
        await new Promise((resolve) => setImmediate(resolve));
        target.score(x, t, out);
      },
    });
    const [l, r] = await Promise.all([sample(slow(left, 5)), sample(slow(right, 5))]);
    expect(left[0]).not.toBe(right[0]);
    expect(sameBits(l.samples, r.samples)).toBe(true);
  });

  test('a run that fails gives its arrays back for the next', async () => {
    const failed: unknown[] = [], next: unknown[] = [];
    const throwing: SampleOptions = {
      ...base(failed, 7),
      score: (x) => {
        failed.push(x);
        throw new Error('model failed');
      },
    };
    await expect(sample(throwing)).rejects.toThrow('model failed');
    await sample(base(next, 7));
    expect(next[0]).toBe(failed[0]);
  });
});
