// Time grids t_0 = T > t_1 > ... > t_K (rtk-math.md, "Time grids"): uniform, geometric
// (log-spaced down to tMin), or user-supplied.

/** K uniform steps from T down to tEnd: K + 1 times. */
export function uniformGrid(T: number, tEnd: number, steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => (i === steps ? tEnd : T - ((T - tEnd) * i) / steps));
}

/** K log-spaced steps from T down to tMin: K + 1 times (tMin > 0). */
export function geometricGrid(T: number, tMin: number, steps: number): number[] {
  const ratio = Math.log(tMin / T);
  return Array.from({ length: steps + 1 }, (_, i) => (i === steps ? tMin : T * Math.exp((ratio * i) / steps)));
}
