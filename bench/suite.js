#!/usr/bin/env node
'use strict';
// Benchmark suite (issue 4): every sampler with its defaults, and the baselines on their best
// grid, on the paper's mixture and on a seeded family of harder mixtures (d in {32, 64}, 8
// components, Dirichlet(0.7) weights, isotropic variances U[0.003, 0.05], means N(0, 0.6^2)),
// scored by marginal accuracy, mode-weight error and sliced W2, each beside the exact-sample
// noise floor; then the issue's goal check for RTK-MALA and RTK-ULD.
//
//   node bench/suite.js [--quick] [--seeds 1,2] [--out bench/out/suite] [--particles N]
//                       [--nfe 16,32,64,128] [--dims 32,64] [--threads N] [--run-seed S]
//                       [--no-paper] [--from-json FILE]
//
// Writes <out>.json (every cell) and <out>.svg (marginal accuracy vs NFE, one panel per target).
// Needs the built package (`npm run build`: dist/ and build/Release/rtk_addon.node).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const rtk = require('..');
const { familyMember } = require('./lib/family');
const { modeFractions, modeWeightError, randomDirections, sortedProjections, slicedW2 } = require('./lib/metrics');
const { panelGrid } = require('./lib/plot-svg');
const { makeFail, parseBenchArgs } = require('./lib/args');

const USAGE = `usage: node bench/suite.js [--quick] [--seeds LIST] [--out PREFIX] [--particles N] [--nfe LIST]
                          [--dims LIST] [--threads N] [--run-seed S] [--no-paper] [--from-json FILE]
  --quick          n = 3000, NFE {16, 32}, one family member (the first seed), d = 32 only
  --seeds LIST     seeds of the family members, one member per seed and dimension (default 1,2)
  --out PREFIX     writes PREFIX.json and PREFIX.svg (default bench/out/suite)
  --particles N    particles per run and size of each exact reference set (default 10000)
  --nfe LIST       NFE budgets (default 16,32,64,128)
  --dims LIST      family dimensions (default 32,64)
  --threads N      native worker threads (default: all cores)
  --run-seed S     seed of every sampler run (default 1)
  --no-paper       skip the paper's target
  --from-json F    no sampling: re-print the tables and re-draw the SVG of an earlier run's JSON`;
const fail = makeFail('suite', USAGE);

function parseArgs(argv) {
  const str = { type: 'string' }, flag = { type: 'boolean' };
  const { values, int, ints } = parseBenchArgs(
    argv,
    { quick: flag, seeds: str, out: str, particles: str, nfe: str, dims: str, threads: str, 'run-seed': str,
      'no-paper': flag, 'from-json': str },
    USAGE,
    fail,
  );
  const a = { quick: values.quick ?? false, seeds: ints('seeds', 0), out: values.out, particles: int('particles', 2),
    nfe: ints('nfe', 1), dims: ints('dims', 1), threads: int('threads', 1), runSeed: int('run-seed', 0) ?? 1,
    paper: !values['no-paper'], fromJson: values['from-json'] };
  a.seeds ??= a.quick ? [1] : [1, 2];
  if (a.quick) a.seeds = a.seeds.slice(0, 1);
  a.dims ??= a.quick ? [32] : [32, 64];
  a.particles ??= a.quick ? 3000 : 10000;
  a.nfe ??= a.quick ? [16, 32] : [16, 32, 64, 128];
  a.nfe = [...new Set(a.nfe)].sort((x, y) => x - y);
  if (a.fromJson) a.out ??= a.fromJson.replace(/\.json$/, '');
  a.out ??= 'bench/out/suite';
  return a;
}

const args = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(s + '\n');

// ---------------------------------------------------------------------------------------------
// Rows: every sampler with its defaults, then the baselines on the other grids.
const RTK = new Set(['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula']);
const ROWS = rtk.SAMPLERS.map((s) => ({
  row: s,
  sampler: s,
  extra: {},
  kind: RTK.has(s) ? 'rtk' : 'baseline',
  config: ['ddpm', 'ddim', 'pf-heun'].includes(s) ? `${s}, geometric grid, tMin 1e-3 (defaults)` : `${s}, defaults`,
}));
for (const s of ['ddpm', 'ddim', 'pf-heun']) {
  ROWS.push({ row: `${s} geo 1e-4`, sampler: s, extra: { grid: 'geometric', tMin: 1e-4 }, kind: 'baseline', config: `${s}, geometric grid, tMin 1e-4` });
  ROWS.push({ row: `${s} uniform`, sampler: s, extra: { grid: 'uniform' }, kind: 'baseline', config: `${s}, uniform grid` });
}

