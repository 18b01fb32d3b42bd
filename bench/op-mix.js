#!/usr/bin/env node
// Executed-instruction mix of the fused CPU kernels: builds bench/op_mix/driver.cc (one fused
// RTK-MALA step, one fused DDPM step and one fused RTK-ULD and RTK-ULA step each on the paper's
// target, n = 1,024, with the addon's flags) and bench/op_mix/trace.c (a ptrace single-stepper),
// counts every instruction each kernel call executes, and prints them per tile of 8 particles by
// kind: floating-point vector arithmetic (each 8-lane operation is one flop per particle, the
// figure the roofline's flop counts can be checked against), integer vector operations (Philox,
// bit tricks), compares and blends, loads, stores, register moves and scalar instructions; then
// where they run (the top functions).
// Linux on x86-64 only, with ptrace allowed; about two minutes (every instruction of the four
// calls is stepped). Usage: node bench/op-mix.js [--json FILE]
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { addonCompileFlags } = require('./lib/addon-flags');

const root = path.resolve(__dirname, '..');
const outDir = path.join(__dirname, 'out');
const driverSource = path.join(__dirname, 'op_mix', 'driver.cc');
const traceSource = path.join(__dirname, 'op_mix', 'trace.c');
const driver = path.join(outDir, 'op-mix-driver');
const tracer = path.join(outDir, 'op-mix-trace');
const KERNELS = ['fused MALA step', 'fused DDPM step', 'fused ULD step', 'fused ULA step'];
const TILES = 1024 / 8;

