#!/usr/bin/env node
'use strict';
// What a new samples array costs each run: RTK-MALA runs in a row (the throughput bench's options,
// native paper target, float64), each returning a new array, against the same runs all written
// into one `out` array. A new array is memory JS keeps until V8 collects it, so every run has one
// block of n·d values the system must fault in and zero (bench/README.md, "What each run's new
// samples array costs"). The two loops run in alternating child processes, the order reversed
// every other round; the table gives the medians of the rounds' throughputs and of their ratios.
//
//   node bench/out-reuse.js [--n 2000,20000,200000] [--threads 1,2] [--rounds 8] [--runs R]
//
// Needs the built package (`npm run build`).
const path = require('path');
const { alternateRounds } = require('./lib/alternate');
const { childJson } = require('./lib/child');
const { makeFail, parseBenchArgs } = require('./lib/args');
const { NFE, baseOptions } = require('./lib/pinned-plan');
const { median } = require('./lib/stats');
const { medianRunThroughput } = require('./lib/timed-runs');

const USAGE = `usage: node bench/out-reuse.js [--n LIST] [--threads LIST] [--rounds R] [--runs R]
  --n LIST        particle counts (default 2000,20000,200000)
  --threads LIST  thread counts (default 1,2)
  --rounds R      alternated rounds per row (default 8)
  --runs R        timed runs per child process (default 60 for n <= 2000, 30 up to 20000, 8 above)`;
const fail = makeFail('out-reuse', USAGE);
const D = 10;

// `runs` timed runs after one warm-up, into one `out` array when useOut; prints the median run's
// throughput in million particle·NFE per second.
async function child(n, threads, runs, useOut) {
  const rtk = require('..');
  const out = useOut ? new Float64Array(n * D) : undefined;
  const options = { ...baseOptions('rtk-mala', n, threads), target: rtk.GaussianMixture.paperTarget(), out };
  process.stdout.write(JSON.stringify({ mps: await medianRunThroughput(rtk, options, runs) }));
}

// One child process's throughput, or a failure that ends the bench.
function inChild(n, threads, runs, into) {
  return childJson(__filename, ['--child', n, threads, runs, into], path.join(__dirname, '..'), fail, `n ${n}, ${threads} threads, ${into}`).mps;
}

function main() {
  if (process.argv[2] === '--child') {
    const [n, threads, runs, into] = process.argv.slice(3);
    child(Number(n), Number(threads), Number(runs), into === 'out').catch((e) => {
      console.error(e.stack || String(e));
      process.exit(1);
    });
    return;
  }
  const str = { type: 'string' };
  const { int, ints } = parseBenchArgs(process.argv.slice(2), { n: str, threads: str, rounds: str, runs: str }, USAGE, fail);
  const ns = ints('n', 8) ?? [2000, 20000, 200000], threadCounts = ints('threads', 1) ?? [1, 2];
  const rounds = int('rounds', 1) ?? 8, runsGiven = int('runs', 1);
  console.log(`RTK-MALA, NFE ${NFE}, d = ${D}, float64, native paper target; the two loops alternated process by process, ${rounds} rounds`);
  console.log('n        threads | runs a process | new array M/s | one out M/s | out / new (range)');
  for (const n of ns) {
    for (const threads of threadCounts) {
      const runs = runsGiven ?? (n <= 2000 ? 60 : n <= 20000 ? 30 : 8);
      const [fresh, reused] = alternateRounds(rounds, ['new', 'out'], (into) => inChild(n, threads, runs, into));
      const ratios = reused.map((r, i) => r / fresh[i]);
      console.log(`${String(n).padEnd(8)} ${String(threads).padStart(7)} | ${String(runs).padStart(14)} | ${median(fresh).toFixed(2).padStart(13)} | ${median(reused).toFixed(2).padStart(11)} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
    }
  }
}

main();