const DIRECTIONS = 64;
const FLOOR_REPEATS = 5;
const MA_TOL = 0.005; // goal: RTK marginal accuracy >= best baseline - 0.005
const FLOOR_TOL = 0.002; // "reaches the noise floor": marginal accuracy >= floor - 0.002
const REF_SEED = 900001; // exact reference set for sliced W2
const FLOOR_SEED = 900101; // exact sets for the noise floors (FLOOR_SEED + r)

function targetsToRun() {
  const list = [];
  if (args.paper)
    list.push({
      key: 'paper',
      name: "paper's target",
      description: "the paper's target: 12 equal-weight Gaussians in d = 10, means on the unit circle, variance 0.007",
      make: () => rtk.GaussianMixture.paperTarget(),
      range: [-2, 2],
    });
  for (const d of args.dims)
    for (const seed of args.seeds) {
      const m = familyMember({ d, seed });
      list.push({
        key: `family-d${d}-s${seed}`,
        name: m.name,
        description: m.description,
        make: () => new rtk.GaussianMixture(m.spec),
        range: [-3, 3],
        member: m,
      });
    }
  return list;
}

function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function sd(xs) {
  const m = mean(xs);
  return xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1)) : 0;
}

function runTarget(t) {
  const target = t.make();
  const d = target.dim, n = args.particles;
  const ma = { bins: 100, range: t.range };
  const dirs = randomDirections(d, DIRECTIONS, 7000 + d);
  const T0 = performance.now();
  const ref = target.sampleExact({ n, seed: REF_SEED });
  const refProj = sortedProjections(ref, d, dirs);
  const fl = { ma: [], mwe: [], sw2: [] };
  for (let r = 0; r < FLOOR_REPEATS; r++) {
    const x = target.sampleExact({ n, seed: FLOOR_SEED + r });
    fl.ma.push(rtk.marginalAccuracy(x, target, ma));
    fl.mwe.push(modeWeightError(x, target));
    fl.sw2.push(slicedW2(x, refProj, d, dirs));
  }
  // Mass of the exact marginals outside the binned range (so the range choice can be judged).
  const masses = target.marginalBinMasses(0, 100, t.range);
  let outside = 0;
  for (let i = 0; i < d; i++) outside += masses[i * 102] + masses[i * 102 + 101];
  const floors = {
    ma: { mean: mean(fl.ma), sd: sd(fl.ma), values: fl.ma },
    mwe: { mean: mean(fl.mwe), sd: sd(fl.mwe), values: fl.mwe },
    sw2: { mean: mean(fl.sw2), sd: sd(fl.sw2), values: fl.sw2 },
  };
  log(`[${t.key}] d = ${d}, K = ${target.components}; floors MA ${floors.ma.mean.toFixed(4)}  MWE ${floors.mwe.mean.toFixed(4)}  SW2 ${floors.sw2.mean.toFixed(4)}`);
  const cells = [];
  for (const r of ROWS)
    for (const nfe of args.nfe) {
      const opts = { target, sampler: r.sampler, nfe, particles: n, seed: args.runSeed, ...r.extra };
      if (args.threads !== undefined) opts.threads = args.threads;
      const t0 = performance.now();
      let c;
      try {
        const { samples, stats } = rtk.sampleSync(opts);
        const ms = performance.now() - t0;
        let nonFinite = 0;
        for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) nonFinite++;
        c = {
          ma: rtk.marginalAccuracy(samples, target, ma),
          mwe: modeWeightError(samples, target),
          modeFractions: Array.from(modeFractions(samples, target).fractions, (f) => Math.round(f * 1e4) / 1e4),
          sw2: slicedW2(samples, refProj, d, dirs),
          nfe: stats.nfe,
          energyEvals: stats.energyEvals,
          ms,
          nonFinite,
          budgetNote: stats.budgetNote,
          segments: stats.segments.map((s) => ({
            tStart: s.tStart, t: s.t, steps: s.steps, nfe: s.nfe, acceptRate: s.acceptRate ?? null, stepSize: s.stepSize ?? null, friction: s.friction ?? null,
          })),
          error: null,
        };
      } catch (e) {
        c = { ma: null, mwe: null, sw2: null, nfe: null, ms: performance.now() - t0, error: String(e && e.message ? e.message : e) };
      }
      cells.push({ row: r.row, nfeBudget: nfe, ...c });
      log(`  ${r.row.padEnd(16)} nfe ${String(nfe).padStart(4)}: ` +
        (c.error ? `error: ${c.error}` : `MA ${c.ma.toFixed(4)}  MWE ${c.mwe.toFixed(4)}  SW2 ${fmtSw2(c.sw2)}  spent ${c.nfe}  ${c.ms.toFixed(0)} ms`));
    }
  const wallS = (performance.now() - T0) / 1000;
  log(`[${t.key}] ${wallS.toFixed(1)} s`);
  return {
    key: t.key, name: t.name, description: t.description, dim: d, components: target.components,
    weights: Array.from(target.weights), range: t.range, outsideMassPerCoord: outside / d,
    family: t.member ? { d: t.member.d, seed: t.member.seed, spec: t.member.spec } : null,
    floors, cells, wallS,
  };
}