function die(message) {
  process.stderr.write(`bench/op-mix: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (r.error) die(`cannot run ${command}: ${r.error.message}`);
  // stderr is captured only where the caller did not pass it through to the terminal.
  if (r.status !== 0) die(`${command} ${args.slice(0, 3).join(' ')} ... failed (${r.status})${r.stderr ? `:\n${r.stderr}` : ''}`);
  return r.stdout;
}

function build() {
  fs.mkdirSync(outDir, { recursive: true });
  const cxx = process.env.CXX || 'g++', cc = process.env.CC || 'gcc';
  const include = `-I${path.join(root, 'native', 'include')}`;
  // -no-pie: fixed addresses, so nm's addresses are the running program's.
  run(cxx, ['-std=c++17', '-O3', ...addonCompileFlags(), '-Wno-psabi', '-pthread', '-no-pie', include, driverSource, '-o', driver], { stdio: ['ignore', 'pipe', 'inherit'] });
  run(cc, ['-O2', traceSource, '-o', tracer], { stdio: ['ignore', 'pipe', 'inherit'] });
}

// Function symbols (start, size, demangled name) sorted by address.
function symbols() {
  const out = run('nm', ['-C', '-S', '--defined-only', driver]);
  const list = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^([0-9a-f]+) ([0-9a-f]+) [tTwW] (.*)$/);
    if (m) list.push({ start: parseInt(m[1], 16), size: parseInt(m[2], 16), name: m[3] });
  }
  return list.sort((a, b) => a.start - b.start);
}

function markers() {
  const out = run('nm', [driver]);
  const find = (name) => (out.match(new RegExp(`^([0-9a-f]+) T ${name}$`, 'm')) || [])[1];
  const begin = find('op_mix_begin'), end = find('op_mix_end');
  if (!begin || !end) die('the driver has no op_mix_begin / op_mix_end symbols');
  return { begin, end };
}

// address -> [mnemonic, operands] from objdump's disassembly of the driver.
function disassembly() {
  const out = run('objdump', ['-d', '--no-show-raw-insn', driver]);
  const map = new Map();
  for (const line of out.split('\n')) {
    const m = line.match(/^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$/);
    if (m) map.set(parseInt(m[1], 16), [m[2], m[3]]);
  }
  return map;
}

// The kind of one instruction (AT&T syntax: the destination is the last operand).
function kind(op, args) {
  const memory = args.includes('(');
  const writesMemory = /\)(\{%k\d\})?\s*$/.test(args);
  // A register xored with itself is the zeroing idiom, not a sign flip.
  const zeroing = /^v?p?xor/.test(op) && /^(%[xyz]mm\d+),\1,\1$/.test(args.replace(/\s/g, ''));
  if (zeroing) return 'register move';
  if (/^v(add|sub|mul|div|sqrt)p[sd]$/.test(op) || /^v(xor|and|andn|or)p[sd]$/.test(op)) return 'fp arithmetic';
  if (/^v(add|sub|mul|div|sqrt)s[sd]$/.test(op)) return 'scalar fp';
  if (/^vcmp|^vmax|^vmin|^vblendm|^vpblendm|^vfpclass/.test(op)) return 'compare / blend';
  if (/^vmov|^vbroadcast|^vpbroadcast.*\(/.test(op + args)) {
    if (writesMemory && memory) return 'store';
    if (memory) return 'load';
    return /\{%k\d\}/.test(args) ? 'compare / blend' : 'register move';
  }
  if (/^vp|^vcvt|^vextract|^vinsert|^vunpck|^vperm|^vshuf/.test(op)) return 'integer / other vector';
  if (/^k/.test(op)) return 'mask register';
  return 'scalar';
}

const KINDS = ['fp arithmetic', 'integer / other vector', 'compare / blend', 'load', 'store', 'register move', 'mask register', 'scalar fp', 'scalar'];

function main() {
  const jsonAt = process.argv.indexOf('--json');
  const jsonFile = jsonAt > 0 ? process.argv[jsonAt + 1] : null;
  if (process.platform !== 'linux' || process.arch !== 'x64') die('needs Linux on x86-64 (ptrace single-stepping)');
  build();
  const { begin, end } = markers();
  process.stderr.write('bench/op-mix: stepping through the four kernel calls (about two minutes) ...\n');
  const traced = run(tracer, [begin, end, driver], { stdio: ['ignore', 'pipe', 'pipe'] });
  const code = disassembly();
  const syms = symbols();
  const functionOf = (address) => {
    let lo = 0, hi = syms.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (syms[mid].start <= address) { found = syms[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found && address < found.start + Math.max(found.size, 1) ? found.name : '?';
  };
  const report = [];
  for (let k = 0; k < KERNELS.length; ++k) {
    const byKind = Object.fromEntries(KINDS.map((n) => [n, 0]));
    const byOp = new Map(), byFunction = new Map();
    let total = 0;
    for (const line of traced.split('\n')) {
      const [kernel, address, count] = line.split(' ');
      if (!count || Number(kernel) !== k) continue;
      const a = parseInt(address, 16), c = Number(count);
      const [op, args] = code.get(a) || ['?', ''];
      const what = kind(op, args);
      byKind[what] += c;
      total += c;
      if (what === 'fp arithmetic') byOp.set(op, (byOp.get(op) || 0) + c);
      const fn = functionOf(a).replace(/\(.*$/, '').slice(0, 60);
      const f = byFunction.get(fn) || { total: 0, vector: 0 };
      f.total += c;
      if (['fp arithmetic', 'integer / other vector', 'compare / blend'].includes(what)) f.vector += c;
      byFunction.set(fn, f);
    }
    if (total === 0) die(`no instructions counted for ${KERNELS[k]}`);
    const perTile = (v) => v / TILES;
    const vectorOps = byKind['fp arithmetic'] + byKind['integer / other vector'] + byKind['compare / blend'];
    console.log(`\n${KERNELS[k]}: ${(total / TILES).toFixed(1)} instructions per tile of 8 particles (n = 1,024, ${TILES} tiles)`);
    console.log('kind                      per tile   share');
    for (const n of KINDS) console.log(`${n.padEnd(24)} ${perTile(byKind[n]).toFixed(1).padStart(9)}  ${((100 * byKind[n]) / total).toFixed(1).padStart(5)}%`);
    console.log(`fp arithmetic by instruction: ${[...byOp].filter(([, c]) => perTile(c) >= 0.05).sort((a, b) => b[1] - a[1]).map(([o, c]) => `${o} ${perTile(c).toFixed(1)}`).join(', ')}`);
    console.log(`flops per particle (8-lane fp arithmetic per tile): ${perTile(byKind['fp arithmetic']).toFixed(1)}; vector-pipe operations per tile (fp, integer, compare / blend): ${perTile(vectorOps).toFixed(1)}`);
    console.log('function (self)                                              per tile  vector ops');
    for (const [fn, f] of [...byFunction].sort((a, b) => b[1].total - a[1].total).slice(0, 8))
      console.log(`${fn.padEnd(60)} ${perTile(f.total).toFixed(1).padStart(8)} ${perTile(f.vector).toFixed(1).padStart(10)}`);
    report.push({ kernel: KERNELS[k], tiles: TILES, instructionsPerTile: perTile(total), perTile: Object.fromEntries(KINDS.map((n) => [n, perTile(byKind[n])])), flopsPerParticle: perTile(byKind['fp arithmetic']), vectorOpsPerTile: perTile(vectorOps) });
  }
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
}

main();
