#!/usr/bin/env node
'use strict';
// Throughput of rtk-diffusion against numpy and PyTorch (CPU) implementations of the same
// samplers (issue 8): particle·NFE per second of RTK-MALA and DDPM on the paper's 12-mode
// mixture in d = 10, NFE 64, double precision, at n in {2,000, 20,000, 200,000} and 1 and 2
// threads. Ours runs twice: with the native target (GaussianMixture.paperTarget(), the whole
// run in C++) and with the same mixture written as a plain JS score/energy (the user-written
// case; the time spent inside the user's functions is measured, the rest is the library's).
// The peers (bench/peers/rtk_numpy.py, rtk_torch.py) run as child processes with the same n,
// NFE, schedule, warm start and step-size rule, and report the marginal accuracy of their
// samples as a correctness check. The machine's memory copy bandwidth is measured in the same
// run, and the compute peak beside the thread-scaling rows, whose whole runs are then given as a
// fraction of the compute floor. Prints tables; writes bench/out/throughput.json.
//
//   node bench/throughput.js [--quick] [--n 2000,20000,200000] [--threads 1,2] [--reps R]
//                            [--samplers rtk-mala,ddpm] [--no-numpy] [--no-torch] [--no-install]
//                            [--scaling-pairs P] [--no-floor] [--out FILE]
//
// Thread scaling is measured apart from the main table, side by side: the main table's cells
// for 1 and 2 threads are minutes apart (the peers run between them) on a shared machine, so
// their ratio carries the load changes in between. The scaling table alternates the thread
// counts run by run (1, 2, 1, 2, ...) on the native target and divides the medians.
//
// Needs the built package (`npm run build`, or `npm run build:ts` after changing lib/).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const rtk = require('..');
const { makeFail, parseBenchArgs } = require('./lib/args');
const { spawnJson } = require('./lib/child');
const { NFE, TARGET_ACCEPT, SAMPLER_OPTIONS, baseOptions } = require('./lib/pinned-plan');
const { median } = require('./lib/stats');

const USAGE = `usage: node bench/throughput.js [--quick] [--n LIST] [--threads LIST] [--reps R]
                               [--samplers LIST] [--no-numpy] [--no-torch] [--no-install]
                               [--scaling-pairs P] [--no-floor] [--out FILE]
  --quick          n {2000, 20000}, 2 threads only, 3 repetitions (a couple of minutes)
  --n LIST         particle counts (default 2000,20000,200000)
  --threads LIST   thread counts (default 1,2)
  --reps R         timed repetitions of every implementation (default 5 for n <= 20000, 3 above;
                   3 with --quick)
  --samplers LIST  default rtk-mala,ddpm
  --no-numpy, --no-torch   leave a peer out
  --no-install     do not apt-get install python3-torch when torch is missing
  --scaling-pairs P  rounds of the side-by-side thread-scaling table (each runs every thread
                   count once, in turn; default 7, 3 with --quick; 0 leaves the table out)
  --no-floor       leave out the compute peak (bench/kernels.js --peak-only, which builds
                   bench/kernels.cc with g++ when needed) and the scaling rows' fraction of the floor
  --out FILE       JSON output (default bench/out/throughput.json)`;
const fail = makeFail('throughput', USAGE);

const SEED = 1;
const D = 10;
const K = 12;
const VARIANCE = 0.007;

function parseArgs(argv) {
  const str = { type: 'string' }, flag = { type: 'boolean' };
  const { values, ints } = parseBenchArgs(
    argv,
    { quick: flag, n: str, threads: str, reps: str, samplers: str, 'no-numpy': flag, 'no-torch': flag,
      'no-install': flag, 'scaling-pairs': str, 'no-floor': flag, out: str },
    USAGE,
    fail,
  );
  const a = { quick: values.quick ?? false, n: ints('n', 1) ?? null, threads: ints('threads', 1) ?? null,
    reps: ints('reps', 1)?.[0] ?? null, scalingPairs: ints('scaling-pairs', 0)?.[0] ?? null, samplers: ['rtk-mala', 'ddpm'], numpy: !values['no-numpy'],
    torch: !values['no-torch'], install: !values['no-install'], floor: !values['no-floor'], out: values.out ?? 'bench/out/throughput.json' };
  if (values.samplers !== undefined) {
    a.samplers = values.samplers.split(',').map((s) => s.trim());
    for (const s of a.samplers) if (!Object.hasOwn(SAMPLER_OPTIONS, s)) fail(`--samplers: ${Object.keys(SAMPLER_OPTIONS).join(' or ')}, got ${s}`);
  }
  a.n ??= a.quick ? [2000, 20000] : [2000, 20000, 200000];
  a.threads ??= a.quick ? [2] : [1, 2];
  a.scalingPairs ??= a.quick ? 3 : 7;
  return a;
}