const fmtSw2 = (x) => (x === null ? 'err' : Number.isFinite(x) ? x.toFixed(4) : 'inf');

// ---------------------------------------------------------------------------------------------
// Reporting (also used by --from-json).
function bestBaseline(res, nfe) {
  const cands = ROWS.filter((r) => r.kind === 'baseline')
    .map((r) => ({ r, c: res.cells.find((c) => c.row === r.row && c.nfeBudget === nfe) }))
    .filter((x) => x.c && !x.c.error);
  cands.sort((a, b) => b.c.ma - a.c.ma);
  return cands.length ? { row: cands[0].r.row, config: cands[0].r.config, ...cands[0].c } : null;
}

function goalChecks(res, nfes) {
  const out = [];
  for (const nfe of nfes.filter((x) => x >= 32)) {
    const best = bestBaseline(res, nfe);
    for (const s of ['rtk-mala', 'rtk-uld']) {
      const c = res.cells.find((x) => x.row === s && x.nfeBudget === nfe);
      if (!c || c.error || !best) {
        out.push({ nfe, sampler: s, pass: false, error: c ? c.error : 'missing' });
        continue;
      }
      const maMargin = c.ma - (best.ma - MA_TOL); // >= 0 passes
      const mweMargin = best.mwe - c.mwe; // >= 0 passes
      // Two independent n-sample MWE estimates differ by ~sqrt(2) floor sd from noise alone.
      const mweNoise = 2 * Math.SQRT2 * res.floors.mwe.sd;
      out.push({
        nfe, sampler: s, ma: c.ma, mwe: c.mwe, best: best.row, bestMa: best.ma, bestMwe: best.mwe,
        maMargin, mweMargin, mweNoise, mweWithinNoise: mweMargin < 0 && -mweMargin <= mweNoise,
        maPass: maMargin >= 0, mwePass: mweMargin >= 0, pass: maMargin >= 0 && mweMargin >= 0,
      });
    }
  }
  return out;
}

function floorReach(res, nfes) {
  const ok = nfes.filter((x) => x <= 64).map((nfe) => {
    const c = res.cells.find((x) => x.row === 'rtk-mala' && x.nfeBudget === nfe);
    return { nfe, ma: c && !c.error ? c.ma : null, gap: c && !c.error ? c.ma - res.floors.ma.mean : null, mwe: c?.mwe ?? null, sw2: c?.sw2 ?? null };
  });
  const first = ok.find((x) => x.gap !== null && x.gap >= -FLOOR_TOL);
  return { reached: !!first, atNfe: first ? first.nfe : null, perNfe: ok, tol: FLOOR_TOL };
}

const sgn = (x, k) => (x >= 0 ? '+' : '') + x.toFixed(k);

