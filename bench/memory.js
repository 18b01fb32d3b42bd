#!/usr/bin/env node
'use strict';
// Peak memory of one large run (issue 8): RTK-MALA and DDPM with the native paper target at
// n = 1,000,000, d = 10, double, against the budget "the particle state and its working buffers
// (about 10 arrays of n·d doubles) plus 100 MB". Each configuration runs in a fresh Node process
// (peak RSS is per process), at two NFE budgets: the same peak at 16 and 64 NFE shows that
// nothing is allocated per step (the native suite's no_allocation_test counts the allocations
// themselves). Then ten runs in a row in one process, with and without the `out` option: without
// it every run's samples stay in a new typed array until V8 collects it; with it the runs write
// into one array and each run's buffers go back to the block cache for the next.
//
//   node bench/memory.js [--n 1000000] [--threads 2]
//
// Needs the built package (`npm run build`).
const { spawnSync } = require('child_process');
const path = require('path');
const { makeFail, parseBenchArgs } = require('./lib/args');

const USAGE = `usage: node bench/memory.js [--n N] [--threads T]
  --n N        particles (default 1000000)
  --threads T  threads (default 2)`;
const fail = makeFail('memory', USAGE);
const D = 10;

// `runs` runs in this process (into one `out` array when useOut); the median run's time.
async function child(sampler, n, nfe, threads, runs, useOut) {
  const rtk = require('..');
  const target = rtk.GaussianMixture.paperTarget();
  const before = process.memoryUsage().rss;
  const out = useOut ? new Float64Array(n * D) : undefined;
  const ms = [];
  for (let run = 0; run < runs; run++) {
    const t0 = Date.now();
    const r = await rtk.sample({ sampler, particles: n, nfe, threads, seed: 1 + run, dtype: 'float64', target, out });
    ms.push(Date.now() - t0);
    if (r.samples.length !== n * D) throw new Error(`${r.samples.length} samples`);
  }
  ms.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({
    ms: ms[ms.length >> 1],
    rssBeforeMB: before / 1e6,
    peakRssMB: process.resourceUsage().maxRSS / 1e3,  // maxRSS is in kB
  }));
}

// Runs child() in a fresh Node process: its measurements, or null (the failure printed).
function inChild(label, args) {
  const r = spawnSync(process.execPath, [__filename, '--child', ...args.map(String)], {
    encoding: 'utf8', cwd: path.join(__dirname, '..'), maxBuffer: 1 << 20,
  });
  if (r.status === 0) return JSON.parse(r.stdout);
  console.log(`${label} | failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return null;
}

function main() {
  if (process.argv[2] === '--child') {
    const [sampler, n, nfe, threads, runs, useOut] = process.argv.slice(3);
    child(sampler, Number(n), Number(nfe), Number(threads), Number(runs), useOut === 'out').catch((e) => {
      console.error(e.stack || String(e));
      process.exit(1);
    });
    return;
  }
  const str = { type: 'string' };
  const { int } = parseBenchArgs(process.argv.slice(2), { n: str, threads: str }, USAGE, fail);
  const n = int('n', 1) ?? 1000000, threads = int('threads', 1) ?? 2;
  const arrayMB = (n * D * 8) / 1e6;
  const budgetMB = 10 * arrayMB + 100;
  console.log(`Peak RSS, one run per fresh process; n = ${n}, d = ${D}, float64, ${threads} threads`);
  console.log(`one n·d array = ${arrayMB.toFixed(0)} MB; budget = 10 arrays + 100 MB = ${budgetMB.toFixed(0)} MB`);
  console.log('sampler     NFE | peak RSS MB | Node at start MB | in n·d arrays (peak - start) | within budget | run ms');
  let ok = true;
  for (const sampler of ['rtk-mala', 'ddpm']) {
    for (const nfe of [16, 64]) {
      const m = inChild(`${sampler.padEnd(9)} ${String(nfe).padStart(5)}`, [sampler, n, nfe, threads, 1, 'new']);
      if (!m) {
        ok = false;
        continue;
      }
      const within = m.peakRssMB <= budgetMB;
      ok = ok && within;
      console.log(`${sampler.padEnd(9)} ${String(nfe).padStart(5)} | ${m.peakRssMB.toFixed(0).padStart(11)} | ${m.rssBeforeMB.toFixed(0).padStart(16)} | ${((m.peakRssMB - m.rssBeforeMB) / arrayMB).toFixed(2).padStart(28)} | ${(within ? 'yes' : 'NO').padStart(13)} | ${String(m.ms).padStart(6)}`);
    }
  }
  const runs = 10, nfe = 16;
  console.log(`\n${runs} runs in a row in one process (${nfe} NFE): each into a new array, or all into one \`out\` array`);
  console.log('sampler     samples into | peak RSS MB | within budget | median run ms');
  for (const sampler of ['rtk-mala', 'ddpm']) {
    for (const into of ['new', 'out']) {
      const label = `${sampler.padEnd(9)} ${(into === 'out' ? 'one out' : 'new arrays').padStart(14)}`;
      const m = inChild(label, [sampler, n, nfe, threads, runs, into]);
      if (!m) {
        ok = false;
        continue;
      }
      const within = m.peakRssMB <= budgetMB;
      ok = ok && within;
      console.log(`${label} | ${m.peakRssMB.toFixed(0).padStart(11)} | ${(within ? 'yes' : 'NO').padStart(13)} | ${String(m.ms).padStart(13)}`);
    }
  }
  process.exitCode = ok ? 0 : 1;
}

main();