const load = () => os.loadavg()[0];
const log = (...m) => console.error('[throughput]', ...m);

// ---- memory copy bandwidth ------------------------------------------------------------------

function copyBandwidth(reps = 7) {
  const bytes = 256 * 1024 * 1024;
  const src = new Float64Array(bytes / 8);
  const dst = new Float64Array(bytes / 8);
  for (let i = 0; i < src.length; i++) src[i] = i;
  dst.set(src); // fault the pages in
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    dst.set(src);
    times.push((performance.now() - t0) / 1e3);
  }
  const s = median(times);
  return { bytes, seconds: times, copyGBs: bytes / s / 1e9, trafficGBs: (2 * bytes) / s / 1e9 };
}

// ---- the mixture as a user would write it in JS ---------------------------------------------

// A plain JS score and energy of the paper's mixture at time t (rtk-math.md): per row, the
// log-weights l_j = log w_j - 0.5 sum_i (x_i - m_ji)^2 / var_j, a max-shifted log-sum-exp, and
// score_i = sum_j r_j (m_ji - x_i) / var_j. Deliberately independent of target.score.
function userMixture() {
  const mu = new Float64Array(K * D);
  for (let j = 0; j < K; j++) {
    mu[j * D] = Math.cos((2 * Math.PI * j) / K);
    mu[j * D + 1] = Math.sin((2 * Math.PI * j) / K);
  }
  let cachedT = NaN;
  const m = new Float64Array(K * D), prec = new Float64Array(K * D), logNorm = new Float64Array(K);
  const lw = new Float64Array(K);
  function at(t) {
    if (t === cachedT) return;
    cachedT = t;
    const decay = Math.exp(-t), noise = -Math.expm1(-2 * t);
    for (let j = 0; j < K; j++) {
      let logDet = 0;
      for (let i = 0; i < D; i++) {
        const v = decay * decay * VARIANCE + noise;
        m[j * D + i] = decay * mu[j * D + i];
        prec[j * D + i] = 1 / v;
        logDet += Math.log(v);
      }
      logNorm[j] = Math.log(1 / K) - 0.5 * (D * Math.log(2 * Math.PI) + logDet);
    }
  }
  // Fills lw with e^{l_j - top} for row p; returns [top, total].
  function weights(x, o) {
    let top = -Infinity;
    for (let j = 0; j < K; j++) {
      let q = 0;
      for (let i = 0; i < D; i++) {
        const diff = x[o + i] - m[j * D + i];
        q += diff * diff * prec[j * D + i];
      }
      const l = logNorm[j] - 0.5 * q;
      lw[j] = l;
      if (l > top) top = l;
    }
    let total = 0;
    for (let j = 0; j < K; j++) {
      const w = Math.exp(lw[j] - top);
      lw[j] = w;
      total += w;
    }
    return top + Math.log(total);
  }
  function score(x, t, out) {
    at(t);
    const n = x.length / D;
    for (let p = 0; p < n; p++) {
      const o = p * D;
      weights(x, o);
      let total = 0;
      for (let j = 0; j < K; j++) total += lw[j];
      for (let i = 0; i < D; i++) {
        let acc = 0;
        for (let j = 0; j < K; j++) acc += lw[j] * (m[j * D + i] - x[o + i]) * prec[j * D + i];
        out[o + i] = acc / total;
      }
    }
  }
  function energy(x, t, out) {
    at(t);
    const n = x.length / D;
    for (let p = 0; p < n; p++) out[p] = -weights(x, p * D);
  }
  return { score, energy };
}

