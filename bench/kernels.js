#!/usr/bin/env node
// Kernel throughput bench: builds bench/kernels.cc into bench/out/kernels (when the binary is
// missing or older than kernels.cc or any header under native/include) and runs it, passing
// its output through. Every argument is forwarded to the binary, e.g.
//   node bench/kernels.js                       # the full table (n = 100,000, 1 and 2 threads)
//   node bench/kernels.js --json bench/out/kernels.json
//   node bench/kernels.js --filter "MALA step" --threads 2 --real double
// Options handled here: --rebuild (force a compile), --build-only, --baseline-flags (build
// bench/out/kernels-baseline with plain -O3 for the architecture's baseline ISA instead of the
// addon's flags: scripts/arch-flags.js, i.e. -march=native unless RTK_PORTABLE=1, and
// -ffp-contract=off -fno-math-errno), --op-mix FILE (the JSON of `node bench/op-mix.js --json
// FILE`: the fused rows' flops per particle, passed on as --flops, so that the table ends with
// each one's fraction of the compute floor). CXX overrides g++.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { addonCompileFlags } = require('./lib/addon-flags');

const root = path.resolve(__dirname, '..');
const source = path.join(__dirname, 'kernels.cc');
const include = path.join(root, 'native', 'include');
const outDir = path.join(__dirname, 'out');
const addonFlags = !process.argv.includes('--baseline-flags');
const exe = process.platform === 'win32' ? '.exe' : '';
const binary = path.join(outDir, (addonFlags ? 'kernels-addon' : 'kernels-baseline') + exe);

// The extra flags of the addon build (binding.gyp / CMakeLists.txt).
function extraFlags() {
  return addonFlags ? addonCompileFlags() : [];
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.isFile()) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!fs.existsSync(binary)) return true;
  const built = fs.statSync(binary).mtimeMs;
  return Math.max(fs.statSync(source).mtimeMs, newestMtime(include)) > built;
}

function build() {
  fs.mkdirSync(outDir, { recursive: true });
  const cxx = process.env.CXX || 'g++';
  const args = ['-std=c++17', '-O3', ...extraFlags(), '-Wno-psabi', '-pthread', `-I${include}`, source, '-o', binary];
  process.stderr.write(`bench/kernels: ${cxx} ${args.map((a) => path.relative(root, a) || a).join(' ')}\n`);
  const r = spawnSync(cxx, args, { stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`bench/kernels: cannot run ${cxx}: ${r.error.message}\n`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
}

// The binary's --flops argument from bench/op-mix's JSON report: "ROW=FLOPS;ROW=FLOPS".
function flopsArgument(file) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    process.stderr.write(`bench/kernels: --op-mix expects the JSON file of node bench/op-mix.js --json FILE: ${e.message}\n`);
    process.exit(2);
  }
  const rows = Array.isArray(report) ? report.filter((r) => typeof r.kernel === 'string' && r.flopsPerParticle > 0) : [];
  if (rows.length === 0) {
    process.stderr.write(`bench/kernels: --op-mix: no kernel with flopsPerParticle in ${file}\n`);
    process.exit(2);
  }
  return rows.map((r) => `${r.kernel}=${r.flopsPerParticle}`).join(';');
}

function main() {
  const argv = process.argv.slice(2);
  const rebuild = argv.includes('--rebuild');
  const buildOnly = argv.includes('--build-only');
  const opMixAt = argv.indexOf('--op-mix');
  if (opMixAt >= 0 && opMixAt + 1 >= argv.length) {
    process.stderr.write('bench/kernels: --op-mix needs a FILE\n');
    process.exit(2);
  }
  const forward = argv.filter((a, i) => !['--rebuild', '--build-only', '--baseline-flags'].includes(a) && (opMixAt < 0 || (i !== opMixAt && i !== opMixAt + 1)));
  if (opMixAt >= 0) forward.push('--flops', flopsArgument(argv[opMixAt + 1]));
  if (rebuild || needsBuild()) build();
  if (buildOnly) return;
  const r = spawnSync(binary, forward, { stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`bench/kernels: cannot run ${binary}: ${r.error.message}\n`);
    process.exit(1);
  }
  if (r.signal) {
    process.stderr.write(`bench/kernels: killed by ${r.signal}\n`);
    process.exit(1);
  }
  process.exit(r.status);
}

main();
