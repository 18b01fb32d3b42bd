#!/usr/bin/env node
// Leak check: many short sampling runs, alternating the native target and a JS score (sample
// and sampleSync, every sampler, with and without `out`), then faulty runs (throwing / rejecting
// / NaN / partial / detaching scores, a detached `out`, aborted runs); prints RSS, heap,
// external memory and the thread count at intervals and says whether RSS stayed flat after the
// warm-up.
//
//   node scripts/leak-check.js [--runs 10000] [--faults 3000] [--every 1000] [--particles 32]
//                              [--limit-mb 24] [--dist]
//
// Loads lib/ directly (TypeScript transpiled on require; only the addon must be built), or the
// compiled dist/ with --dist. Re-runs itself with --expose-gc so that every sample point is
// taken after a full GC. Exit status 1 when RSS grew by more than --limit-mb after the warm-up
// (the first 10% of the runs of each phase).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

if (typeof global.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = arg('runs', 10000);
const FAULTS = arg('faults', 3000);
const EVERY = arg('every', 1000);
const PARTICLES = arg('particles', 32);
const LIMIT_MB = arg('limit-mb', 24);
const root = path.join(__dirname, '..');

function loadLibrary() {
  if (process.argv.includes('--dist')) return require(path.join(root, 'dist'));
  const ts = require('typescript');
  require.extensions['.ts'] = (m, file) => {
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    m._compile(out.outputText, file);
  };
  return require(path.join(root, 'lib'));
}
const L = loadLibrary();

function threads() {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

function snapshot() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  const mb = (b) => b / 1048576;
  return { rss: mb(m.rss), heap: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), threads: threads() };
}

function line(label, s) {
  return `${label.padEnd(18)} rss ${s.rss.toFixed(1).padStart(7)} MB  heap ${s.heap.toFixed(1).padStart(6)} MB  external ${s.external.toFixed(1).padStart(6)} MB  arrayBuffers ${s.arrayBuffers.toFixed(1).padStart(6)} MB  threads ${s.threads}`;
}

const target = new L.GaussianMixture({ means: [[0.5, -1, 2], [-0.5, 1, 0]], variances: [[0.5, 0.2, 1.5], 0.3] });
const score = (x, t, out) => target.score(x, t, out);
const energy = (x, t, out) => target.energy(x, t, out);
const samplers = L.SAMPLERS;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function goodRun(i) {
  const sampler = samplers[i % samplers.length];
  // Every other group of four runs writes its samples into a caller's `out` array.
  const out = (i >> 2) % 2 ? { out: new Float64Array(PARTICLES * 3) } : {};
  const base = { sampler, particles: PARTICLES, nfe: 16, seed: i >>> 0, ...out };
  switch (i % 4) {
    case 0: return L.sample({ target, ...base });
    case 1: return L.sample({ score, energy, dim: 3, ...base });
    case 2: return L.sampleSync({ target, ...base });
    default: return L.sampleSync({ score, energy, dim: 3, ...base });
  }
}