function printTarget(res, meta) {
  const nfes = meta.nfeBudgets;
  const L = [];
  L.push(`== ${res.name} (${res.key}): d = ${res.dim}, K = ${res.components}; n = ${meta.particles}, run seed ${meta.runSeed}`);
  L.push(`   ${res.description}`);
  L.push(`   MA: marginal accuracy, 100 bins on [${res.range.join(', ')}] (exact mass outside the range: ${(100 * res.outsideMassPerCoord).toFixed(3)}% per coordinate), higher is better;`);
  L.push(`   MWE: mode-weight error (TV of max-responsibility assignment fractions vs weights), lower is better;`);
  L.push(`   SW2: sliced W2 over ${DIRECTIONS} seeded directions to ${meta.particles} exact draws (seed ${REF_SEED}), lower is better.`);
  const W = 16, cw = 7;
  const cell = (row, nfe) => res.cells.find((c) => c.row === row && c.nfeBudget === nfe);
  const groups = [
    { name: 'MA', get: (c) => c.ma, f: (x) => x.toFixed(4) },
    { name: 'MWE', get: (c) => c.mwe, f: (x) => x.toFixed(4) },
    { name: 'SW2', get: (c) => c.sw2, f: fmtSw2 },
  ];
  const gw = nfes.length * cw;
  L.push(['NFE ->'.padEnd(W), ...groups.map((g) => `${g.name} ${g.name === 'MA' ? '(up)' : '(down)'}`.padEnd(gw))].join(' | '));
  L.push(['sampler'.padEnd(W), ...groups.map(() => nfes.map((x) => String(x).padStart(cw)).join(''))].join(' | '));
  L.push(['-'.repeat(W), ...groups.map(() => '-'.repeat(gw))].join('-+-'));
  const line = (label, getCell) =>
    [label.padEnd(W), ...groups.map((g) => nfes.map((nfe) => {
      const c = getCell(nfe);
      if (!c) return '-'.padStart(cw);
      if (c.error) return 'err'.padStart(cw);
      return (g.f(g.get(c)) + (c.nonFinite ? '!' : '')).padStart(cw);
    }).join(''))].join(' | ');
  ROWS.forEach((r, i) => {
    if (i === rtk.SAMPLERS.length) L.push(['-'.repeat(W), ...groups.map(() => '-'.repeat(gw))].join('-+-'));
    L.push(line(r.row, (nfe) => cell(r.row, nfe)));
  });
  L.push(['='.repeat(W), ...groups.map(() => '='.repeat(gw))].join('=+='));
  L.push(line('best baseline', (nfe) => bestBaseline(res, nfe)));
  const fl = res.floors;
  L.push(line('exact floor', () => ({ ma: fl.ma.mean, mwe: fl.mwe.mean, sw2: fl.sw2.mean })));
  L.push(`exact floor = ${meta.particles} exact draws vs the exact marginals / the weights / a second exact set, mean (sd) of ${FLOOR_REPEATS}: ` +
    `MA ${fl.ma.mean.toFixed(4)} (${fl.ma.sd.toFixed(4)}), MWE ${fl.mwe.mean.toFixed(4)} (${fl.mwe.sd.toFixed(4)}), SW2 ${fl.sw2.mean.toFixed(4)} (${fl.sw2.sd.toFixed(4)})`);
  const spent = ROWS.map((r) => {
    const diffs = nfes.map((nfe) => cell(r.row, nfe)).filter((c) => c && !c.error && c.nfe !== c.nfeBudget);
    return diffs.length ? `${r.row} ${diffs.map((c) => `${c.nfe}/${c.nfeBudget}`).join(' ')}` : null;
  }).filter(Boolean);
  if (spent.length) L.push(`NFE spent below budget: ${spent.join('; ')}`);
  if (res.cells.some((c) => !c.error && c.nonFinite)) L.push('! = some samples were not finite.');
  for (const c of res.cells.filter((c) => c.error)) L.push(`error: ${c.row} @ NFE ${c.nfeBudget}: ${c.error}`);
  L.push('Best baseline per NFE (by MA, over ddpm/ddim/pf-heun on the three grids and ald):');
  for (const nfe of nfes) {
    const b = bestBaseline(res, nfe);
    L.push(`  NFE ${String(nfe).padStart(3)}: ${b ? `${b.config}: MA ${b.ma.toFixed(4)}, MWE ${b.mwe.toFixed(4)}, SW2 ${fmtSw2(b.sw2)}` : 'none'}`);
  }
  L.push(`Goal check (NFE >= 32): MA >= best baseline - ${MA_TOL} and MWE <= best baseline's (margins: + = room to spare;`);
  L.push(`  SHORT~ = MWE shortfall within 2 sqrt(2) x floor sd = ${(2 * Math.SQRT2 * res.floors.mwe.sd).toFixed(4)}, i.e. within sampling noise)`);
  for (const g of goalChecks(res, nfes)) {
    if (g.error) {
      L.push(`  NFE ${String(g.nfe).padStart(3)} ${g.sampler.padEnd(8)}: FAIL (${g.error})`);
      continue;
    }
    L.push(`  NFE ${String(g.nfe).padStart(3)} ${g.sampler.padEnd(8)}: ${g.pass ? 'PASS' : 'FAIL'}  ` +
      `MA ${g.ma.toFixed(4)} vs ${g.bestMa.toFixed(4)} (${g.best}) margin ${sgn(g.maMargin, 4)} ${g.maPass ? 'ok' : 'SHORT'};  ` +
      `MWE ${g.mwe.toFixed(4)} vs ${g.bestMwe.toFixed(4)} margin ${sgn(g.mweMargin, 4)} ${g.mwePass ? 'ok' : g.mweWithinNoise ? 'SHORT~' : 'SHORT'}`);
  }
  if (res.key === 'paper') {
    const fr = floorReach(res, nfes);
    L.push(`RTK-MALA reaches the noise floor (MA >= floor ${res.floors.ma.mean.toFixed(4)} - ${FLOOR_TOL}) at <= 64 NFE: ` +
      (fr.reached ? `YES, from NFE ${fr.atNfe}` : 'NO'));
    for (const p of fr.perNfe)
      L.push(`  NFE ${String(p.nfe).padStart(3)}: MA ${p.ma === null ? 'err' : p.ma.toFixed(4)} (gap to floor ${p.gap === null ? '-' : sgn(p.gap, 4)}), ` +
        `MWE ${p.mwe === null ? 'err' : p.mwe.toFixed(4)} (floor ${res.floors.mwe.mean.toFixed(4)}), SW2 ${p.sw2 === null ? 'err' : fmtSw2(p.sw2)} (floor ${res.floors.sw2.mean.toFixed(4)})`);
  }
  return L.join('\n');
}

