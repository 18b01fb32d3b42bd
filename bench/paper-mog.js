#!/usr/bin/env node
'use strict';
// The paper's experiment (Huang et al., NeurIPS 2024, rtk-math.md "The paper's benchmark
// target"): marginal accuracy of every sampler on the 12-component Gaussian mixture in d = 10
// against the score budget (NFE), beside the noise floor of exact draws.
//
//   node bench/paper-mog.js [--particles 20000] [--seed 1] [--out bench/out/paper-mog] [--quick]
//                           [--threads N] [--nfe 16,32,64] [--from-json FILE]
//
// Writes <out>.json (every cell) and <out>.svg (accuracy vs NFE); --from-json re-prints the
// tables and re-draws the SVG of an earlier run without sampling. Needs the built package
// (`npm run build`: dist/ and build/Release/rtk_addon.node).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const rtk = require('..');
const { linePlot } = require('./lib/plot-svg');
const { makeFail, parseBenchArgs } = require('./lib/args');

const USAGE = `usage: node bench/paper-mog.js [--particles N] [--seed S] [--out PREFIX] [--quick] [--threads N] [--nfe LIST]
  --particles N   particles per run (default 20000; 5000 with --quick)
  --seed S        seed of every run (default 1)
  --out PREFIX    writes PREFIX.json and PREFIX.svg (default bench/out/paper-mog)
  --quick         n = 5000 and NFE {16, 32, 64}
  --threads N     native worker threads (default: all cores)
  --nfe LIST      comma-separated NFE budgets (default 16,32,64,128,256)
  --from-json F   no sampling: re-print the tables and re-draw the SVG of an earlier run's JSON
                  (the SVG goes to --out, default F without .json)`;
const fail = makeFail('paper-mog', USAGE);

function parseArgs(argv) {
  const { values, int, ints } = parseBenchArgs(
    argv,
    { particles: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, quick: { type: 'boolean' },
      threads: { type: 'string' }, nfe: { type: 'string' }, 'from-json': { type: 'string' } },
    USAGE,
    fail,
  );
  const a = { particles: int('particles', 1), seed: int('seed', 0) ?? 1, out: values.out, quick: values.quick ?? false,
    threads: int('threads', 1), nfe: ints('nfe', 1), fromJson: values['from-json'] };
  if (a.fromJson !== undefined) {
    let j;
    try {
      j = JSON.parse(fs.readFileSync(a.fromJson, 'utf8'));
    } catch (e) {
      fail(`--from-json: cannot read ${a.fromJson}: ${e.message}`);
    }
    if (j.experiment !== 'paper-mog') fail(`--from-json: ${a.fromJson} is not a paper-mog result`);
    a.saved = j;
    a.particles = j.particles;
    a.seed = j.seed;
    a.nfe = j.nfeBudgets;
    a.threads = j.threads ?? undefined;
    a.out ??= a.fromJson.replace(/\.json$/, '');
  }
  a.out ??= 'bench/out/paper-mog';
  a.particles ??= a.quick ? 5000 : 20000;
  a.nfe ??= a.quick ? [16, 32, 64] : [16, 32, 64, 128, 256];
  return a;
}

const args = parseArgs(process.argv.slice(2));
const target = rtk.GaussianMixture.paperTarget();
const MA_OPTIONS = { bins: 100, range: [-2, 2] };

// Rows: every sampler with its defaults, plus DDPM on a uniform grid (the paper's baseline)
// right after the default (geometric-grid) DDPM.
const ROWS = [];
for (const s of rtk.SAMPLERS) {
  ROWS.push({ row: s, sampler: s, extra: {} });
  if (s === 'ddpm') ROWS.push({ row: 'ddpm-uniform', sampler: 'ddpm', extra: { grid: 'uniform' } });
}

