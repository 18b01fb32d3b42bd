#!/usr/bin/env node
'use strict';
// Whole runs of two built copies of the package side by side: the throughput bench's pinned
// plans (bench/lib/pinned-plan.js) on the native paper target, float64, in alternating child
// processes (the order reversed every other round), each child loading one build. For a change
// to the library or its compiler flags that bench/pair.js (the fused kernels alone) does not
// see: the chains' starts, the copies, the memory a run takes, the thread pool's hand-offs.
// Each row also says whether the two builds gave the same samples, bit for bit, for the same
// seed (a change meant to keep the bits must show "same").
//
//   git worktree add /tmp/variant HEAD && (cd /tmp/variant && <change> && npm install)
//   node bench/builds-pair.js --b /tmp/variant [--a .] [--samplers rtk-mala,ddpm]
//        [--n 20000] [--threads 1,2] [--rounds 10] [--runs R]
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { alternateRounds } = require('./lib/alternate');
const { childJson } = require('./lib/child');
const { makeFail, parseBenchArgs } = require('./lib/args');
const { NFE, SAMPLER_OPTIONS, baseOptions } = require('./lib/pinned-plan');
const { median } = require('./lib/stats');
const { medianRunThroughput } = require('./lib/timed-runs');

const USAGE = `usage: node bench/builds-pair.js --b PACKAGE [--a PACKAGE] [--samplers LIST] [--n LIST]
                               [--threads LIST] [--rounds R] [--runs R]
  --a PACKAGE     directory of build A, a built copy of this package (default: this repository)
  --b PACKAGE     directory of build B (required), e.g. a git worktree after npm install
  --samplers LIST ${Object.keys(SAMPLER_OPTIONS).join(', ')} (default rtk-mala)
  --n LIST        particle counts (default 20000)
  --threads LIST  thread counts (default 1,2)
  --rounds R      alternated rounds per row (default 10)
  --runs R        timed runs per child process (default 60 for n <= 2000, 20 up to 20000, 6 above)`;
const fail = makeFail('builds-pair', USAGE);

// In a child: one warm-up run, then `runs` timed runs of one build; prints the median run's
// throughput (million particle·NFE per second) and a digest of the first timed run's samples.
async function child(pkg, sampler, n, threads, runs) {
  const rtk = require(pkg);
  const options = { ...baseOptions(sampler, n, threads), target: rtk.GaussianMixture.paperTarget() };
  let digest;
  const mps = await medianRunThroughput(rtk, options, runs, (r) => {
    digest = crypto.createHash('sha256').update(new Uint8Array(r.samples.buffer, r.samples.byteOffset, r.samples.byteLength)).digest('hex');
  });
  process.stdout.write(JSON.stringify({ mps, digest }));
}

// The package directory given as --a or --b, resolved, checked to load as a built package.
function packageDir(name, given) {
  const dir = path.resolve(given);
  if (!fs.existsSync(path.join(dir, 'package.json'))) fail(`--${name}: expected a package directory (with package.json), got ${given}`);
  try {
    require.resolve(dir);
  } catch (e) {
    fail(`--${name}: ${given} does not load as a package (${e.code || e.message}); build it first (npm install or npm run build there)`);
  }
  return dir;
}

// Whether the children's samples digests agree: within each build, and between the two.
function bitsVerdict(digestsA, digestsB) {
  const a = new Set(digestsA), b = new Set(digestsB);
  if (a.size > 1) return 'A varies';
  if (b.size > 1) return 'B varies';
  return digestsA[0] === digestsB[0] ? 'same' : 'differ';
}

function main() {
  if (process.argv[2] === '--child') {
    const [pkg, sampler, n, threads, runs] = process.argv.slice(3);
    child(pkg, sampler, Number(n), Number(threads), Number(runs)).catch((e) => {
      console.error(e.stack || String(e));
      process.exit(1);
    });
    return;
  }
  const str = { type: 'string' };
  const { values, int, ints } = parseBenchArgs(
    process.argv.slice(2),
    { a: str, b: str, samplers: str, n: str, threads: str, rounds: str, runs: str },
    USAGE,
    fail,
  );
  if (!values.b) fail('--b PACKAGE is required (a built copy of this package, e.g. a git worktree after npm install)');
  const a = packageDir('a', values.a ?? path.join(__dirname, '..')), b = packageDir('b', values.b);
  const samplers = values.samplers ? values.samplers.split(',').map((s) => s.trim()) : ['rtk-mala'];
  for (const s of samplers) if (!Object.hasOwn(SAMPLER_OPTIONS, s)) fail(`--samplers: expected some of ${Object.keys(SAMPLER_OPTIONS).join(', ')}, got ${s}`);
  const ns = ints('n', 8) ?? [20000], threadCounts = ints('threads', 1) ?? [1, 2];
  const rounds = int('rounds', 1) ?? 10, runsGiven = int('runs', 1);

  console.log(`Whole runs, build A ${a} against build B ${b}: the throughput bench's plans, NFE ${NFE}, float64, native paper target;`);
  console.log(`the two builds alternated process by process, ${rounds} rounds; medians of the rounds' throughputs and of their ratios; samples: the first timed run's, A's against B's`);
  console.log('sampler       n threads | runs a process |     A M/s |     B M/s | B / A (range)         | samples');
  for (const sampler of samplers)
    for (const n of ns)
      for (const threads of threadCounts) {
        const runs = runsGiven ?? (n <= 2000 ? 60 : n <= 20000 ? 20 : 6);
        const [ra, rb] = alternateRounds(rounds, [a, b], (pkg) =>
          childJson(__filename, ['--child', pkg, sampler, n, threads, runs], process.cwd(), fail, `${pkg}, ${sampler}, n ${n}, ${threads} threads`));
        const ratios = rb.map((r, i) => r.mps / ra[i].mps);
        const range = `(${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`;
        console.log(`${sampler.padEnd(9)} ${String(n).padStart(7)} ${String(threads).padStart(7)} | ${String(runs).padStart(14)} | ${median(ra.map((r) => r.mps)).toFixed(2).padStart(9)} | ${median(rb.map((r) => r.mps)).toFixed(2).padStart(9)} | ${median(ratios).toFixed(3)} ${range.padEnd(15)} | ${bitsVerdict(ra.map((r) => r.digest), rb.map((r) => r.digest))}`);
      }
}

main();