// Checks the JS mixture against the native one at a few times (a wrong score would make the
// JS-score rows meaningless); returns the largest differences.
function checkUserMixture(target) {
  const { score, energy } = userMixture();
  const n = 1000;
  const x = new Float64Array(n * D);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 3 - 1.5;
  for (let i = 0; i < x.length; i++) x[i] = rand();
  let maxScore = 0, maxEnergyShift = 0;
  for (const t of [0, 0.01, 0.5, 3]) {
    const s1 = new Float64Array(n * D), s2 = new Float64Array(n * D), e1 = new Float64Array(n), e2 = new Float64Array(n);
    score(x, t, s1);
    energy(x, t, e1);
    target.evaluate(x, t, s2, e2);
    for (let i = 0; i < s1.length; i++) maxScore = Math.max(maxScore, Math.abs(s1[i] - s2[i]) / (1 + Math.abs(s2[i])));
    // energies may differ by a constant
    const c = e1[0] - e2[0];
    for (let i = 0; i < n; i++) maxEnergyShift = Math.max(maxEnergyShift, Math.abs(e1[i] - e2[i] - c) / (1 + Math.abs(e2[i])));
  }
  return { maxScoreRelDiff: maxScore, maxEnergyRelDiff: maxEnergyShift };
}

// ---- ours -----------------------------------------------------------------------------------

async function runOurs(kind, sampler, n, threads, reps, target) {
  const base = baseOptions(sampler, n, threads);
  let inside = 0, calls = 0;
  const timed = (fn) => (x, t, out) => {
    const t0 = performance.now();
    fn(x, t, out);
    inside += performance.now() - t0;
    calls++;
  };
  const options = (seed) => {
    if (kind === 'native') return { ...base, target, seed };
    const u = userMixture();
    const o = { ...base, dim: D, seed, score: timed(u.score) };
    if (sampler === 'rtk-mala') o.energy = timed(u.energy);
    return o;
  };
  await rtk.sample({ ...options(SEED + 1000), particles: Math.min(n, 2000) }); // warm-up
  const seconds = [], fractions = [], callCounts = [];
  let last;
  for (let r = 0; r < reps; r++) {
    inside = 0;
    calls = 0;
    const t0 = performance.now();
    last = await rtk.sample(options(SEED + r));
    const ms = performance.now() - t0;
    seconds.push(ms / 1e3);
    fractions.push(inside / ms);
    callCounts.push(calls);
  }
  const med = median(seconds);
  const out = {
    impl: kind === 'native' ? 'ours-native' : 'ours-js',
    sampler, n, threads, nfe: last.stats.nfe, reps, seconds, median_s: med,
    particle_nfe_per_s: (n * last.stats.nfe) / med,
    marginal_accuracy: rtk.marginalAccuracy(last.samples, target),
    budgetNote: last.stats.budgetNote,
  };
  if (sampler === 'rtk-mala') {
    out.details = { segments: last.stats.segments.map((s) => ({ t: s.t, steps: s.steps, accept_rate: s.acceptRate, tau_last: s.stepSize })) };
  } else out.details = { steps: last.stats.segments.filter((s) => s.t > 0).length, t_min: Math.min(...last.stats.segments.filter((s) => s.t > 0).map((s) => s.t)) };
  if (kind === 'js') {
    out.user_fraction = median(fractions);
    out.user_fractions = fractions;
    out.user_calls = callCounts[0];
    out.library_overhead = 1 - out.user_fraction;
  }
  return out;
}

// ---- compute floor ---------------------------------------------------------------------------

// Flops per particle·NFE of each sampler's fused step, as bench/op-mix counts them (executed 8-lane
// floating-point vector operations per tile of 8 particles): from bench/out/op-mix.json when
// `node bench/op-mix.js --json bench/out/op-mix.json` has written it, else the counts of commit
// 39f2542 (bench/README.md, "What the core actually executes").
const STEP_KERNELS = { 'rtk-mala': ['fused MALA step', 2185], ddpm: ['fused DDPM step', 1906] };

function stepFlops() {
  const file = path.join(__dirname, 'out', 'op-mix.json');
  const counted = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  const flops = {};
  let fromFile = 0;
  for (const [sampler, [kernel, fallback]] of Object.entries(STEP_KERNELS)) {
    const row = Array.isArray(counted) ? counted.find((r) => r.kernel === kernel && r.flopsPerParticle > 0) : undefined;
    flops[sampler] = row ? row.flopsPerParticle : fallback;
    if (row) fromFile++;
  }
  const source = fromFile === Object.keys(STEP_KERNELS).length ? path.relative(process.cwd(), file)
    : 'the counts of commit 39f2542 (node bench/op-mix.js --json bench/out/op-mix.json recounts them)';
  return { flops, source };
}