function runCell(sampler, nfe, extra) {
  const opts = { target, sampler, nfe, particles: args.particles, seed: args.seed, ...extra };
  if (args.threads !== undefined) opts.threads = args.threads;
  const t0 = performance.now();
  try {
    const { samples, stats } = rtk.sampleSync(opts);
    const ms = performance.now() - t0;
    let nonFinite = 0;
    for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) nonFinite++;
    return {
      accuracy: rtk.marginalAccuracy(samples, target, MA_OPTIONS),
      nfe: stats.nfe,
      nfeBudget: stats.nfeBudget,
      energyEvals: stats.energyEvals,
      ms,
      statsMs: stats.ms,
      path: stats.path,
      segments: stats.segments.length,
      budgetNote: stats.budgetNote,
      nonFinite,
      error: null,
    };
  } catch (e) {
    return { accuracy: null, nfe: null, nfeBudget: nfe, energyEvals: null, ms: performance.now() - t0, error: String(e && e.message ? e.message : e) };
  }
}

// ---------------------------------------------------------------------------------------------
const saved = args.saved;
const wallT0 = Date.now();
const started = saved ? new Date(saved.date) : new Date();
const loadStart = saved ? saved.host.loadavg1?.start ?? NaN : os.loadavg()[0];
const cpus = saved ? saved.host.cpus : os.cpus().length;
const log = (s) => process.stderr.write(s + '\n');
let floor, cells, paperDdpm;
if (saved) {
  log(`paper-mog: re-rendering ${args.fromJson} (run of ${saved.date})`);
  floor = saved.noiseFloor.value;
  cells = saved.cells;
  paperDdpm = saved.ddpm1000Uniform;
  const want = ROWS.flatMap((r) => args.nfe.map((nfe) => `${r.row}@${nfe}`));
  const missing = want.filter((k) => !cells.some((c) => `${c.row}@${c.nfeBudget}` === k));
  if (missing.length) fail(`--from-json: cells missing: ${missing.join(', ')}`);
} else {
  log(`paper-mog: n = ${args.particles}, seed = ${args.seed}, NFE ${args.nfe.join(', ')}, threads = ${args.threads ?? 'all'} (${cpus} cores)`);
  const floorT0 = performance.now();
  floor = rtk.marginalAccuracyFloor(target, args.particles, { ...MA_OPTIONS, repeats: 3 });
  log(`noise floor ${floor.toFixed(4)} (${(performance.now() - floorT0).toFixed(0)} ms)`);
  cells = [];
  for (const r of ROWS) {
    for (const nfe of args.nfe) {
      const c = runCell(r.sampler, nfe, r.extra);
      cells.push({ row: r.row, sampler: r.sampler, options: r.extra, ...c, nfeBudget: nfe });
      log(`  ${r.row.padEnd(13)} nfe ${String(nfe).padStart(4)}: ` +
        (c.error ? `error: ${c.error}` : `MA ${c.accuracy.toFixed(4)}  spent ${c.nfe}  energy ${c.energyEvals}  ${c.ms.toFixed(0)} ms`));
    }
  }
  log('  ddpm 1000 uniform ...');
  paperDdpm = { row: 'ddpm-1000-uniform', sampler: 'ddpm', options: { grid: 'uniform' }, ...runCell('ddpm', 1000, { grid: 'uniform' }), nfeBudget: 1000 };
  log(paperDdpm.error ? `  error: ${paperDdpm.error}` : `  MA ${paperDdpm.accuracy.toFixed(4)}  ${paperDdpm.ms.toFixed(0)} ms`);
}

// ---------------------------------------------------------------------------------------------
// Tables.
const cellOf = (row, nfe) => cells.find((c) => c.row === row && c.nfeBudget === nfe);
const errors = [];
function maText(c) {
  if (c.error) {
    errors.push(`${c.row} @ NFE ${c.nfeBudget}: ${c.error}`);
    return 'err';
  }
  let s = c.accuracy.toFixed(3);
  if (c.nfe !== c.nfeBudget) s += ` (${c.nfe})`;
  if (c.nonFinite) s += '!';
  return s;
}
const msText = (c) => (c.error ? 'err' : c.ms.toFixed(0));