function printSummary(results, meta) {
  const nfes = meta.nfeBudgets.filter((x) => x >= 32);
  const L = ['== Goal summary (PASS/FAIL; MA margin vs best baseline - 0.005 / MWE margin vs best baseline; + = room to spare;',
    '   ~ = MWE shortfall within sampling noise)'];
  const W = Math.max(...results.map((r) => r.key.length), 'target'.length);
  const cw = 31;
  L.push(['target'.padEnd(W), 'sampler ', ...nfes.map((x) => `NFE ${x}`.padEnd(cw))].join('  '));
  for (const res of results) {
    const g = goalChecks(res, meta.nfeBudgets);
    for (const s of ['rtk-mala', 'rtk-uld'])
      L.push([res.key.padEnd(W), s.padEnd(8), ...nfes.map((nfe) => {
        const x = g.find((y) => y.nfe === nfe && y.sampler === s);
        if (!x) return '-'.padEnd(cw);
        if (x.error) return 'FAIL (error)'.padEnd(cw);
        return `${x.pass ? 'PASS' : 'FAIL'} ${sgn(x.maMargin, 4)} / ${sgn(x.mweMargin, 4)}${x.mweWithinNoise ? '~' : ''}`.padEnd(cw);
      })].join('  ').trimEnd());
  }
  const all = results.flatMap((r) => goalChecks(r, meta.nfeBudgets));
  for (const s of ['rtk-mala', 'rtk-uld']) {
    const g = all.filter((x) => x.sampler === s && !x.error);
    const p = g.filter((x) => x.pass).length;
    const worstMa = g.length ? g.reduce((a, b) => (b.maMargin < a.maMargin ? b : a)) : null;
    const worstMwe = g.length ? g.reduce((a, b) => (b.mweMargin < a.mweMargin ? b : a)) : null;
    L.push(`${s}: ${p}/${all.filter((x) => x.sampler === s).length} PASS` +
      (worstMa ? `; worst MA margin ${sgn(worstMa.maMargin, 4)} (NFE ${worstMa.nfe}), worst MWE margin ${sgn(worstMwe.mweMargin, 4)} (NFE ${worstMwe.nfe})` : ''));
  }
  const paper = results.find((r) => r.key === 'paper');
  if (paper) {
    const fr = floorReach(paper, meta.nfeBudgets);
    L.push(`RTK-MALA at the noise floor on the paper's target at <= 64 NFE: ${fr.reached ? `YES (from NFE ${fr.atNfe})` : 'NO'}`);
  }
  return L.join('\n');
}