// The compute peak of each of `threadCounts` in double flops per second (bench/kernels.js
// --peak-only: independent 512-bit vector adds and multiplies on all the threads at once, no
// FMA, the best of 5 repetitions), keyed by thread count; or { error }.
function computePeaks(threadCounts) {
  const r = spawnJson(path.join(__dirname, 'kernels.js'), ['--peak-only', '--threads', threadCounts.join(','), '--reps', '5']);
  return r.error ? { error: `bench/kernels.js --peak-only ${r.error}` } : r.json.peak_add_mul_flops_by_threads;
}

// Thread scaling side by side: `pairs` rounds, each running the native target once at every
// thread count in turn (in reverse order every other round, so that no count always goes
// first), so that every count sees the same load; the scale of t threads is
// median(1-thread time) / median(t-thread time), and the range of the per-round ratios shows the
// noise.
async function runScaling(sampler, n, threadCounts, pairs, target, computeFloor) {
  const run = (threads, seed) => rtk.sample({ ...baseOptions(sampler, n, threads), target, seed });
  for (const t of threadCounts) await run(t, SEED + 1000); // warm-up at every count
  const peaksBefore = computeFloor ? computePeaks(threadCounts) : null;
  const seconds = Object.fromEntries(threadCounts.map((t) => [t, []]));
  for (let r = 0; r < pairs; r++)
    for (const t of r % 2 ? [...threadCounts].reverse() : threadCounts) {
      const t0 = performance.now();
      await run(t, SEED + r);
      seconds[t].push((performance.now() - t0) / 1e3);
    }
  const peaksAfter = computeFloor ? computePeaks(threadCounts) : null;
  const perThreads = threadCounts.map((t) => {
    const med = median(seconds[t]);
    const ratios = seconds[1].map((s1, r) => s1 / seconds[t][r]);
    const out = { threads: t, seconds: seconds[t], median_s: med, particle_nfe_per_s: (n * NFE) / med,
      scale: median(seconds[1]) / med, round_ratio_min: Math.min(...ratios), round_ratio_max: Math.max(...ratios) };
    if (computeFloor && !peaksBefore.error && !peaksAfter.error) {
      // The whole run at its fused step's flops per particle·NFE, against the mean of the peaks.
      out.peak_flops_before = peaksBefore[t];
      out.peak_flops_after = peaksAfter[t];
      out.flops_per_particle_nfe = computeFloor.flops[sampler];
      out.floor_fraction = (out.particle_nfe_per_s * out.flops_per_particle_nfe) / (0.5 * (peaksBefore[t] + peaksAfter[t]));
    }
    return out;
  });
  const floorError = computeFloor ? (peaksBefore.error ?? peaksAfter.error) : undefined;
  return { sampler, n, pairs, loadAverage: load(), perThreads, ...(floorError ? { floorError } : {}) };
}

// ---- peers ----------------------------------------------------------------------------------

