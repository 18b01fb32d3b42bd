// Native score plugins (lib/score-plugin.ts, native/include/rtk/score_plugin.h): the example
// anisotropic-Gaussian plugin sampled by the native samplers against its exact moments, native
// path == sampleSync bits, plugin lifetime, and every bad input giving a clear Error.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import {
  GaussianMixture,
  loadScorePlugin,
  native,
  sample,
  SampleOptions,
  SAMPLERS,
  SamplerName,
  sampleSync,
  ScorePlugin,
} from '../../lib';

interface Builder {
  findCompiler(): string | null;
  sharedLibraryName(name: string): string;
  compilePlugin(o: { sources: string[]; out: string; cxx?: string; flags?: string[] }): string;
  buildExamplePlugin(outDir?: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const builder = require('../../scripts/build-example-plugin.js') as Builder;

const CXX = builder.findCompiler();
if (!CXX)
  console.warn('score-plugin tests SKIPPED: no C++ compiler found (set $CXX or install c++/g++/clang++)');
const describeIfCompiler = CXX ? describe : describe.skip;

const ROOT = path.join(__dirname, '..', '..');
let tmp = '';
let example = '';

// Small plugins for the failure table, compiled into `tmp` in beforeAll.
const SOURCES: Record<string, string> = {
  // A shared library that does not export rtk_score_plugin_v1.
  nosymbol: `extern "C" int rtk_something_else(void) { return 1; }\n`,
  // A plugin built for another ABI version.
  wrongabi: `#include <rtk/score_plugin.h>
static void* create(const char*, int, char*, size_t) { static int x; return &x; }
static void destroy(void*) {}
static int score(void*, const double*, size_t, int, double, double*) { return 0; }
static const rtk_score_plugin table = {RTK_SCORE_PLUGIN_ABI + 1, create, destroy, score, nullptr};
extern "C" const rtk_score_plugin* rtk_score_plugin_v1(void) { return &table; }
`,
  // Score-only N(0, I) (p_t = N(0, I) for every t); score returns 3 at t < threshold, the config
  // being the threshold as a bare JSON number.
  failing: `#include <rtk/score_plugin.h>
#include <cstdlib>
static void* create(const char* json, int, char*, size_t) {
  double* threshold = new double(std::strtod(json, nullptr));
  return threshold;
}
static void destroy(void* ctx) { delete static_cast<double*>(ctx); }
static int score(void* ctx, const double* x, size_t n, int dim, double t, double* out) {
  if (t < *static_cast<double*>(ctx)) return 3;
  for (size_t i = 0; i < n * static_cast<size_t>(dim); ++i) out[i] = -x[i];
  return 0;
}
static const rtk_score_plugin table = {RTK_SCORE_PLUGIN_ABI, create, destroy, score, nullptr};
extern "C" const rtk_score_plugin* rtk_score_plugin_v1(void) { return &table; }
`,
  // N(0, I) whose score waits (up to 20 s, then returns 9) until the file <dir>/go exists, and
  // whose destroy() writes <dir>/destroyed (the config is <dir>, a JSON string).
  lifetime: `#include <rtk/score_plugin.h>
#include <cstdio>
#include <string>
#include <unistd.h>
static void* create(const char* json, int, char*, size_t) {
  std::string s(json);
  return new std::string(s.substr(1, s.size() - 2));
}
static void destroy(void* ctx) {
  std::string* dir = static_cast<std::string*>(ctx);
  if (FILE* f = std::fopen((*dir + "/destroyed").c_str(), "w")) { std::fputs("destroyed", f); std::fclose(f); }
  delete dir;
}
static int score(void* ctx, const double* x, size_t n, int dim, double, double* out) {
  const std::string go = *static_cast<std::string*>(ctx) + "/go";
  for (int i = 0; access(go.c_str(), F_OK) != 0; ++i) {
    if (i == 2000) return 9;
    usleep(10000);
  }
  for (size_t i = 0; i < n * static_cast<size_t>(dim); ++i) out[i] = -x[i];
  return 0;
}
static const rtk_score_plugin table = {RTK_SCORE_PLUGIN_ABI, create, destroy, score, nullptr};
extern "C" const rtk_score_plugin* rtk_score_plugin_v1(void) { return &table; }
`,
};
const libs: Record<string, string> = {};

beforeAll(() => {
  if (!CXX) return;
  // The npm script `build:example-plugin`, run as the user would.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-example-plugin.js')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:example-plugin failed:\n${r.stdout}${r.stderr}`);
  example = r.stdout.trim();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtk-plugin-test-'));
  for (const [name, source] of Object.entries(SOURCES)) {
    const file = path.join(tmp, `${name}.cc`);
    fs.writeFileSync(file, source);
    libs[name] = builder.compilePlugin({ sources: [file], out: path.join(tmp, builder.sharedLibraryName(name)), cxx: CXX });
  }
}, 300000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The example's target: N(MEAN, COV) in d = 3, correlated (correlations 0.36, 0.14, -0.25) and
// moderately conditioned (eigenvalues 0.33, 0.69, 1.19).
const D = 3;
const MEAN = [1, -0.5, 2];
const COV = [
  [1.0, 0.3, 0.1],
  [0.3, 0.7, -0.15],
  [0.1, -0.15, 0.5],
];

function gaussianPlugin(cov = COV, mean = MEAN): ScorePlugin {
  return loadScorePlugin(example, { dim: mean.length, config: { mean, covariance: cov } });
}

function sameBits(a: Float64Array | Float32Array, b: Float64Array | Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function moments(x: Float64Array | Float32Array, d: number) {
  const n = x.length / d;
  const mean = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a][b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
  for (let a = 0; a < d; a++)
    for (let b = 0; b <= a; b++) {
      cov[a][b] /= n - 1;
      cov[b][a] = cov[a][b];
    }
  return { n, mean, cov };
}

// Exact p_t of N(mu, Sigma) under the forward process, for the evaluate checks:
// N(e^{-t} mu, e^{-2t} Sigma + (1 - e^{-2t}) I); score and energy through a 3x3 solve.
function exactAt(t: number, x: number[]) {
  const decay = Math.exp(-t), noise = -Math.expm1(-2 * t);
  const S = COV.map((row, i) => row.map((v, j) => decay * decay * v + (i === j ? noise : 0)));
  const r = x.map((v, i) => v - decay * MEAN[i]);
  const det =
    S[0][0] * (S[1][1] * S[2][2] - S[1][2] * S[2][1]) -
    S[0][1] * (S[1][0] * S[2][2] - S[1][2] * S[2][0]) +
    S[0][2] * (S[1][0] * S[2][1] - S[1][1] * S[2][0]);
  // Cramer's rule: y = S^{-1} r.
  const replace = (k: number) => S.map((row, i) => row.map((v, j) => (j === k ? r[i] : v)));
  const det3 = (M: number[][]) =>
    M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
    M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
    M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  const y = [0, 1, 2].map((k) => det3(replace(k)) / det);
  const score = y.map((v) => -v);
  const energy = 0.5 * (r[0] * y[0] + r[1] * y[1] + r[2] * y[2]) + 0.5 * Math.log(det) + 1.5 * Math.log(2 * Math.PI);
  return { score, energy };
}

// ---------------------------------------------------------------------------------------------
describeIfCompiler('the example plugin (anisotropic Gaussian)', () => {
  test('loads; score and energy are the exact ones of p_t at several t; float32 input works', () => {
    const plugin = gaussianPlugin();
    expect(plugin).toBeInstanceOf(ScorePlugin);
    expect(plugin.dim).toBe(3);
    expect(plugin.hasEnergy).toBe(true);
    expect(plugin.path).toBe(example);
    expect(String(plugin)).toContain('librtk_anisotropic_gaussian');
    const rows = [
      [0, 0, 0],
      [1, -0.5, 2],
      [2.5, 1, -1],
      [-3, 0.2, 4],
    ];
    const x = Float64Array.from(rows.flat());
    for (const t of [0, 0.01, 0.3, 1, 4]) {
      const score = new Float64Array(x.length), energy = new Float64Array(rows.length);
      plugin.evaluate(x, t, score, energy);
      rows.forEach((row, i) => {
        const e = exactAt(t, row);
        for (let j = 0; j < D; j++) expect(score[i * D + j]).toBeCloseTo(e.score[j], 11);
        expect(energy[i]).toBeCloseTo(e.energy, 11);
      });
      const s32 = new Float32Array(x.length);
      plugin.score(Float32Array.from(x), t, s32);
      for (let i = 0; i < x.length; i++) expect(s32[i]).toBeCloseTo(score[i], 4);
    }
  });

  test('a diagonal covariance agrees with the equivalent 1-component GaussianMixture', () => {
    const variances = [0.4, 1.3, 2.2];
    const plugin = loadScorePlugin(example, {
      dim: 3,
      config: { mean: MEAN, covariance: variances.map((v, i) => variances.map((_, j) => (i === j ? v : 0))) },
    });
    const mixture = new GaussianMixture({ means: [MEAN], variances: [variances] });
    const x = Float64Array.from({ length: 60 }, (_, i) => Math.sin(1.7 * i) * 3);
    for (const t of [0, 0.2, 2]) {
      const sp = new Float64Array(60), sm = new Float64Array(60), ep = new Float64Array(20), em = new Float64Array(20);
      plugin.evaluate(x, t, sp, ep);
      mixture.evaluate(x, t, sm, em);
      for (let i = 0; i < 60; i++) expect(sp[i]).toBeCloseTo(sm[i], 12);
      for (let i = 0; i < 20; i++) expect(ep[i]).toBeCloseTo(em[i], 11);
    }
  });

  // Tolerances from the Monte Carlo standard error of n independent particles (each particle's
  // chain has its own RNG stream): for Gaussian draws the sample mean of coordinate a has
  // SE = sqrt(Sigma_aa / n), and the sample covariance s_ab has variance
  // (Sigma_aa Sigma_bb + Sigma_ab^2) / (n - 1) (Isserlis). Every check allows 5 SE; with 9
  // statistics per sampler a pure-noise failure has probability < 1e-5, so a failure means a
  // bias (sampler or plugin). rtk-uld is unadjusted: its auto step size leaves a variance bias of
  // a few percent (~5-7 SE here), so it runs with a smaller explicit step and more NFE.
  const N = 20000;
  const RUNS: [SamplerName, Partial<SampleOptions>][] = [
    ['rtk-mala', { nfe: 200 }],
    ['rtk-mala-es', { nfe: 200 }],
    ['rtk-uld', { nfe: 400, stepSize: 0.05 }],
    ['ddpm', { nfe: 200 }],
  ];
  test.each(RUNS)('%s samples N(mu, Sigma): mean and covariance within 5 standard errors', async (sampler, extra) => {
    const plugin = gaussianPlugin();
    const r = await sample({ target: plugin, sampler, particles: N, seed: 3, ...extra });
    expect(r.stats.path).toBe('native');
    const m = moments(r.samples, D);
    for (let a = 0; a < D; a++) {
      const se = Math.sqrt(COV[a][a] / N);
      expect(Math.abs(m.mean[a] - MEAN[a])).toBeLessThan(5 * se);
      for (let b = 0; b <= a; b++) {
        const seCov = Math.sqrt((COV[a][a] * COV[b][b] + COV[a][b] ** 2) / (N - 1));
        expect(Math.abs(m.cov[a][b] - COV[a][b])).toBeLessThan(5 * seCov);
      }
    }
  });

  test.each(SAMPLERS.map((s) => [s]))('%s: native path, sampleSync and a JS score give the same bits', async (sampler) => {
    const plugin = gaussianPlugin();
    const base = { sampler: sampler as SamplerName, nfe: 20, particles: 500, seed: 7 };
    const nat = await sample({ target: plugin, ...base });
    const sync = sampleSync({ target: plugin, ...base });
    const js = await sample({
      score: (x, t, out) => plugin.score(x, t, out),
      energy: (x, t, out) => plugin.energy(x, t, out),
      dim: D,
      ...base,
    });
    expect(nat.stats.path).toBe('native');
    expect(sameBits(nat.samples, sync.samples)).toBe(true);
    expect(sameBits(nat.samples, js.samples)).toBe(true);
    expect(sync.stats.nfe).toBe(nat.stats.nfe);
  });

  test('same bits for 1 and 2 threads (the plugin sees different chunks); float32 runs native == sampleSync', async () => {
    const plugin = gaussianPlugin();
    const base: SampleOptions = { target: plugin, sampler: 'rtk-mala', nfe: 24, particles: 3000, seed: 2 };
    const one = await sample({ ...base, threads: 1 });
    const two = await sample({ ...base, threads: 2 });
    expect(sameBits(one.samples, two.samples)).toBe(true);
    const f32 = await sample({ ...base, sampler: 'ddim', dtype: 'float32' });
    const f32sync = sampleSync({ ...base, sampler: 'ddim', dtype: 'float32' });
    const f64 = await sample({ ...base, sampler: 'ddim' });
    expect(Object.prototype.toString.call(f32.samples)).toBe('[object Float32Array]');
    expect(sameBits(f32.samples, f32sync.samples)).toBe(true);
    for (let i = 0; i < f64.samples.length; i++) expect(Math.abs(f32.samples[i] - f64.samples[i])).toBeLessThan(1e-3);
  });
});

// ---------------------------------------------------------------------------------------------
describeIfCompiler('score-only plugins and plugins that fail during a run', () => {
  test("no energy: hasEnergy false, 'rtk-mala' refused clearly, 'rtk-mala-es' samples N(0, I)", async () => {
    const plugin = loadScorePlugin(libs.failing, { dim: 2, config: -1 }); // never fails
    expect(plugin.hasEnergy).toBe(false);
    await expect(sample({ target: plugin, sampler: 'rtk-mala', nfe: 20, particles: 10 })).rejects.toThrow(
      /'rtk-mala' needs a target with an energy.*'rtk-mala-es'/,
    );
    expect(() => plugin.energy(new Float64Array(2), 0, new Float64Array(1))).toThrow(/has no energy function/);
    expect(() => plugin.evaluate(new Float64Array(2), 0, null, new Float64Array(1))).toThrow(/has no energy function/);
    const n = 20000;
    const r = await sample({ target: plugin, sampler: 'rtk-mala-es', nfe: 64, particles: n, seed: 1 });
    const m = moments(r.samples, 2);
    for (let a = 0; a < 2; a++) {
      expect(Math.abs(m.mean[a])).toBeLessThan(5 * Math.sqrt(1 / n));
      expect(Math.abs(m.cov[a][a] - 1)).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
    }
  });

  test('score returning non-zero: the run rejects naming the plugin, the code and t; sampleSync throws the same', async () => {
    const plugin = loadScorePlugin(libs.failing, { dim: 2, config: 1 }); // returns 3 at t < 1
    const escaped = libs.failing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const message = new RegExp(`score plugin '${escaped}': score\\(\\) returned 3 at t = 0(\\.\\d+)?$`);
    for (const sampler of ['ddpm', 'rtk-mala-es', 'rtk-uld'] as const) {
      const run = sample({ target: plugin, sampler, nfe: 20, particles: 300, seed: 1 });
      await expect(run).rejects.toThrow(message);
      const error = await run.catch((e: Error) => e);
      const t = Number(/at t = ([0-9.e-]+)/.exec((error as Error).message)![1]);
      expect(t).toBeLessThan(1);
    }
    expect(() => sampleSync({ target: plugin, sampler: 'ddpm', nfe: 20, particles: 300 })).toThrow(message);
    expect(() => plugin.score(new Float64Array(4), 0.5, new Float64Array(4))).toThrow(message);
    // Still usable at t >= 1.
    const out = new Float64Array(4);
    plugin.score(Float64Array.from([1, 2, 3, 4]), 1.5, out);
    expect(Array.from(out)).toEqual([-1, -2, -3, -4]);
  });

  test('the library stays loaded while a run uses it, and is destroyed once nothing does', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const settle = async () => {
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    // The plan that `sample` hands the addon, captured from a first run (patching the loaded
    // addon module itself: lib's `native` may be a read-through proxy of it).
    let plan: unknown;
    const file = [path.join(ROOT, 'build', 'Release', 'rtk_addon.node'), path.join(ROOT, 'build-cmake', 'Release', 'rtk_addon.node'), path.join(ROOT, 'build-cmake', 'rtk_addon.node')].find((f) => fs.existsSync(f))!;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(file) as { sampleNative: (...args: unknown[]) => unknown };
    expect(native.sampleNative).toBe(addon.sampleNative);
    const original = addon.sampleNative;
    addon.sampleNative = (...args: unknown[]) => {
      plan = args[0];
      return original(...args);
    };
    const first = fs.mkdtempSync(path.join(tmp, 'run-'));
    fs.writeFileSync(path.join(first, 'go'), '');
    try {
      await sample({ target: loadScorePlugin(libs.lifetime, { dim: 2, config: first }), sampler: 'ddpm', nfe: 10, particles: 64, seed: 1 });
    } finally {
      addon.sampleNative = original;
    }
    expect(plan).toBeDefined();
    // A run started straight on the addon object, whose JS wrapper is then dropped; the plugin's
    // score blocks until `go` exists.
    const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
    const marker = path.join(dir, 'destroyed');
    const start = () => {
      const plugin = loadScorePlugin(libs.lifetime, { dim: 2, config: dir });
      const handle = original(plan, plugin.native, 10, 'float64') as { promise: Promise<{ samples: Float64Array }> };
      return { handle, ref: new WeakRef(plugin.native) };
    };
    let { handle, ref } = start();
    let settled = false;
    const done = handle.promise.then((r) => {
      settled = true;
      return r;
    });
    await settle();
    // The JS object is gone, but the running worker still holds the plugin (not destroyed).
    const during = { settled, alive: ref.deref() !== undefined, destroyed: fs.existsSync(marker) };
    fs.writeFileSync(path.join(dir, 'go'), '');
    expect(during).toEqual({ settled: false, alive: false, destroyed: false });
    const r = await done;
    expect(r.samples.length).toBe(128);
    expect(r.samples.every((v) => Number.isFinite(v))).toBe(true);
    handle = undefined as never;
    ref = undefined as never;
    for (let i = 0; i < 50 && !fs.existsSync(marker); i++) await settle();
    expect(fs.readFileSync(marker, 'utf8')).toBe('destroyed');
  });
});

// ---------------------------------------------------------------------------------------------
describeIfCompiler('bad input: a clear Error naming the plugin, never a crash', () => {
  const quoted = (p: string) => `'${p}'`;

  test('missing file', () => {
    const missing = path.join(tmp, 'no-such-plugin.so');
    expect(() => loadScorePlugin(missing, { dim: 2 })).toThrow(`Cannot load score plugin ${quoted(missing)}: no such file`);
    // Relative paths are resolved against the working directory, never searched on the library path.
    expect(() => loadScorePlugin('libm.so.6', { dim: 2 })).toThrow(
      `Cannot load score plugin ${quoted(path.resolve('libm.so.6'))}: no such file`,
    );
  });

  test('a file that is not a shared library (dlerror text)', () => {
    const text = path.join(tmp, 'not-a-library.so');
    fs.writeFileSync(text, 'this is not an ELF or Mach-O file\n');
    expect(() => loadScorePlugin(text, { dim: 2 })).toThrow(
      new RegExp(`Cannot load score plugin ${quoted(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a loadable shared library \\(dlopen: .+\\)`),
    );
    expect(() => loadScorePlugin(tmp, { dim: 2 })).toThrow(/it is a directory, not a shared library/);
  });

  test('a library without rtk_score_plugin_v1', () => {
    expect(() => loadScorePlugin(libs.nosymbol, { dim: 2 })).toThrow(
      new RegExp(`${path.basename(libs.nosymbol)}'.*does not export the symbol rtk_score_plugin_v1`),
    );
  });

  test('wrong ABI version: says expected and got', () => {
    expect(() => loadScorePlugin(libs.wrongabi, { dim: 2 })).toThrow(
      /wrongabi.*wrong ABI version: rtk-diffusion expects RTK_SCORE_PLUGIN_ABI 1 but the plugin reports abi_version 2/,
    );
  });

  test("create failing: the plugin's own message", () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /create\(\) failed: the config needs both 'mean' and 'covariance' \(missing 'mean'\)/],
      [{ mean: [1, 2] }, /create\(\) failed: mean has 2 entries but dim is 3/],
      [{ mean: MEAN, covariance: [[1, 0, 0], [0, 1, 0]] }, /create\(\) failed: covariance must be an array of 3 rows/],
      [{ mean: MEAN, covariance: [[1, 2, 0], [2, 1, 0], [0, 0, 1]] }, /create\(\) failed: covariance is not positive definite/],
      [{ mean: MEAN, covariance: [[1, 0.5, 0], [0, 1, 0], [0, 0, 1]] }, /create\(\) failed: covariance is not symmetric/],
      [{ mean: MEAN, covariance: COV, extra: 1 }, /create\(\) failed: unknown key 'extra'/],
      [{ mean: ['a', 0, 0], covariance: COV }, /create\(\) failed: mean must contain only finite numbers/],
      [[1, 2, 3], /create\(\) failed: the config must be a JSON object/],
    ];
    for (const [config, message] of cases) {
      let error: unknown;
      try {
        loadScorePlugin(example, { dim: 3, config });
      } catch (e) {
        error = e;
      }
      // Errors made by the addon belong to the main realm, not jest's: check the name, not instanceof.
      expect((error as Error).name).toBe('Error');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(`Cannot load score plugin ${quoted(example)}`);
    }
  });

  test('dim not a positive integer', () => {
    for (const dim of [0, -1, 1.5, NaN, Infinity, 2 ** 21]) expect(() => loadScorePlugin(example, { dim })).toThrow(RangeError);
    for (const dim of ['3', null, undefined]) expect(() => loadScorePlugin(example, { dim } as never)).toThrow(TypeError);
    expect(() => loadScorePlugin(example, { dim: 0 })).toThrow(/positive integer.*dim of score plugin.*received the number 0/);
    expect(() => loadScorePlugin(example, { dim: 3, confg: {} } as never)).toThrow(/Unknown option 'confg'.*did you mean 'config'/);
    expect(() => loadScorePlugin(42 as never, { dim: 3 })).toThrow(TypeError);
    expect(() => loadScorePlugin(example, undefined as never)).toThrow(TypeError);
  });

  test('config not JSON-serialisable', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad: [unknown, RegExp][] = [
      [circular, /circular/i],
      [{ n: BigInt(1) }, /BigInt/],
      [{ f: () => 1 }, /config at key 'f' is function/],
      [{ mean: [1, NaN, 0] }, /config at key '1' is NaN/],
      [Infinity, /config is Infinity/],
      [Symbol('s'), /config is symbol/],
    ];
    for (const [config, why] of bad) {
      expect(() => loadScorePlugin(example, { dim: 3, config })).toThrow(TypeError);
      expect(() => loadScorePlugin(example, { dim: 3, config })).toThrow(why);
      expect(() => loadScorePlugin(example, { dim: 3, config })).toThrow(/config is not JSON-serialisable/);
    }
  });

  test('misuse of evaluate / score gives errors, not crashes', () => {
    const plugin = gaussianPlugin();
    // (Errors made by the addon belong to the main realm, not jest's: matched by message.)
    expect(() => plugin.evaluate(new Float64Array(4), 0, new Float64Array(4), null)).toThrow(/rows of dim = 3/);
    expect(() => plugin.evaluate(new Float64Array(3), -1, new Float64Array(3), null)).toThrow(/t >= 0/);
    expect(() => plugin.evaluate(new Float64Array(3), 0, new Float32Array(3), null)).toThrow(/Float64Array for scoreOut/);
    expect(() => plugin.evaluate([1, 2, 3] as never, 0, new Float64Array(3), null)).toThrow(/Float64Array or Float32Array for x/);
    expect(() => plugin.score(new Float64Array(3), 0, new Float64Array(2))).toThrow(RangeError);
    expect(() => plugin.score(new Float64Array(3), NaN, new Float64Array(3))).toThrow(RangeError);
  });
});
