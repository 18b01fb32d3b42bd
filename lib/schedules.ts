// Time grids t_0 = T > t_1 > ... > t_K (rtk-math.md, "Time grids"): uniform, geometric
// (log-spaced down to tMin), or user-supplied.
import { rangeError } from './errors';
import { finiteNumber, integer } from './validate';

function checkGrid(T: number, end: number, steps: number, endName: string, endMin: string): void {
  integer('steps', steps, 1, 1e7);
  finiteNumber('T', T);
  finiteNumber(endName, end);
  if (endMin === '> 0' ? !(end > 0) : !(end >= 0)) throw rangeError(endName, `a time ${endMin}`, end);
  if (!(T > end)) throw rangeError('T', `a start time greater than ${endName} = ${end}`, T);
}

/** K uniform steps from T down to tEnd: K + 1 times. */
export function uniformGrid(T: number, tEnd: number, steps: number): number[] {
  checkGrid(T, tEnd, steps, 'tEnd', '>= 0');
  return Array.from({ length: steps + 1 }, (_, i) => (i === steps ? tEnd : T - (T - tEnd) * (i / steps)));
}

/** K log-spaced steps from T down to tMin: K + 1 times (tMin > 0). */
export function geometricGrid(T: number, tMin: number, steps: number): number[] {
  checkGrid(T, tMin, steps, 'tMin', '> 0');
  const ratio = Math.log(tMin / T);
  return Array.from({ length: steps + 1 }, (_, i) => (i === steps ? tMin : T * Math.exp((ratio * i) / steps)));
}