const RTK_COLORS = { 'rtk-mala': '#d62728', 'rtk-mala-es': '#ff7f0e', 'rtk-uld': '#2ca02c', 'rtk-ula': '#bcbd22' };
const BASE_COLORS = { ddpm: '#1f77b4', ddim: '#9467bd', 'pf-heun': '#8c564b', ald: '#e377c2' };

function drawSvg(results, meta) {
  const nfes = meta.nfeBudgets;
  const xTicks = nfes.slice();
  const panels = results.map((res) => {
    const cell = (row, nfe) => res.cells.find((c) => c.row === row && c.nfeBudget === nfe);
    const series = rtk.SAMPLERS.map((s) => ({
      name: s,
      color: RTK_COLORS[s] ?? BASE_COLORS[s],
      dash: RTK_COLORS[s] ? undefined : '6 4',
      points: nfes.map((nfe) => {
        const c = cell(s, nfe);
        return !c || c.error ? [nfe, NaN] : [c.nfe, c.ma];
      }),
    }));
    series.push({
      name: 'best baseline (any grid)',
      color: '#000',
      dash: '2 3',
      points: nfes.map((nfe) => {
        const b = bestBaseline(res, nfe);
        return b ? [b.nfe, b.ma] : [nfe, NaN];
      }),
    });
    const focus = ['rtk-mala', 'rtk-mala-es', 'rtk-uld'].flatMap((s) => nfes.map((nfe) => cell(s, nfe)))
      .concat(nfes.map((nfe) => bestBaseline(res, nfe)))
      .filter((c) => c && !c.error)
      .map((c) => c.ma);
    const lowest = Math.min(res.floors.ma.mean, ...focus);
    const span = 1 - lowest;
    const yStep = span > 0.3 ? 0.1 : span > 0.12 ? 0.05 : span > 0.05 ? 0.02 : 0.01;
    const yLo = Math.max(0, Math.floor((lowest - yStep / 2) / yStep) * yStep);
    return {
      title: `${res.name} (d = ${res.dim}, K = ${res.components})`,
      subtitle: `n = ${meta.particles}, 100 bins on [${res.range.join(', ')}]; RTK solid, baselines (defaults) dashed, best baseline dotted`,
      xLabel: 'NFE (log2 scale)',
      yLabel: 'marginal accuracy',
      xTicks,
      yRange: [yLo, 1],
      yStep,
      series,
      hlines: [{ y: res.floors.ma.mean, label: `noise floor ${res.floors.ma.mean.toFixed(3)}`, legend: 'noise floor (exact draws)', color: '#333' }],
    };
  });
  return panelGrid({
    title: 'Marginal accuracy vs NFE: every sampler with its defaults, and the best-configured baseline',
    subtitle: `bench/suite.js, ${meta.date}; run seed ${meta.runSeed}; family members: ${meta.familySeeds.length ? `seeds ${meta.familySeeds.join(', ')}, d ${meta.dims.join(', ')}` : 'none'}`,
    columns: panels.length > 1 ? 2 : 1,
    panels,
  });
}

function report(results, meta) {
  const text = [...results.map((r) => printTarget(r, meta)), printSummary(results, meta)].join('\n\n');
  console.log(text);
  console.log(`\nwall ${meta.wallS.toFixed(0)} s; 1-min load average ${meta.host.loadavg1.start.toFixed(2)} at start, ${(meta.host.loadavg1.end ?? NaN).toFixed(2)} at end (${meta.host.cpus} cores); ${meta.rtkPackage}`);
}

