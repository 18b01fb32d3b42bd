#!/usr/bin/env node
'use strict';
// Every sampler on a trained network: the 8x8 digits epsilon model (models/digits/, MODEL.md),
// run through onnxScore (onnxruntime-node), at several NFE budgets.
//
//   node bench/digits.js [--particles 2000] [--seed 1] [--nfe 10,20,50,100,200] [--out bench/out/digits]
//                        [--quick] [--grid-nfe 20] [--ort-threads N] [--models DIR]
//
// Rows: every sampler with its defaults (the RTK samplers on the library's default schedule), and
// the RTK samplers again on the paper's schedule (schedule: 'segments'); rtk-mala is not run: it
// needs an energy, which an eps network does not give. Every run goes from T = 5 to tEnd = 1e-3
// (the network's training range), the baselines on a geometric grid to tMin = 1e-3 with the final
// Tweedie denoise; budgets below a sampler's minimum print 'n/a'.
// Scores each run against the held-out real images (the 20% test split the networks never saw):
//  - FD: the Frechet distance between the generated samples and the held-out images in the
//    penultimate-layer features (64) of the digits classifier (models/digits/digits-classifier.onnx);
//  - TV: total variation between the histogram of the classifier's predicted classes on the
//    samples and the true class frequencies of the held-out split;
//  - wall time of the run (sampling incl. every network call).
// The floor: the same two figures for the held-out real images against the training images (FD
// between their features; TV of the classifier's predictions on the held-out images).
// Writes <out>.json (every cell) and <out>-nfe<grid-nfe>.png (10x10 generated digits per sampler,
// side by side, and the held-out images for reference). Needs the built package (npm run build)
// and onnxruntime-node (a devDependency).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const { PNG } = require('pngjs');
const rtk = require('..');
const { makeFail, parseBenchArgs } = require('./lib/args');

const USAGE = `usage: node bench/digits.js [--particles N] [--seed S] [--nfe LIST] [--out PREFIX] [--quick] [--grid-nfe K] [--ort-threads N]
  --particles N    samples per run (default 2000; 500 with --quick)
  --seed S         seed of every run (default 1)
  --nfe LIST       comma-separated NFE budgets (default 10,20,50,100,200; 10,20 with --quick)
  --out PREFIX     writes PREFIX.json and PREFIX-nfe<K>.png (default bench/out/digits)
  --grid-nfe K     the budget whose samples are drawn in the PNG (default 20)
  --ort-threads N  onnxruntime intra-op threads (default: its own choice, all cores)
  --models DIR     the models and split (default models/digits)`;
const fail = makeFail('digits', USAGE);

function parseArgs(argv) {
  const str = { type: 'string' };
  const { values, int, ints } = parseBenchArgs(
    argv,
    { particles: str, seed: str, nfe: str, out: str, quick: { type: 'boolean' }, 'grid-nfe': str, 'ort-threads': str,
      models: str },
    USAGE,
    fail,
  );
  const a = { particles: int('particles', 100), seed: int('seed', 0) ?? 1, nfe: ints('nfe', 1),
    out: values.out ?? 'bench/out/digits', quick: values.quick ?? false, gridNfe: int('grid-nfe', 1) ?? 20,
    ortThreads: int('ort-threads', 1),
    models: values.models === undefined ? path.join(__dirname, '..', 'models', 'digits') : path.resolve(values.models) };
  a.particles ??= a.quick ? 500 : 2000;
  a.nfe ??= a.quick ? [10, 20] : [10, 20, 50, 100, 200];
  return a;
}

const args = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(s + '\n');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  fail(`needs onnxruntime-node (npm install; it is a devDependency): ${e.message}`);
}

// ---------------------------------------------------------------------------------------------
// Data: the split saved by models/digits/train.py (uint8 .npy, pixels 0..16), scaled x = p/8 - 1.
const MODELS = args.models;
const DIM = 64;
const T = 5, T_MIN = 1e-3; // the eps network's training range (MODEL.md)

function readNpyUint8(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'\|u1'/.test(header) || /'fortran_order':\s*True/.test(header)) throw new Error(`${file}: expected a C-order uint8 array (${header})`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + start, shape.reduce((p, q) => p * q, 1)) };
}