const faults = [
  ['throws', () => L.sample({ score: () => { throw new Error('boom'); }, dim: 3, sampler: 'ddpm', nfe: 8, particles: PARTICLES })],
  ['rejects', () => L.sample({ score: async () => { throw new Error('boom'); }, dim: 3, sampler: 'rtk-uld', nfe: 8, particles: PARTICLES })],
  ['NaN (ddpm)', () => L.sample({ score: (x, t, out) => out.fill(NaN), dim: 3, sampler: 'ddpm', nfe: 8, particles: PARTICLES })],
  ['NaN (mala rejects)', () => L.sample({ score: (x, t, out) => (score(x, t, out), t < 1 && out.fill(NaN)), dim: 3, sampler: 'rtk-mala-es', nfe: 12, particles: PARTICLES })],
  ['writes nothing', () => L.sample({ score: () => undefined, dim: 3, sampler: 'ddim', nfe: 8, particles: PARTICLES })],
  ['writes half', () => L.sample({ score: (x, t, out) => out.subarray(0, out.length >> 1).fill(0), dim: 3, sampler: 'pf-heun', nfe: 8, particles: PARTICLES })],
  ['detaches out', () => L.sample({ score: (x, t, out) => { score(x, t, out); structuredClone(out.buffer, { transfer: [out.buffer] }); }, dim: 3, sampler: 'ald', nfe: 8, particles: PARTICLES })],
  ['Promise to sampleSync', async () => L.sampleSync({ score: async (x, t, out) => score(x, t, out), dim: 3, sampler: 'ddpm', nfe: 8, particles: PARTICLES })],
  ['bad option', async () => L.sample({ target, particles: -1 })],
  ['out detached during the run', () => {
    const out = new Float64Array(2000 * 3);
    const p = L.sample({ target, sampler: 'ddpm', nfe: 8, particles: 2000, out });
    structuredClone(out.buffer, { transfer: [out.buffer] });
    return p;
  }],
  ['abort (JS)', () => {
    const c = new AbortController();
    let calls = 0;
    return L.sample({ score: (x, t, out) => { if (++calls === 3) c.abort(); score(x, t, out); }, dim: 3, sampler: 'ddpm', nfe: 20, particles: PARTICLES, signal: c.signal });
  }],
  ['abort (native)', async () => {
    const c = new AbortController();
    const p = L.sample({ target, sampler: 'ddpm', nfe: 2000, particles: 2000, signal: c.signal });
    await sleep(0);
    c.abort();
    return p;
  }],
];

async function phase(name, runs, one) {
  const points = [];
  const warm = Math.max(1, Math.floor(runs / 10));
  const outcomes = new Map();
  console.log(`\n${name}: ${runs} runs (${PARTICLES} particles)`);
  const start = snapshot();
  console.log(line('start', start));
  let afterWarm = start;
  const t0 = Date.now();
  for (let i = 1; i <= runs; i++) {
    let outcome = 'ok';
    try {
      await one(i);
    } catch (e) {
      outcome = e && e.name ? e.name : 'threw';
    }
    outcomes.set(outcome, (outcomes.get(outcome) || 0) + 1);
    if (i === warm) {
      afterWarm = snapshot();
      console.log(line(`after warm-up ${i}`, afterWarm));
    }
    if (i % EVERY === 0 || i === runs) {
      const s = snapshot();
      points.push(s);
      console.log(line(`run ${i}`, s));
    }
  }
  const end = points[points.length - 1];
  const growth = end.rss - afterWarm.rss;
  const peak = Math.max(...points.map((p) => p.rss));
  console.log(`  outcomes: ${[...outcomes].map(([k, v]) => `${v} ${k}`).join(', ')}; ${((Date.now() - t0) / runs).toFixed(2)} ms per run`);
  console.log(`  RSS after warm-up ${afterWarm.rss.toFixed(1)} MB -> end ${end.rss.toFixed(1)} MB (growth ${growth.toFixed(1)} MB, peak ${peak.toFixed(1)} MB); threads ${start.threads} (start) -> ${afterWarm.threads} (after warm-up: libuv and shared pools) -> ${end.threads} (end)`);
  return { growth, threadsGrew: end.threads > afterWarm.threads };
}

(async () => {
  console.log(`leak-check: node ${process.version}, ${process.argv.includes('--dist') ? 'dist/' : 'lib/ (transpiled)'}, limit ${LIMIT_MB} MB`);
  const results = [];
  results.push(await phase('good runs (native target / JS score, sample / sampleSync, all samplers)', RUNS, goodRun));
  if (FAULTS > 0) results.push(await phase(`faulty runs (${faults.map((f) => f[0]).join(', ')})`, FAULTS, (i) => faults[i % faults.length][1]()));
  const bad = results.filter((r) => r.growth > LIMIT_MB || r.threadsGrew);
  console.log(bad.length ? `\nFAIL: RSS or thread count grew after the warm-up` : `\nOK: RSS flat after the warm-up (growth within ${LIMIT_MB} MB), no threads left behind`);
  process.exit(bad.length ? 1 : 0);
})();