function table(title, textOf) {
  const rowW = Math.max(...ROWS.map((r) => r.row.length), 'sampler'.length);
  const cols = args.nfe.map((nfe) => ROWS.map((r) => textOf(cellOf(r.row, nfe))));
  const colW = args.nfe.map((nfe, j) => Math.max(String(nfe).length, ...cols[j].map((s) => s.length)));
  const lines = [title];
  lines.push(['sampler'.padEnd(rowW), ...args.nfe.map((nfe, j) => String(nfe).padStart(colW[j]))].join('  '));
  lines.push(['-'.repeat(rowW), ...colW.map((w) => '-'.repeat(w))].join('  '));
  ROWS.forEach((r, i) => lines.push([r.row.padEnd(rowW), ...cols.map((col, j) => col[i].padStart(colW[j]))].join('  ')));
  return lines;
}

const maLines = table(`Marginal accuracy (100 bins on [-2, 2]), n = ${args.particles}, seed ${args.seed}; columns = NFE budget`, maText);
// The noise floor beside the table (to the right of its header rows).
const side = [
  `| noise floor (n = ${args.particles} exact draws,`,
  `|   mean of 3): ${floor.toFixed(3)}`,
  `| perfect sampler scores ~ floor`,
];
const width = Math.max(...maLines.map((l) => l.length));
const printed = maLines.map((l, i) => (i >= 1 && i - 1 < side.length ? l.padEnd(width + 3) + side[i - 1] : l));
console.log(printed.join('\n'));
const notes = [];
if (cells.some((c) => !c.error && c.nfe !== c.nfeBudget)) notes.push('(k) = NFE actually spent where it differs from the budget.');
if (cells.some((c) => !c.error && c.nonFinite)) notes.push('! = some samples were not finite (counted as outside the binned range).');
const pd = paperDdpm;
const pdText = pd.error ? 'err' : `${pd.accuracy.toFixed(3)}${pd.nfe !== 1000 ? ` (${pd.nfe})` : ''}  (${pd.ms.toFixed(0)} ms)`;
if (pd.error) errors.push(`ddpm-1000-uniform: ${pd.error}`);
console.log(`DDPM 1000 uniform, as the paper ran it: ${pdText}`);
for (const n of notes) console.log(n);

// The paper's qualitative claim, checked per budget (strict ordering of point estimates).
const claimOrder = ['rtk-mala', 'rtk-mala-es', 'rtk-uld', 'rtk-ula'];
const claim = args.nfe.map((nfe) => {
  const v = claimOrder.map((r) => cellOf(r, nfe)).map((c) => (c && !c.error ? c.accuracy : NaN));
  const chain = v.every(Number.isFinite) && v.every((x, i) => i === 0 || v[i - 1] > x);
  const beatsDdpm = !pd.error && Number.isFinite(v[3]) && v[3] > pd.accuracy;
  const best = ROWS.map((r) => cellOf(r.row, nfe)).filter((c) => !c.error).sort((a, b) => b.accuracy - a.accuracy)[0];
  return { nfe, orderingHolds: chain, rtkUlaBeatsDdpm1000: beatsDdpm, best: best ? best.row : null };
});
console.log('Paper claim "rtk-mala > rtk-mala-es > rtk-uld > rtk-ula > DDPM 1000 uniform" per NFE (point estimates):');
for (const c of claim)
  console.log(`  NFE ${String(c.nfe).padStart(4)}: ordering of RTK variants ${c.orderingHolds ? 'holds' : 'does not hold'}; ` +
    `rtk-ula ${c.rtkUlaBeatsDdpm1000 ? '>' : '<='} DDPM 1000 uniform; best overall: ${c.best}`);
console.log('');
console.log(table('Wall time per cell (ms, sampleSync incl. setup)', msText).join('\n'));
const loadEnd = saved ? saved.host.loadavg1?.end ?? NaN : os.loadavg()[0];
console.log(`1-min load average: ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end (${cpus} cores); ` +
  'timings on a shared machine are noisy.');
if (errors.length) {
  console.log('\nErrors:');
  for (const e of errors) console.log(`  ${e}`);
}