const split = {};
for (const name of ['train-x', 'train-y', 'test-x', 'test-y']) split[name] = readNpyUint8(path.join(MODELS, 'split', `${name}.npy`));
const scaleImages = (u8) => Float32Array.from(u8, (p) => p / 8 - 1);
const trainX = scaleImages(split['train-x'].data), testX = scaleImages(split['test-x'].data);
const testY = split['test-y'].data;
const nTrain = split['train-x'].shape[0], nTest = split['test-x'].shape[0];
const trueFreq = new Float64Array(10);
for (const y of testY) trueFreq[y] += 1 / nTest;

// ---------------------------------------------------------------------------------------------
// Metrics.
async function classify(session, x) {
  const n = x.length / DIM;
  const r = await session.run({ x: new ort.Tensor('float32', x instanceof Float32Array ? x : Float32Array.from(x), [n, DIM]) });
  const logits = r.logits.data, feats = Float64Array.from(r.features.data);
  const fdim = r.features.dims[1];
  const pred = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
    pred[i] = best;
  }
  return { feats, fdim, pred, n };
}

function meanCov(f, n, d) {
  const mu = new Float64Array(d), cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += f[i * d + j] / n;
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = f[i * d + j] - mu[j];
    for (let j = 0; j < d; j++) {
      const cj = c[j];
      for (let k = j; k < d; k++) cov[j * d + k] += cj * c[k];
    }
  }
  for (let j = 0; j < d; j++)
    for (let k = j; k < d; k++) {
      cov[j * d + k] /= n - 1;
      cov[k * d + j] = cov[j * d + k];
    }
  return { mu, cov };
}

/** Eigen-decomposition of a symmetric d x d matrix (cyclic Jacobi): { values, vectors (columns) }. */
function symEig(a, d) {
  const A = Float64Array.from(a), V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, norm = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) (i === j ? (norm += A[i * d + j] ** 2) : (off += A[i * d + j] ** 2));
    if (off <= 1e-30 * (norm + off) || off === 0) break;
    for (let p = 0; p < d - 1; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p], akq = A[k * d + q];
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k], aqk = A[q * d + k];
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p], vkq = V[k * d + q];
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => A[i * d + i]), vectors: V };
}

/** Frechet distance between Gaussians fitted to two feature sets:
 * ||mu1 - mu2||^2 + tr C1 + tr C2 - 2 tr (C1^{1/2} C2 C1^{1/2})^{1/2}. */
function frechet(a, b, d) {
  const { values: ev, vectors: V } = symEig(a.cov, d);
  // S = C1^{1/2} = V diag(sqrt(max(ev, 0))) V^T
  const S = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V[i * d + k] * Math.sqrt(Math.max(ev[k], 0)) * V[j * d + k];
      S[i * d + j] = s;
    }
  const mul = (X, Y) => {
    const Z = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let k = 0; k < d; k++) {
        const x = X[i * d + k];
        if (x === 0) continue;
        for (let j = 0; j < d; j++) Z[i * d + j] += x * Y[k * d + j];
      }
    return Z;
  };
  const M = mul(mul(S, b.cov), S);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) M[i * d + j] = M[j * d + i] = 0.5 * (M[i * d + j] + M[j * d + i]);
  const traceSqrt = symEig(M, d).values.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
  let dm = 0, tr = 0;
  for (let i = 0; i < d; i++) {
    dm += (a.mu[i] - b.mu[i]) ** 2;
    tr += a.cov[i * d + i] + b.cov[i * d + i];
  }
  return dm + tr - 2 * traceSqrt;
}

function classTv(pred) {
  const h = new Float64Array(10);
  for (const c of pred) h[c] += 1 / pred.length;
  let tv = 0;
  for (let c = 0; c < 10; c++) tv += Math.abs(h[c] - trueFreq[c]);
  return { tv: 0.5 * tv, hist: Array.from(h) };
}

