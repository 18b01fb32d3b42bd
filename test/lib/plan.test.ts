// The automatic choices (issue 4): the hybrid schedule and its budget, explicit options
// overriding it, deterministic adaptation, and sane step sizes across target scales.
import { GaussianMixture, sample } from '../../lib';
import { resolvePlan, rtkSchedule, PlanInput } from '../../lib/plan';

const base: PlanInput = {
  sampler: 'rtk-mala', dim: 2, particles: 10, seed: 0, threads: 1, nfe: 64, T: 5, tEnd: 0, tMin: 0.05,
  stepSize: 0, targetAccept: 0.8, friction: 0, warmStart: 'tweedie', projectionRadius: null,
  energyEstimate: 'trapezoid', langevinSteps: 2, aldStepScale: 0.1, switchTime: 0.2, hybridPrefix: 'ddpm',
};

describe('the hybrid RTK schedule', () => {
  test('half the budget on DDPM steps down to switchTime, the rest on two MALA segments; exact NFE', () => {
    const r = resolvePlan(base);
    const { times, steps, warmStart } = r.plan;
    expect(r.nfe).toBe(64);
    const prefix = (warmStart as string[]).filter((w) => w === 'ddpm').length;
    expect(prefix).toBe(32);
    expect(times[prefix]).toBeCloseTo(0.2, 12);
    expect(times.slice(prefix)).toEqual([times[prefix], 0.02, 0]);
    expect(steps.slice(0, prefix).every((s) => s === 0)).toBe(true);
    // 32 DDPM + 1 Tweedie + 2 chain starts + inner steps = 64
    expect(32 + 1 + 2 + steps.slice(prefix).reduce((a, b) => a + b, 0)).toBe(64);
    expect(r.budgetNote).toMatch(/32 DDPM steps .* then 2 RTK segments/);
    expect((resolvePlan({ ...base, hybridPrefix: undefined }).plan.warmStart as string[])[0]).toBe('ddim');
  });

  test('explicit segments, grid or innerSteps select the paper schedule', () => {
    expect(rtkSchedule(base)).toBe('hybrid');
    expect(rtkSchedule({ ...base, segments: 3 })).toBe('segments');
    expect(rtkSchedule({ ...base, grid: 'geometric' })).toBe('segments');
    expect(rtkSchedule({ ...base, innerSteps: 4 })).toBe('segments');
    expect(rtkSchedule({ ...base, segments: 3, schedule: 'hybrid' })).toBe('hybrid');
    const r = resolvePlan({ ...base, segments: 3 });
    expect(r.plan.times).toEqual([5, 5 - 5 * (1 / 3), 5 - 5 * (2 / 3), 0]);
  });

  test('a switchTime outside (tEnd, T) falls back to RTK segments', () => {
    const r = resolvePlan({ ...base, switchTime: 6 });
    expect((r.plan.warmStart as string[]).includes('ddpm')).toBe(false);
  });

  test('tight budgets shrink the DDPM prefix instead of failing', () => {
    const r = resolvePlan({ ...base, nfe: 6 });
    expect(r.nfe).toBeLessThanOrEqual(6);
    expect(() => resolvePlan({ ...base, nfe: 4 })).toThrow(/at least/);
  });
});

describe('automatic step sizes', () => {
  test('deterministic for a fixed seed', async () => {
    const target = GaussianMixture.paperTarget();
    const a = await sample({ target, nfe: 32, particles: 500, seed: 9 });
    const b = await sample({ target, nfe: 32, particles: 500, seed: 9 });
    expect(a.stats.segments).toEqual(b.stats.segments);
  });

  // The last MALA step size should scale like the target's variance (MALA: tau ~ var / d^(1/3)).
  test.each([1e-4, 1e-2, 1, 1e2])('within sane bounds on a Gaussian of variance %p', async (variance) => {
    const target = new GaussianMixture({ means: [[0, 0, 0]], variances: [variance] });
    for (const sampler of ['rtk-mala', 'rtk-uld'] as const) {
      const r = await sample({ target, sampler, nfe: 64, particles: 2000, seed: 1 });
      const last = r.stats.segments[r.stats.segments.length - 1];
      // g's smoothness at t = 0 is 1/variance + e^{-2 eta}/sigma2: the step must resolve it.
      const eta = last.eta;
      const smooth = 1 / variance + Math.exp(-2 * eta) / -Math.expm1(-2 * eta);
      const scale = sampler === 'rtk-mala' ? 1 / smooth : 1 / Math.sqrt(smooth);
      expect(last.stepSize!).toBeGreaterThan(0.01 * scale);
      expect(last.stepSize!).toBeLessThan(3 * scale);
      if (sampler === 'rtk-mala') expect(last.acceptRate!).toBeGreaterThan(0.3);
      // and the samples have the right spread
      let m2 = 0;
      for (let i = 0; i < r.samples.length; i++) m2 += r.samples[i] ** 2 / r.samples.length;
      expect(m2 / variance).toBeGreaterThan(0.8);
      expect(m2 / variance).toBeLessThan(1.25);
    }
  });

  test('explicit stepSize and friction override the automatic ones', async () => {
    const target = new GaussianMixture({ means: [[0, 0]], variances: [0.5] });
    const r = await sample({ target, sampler: 'rtk-uld', nfe: 32, particles: 100, stepSize: 0.05, friction: 3 });
    const rtkSegments = r.stats.segments.filter((s) => s.steps > 0);
    for (const s of rtkSegments) {
      expect(s.stepSize).toBe(0.05);
      expect(s.friction).toBe(3);
    }
    const m = await sample({ target, sampler: 'rtk-mala', nfe: 32, particles: 100, stepSize: 0.01 });
    for (const s of m.stats.segments.filter((x) => x.steps > 0)) expect(s.stepSize).toBe(0.01);
  });
});
