#!/usr/bin/env node
'use strict';
// Builds the example score plugin (examples/anisotropic-gaussian) with the system C++ compiler,
// without CMake or node-gyp:
//   node scripts/build-example-plugin.js [--out DIR]     (npm run build:example-plugin)
// writes DIR/librtk_anisotropic_gaussian.so (.dylib on macOS; DIR defaults to
// build/example-plugin) and prints its path. $CXX overrides the compiler (default c++).
// Also a module: the jest suite uses compilePlugin() to build its small faulty plugins.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const includeDir = path.join(root, 'native', 'include');
const exampleSource = path.join(root, 'examples', 'anisotropic-gaussian', 'anisotropic_gaussian.cc');
const defaultOutDir = path.join(root, 'build', 'example-plugin');

/** The C++ compiler to use ($CXX or c++), or null when none runs. */
function findCompiler() {
  const candidates = process.env.CXX ? [process.env.CXX] : ['c++', 'g++', 'clang++'];
  for (const cxx of candidates) {
    const r = spawnSync(cxx, ['--version'], { stdio: 'ignore', shell: false });
    if (!r.error && r.status === 0) return cxx;
  }
  return null;
}

/** lib<name>.so, or lib<name>.dylib on macOS. */
function sharedLibraryName(name) {
  return `lib${name}${process.platform === 'darwin' ? '.dylib' : '.so'}`;
}

/** The CPU-specific flag (as for the addon, scripts/arch-flags.js): the plugin is built on the
 * machine that runs it. RTK_PORTABLE=1 builds for any CPU of the architecture. */
function archFlags() {
  const portable = process.env.RTK_PORTABLE === '1' || process.env.RTK_PORTABLE === 'true';
  if (portable || process.platform === 'win32') return [];
  if (process.arch === 'x64') return ['-march=native'];
  if (process.arch === 'arm64') return ['-mcpu=native'];
  return [];
}

/** Compiles C++ sources into the shared library `out` (written atomically); throws with the
 * compiler's output on failure. -ffp-contract=off: no FMA contraction, so a row's result does
 * not depend on which code path (vector or scalar) computed it. */
function compilePlugin({ sources, out, cxx = findCompiler(), flags = [], arch = archFlags() }) {
  if (!cxx) throw new Error('No C++ compiler found (set $CXX or install c++/g++/clang++)');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const temporary = `${out}.tmp-${process.pid}`;
  const compile = (extra) => {
    const args = [process.platform === 'darwin' ? '-dynamiclib' : '-shared', '-std=c++17', '-O3', ...extra,
      '-ffp-contract=off', '-fPIC', '-I', includeDir, ...flags, ...sources, '-o', temporary];
    return { args, r: spawnSync(cxx, args, { encoding: 'utf8' }) };
  };
  let { args, r } = compile(arch);
  if ((r.error || r.status !== 0) && arch.length > 0) ({ args, r } = compile([])); // a compiler without -march=native
  if (r.error || r.status !== 0) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`${cxx} ${args.join(' ')} failed:\n${r.error ? r.error.message : ''}${r.stdout}${r.stderr}`);
  }
  fs.renameSync(temporary, out);
  return out;
}

/** Builds the example plugin into outDir and returns the library's path. */
function buildExamplePlugin(outDir = defaultOutDir) {
  return compilePlugin({ sources: [exampleSource], out: path.join(outDir, sharedLibraryName('rtk_anisotropic_gaussian')) });
}

module.exports = { findCompiler, sharedLibraryName, compilePlugin, buildExamplePlugin, exampleSource, includeDir };

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const outDir = i >= 0 ? path.resolve(process.argv[i + 1]) : defaultOutDir;
  try {
    console.log(buildExamplePlugin(outDir));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
