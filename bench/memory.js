#!/usr/bin/env node
'use strict';
// Peak memory of one large run (issue 8): RTK-MALA and DDPM with the native paper target at
// n = 1,000,000, d = 10, double, against the budget "the particle state and its working buffers
// (about 10 arrays of n·d doubles) plus 100 MB". Each configuration runs in a fresh Node process
// (peak RSS is per process), at two NFE budgets: the same peak at 16 and 64 NFE shows that
// nothing is allocated per step (the native suite's no_allocation_test counts the allocations
// themselves).
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

function child(sampler, n, nfe, threads) {
  const rtk = require('..');
  const target = rtk.GaussianMixture.paperTarget();
  const before = process.memoryUsage().rss;
  const t0 = Date.now();
  return rtk.sample({ sampler, particles: n, nfe, threads, seed: 1, dtype: 'float64', target }).then((r) => {
    const out = {
      sampler, n, nfe, threads, ms: Date.now() - t0,
      rssBeforeMB: before / 1e6,
      peakRssMB: process.resourceUsage().maxRSS / 1e3,  // maxRSS is in kB
      samples: r.samples.length,
    };
    process.stdout.write(JSON.stringify(out));
  });
}

function main() {
  if (process.argv[2] === '--child') {
    const [sampler, n, nfe, threads] = process.argv.slice(3);
    child(sampler, Number(n), Number(nfe), Number(threads)).catch((e) => {
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
      const r = spawnSync(process.execPath, [__filename, '--child', sampler, String(n), String(nfe), String(threads)], {
        encoding: 'utf8', cwd: path.join(__dirname, '..'), maxBuffer: 1 << 20,
      });
      if (r.status !== 0) {
        console.log(`${sampler.padEnd(9)} ${String(nfe).padStart(5)} | failed: ${(r.stderr || '').trim().split('\n').pop()}`);
        ok = false;
        continue;
      }
      const m = JSON.parse(r.stdout);
      const within = m.peakRssMB <= budgetMB;
      ok = ok && within;
      console.log(`${sampler.padEnd(9)} ${String(nfe).padStart(5)} | ${m.peakRssMB.toFixed(0).padStart(11)} | ${m.rssBeforeMB.toFixed(0).padStart(16)} | ${((m.peakRssMB - m.rssBeforeMB) / arrayMB).toFixed(2).padStart(28)} | ${(within ? 'yes' : 'NO').padStart(13)} | ${String(m.ms).padStart(6)}`);
    }
  }
  process.exitCode = ok ? 0 : 1;
}

main();
