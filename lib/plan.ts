// Turns validated options into the native plan: the time grid, the NFE split across segments
// and steps, and every default. Budget arithmetic is exact: the plan never spends more score
// evaluations than `nfe`, and says where any remainder went.
import { rangeError } from './errors';
import type { NativePlan } from './native';
import { GridKind, RTK_SAMPLERS, SamplerName, WarmStart } from './options';
import { geometricGrid, uniformGrid } from './schedules';

export interface PlanInput {
  sampler: SamplerName;
  dim: number;
  particles: number;
  seed: number;
  threads: number;
  nfe: number;
  T: number;
  tEnd: number;
  segments?: number;
  /** undefined: the sampler's default grid. */
  grid?: GridKind | number[];
  /** RTK: 'hybrid' (DDPM prefix + MH-corrected segments) or 'segments'; undefined: automatic. */
  schedule?: 'hybrid' | 'segments';
  /** RTK hybrid: where the prefix hands over to the RTK segments. */
  switchTime: number;
  /** RTK hybrid: the kind of prefix steps. */
  hybridPrefix?: 'ddim' | 'ddpm';
  tMin: number;
  stepSize: number;
  targetAccept: number;
  friction: number;
  innerSteps?: number | number[];
  warmStart: WarmStart;
  projectionRadius: number | null;
  energyEstimate: 'trapezoid' | 'simpson';
  finalDenoise?: boolean;
  langevinSteps: number;
  aldStepScale: number;
}

export interface ResolvedPlan {
  plan: NativePlan;
  /** The NFE this plan spends exactly. */
  nfe: number;
  budgetNote: string;
}

/** RTK's default number of segments for a budget (see README, "Defaults"). */
export function defaultSegments(nfe: number): number {
  if (nfe < 48) return 2;
  if (nfe < 128) return 3;
  return 4;
}

function baseGrid(input: PlanInput, steps: number, end: number): number[] {
  if (Array.isArray(input.grid)) return input.grid.slice();
  return (input.grid ?? 'geometric') === 'uniform' ? uniformGrid(input.T, end, steps) : geometricGrid(input.T, end, steps);
}

function nativePlan(input: PlanInput, times: number[], steps: number[], finalDenoise: boolean): NativePlan {
  return {
    sampler: input.sampler,
    particles: input.particles,
    dim: input.dim,
    seed: input.seed,
    threads: input.threads,
    times,
    steps,
    warmStart: input.warmStart,
    stepSize: input.stepSize,
    targetAccept: input.targetAccept,
    friction: input.friction,
    projectionRadius: input.projectionRadius,
    energyEstimate: input.energyEstimate,
    finalDenoise,
    aldStepScale: input.aldStepScale,
  };
}

/** The RTK segment times of the 'segments' schedule: `grid`, or `segments` uniform/geometric. */
function segmentTimes(input: PlanInput): number[] {
  if (Array.isArray(input.grid)) return input.grid.slice();
  const k = input.segments ?? defaultSegments(input.nfe);
  if ((input.grid ?? 'uniform') === 'uniform' || k === 1) return uniformGrid(input.T, input.tEnd, k);
  const low = Math.max(input.tMin, input.tEnd);
  return low > input.tEnd ? [...geometricGrid(input.T, low, k - 1), input.tEnd] : geometricGrid(input.T, low, k);
}

/** Splits what the budget leaves after `prefix` DDPM segments over the RTK segments of `times`
 * (times.length - 1 - prefix of them). */
function splitRtk(input: PlanInput, times: number[], prefix: number): { steps: number[]; spent: number; fixedCost: number } {
  const mala = input.sampler === 'rtk-mala' || input.sampler === 'rtk-mala-es';
  const perStep = input.sampler === 'rtk-mala-es' && input.energyEstimate === 'simpson' ? 2 : 1;
  const k = times.length - 1 - prefix;
  // Per RTK segment: the warm start's score (Tweedie / DDPM) unless a MALA chain left it
  // cached, and MALA's evaluation of its starting point; each DDPM prefix segment costs 1.
  const overhead = Array.from({ length: k }, (_, i) => {
    const warm = input.warmStart === 'gaussian' ? 0 : i > 0 && mala ? 0 : 1;
    return warm + (mala ? 1 : 0);
  });
  const fixedCost = prefix + overhead.reduce((a, b) => a + b, 0);
  let steps: number[];
  if (input.innerSteps !== undefined) {
    steps = Array.isArray(input.innerSteps) ? input.innerSteps.slice() : new Array(k).fill(input.innerSteps);
    if (steps.length !== k) throw rangeError('innerSteps', `${k} entries (one per segment)`, input.innerSteps);
  } else {
    const available = Math.floor((input.nfe - fixedCost) / perStep);
    if (available < k) {
      throw rangeError(
        'nfe',
        `a budget of at least ${fixedCost + k * perStep} for ${input.sampler} with ${k} segments ` +
          `(${fixedCost} for warm starts and chain starts, ${perStep} per inner step, 1 step per segment)`,
        input.nfe,
      );
    }
    // An even split; the remainder goes to the last segments, where the target is hardest.
    steps = new Array(k).fill(Math.floor(available / k));
    for (let i = 0; i < available % k; i++) steps[k - 1 - i] += 1;
  }
  const spent = fixedCost + steps.reduce((a, b) => a + b, 0) * perStep;
  if (spent > input.nfe) {
    throw rangeError('innerSteps', `steps whose cost (${spent} NFE) fits the budget nfe = ${input.nfe}`, input.innerSteps);
  }
  return { steps: [...new Array(prefix).fill(0), ...steps], spent, fixedCost };
}

