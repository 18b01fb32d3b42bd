#!/usr/bin/env node
'use strict';
// Native score plugin vs built-in target vs JS score, on the same density: the isotropic
// Gaussian N(mu, s2 I) in d = 10, as
//   built-in  a 1-component GaussianMixture (C++ in the addon),
//   plugin    the example plugin examples/anisotropic-gaussian with covariance s2 I (dlopen'd),
//   JS score  a JS function (x, t, out) called once per step for the whole batch.
// Each sampler runs at n = 100,000 particles and NFE 32; wall time is the median of 5 runs
// (after one warm-up run each). The goal was plugin / built-in within 10%, set when both ran the
// same kernels around the score call. On the CPU the built-in mixture now runs every sampler's
// steps fused (one pass over the batch per step, the score evaluated inside it), which a plugin's
// score, called on the whole batch, cannot join: the ratio now also holds what fusing saves.
//
//   node bench/plugin-vs-builtin.js [--particles 100000] [--reps 5] [--threads N] [--nfe 32]
//
// Needs the built package (`npm run build`) and builds the example plugin when it is missing
// (`npm run build:example-plugin`).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const rtk = require('..');
const { buildExamplePlugin, sharedLibraryName } = require('../scripts/build-example-plugin');
const { median } = require('./lib/stats');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const n = arg('particles', 100000);
const reps = arg('reps', 5);
const nfe = arg('nfe', 32);
const threads = arg('threads', 0) || undefined;
const d = 10;
const s2 = 0.5;
const mu = Array.from({ length: d }, (_, i) => (i % 2 ? -0.5 : 1) * (1 + i / 10));

let library = path.join(__dirname, '..', 'build', 'example-plugin', sharedLibraryName('rtk_anisotropic_gaussian'));
if (!fs.existsSync(library)) library = buildExamplePlugin();

const builtin = new rtk.GaussianMixture({ means: [mu], variances: [s2] });
const plugin = rtk.loadScorePlugin(library, {
  dim: d,
  config: { mean: mu, covariance: mu.map((_, i) => mu.map((__, j) => (i === j ? s2 : 0))) },
});
// p_t = N(e^{-t} mu, (e^{-2t} s2 + 1 - e^{-2t}) I): score = (e^{-t} mu - x) / v_t.
function jsScore(x, t, out) {
  const decay = Math.exp(-t);
  const inv = 1 / (decay * decay * s2 - Math.expm1(-2 * t));
  const m = mu.map((v) => decay * v);
  for (let row = 0; row < x.length; row += d) for (let i = 0; i < d; i++) out[row + i] = (m[i] - x[row + i]) * inv;
}

const variants = [
  ['built-in', { target: builtin }],
  ['plugin', { target: plugin }],
  ['JS score', { score: jsScore, dim: d }],
];

async function main() {
  const load = () => os.loadavg()[0].toFixed(2);
  console.log(
    `plugin vs built-in vs JS score: N(mu, ${s2} I), d = ${d}, n = ${n}, NFE ${nfe}, median of ${reps} runs, ` +
      `threads ${threads ?? `all (${os.cpus().length})`}, load average ${load()}`,
  );
  const rows = [];
  for (const sampler of ['rtk-mala-es', 'ddpm']) {
    const base = { sampler, nfe, particles: n, seed: 1, threads };
    const times = {};
    const samples = {};
    for (const [name, o] of variants) {
      const r = await rtk.sample({ ...base, ...o }); // warm-up
      samples[name] = r.samples;
      times[name] = [];
    }
    // Interleaved repetitions, so that a load spike hits every variant alike.
    for (let rep = 0; rep < reps; rep++)
      for (const [name, o] of variants) {
        const t0 = performance.now();
        await rtk.sample({ ...base, ...o });
        times[name].push(performance.now() - t0);
      }
    let diff = 0;
    for (let i = 0; i < samples['built-in'].length; i++)
      diff = Math.max(diff, Math.abs(samples.plugin[i] - samples['built-in'][i]));
    const ms = Object.fromEntries(variants.map(([name]) => [name, median(times[name])]));
    rows.push({ sampler, ms, diff });
  }
  const pad = (s, w) => String(s).padStart(w);
  console.log('');
  console.log(`| sampler     | built-in ms | plugin ms | JS score ms | plugin / built-in | JS / built-in | max |plugin - built-in| sample |`);
  console.log(`| ----------- | ----------: | --------: | ----------: | ----------------: | ------------: | ---------------------------: |`);
  for (const { sampler, ms, diff } of rows) {
    const ratio = ms.plugin / ms['built-in'];
    console.log(
      `| ${sampler.padEnd(11)} | ${pad(ms['built-in'].toFixed(1), 11)} | ${pad(ms.plugin.toFixed(1), 9)} | ${pad(ms['JS score'].toFixed(1), 11)} | ` +
        `${pad(ratio.toFixed(3) + (ratio <= 1.1 ? ' ok' : ' >1.1'), 17)} | ${pad((ms['JS score'] / ms['built-in']).toFixed(3), 13)} | ${pad(diff.toExponential(2), 28)} |`,
    );
  }
  console.log(`\nload average at end ${load()}; goal: plugin / built-in <= 1.10, set when the built-in mixture ran the`);
  console.log('same unfused kernels as a plugin; on the CPU it now runs fused steps (one pass per step), which a');
  console.log("plugin's score cannot join, so the ratio also holds what fusing saves (README, fused passes).");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