// ---------------------------------------------------------------------------------------------
// PNG: per sampler a 10 x 10 grid of 8x8 digits upscaled 4x (white ink on black), side by side
// with a gap, a label above each (a 3x5 pixel font, scaled 3x).
const FONT = {
  a: ['010', '101', '111', '101', '101'], b: ['110', '101', '110', '101', '110'], c: ['011', '100', '100', '100', '011'],
  d: ['110', '101', '101', '101', '110'], e: ['111', '100', '110', '100', '111'], f: ['111', '100', '110', '100', '100'],
  g: ['011', '100', '101', '101', '011'], h: ['101', '101', '111', '101', '101'], i: ['111', '010', '010', '010', '111'],
  k: ['101', '101', '110', '101', '101'], l: ['100', '100', '100', '100', '111'], m: ['101', '111', '111', '101', '101'],
  n: ['110', '101', '101', '101', '101'], o: ['010', '101', '101', '101', '010'], p: ['110', '101', '110', '100', '100'],
  r: ['110', '101', '110', '101', '101'], s: ['011', '100', '010', '001', '110'], t: ['111', '010', '010', '010', '010'],
  u: ['101', '101', '101', '101', '111'], v: ['101', '101', '101', '101', '010'], w: ['101', '101', '111', '111', '101'],
  x: ['101', '101', '010', '101', '101'], y: ['101', '101', '010', '010', '010'], '-': ['000', '000', '111', '000', '000'],
  ' ': ['000', '000', '000', '000', '000'], '(': ['010', '100', '100', '100', '010'], ')': ['010', '001', '001', '001', '010'],
  '0': ['111', '101', '101', '101', '111'], '1': ['010', '110', '010', '010', '111'], '2': ['110', '001', '010', '100', '111'],
  '3': ['110', '001', '010', '001', '110'], '4': ['101', '101', '111', '001', '001'], '5': ['111', '100', '110', '001', '110'],
  '6': ['011', '100', '111', '101', '111'], '7': ['111', '001', '010', '010', '010'], '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '110'], '=': ['000', '111', '000', '111', '000'], '.': ['000', '000', '000', '000', '010'],
};