// ---------------------------------------------------------------------------------------------
function writeJson(prefix, meta, results) {
  const json = {
    experiment: 'suite',
    ...meta,
    rows: ROWS.map((r) => ({ row: r.row, sampler: r.sampler, options: r.extra, kind: r.kind, config: r.config })),
    metrics: {
      ma: 'marginalAccuracy, 100 bins; paper target on [-2, 2], family on [-3, 3]',
      mwe: 'total variation between the fraction of samples assigned to each component (max posterior responsibility under p_0) and the weights; non-finite samples count as unassigned',
      sw2: `sliced W2: sqrt(mean over ${DIRECTIONS} seeded unit directions of the squared 1-D W2 between sorted projections) to n exact draws (seed ${REF_SEED})`,
      floors: `mean of ${FLOOR_REPEATS} exact sets (seeds ${FLOOR_SEED}..${FLOOR_SEED + FLOOR_REPEATS - 1}) of the same n`,
    },
    targets: results.map((r) => ({
      ...r,
      bestBaseline: meta.nfeBudgets.map((nfe) => {
        const b = bestBaseline(r, nfe);
        return b && { nfe, row: b.row, config: b.config, ma: b.ma, mwe: b.mwe, sw2: Number.isFinite(b.sw2) ? b.sw2 : null };
      }),
      goalChecks: goalChecks(r, meta.nfeBudgets),
      floorReach: r.key === 'paper' ? floorReach(r, meta.nfeBudgets) : undefined,
      cells: r.cells.map((c) => ({ ...c, sw2: c.sw2 === null || Number.isFinite(c.sw2) ? c.sw2 : 'Infinity' })),
    })),
  };
  fs.writeFileSync(`${prefix}.json`, JSON.stringify(json, null, 2) + '\n');
}

const outPrefix = path.resolve(args.out);
fs.mkdirSync(path.dirname(outPrefix), { recursive: true });
if (args.fromJson) {
  let j;
  try {
    j = JSON.parse(fs.readFileSync(args.fromJson, 'utf8'));
  } catch (e) {
    fail(`--from-json: cannot read ${args.fromJson}: ${e.message}`);
  }
  if (j.experiment !== 'suite') fail(`--from-json: ${args.fromJson} is not a suite result`);
  const results = j.targets.map((t) => ({ ...t, cells: t.cells.map((c) => ({ ...c, sw2: c.sw2 === 'Infinity' ? Infinity : c.sw2 })) }));
  report(results, j);
  fs.writeFileSync(`${outPrefix}.svg`, drawSvg(results, j));
  log(`re-drew ${path.relative(process.cwd(), outPrefix)}.svg from ${args.fromJson}`);
} else {
  const started = new Date();
  const meta = {
    date: started.toISOString(),
    complete: false,
    node: process.version,
    rtkPackage: `rtk-diffusion from ${path.dirname(require.resolve('..'))}`,
    host: { cpus: os.cpus().length, model: os.cpus()[0] && os.cpus()[0].model, loadavg1: { start: os.loadavg()[0], end: NaN } },
    quick: args.quick,
    particles: args.particles,
    runSeed: args.runSeed,
    threads: args.threads ?? null,
    nfeBudgets: args.nfe,
    dims: args.dims,
    familySeeds: args.seeds,
    wallS: 0,
  };
  const targets = targetsToRun();
  log(`suite: ${targets.length} targets x ${ROWS.length} rows x NFE {${args.nfe.join(', ')}}, n = ${args.particles}, ` +
    `threads ${args.threads ?? 'all'} (${os.cpus().length} cores)`);
  const results = [];
  const T0 = performance.now();
  for (const t of targets) {
    results.push(runTarget(t));
    meta.wallS = (performance.now() - T0) / 1000;
    meta.host.loadavg1.end = os.loadavg()[0];
    writeJson(outPrefix, meta, results); // partial results survive an interrupted run
  }
  meta.complete = true;
  writeJson(outPrefix, meta, results);
  report(results, meta);
  fs.writeFileSync(`${outPrefix}.svg`, drawSvg(results, meta));
  log(`wrote ${path.relative(process.cwd(), outPrefix)}.json and .svg (${meta.wallS.toFixed(1)} s)`);
}
