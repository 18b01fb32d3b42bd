// Time grids (lib/schedules.ts; rtk-math.md "Time grids"): K steps from T down, K + 1 times.
import { geometricGrid, uniformGrid } from '../../lib';

function strictlyDecreasing(grid: number[]) {
  for (let i = 1; i < grid.length; i++) expect(grid[i]).toBeLessThan(grid[i - 1]);
}

describe('uniformGrid', () => {
  test.each([
    [5, 0, 10],
    [5, 0, 1000],
    [1, 0.25, 3],
    [2.5, 1e-3, 1],
    [10, 9.999, 7],
  ])('T = %p, tEnd = %p, %p steps: endpoints, length, monotone, constant step', (T, tEnd, steps) => {
    const g = uniformGrid(T, tEnd, steps);
    expect(g).toHaveLength(steps + 1);
    expect(g[0]).toBe(T);
    expect(g[steps]).toBe(tEnd);
    strictlyDecreasing(g);
    const h = (T - tEnd) / steps;
    for (let i = 1; i <= steps; i++) expect(Math.abs(g[i - 1] - g[i] - h)).toBeLessThanOrEqual(1e-12 * T);
    for (let i = 0; i <= steps; i++) expect(Math.abs(g[i] - (T - i * h))).toBeLessThanOrEqual(1e-12 * T);
  });
});

describe('geometricGrid', () => {
  test.each([
    [5, 1e-3, 20],
    [5, 0.05, 4],
    [80, 2e-3, 1000],
    [1, 0.5, 1],
    [3, 1e-8, 9],
  ])('T = %p, tMin = %p, %p steps: endpoints, length, monotone, constant ratio', (T, tMin, steps) => {
    const g = geometricGrid(T, tMin, steps);
    expect(g).toHaveLength(steps + 1);
    expect(g[0]).toBe(T);
    expect(g[steps]).toBe(tMin);
    strictlyDecreasing(g);
    const ratio = Math.pow(tMin / T, 1 / steps);
    for (let i = 1; i <= steps; i++) expect(Math.abs(g[i] / g[i - 1] - ratio)).toBeLessThanOrEqual(1e-12);
    // log-spaced: equal steps in log t
    const dlog = Math.log(tMin / T) / steps;
    for (let i = 1; i <= steps; i++) expect(Math.abs(Math.log(g[i] / g[i - 1]) - dlog)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(dlog)));
    for (const t of g) expect(t).toBeGreaterThan(0);
  });
});

describe('grid argument checks (reported bugs)', () => {
  // Regression: geometricGrid does not check tMin > 0; with tMin = 0 the
  // first time is T * exp(-Infinity * 0) = NaN and the rest are 0.
  test('geometricGrid rejects tMin <= 0 instead of returning NaN times', () => {
    expect(() => geometricGrid(5, 0, 4)).toThrow(/for tMin but received the number 0/);
  });

  test('the grids reject steps < 1 or fractional steps, and T <= end', () => {
    expect(() => uniformGrid(5, 0, 0)).toThrow(/for steps but received the number 0/);
    expect(() => uniformGrid(5, 0, 2.5)).toThrow(/steps/);
    expect(() => geometricGrid(5, 6, 3)).toThrow(/T/);
  });
});