function writeGrid(file, panels) {
  const zoom = 4, cell = 8 * zoom, per = 10, pad = 1, gap = 16, labelH = 24, textScale = 3;
  const panelW = per * cell + (per - 1) * pad;
  const W = panels.length * panelW + (panels.length + 1) * gap, H = labelH + panelW + 2 * gap;
  const png = new PNG({ width: W, height: H });
  const set = (x, y, v) => {
    const o = (y * W + x) * 4;
    png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
    png.data[o + 3] = 255;
  };
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) set(x, y, 96);
  panels.forEach((p, k) => {
    const x0 = gap + k * (panelW + gap), y0 = gap + labelH;
    const text = p.label.toLowerCase();
    const tw = text.length * 4 * textScale;
    let cx = x0 + Math.max(0, Math.floor((panelW - tw) / 2));
    for (const ch of text) {
      const g = FONT[ch] ?? FONT[' '];
      for (let r = 0; r < 5; r++)
        for (let c = 0; c < 3; c++)
          if (g[r][c] === '1')
            for (let dy = 0; dy < textScale; dy++) for (let dx = 0; dx < textScale; dx++) set(cx + c * textScale + dx, gap + r * textScale + dy, 255);
      cx += 4 * textScale;
    }
    for (let y = 0; y < panelW; y++) for (let x = 0; x < panelW; x++) set(x0 + x, y0 + y, 40);
    const count = Math.min(per * per, p.images.length / DIM);
    for (let i = 0; i < count; i++) {
      const gx = x0 + (i % per) * (cell + pad), gy = y0 + Math.floor(i / per) * (cell + pad);
      for (let py = 0; py < 8; py++)
        for (let px = 0; px < 8; px++) {
          const v = p.images[i * DIM + py * 8 + px];
          const g = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v + 1) / 2))) : 0;
          for (let dy = 0; dy < zoom; dy++) for (let dx = 0; dx < zoom; dx++) set(gx + px * zoom + dx, gy + py * zoom + dy, g);
        }
    }
  });
  fs.writeFileSync(file, PNG.sync.write(png));
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const started = new Date();
  const loadStart = os.loadavg()[0];
  const sessionOptions = args.ortThreads ? { intraOpNumThreads: args.ortThreads, interOpNumThreads: 1 } : {};
  const classifier = await ort.InferenceSession.create(path.join(MODELS, 'digits-classifier.onnx'), sessionOptions);
  const score = rtk.onnxScore(path.join(MODELS, 'digits-eps.onnx'), { kind: 'epsilon', dim: DIM, sessionOptions });
  await score.load();

  // Floor: held-out real images against the training images.
  const fTrain = await classify(classifier, trainX), fTest = await classify(classifier, testX);
  const d = fTest.fdim;
  const statsTest = meanCov(fTest.feats, fTest.n, d), statsTrain = meanCov(fTrain.feats, fTrain.n, d);
  const floorFd = frechet(statsTest, statsTrain, d);
  const floorTv = classTv(fTest.pred).tv;
  const testAcc = fTest.pred.reduce((s, p, i) => s + (p === testY[i] ? 1 : 0), 0) / nTest;
  log(`digits: n = ${args.particles}, seed ${args.seed}, NFE ${args.nfe.join(', ')}; ${nTrain} train / ${nTest} held-out images; ` +
    `classifier held-out accuracy ${(100 * testAcc).toFixed(1)}%`);
  log(`floor (held-out vs train): FD ${floorFd.toFixed(3)}, class TV ${floorTv.toFixed(3)}`);

  // Rows: every sampler with its defaults (RTK: the library's default schedule), then the RTK
  // samplers on the paper's schedule (schedule: 'segments': RTK segments from T, no prefix).
  const SAMPLERS = ['rtk-mala-es', 'rtk-uld', 'rtk-ula', 'ddpm', 'ddim', 'pf-heun', 'ald'];
  const RTK = new Set(['rtk-mala-es', 'rtk-uld', 'rtk-ula']);
  const ROWS = SAMPLERS.map((s) => ({ row: s, sampler: s, extra: {} }));
  for (const s of RTK) ROWS.push({ row: `${s} segments`, sampler: s, extra: { schedule: 'segments' } });
  const optionsOf = (r) => ({ ...(RTK.has(r.sampler) ? { T, tEnd: T_MIN } : { T, tEnd: T_MIN, tMin: T_MIN, finalDenoise: true }), ...r.extra });
  const cells = [];
  const gridPanels = [];
  for (const r0 of ROWS) {
    const { row, sampler } = r0;
    for (const nfe of args.nfe) {
      const opts = { score, dim: DIM, sampler, nfe, particles: args.particles, seed: args.seed, ...optionsOf(r0) };
      const cell = { row, sampler, nfeBudget: nfe, options: optionsOf(r0) };
      const t0 = performance.now();
      let r;
      try {
        r = await rtk.sample(opts);
      } catch (e) {
        const below = e instanceof RangeError && /budget of at least/.test(e.message);
        Object.assign(cell, { na: below, error: e.message });
        cells.push(cell);
        log(`  ${row.padEnd(20)} nfe ${String(nfe).padStart(3)}: ${below ? 'n/a' : 'error'}: ${e.message}`);
        continue;
      }
      const ms = performance.now() - t0;
      let nonFinite = 0, outside = 0;
      const x32 = new Float32Array(r.samples.length);
      for (let i = 0; i < r.samples.length; i++) {
        const v = r.samples[i];
        if (!Number.isFinite(v)) nonFinite++;
        else if (v < -1.5 || v > 1.5) outside++;
        x32[i] = Number.isFinite(v) ? v : 0;
      }
      const f = await classify(classifier, x32);
      const fd = frechet(meanCov(f.feats, f.n, d), statsTest, d);
      const { tv, hist } = classTv(f.pred);
      Object.assign(cell, {
        fd, tv, ms, nfe: r.stats.nfe, budgetNote: r.stats.budgetNote, segments: r.stats.segments.length,
        acceptRate: r.stats.segments.map((s) => s.acceptRate ?? null), classHistogram: hist, nonFinite,
        outsideRange: outside / r.samples.length,
      });
      cells.push(cell);
      if (nfe === args.gridNfe) gridPanels.push({ label: row.replace(' segments', ' (seg)'), images: r.samples.slice(0, 100 * DIM) });
      log(`  ${row.padEnd(20)} nfe ${String(nfe).padStart(3)}: FD ${fd.toFixed(3)}  TV ${tv.toFixed(3)}  spent ${r.stats.nfe}  ${ms.toFixed(0)} ms`);
    }
  }
  const loadEnd = os.loadavg()[0];

  // Tables.
  const cellOf = (row, nfe) => cells.find((c) => c.row === row && c.nfeBudget === nfe);
  const rowsAll = ['rtk-mala', ...ROWS.map((r) => r.row)];
  const text = (c, f) => (!c ? 'n/a' : c.na ? 'n/a' : c.error ? 'err' : f(c) + (c.nfe !== c.nfeBudget ? ` (${c.nfe})` : '') + (c.nonFinite ? '!' : ''));
  function table(title, f, floorText) {
    const cols = args.nfe.map((nfe) => rowsAll.map((s) => (s === 'rtk-mala' ? '-' : text(cellOf(s, nfe), f))));
    const rowW = Math.max('sampler'.length, ...rowsAll.map((s) => s.length), 'floor: held-out vs train'.length);
    const colW = args.nfe.map((nfe, j) => Math.max(String(nfe).length, ...cols[j].map((s) => s.length)));
    const lines = [title, ['sampler'.padEnd(rowW), ...args.nfe.map((nfe, j) => String(nfe).padStart(colW[j]))].join('  ')];
    lines.push(['-'.repeat(rowW), ...colW.map((w) => '-'.repeat(w))].join('  '));
    rowsAll.forEach((s, i) => lines.push([s.padEnd(rowW), ...cols.map((col, j) => col[i].padStart(colW[j]))].join('  ')));
    if (floorText) lines.push(`${'floor: held-out vs train'.padEnd(rowW)}  ${floorText}`);
    return lines.join('\n');
  }
  console.log(`Digits (8x8, d = 64), eps network through onnxScore; n = ${args.particles}, seed ${args.seed}, T = ${T}, tEnd = ${T_MIN} ` +
    `(baselines: geometric grid to tMin = ${T_MIN} + final Tweedie denoise); columns = NFE budget`);
  console.log('');
  console.log(table('Frechet distance to the held-out images in the classifier\'s penultimate features (lower is better)', (c) => c.fd.toFixed(2), floorFd.toFixed(2)));
  console.log('');
  console.log(table('Total variation, predicted-class histogram vs true class frequencies (lower is better)', (c) => c.tv.toFixed(3), floorTv.toFixed(3)));
  console.log('');
  console.log(table('Wall time per run (ms, sampling incl. the network)', (c) => c.ms.toFixed(0)));
  console.log('');
  console.log("RTK rows: the library's default schedule; '... segments': the paper's (schedule: 'segments', RTK segments from T).");
  console.log('rtk-mala: not run (needs an energy, -log p_t; the network predicts only eps, i.e. the score). ' +
    'n/a: the budget is below the sampler\'s minimum. (k): NFE actually spent where it differs. !: non-finite samples (set to 0 for the metrics).');
  console.log(`Floor: FD between the features of the ${nTest} held-out and the ${nTrain} training images; TV of the classifier's ` +
    `predictions on the held-out images (held-out accuracy ${(100 * testAcc).toFixed(1)}%). Samples are scored unclipped.`);
  console.log(`1-min load average: ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end (${os.cpus().length} cores); timings on a shared machine are noisy.`);
  // RTK vs DDPM on the FD.
  const cmp = [];
  for (const nfe of args.nfe) {
    const dd = cellOf('ddpm', nfe);
    if (!dd || dd.error) continue;
    const rtkRows = ROWS.filter((r) => RTK.has(r.sampler)).map((r) => r.row);
    const better = rtkRows.filter((s) => cellOf(s, nfe) && !cellOf(s, nfe).error && cellOf(s, nfe).fd < dd.fd);
    cmp.push({ nfe, ddpmFd: dd.fd, rtkBetter: better });
    console.log(`NFE ${String(nfe).padStart(3)}: DDPM FD ${dd.fd.toFixed(2)}; RTK samplers with a lower FD: ${better.length ? better.join(', ') : 'none'}`);
  }

  const prefix = path.resolve(args.out);
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const json = {
    experiment: 'digits',
    date: started.toISOString(),
    node: process.version,
    onnxruntime: ort.env?.versions ?? null,
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg1: { start: loadStart, end: loadEnd } },
    particles: args.particles,
    seed: args.seed,
    nfeBudgets: args.nfe,
    model: { eps: 'models/digits/digits-eps.onnx', classifier: 'models/digits/digits-classifier.onnx', T, tMin: T_MIN },
    data: { train: nTrain, heldOut: nTest, scale: 'x = pixel / 8 - 1' },
    floor: { fd: floorFd, tv: floorTv, classifierHeldOutAccuracy: testAcc },
    notes: { 'rtk-mala': 'not run: needs an energy; the network predicts only eps (the score)' },
    rows: ROWS.map((r) => ({ row: r.row, sampler: r.sampler, options: optionsOf(r) })),
    cells,
    rtkVsDdpm: cmp,
  };
  fs.writeFileSync(`${prefix}.json`, JSON.stringify(json, null, 1) + '\n');
  const pngFile = `${prefix}-nfe${args.gridNfe}.png`;
  if (gridPanels.length) {
    writeGrid(pngFile, [...gridPanels.map((p) => ({ ...p, label: p.label })), { label: 'held-out', images: testX }]);
    log(`wrote ${path.relative(process.cwd(), prefix)}.json and ${path.relative(process.cwd(), pngFile)}`);
  } else log(`wrote ${path.relative(process.cwd(), prefix)}.json (no run at NFE ${args.gridNfe}, so no PNG)`);
  await score.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