// ---------------------------------------------------------------------------------------------
// JSON.
const outPrefix = path.resolve(args.out);
fs.mkdirSync(path.dirname(outPrefix), { recursive: true });
const json = {
  experiment: 'paper-mog',
  description: "Marginal accuracy vs NFE on the paper's target: 12 equal-weight Gaussians in d = 10, means on the unit circle in the first two coordinates, variance 0.007",
  date: started.toISOString(),
  node: process.version,
  host: { cpus: os.cpus().length, model: os.cpus()[0] && os.cpus()[0].model, loadavg1: { start: loadStart, end: loadEnd } },
  particles: args.particles,
  seed: args.seed,
  threads: args.threads ?? null,
  nfeBudgets: args.nfe,
  metric: { name: 'marginalAccuracy', ...MA_OPTIONS },
  noiseFloor: { value: floor, n: args.particles, repeats: 3 },
  rows: ROWS.map((r) => ({ row: r.row, sampler: r.sampler, options: r.extra })),
  cells: cells.map(strip),
  ddpm1000Uniform: strip(paperDdpm),
  paperClaim: claim,
};
function strip(c) {
  return {
    row: c.row, sampler: c.sampler, options: c.options, nfeBudget: c.nfeBudget, accuracy: c.accuracy,
    nfe: c.nfe, energyEvals: c.energyEvals, ms: c.ms, statsMs: c.statsMs ?? null, path: c.path ?? null,
    segments: c.segments ?? null, budgetNote: c.budgetNote ?? null, nonFinite: c.nonFinite ?? null, error: c.error,
  };
}
if (!saved) fs.writeFileSync(`${outPrefix}.json`, JSON.stringify(json, null, 2) + '\n');

// ---------------------------------------------------------------------------------------------
// SVG: accuracy vs NFE, log2 x-axis; y focused on [0.5, 1] (lower if everything is lower).
const okVals = cells.filter((c) => !c.error).map((c) => c.accuracy);
const yLo = okVals.length && Math.max(...okVals) < 0.6 ? Math.max(0, Math.floor(Math.min(...okVals) * 10) / 10) : 0.5;
const maxTick = pd.error ? Math.max(...args.nfe) : Math.max(1024, ...args.nfe);
const xTicks = [];
for (let x = Math.min(...args.nfe); x <= maxTick * 1.0001; x *= 2) xTicks.push(x);
if (xTicks[xTicks.length - 1] < maxTick) xTicks.push(xTicks[xTicks.length - 1] * 2);
const RTK_COLORS = { 'rtk-mala': '#d62728', 'rtk-mala-es': '#ff7f0e', 'rtk-uld': '#2ca02c', 'rtk-ula': '#bcbd22' };
const BASE_COLORS = { ddpm: '#1f77b4', 'ddpm-uniform': '#17becf', ddim: '#9467bd', 'pf-heun': '#8c564b', ald: '#e377c2' };
const svg = linePlot({
  title: `Marginal accuracy vs NFE on the paper's mixture (d = 10, 12 modes)`,
  subtitle: `n = ${args.particles} particles, seed ${args.seed}, 100 bins on [-2, 2]; RTK samplers solid, baselines dashed; defaults unless noted`,
  xLabel: 'NFE (score evaluations per particle, log2 scale)',
  yLabel: 'marginal accuracy (1 = perfect)',
  xTicks,
  yRange: [yLo, 1],
  yStep: 0.05,
  series: ROWS.map((r) => ({
    name: r.row === 'ddpm-uniform' ? 'ddpm (uniform grid)' : r.row,
    color: RTK_COLORS[r.row] ?? BASE_COLORS[r.row],
    dash: RTK_COLORS[r.row] ? undefined : '6 4',
    // Plot at the NFE actually spent.
    points: args.nfe.map((nfe) => {
      const c = cellOf(r.row, nfe);
      return c.error ? [nfe, NaN] : [c.nfe, c.accuracy];
    }),
  })),
  hlines: [{ y: floor, label: `noise floor ${floor.toFixed(3)}`, legend: 'noise floor (exact draws)', color: '#333' }],
  markers: pd.error ? [] : [{ x: pd.nfe, y: pd.accuracy, label: `DDPM 1000 uniform (${pd.accuracy.toFixed(3)})`, color: '#000' }],
});
fs.writeFileSync(`${outPrefix}.svg`, svg);
log(`wrote ${path.relative(process.cwd(), outPrefix)}${saved ? '' : '.json and '}.svg (${((Date.now() - wallT0) / 1000).toFixed(1)} s)`);