function probe(python, module) {
  const r = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function findNumpy() {
  const python = process.env.RTK_BENCH_NUMPY_PYTHON || 'python3';
  const v = probe(python, 'numpy');
  return v ? { python, version: v } : null;
}

function findTorch(install) {
  const candidates = [process.env.RTK_BENCH_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const python of candidates) {
    const v = probe(python, 'torch');
    if (v) return { python, version: v };
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!install) return { skipped: 'torch is not importable and --no-install was given' };
  if (!isRoot) return { skipped: 'torch is not importable and this is not root (apt-get install -y python3-torch to add the column)' };
  log('PyTorch not found: installing Debian\'s python3-torch (apt-get install -y python3-torch) ...');
  const policy = spawnSync('apt-cache', ['policy', 'python3-torch'], { encoding: 'utf8' });
  if (policy.status !== 0 || /Candidate: \(none\)/.test(policy.stdout) || !/Candidate:/.test(policy.stdout)) {
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const inst = spawnSync('apt-get', ['install', '-y', 'python3-torch', 'python3-threadpoolctl'], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (inst.status !== 0) return { skipped: `apt-get install python3-torch failed (exit ${inst.status})` };
  const v = probe('/usr/bin/python3', 'torch');
  return v ? { python: '/usr/bin/python3', version: v } : { skipped: 'python3-torch installed but torch still not importable' };
}

function peerEnv(peer, threads) {
  const env = { ...process.env };
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS']) env[k] = String(threads);
  if (peer === 'numpy') {
    // A current numpy's OpenBLAS picks the right kernel itself; these two (set on some machines
    // for older OpenBLAS builds) would pin it to a slower one. Unset for the numpy peer only.
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
  }
  return env;
}

function runPeer(peer, python, sampler, n, threads, reps) {
  const script = path.join(__dirname, 'peers', peer === 'numpy' ? 'rtk_numpy.py' : 'rtk_torch.py');
  const args = [script, '--sampler', sampler, '--n', String(n), '--nfe', String(NFE), '--threads', String(threads), '--reps', String(reps), '--seed', String(SEED), '--target-accept', String(TARGET_ACCEPT), '--json'];
  const r = spawnSync(python, args, { env: peerEnv(peer, threads), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) return { impl: peer, sampler, n, threads, error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  const line = r.stdout.trim().split('\n').pop();
  const j = JSON.parse(line);
  return { impl: peer, sampler, n, threads, nfe: j.nfe, reps: j.reps, seconds: j.seconds, median_s: j.median_s, particle_nfe_per_s: j.particle_nfe_per_s, marginal_accuracy: j.marginal_accuracy, details: j.details, info: j.info };
}

// ---- tables ---------------------------------------------------------------------------------

const fmtRate = (r) => (r && r.particle_nfe_per_s ? (r.particle_nfe_per_s / 1e6).toFixed(3) : r && r.error ? 'err' : '-');
const fmtRatio = (a, b) => (a && b && a.particle_nfe_per_s && b.particle_nfe_per_s ? (a.particle_nfe_per_s / b.particle_nfe_per_s).toFixed(1) + 'x' : '-');
const fmtMa = (r) => (r && r.marginal_accuracy !== undefined ? r.marginal_accuracy.toFixed(4) : '-');
const pad = (s, w) => String(s).padStart(w);
const padEnd = (s, w) => String(s).padEnd(w);

function printTables(rows, cfg, floors) {
  const find = (impl, s, n, t) => rows.find((r) => r.impl === impl && r.sampler === s && r.n === n && r.threads === t);
  const lines = [];
  lines.push('Throughput, million particle·NFE per second (median of repetitions; NFE 64, float64, d = 10, K = 12)');
  lines.push(
    padEnd('sampler', 9) + pad('n', 8) + pad('thr', 4) + ' |' + pad('native', 8) + pad('js-score', 9) + pad('numpy', 8) + pad('torch', 8) +
      ' |' + pad('nat/np', 8) + pad('nat/pt', 8) + pad('js/np', 7) + pad('js/pt', 7) + ' |' + pad('in user fn', 11) + pad('lib ovh', 8),
  );
  for (const s of cfg.samplers)
    for (const n of cfg.n)
      for (const t of cfg.threads) {
        const nat = find('ours-native', s, n, t), js = find('ours-js', s, n, t), np_ = find('numpy', s, n, t), pt = find('torch', s, n, t);
        lines.push(
          padEnd(s, 9) + pad(n, 8) + pad(t, 4) + ' |' + pad(fmtRate(nat), 8) + pad(fmtRate(js), 9) + pad(fmtRate(np_), 8) + pad(fmtRate(pt), 8) +
            ' |' + pad(fmtRatio(nat, np_), 8) + pad(fmtRatio(nat, pt), 8) + pad(fmtRatio(js, np_), 7) + pad(fmtRatio(js, pt), 7) +
            ' |' + pad(js && js.user_fraction !== undefined ? (100 * js.user_fraction).toFixed(1) + '%' : '-', 11) +
            pad(js && js.library_overhead !== undefined ? (100 * js.library_overhead).toFixed(1) + '%' : '-', 8),
        );
      }
  lines.push('');
  lines.push('Marginal accuracy of the last repetition (100 bins on [-2, 2]; floor = n exact draws, mean of 3)');
  lines.push(padEnd('sampler', 9) + pad('n', 8) + pad('thr', 4) + ' |' + pad('native', 8) + pad('js-score', 9) + pad('numpy', 8) + pad('torch', 8) + ' |' + pad('floor', 8));
  for (const s of cfg.samplers)
    for (const n of cfg.n)
      for (const t of cfg.threads) {
        const get = (impl) => fmtMa(find(impl, s, n, t));
        lines.push(padEnd(s, 9) + pad(n, 8) + pad(t, 4) + ' |' + pad(get('ours-native'), 8) + pad(get('ours-js'), 9) + pad(get('numpy'), 8) + pad(get('torch'), 8) + ' |' + pad(floors[n].toFixed(4), 8));
      }
  return lines.join('\n');
}

function printScaling(scaling) {
  const more = scaling[0].perThreads.filter((p) => p.threads !== 1).map((p) => p.threads);
  const lines = [`Thread scaling side by side (native target; the thread counts alternate run by run, order reversed every other round; ${scaling[0].pairs} rounds; medians)`];
  lines.push(padEnd('sampler', 9) + pad('n', 8) + ' |' + pad('1 thr M/s', 10) + more.map((t) => pad(`${t} thr M/s`, 10)).join('') +
    ' |' + more.map((t) => pad(`scale ${t}`, 9) + pad('rounds', 14)).join('') + ' | load');
  for (const sc of scaling) {
    const one = sc.perThreads.find((p) => p.threads === 1), rest = sc.perThreads.filter((p) => p.threads !== 1);
    lines.push(padEnd(sc.sampler, 9) + pad(sc.n, 8) + ' |' + pad((one.particle_nfe_per_s / 1e6).toFixed(3), 10) +
      rest.map((p) => pad((p.particle_nfe_per_s / 1e6).toFixed(3), 10)).join('') + ' |' +
      rest.map((p) => pad(p.scale.toFixed(2) + 'x', 9) + pad(`${p.round_ratio_min.toFixed(2)}-${p.round_ratio_max.toFixed(2)}`, 14)).join('') +
      ' | ' + sc.loadAverage.toFixed(2));
  }
  return lines.join('\n');
}

function printFloor(scaling, computeFloor) {
  const lines = [`Whole runs of the scaling table against the compute floor: M particle·NFE/s x the fused step's flops per particle·NFE (${computeFloor.source}), over the peak of the same threads measured right before and after the row (bench/kernels.js --peak-only, no FMA); goal >= 50% (within 2x of the floor)`];
  lines.push(padEnd('sampler', 9) + pad('n', 8) + pad('thr', 4) + ' |' + pad('M/s', 9) + pad('flops', 7) + pad('GFLOP/s', 9) + ' |' + pad('peak before / after', 21) + ' |' + pad('of floor', 9));
  for (const sc of scaling) {
    if (sc.floorError) {
      lines.push(padEnd(sc.sampler, 9) + pad(sc.n, 8) + '     | ' + sc.floorError);
      continue;
    }
    for (const p of sc.perThreads) {
      const gflops = (p.particle_nfe_per_s * p.flops_per_particle_nfe) / 1e9;
      lines.push(padEnd(sc.sampler, 9) + pad(sc.n, 8) + pad(p.threads, 4) + ' |' + pad((p.particle_nfe_per_s / 1e6).toFixed(2), 9) +
        pad(p.flops_per_particle_nfe, 7) + pad(gflops.toFixed(1), 9) + ' |' +
        pad(`${(p.peak_flops_before / 1e9).toFixed(1)} / ${(p.peak_flops_after / 1e9).toFixed(1)}`, 21) + ' |' + pad(`${(100 * p.floor_fraction).toFixed(1)}%`, 9));
    }
  }
  return lines.join('\n');
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  const cfg = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const target = rtk.GaussianMixture.paperTarget();
  const header = {
    node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, platform: `${os.platform()} ${os.release()}`,
    loadAverageStart: os.loadavg(),
    env: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null, OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null },
  };
  console.log(`throughput: node ${process.version}, ${header.cpus} CPUs (${header.cpuModel}), load average ${header.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}`);
  const pkgRoot = path.dirname(require.resolve('../package.json'));
  header.package = { root: pkgRoot, version: require('../package.json').version };
  console.log(`package: rtk-diffusion ${header.package.version} at ${pkgRoot}`);
  console.log(`config: n ${cfg.n.join(', ')}; threads ${cfg.threads.join(', ')}; samplers ${cfg.samplers.join(', ')}; NFE ${NFE}; float64; ${cfg.reps ?? (cfg.quick ? 3 : '5 (n <= 20000) / 3 (above)')} timed repetitions each after one warm-up at n = 2000; seed ${SEED}`);

  const bw = copyBandwidth();
  console.log(`memory copy bandwidth (Float64Array.set, 256 MiB, median of ${bw.seconds.length}): ${bw.copyGBs.toFixed(2)} GB/s copied (${bw.trafficGBs.toFixed(2)} GB/s read + write)`);
  const scalingThreads = [1, ...cfg.threads.filter((t) => t > 1)];
  // The compute peak once before any timed run (bench/kernels.js builds its binary here when
  // needed), then beside every scaling row.
  let computeFloor = null;
  if (!cfg.floor) console.log('compute floor: left out (--no-floor)');
  else if (cfg.scalingPairs === 0 || scalingThreads.length === 1)
    console.log('compute floor: left out (it is given for the thread-scaling rows, which need a thread count above 1 and --scaling-pairs above 0)');
  else {
    const peaks = computePeaks(scalingThreads);
    if (peaks.error) console.log(`compute floor: skipped (${peaks.error}); the floor table stays out`);
    else {
      computeFloor = { ...stepFlops(), peaksAtStart: peaks };
      console.log(`compute peak (bench/kernels.js --peak-only: independent vector adds and multiplies, no FMA): ${scalingThreads.map((t) => `${t} thread${t > 1 ? 's' : ''} ${(peaks[t] / 1e9).toFixed(1)}`).join(', ')} GFLOP/s double`);
    }
  }

  const check = checkUserMixture(target);
  console.log(`JS mixture vs native target: max relative score difference ${check.maxScoreRelDiff.toExponential(2)}, energy (up to a constant) ${check.maxEnergyRelDiff.toExponential(2)}`);
  if (!(check.maxScoreRelDiff < 1e-9 && check.maxEnergyRelDiff < 1e-9)) console.log('WARNING: the JS mixture does not match the native target');

  const peers = {};
  if (cfg.numpy) {
    const np_ = findNumpy();
    if (np_) peers.numpy = np_;
    else console.log('numpy: skipped (python3 with numpy not found; the numpy column stays empty)');
  } else console.log('numpy: left out (--no-numpy)');
  if (cfg.torch) {
    const pt = findTorch(cfg.install);
    if (pt.python) peers.torch = pt;
    else console.log(`torch: skipped (${pt.skipped}); the torch column stays empty`);
  } else console.log('torch: left out (--no-torch)');
  // Which BLAS each peer runs (a tiny run just for the info block).
  for (const [peer, p] of Object.entries(peers)) {
    const r = runPeer(peer, p.python, 'ddpm', 200, 1, 1);
    p.info = r.info;
    if (r.error) console.log(`${peer}: probe run failed: ${r.error}`);
    const i = r.info || {};
    if (peer === 'numpy') {
      const pools = (i.threadpools || []).filter((tp) => tp.internal_api === 'openblas' || tp.internal_api === 'mkl').map((tp) => `${tp.internal_api} ${tp.version}, kernel ${tp.architecture}`);
      const runtime = (i.openblas_runtime || []).map((o) => `${path.basename(o.filepath)}: kernel ${o.corename} (${o.config})`);
      console.log(`numpy ${p.version} (${p.python}, python ${i.python}); OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it; BLAS: ${[...pools, ...runtime].join('; ') || JSON.stringify(i.build_blas ?? i.show_config ?? '?')} [${i.source}]`);
    } else {
      const pools = (i.threadpools || []).filter((tp) => tp.internal_api !== 'openmp').map((tp) => `${tp.internal_api} ${tp.version}, kernel ${tp.architecture}`).join('; ');
      const blas = ((i.blas || []).join(' ').match(/BLAS_INFO=([^,\s]+)/) || [])[1] ?? '?';
      console.log(`torch ${p.version} (${p.python}, python ${i.python}); OPENBLAS_CORETYPE=${i.env?.OPENBLAS_CORETYPE ?? 'unset'} OPENBLAS_L2_SIZE=${i.env?.OPENBLAS_L2_SIZE ?? 'unset'} kept (Debian's older OpenBLAS); torch BLAS_INFO=${blas}; BLAS at run time: ${pools || i.threadpools_error || '-'}`);
    }
  }

  const rows = [];
  const record = (r) => {
    r.loadAverage = load();
    rows.push(r);
    const extra = r.user_fraction !== undefined ? `, ${(100 * r.user_fraction).toFixed(1)}% in user fn` : '';
    log(`${r.impl.padEnd(11)} ${r.sampler.padEnd(8)} n=${String(r.n).padStart(6)} thr=${r.threads}: ` +
      (r.error ? `error ${r.error}` : `${(r.particle_nfe_per_s / 1e6).toFixed(3)} M/s, MA ${r.marginal_accuracy.toFixed(4)}${extra} (load ${r.loadAverage.toFixed(2)})`));
  };
  for (const s of cfg.samplers)
    for (const n of cfg.n)
      for (const t of cfg.threads) {
        const reps = cfg.reps ?? (cfg.quick ? 3 : n <= 20000 ? 5 : 3);
        record(await runOurs('native', s, n, t, reps, target));
        record(await runOurs('js', s, n, t, reps, target));
        for (const [peer, p] of Object.entries(peers)) record(runPeer(peer, p.python, s, n, t, reps));
      }

  const scaling = [];
  if (cfg.scalingPairs > 0 && scalingThreads.length > 1)
    for (const s of cfg.samplers)
      for (const n of cfg.n) {
        const sc = await runScaling(s, n, scalingThreads, cfg.scalingPairs, target, computeFloor);
        scaling.push(sc);
        log(`scaling ${s} n=${n}: ` + sc.perThreads.map((p) => `${p.threads} thr ${(p.particle_nfe_per_s / 1e6).toFixed(3)} M/s`).join(', ') + ` (load ${sc.loadAverage.toFixed(2)})`);
      }

  // Same plan on both sides: NFE spent, and RTK-MALA's segment times and inner steps (DDPM:
  // number of steps and last time).
  const planKey = (r) => JSON.stringify([r.nfe, r.sampler === 'rtk-mala' ? (r.details?.segments ?? []).map((g) => [+g.t.toFixed(9), g.steps]) : [r.details?.steps, +(r.details?.t_min ?? NaN).toFixed(9)]]);
  const mismatches = rows.filter((r) => r.impl !== 'ours-native' && !r.error).filter((r) => {
    const ours = rows.find((o) => o.impl === 'ours-native' && o.sampler === r.sampler && o.n === r.n && o.threads === r.threads);
    return ours && planKey(ours) !== planKey(r);
  });
  const planLine = mismatches.length === 0
    ? 'plan check: every implementation spent the same NFE on the same plan (RTK-MALA segment times and inner steps; DDPM steps and last time)'
    : `WARNING: plan mismatch in ${mismatches.length} row(s): ${mismatches.map((r) => `${r.impl} ${r.sampler} n=${r.n}: ${planKey(r)}`).join('; ')}`;

  const floors = {};
  for (const n of cfg.n) floors[n] = rtk.marginalAccuracyFloor(target, n);
  console.log('');
  console.log(printTables(rows, cfg, floors));
  if (scaling.length) {
    console.log('');
    console.log(printScaling(scaling));
    if (computeFloor) {
      console.log('');
      console.log(printFloor(scaling, computeFloor));
    }
  }
  const loadEnd = os.loadavg();
  const elapsed = (performance.now() - started) / 1e3;
  console.log('');
  console.log(planLine);
  console.log(`ratios: ours / peer throughput. "in user fn": share of the JS-score run spent inside the user's score/energy (performance.now() around each call); lib ovh = 1 - that (goal <= 10% at n >= 4096).`);
  console.log(`load average at start ${header.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')} (${header.cpus} CPUs); elapsed ${elapsed.toFixed(0)} s`);

  const json = {
    benchmark: 'throughput', nfe: NFE, dim: D, components: K, variance: VARIANCE, dtype: 'float64', seed: SEED, config: cfg,
    header: { ...header, loadAverageEnd: loadEnd, elapsedSeconds: elapsed },
    memoryCopy: bw, computeFloor, userMixtureCheck: check, samplerOptions: SAMPLER_OPTIONS, planCheck: planLine, peers, floors, rows, scaling,
  };
  fs.mkdirSync(path.dirname(cfg.out), { recursive: true });
  fs.writeFileSync(cfg.out, JSON.stringify(json, null, 1));
  console.log(`wrote ${cfg.out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