/** The schedule RTK runs: 'hybrid' unless segments, grid or innerSteps were given. */
export function rtkSchedule(input: PlanInput): 'hybrid' | 'segments' {
  if (input.schedule) return input.schedule;
  const explicit = input.segments !== undefined || input.grid !== undefined || input.innerSteps !== undefined;
  return explicit ? 'segments' : 'hybrid';
}

function resolveRtk(input: PlanInput): ResolvedPlan {
  const perStep = input.sampler === 'rtk-mala-es' && input.energyEstimate === 'simpson' ? 2 : 1;
  let times = segmentTimes(input);
  let prefix = 0;
  const sw = input.switchTime;
  // The prefix needs room: T at least twice switchTime (else the paper's segments are used).
  if (rtkSchedule(input) === 'hybrid' && sw > input.tEnd && 2 * sw <= input.T) {
    // Hybrid (README, "Defaults"): DDPM steps (RTK segments with a Gaussian kernel, 1 NFE each)
    // on a geometric grid from T down to switchTime, where the modes of p_t separate, then two
    // MH-corrected segments switchTime -> switchTime / 10 -> tEnd with half the budget or more.
    const rtk = sw / 10 > input.tEnd ? [sw, sw / 10, input.tEnd] : [sw, input.tEnd];
    const minimum = splitRtk({ ...input, nfe: Number.MAX_SAFE_INTEGER, innerSteps: 1 }, rtk, 0).spent;
    const m = Math.min(Math.floor(input.nfe / 2), input.nfe - minimum);
    if (m >= 1) {
      prefix = m;
      times = [...geometricGrid(input.T, sw, m), ...rtk.slice(1)];
    }
  }
  const { steps, spent, fixedCost } = splitRtk(input, times, prefix);
  const k = times.length - 1 - prefix;
  const warmStarts = [...new Array(prefix).fill(input.hybridPrefix ?? 'ddim'), ...new Array(k).fill(input.warmStart)];
  const note =
    (prefix > 0 ? `${prefix} ${(input.hybridPrefix ?? 'ddim').toUpperCase()} steps from T = ${input.T} to ${sw}, then ` : '') +
    `${k} RTK segments; ${fixedCost} NFE on ${prefix > 0 ? 'prefix steps, ' : ''}warm/chain starts; ` +
    `inner steps [${steps.slice(prefix).join(', ')}] at ${perStep} NFE each` +
    (spent < input.nfe ? `; ${input.nfe - spent} NFE left unspent (the split needs whole steps)` : '');
  return { plan: { ...nativePlan(input, times, steps, false), warmStart: warmStarts }, nfe: spent, budgetNote: note };
}

function resolveBaseline(input: PlanInput): ResolvedPlan {
  const custom = Array.isArray(input.grid);
  const gridKind = input.grid ?? 'geometric';
  const end = custom ? (input.grid as number[])[(input.grid as number[]).length - 1] : gridKind === 'geometric' || input.sampler === 'ald' ? Math.max(input.tEnd, input.tMin) : input.tEnd;
  const denoise = input.finalDenoise ?? end > 0;
  const denoiseCost = denoise && end > 0 ? 1 : 0;
  const budget = input.nfe - denoiseCost;
  let times: number[];
  let steps: number[] = [];
  let spent: number;
  let note: string;
  if (input.sampler === 'ald') {
    const levels = custom ? (input.grid as number[]).length : Math.floor(budget / input.langevinSteps);
    if (levels < 1) throw rangeError('nfe', `a budget of at least ${input.langevinSteps + denoiseCost} for ald`, input.nfe);
    times = custom ? (input.grid as number[]).slice() : levels === 1 ? [end] : baseGrid(input, levels - 1, end);
    if (times.some((t) => !(t > 0))) throw rangeError('grid', 'ALD noise levels with t > 0', input.grid);
    steps = new Array(times.length).fill(input.langevinSteps);
    spent = times.length * input.langevinSteps + denoiseCost;
    note = `${times.length} noise levels x ${input.langevinSteps} Langevin steps` + (denoiseCost ? ' + 1 final denoise' : '');
  } else {
    const heun = input.sampler === 'pf-heun';
    let n: number;
    if (custom) n = (input.grid as number[]).length - 1;
    else if (heun) n = end > 0 ? Math.floor(budget / 2) : Math.floor((budget + 1) / 2);
    else n = budget;
    if (n < 1) throw rangeError('nfe', `a budget of at least ${(heun ? 2 : 1) + denoiseCost} for ${input.sampler}`, input.nfe);
    times = baseGrid(input, n, end);
    const last = times[times.length - 1];
    spent = (heun ? 2 * n - (last > 0 ? 0 : 1) : n) + denoiseCost;
    note = `${n} ${heun ? 'Heun' : input.sampler.toUpperCase()} steps` + (denoiseCost ? ' + 1 final denoise' : '');
    if (spent < input.nfe) note += `; ${input.nfe - spent} NFE left unspent (a Heun step costs 2)`;
  }
  if (spent > input.nfe) throw rangeError('grid', `a grid whose cost (${spent} NFE) fits the budget nfe = ${input.nfe}`, input.grid);
  return { plan: nativePlan(input, times, steps, denoiseCost === 1), nfe: spent, budgetNote: note };
}

/** Resolves the validated options into a native plan with its exact NFE. */
export function resolvePlan(input: PlanInput): ResolvedPlan {
  return RTK_SAMPLERS.includes(input.sampler) ? resolveRtk(input) : resolveBaseline(input);
}
