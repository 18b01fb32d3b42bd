// End to end: `node bin/rtk.js ...` in a temp folder (the compiled CLI in dist/cli; rebuilt here
// with `npm run build:ts` when any lib/ source is newer than it).
import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { GaussianMixture } from '../../../lib/gaussian-mixture';
import { sample } from '../../../lib/sample';
import { decodeNpy } from '../../../lib/cli/output-formats';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'rtk.js');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN) || fs.statSync(MAIN).mtimeMs < newestSource(path.join(ROOT, 'lib')))
    execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'ignore' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtk-cli-'));
}, 120000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rtk(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
}

/** A usage error: exit 2, exactly one line on stderr, no stack trace, nothing on stdout. */
function expectUsageError(r: SpawnSyncReturns<string>, pattern: RegExp) {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rtk( sample| info| bench)?: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const SMALL = ['--particles', '300', '--nfe', '12', '--seed', '7'];

describe('help and info', () => {
  test.each([[[]], [['sample']], [['info']], [['bench']]])('rtk %p --help', (args) => {
    const r = rtk(...args, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: rtk/);
    expect(r.stderr).toBe('');
  });

  test("'rtk help sample' exits 0; 'rtk' alone prints the usage on stderr and exits 2", () => {
    const r = rtk('help', 'sample');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: rtk sample/);
    const bare = rtk();
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^Usage: rtk/);
  });

  test('rtk sample --help lists every sampler option', () => {
    const help = rtk('sample', '--help').stdout;
    for (const flag of [
      '--target', '--sampler', '--nfe', '--particles', '--dim', '--seed', '--T', '--t-end', '--threads', '--out',
      '--stats', '--plot', '--plot-dims', '--quiet', '--verbose', '--segments', '--grid', '--t-min', '--step-size',
      '--target-accept', '--friction', '--inner-steps', '--warm-start', '--projection-radius', '--energy-estimate',
      '--final-denoise', '--no-final-denoise', '--langevin-steps', '--ald-step-scale', '--dtype', '--device',
    ])
      expect(help).toContain(`${flag} `);
  });

  test('rtk --version, rtk info and rtk info --json', () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    expect(rtk('--version').stdout.trim()).toBe(version);
    const r = rtk('info');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`rtk-diffusion ${version}`);
    expect(r.stdout).toMatch(/hardware threads\s+\d+/);
    expect(r.stdout).toMatch(/CUDA compiled\s+(yes|no)/);
    expect(r.stdout).toMatch(/GPU found\s+(no|unknown)/);
    const j = JSON.parse(rtk('info', '--json').stdout);
    expect(j.version).toBe(version);
    expect(j.hardwareThreads).toBeGreaterThanOrEqual(1);
    expect(typeof j.cuda).toBe('boolean');
  });
});

describe('rtk sample', () => {
  test("with no options: rtk-mala on the paper's mixture, a summary, samples not saved", () => {
    const r = rtk('sample', '--particles', '500', '--nfe', '16');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a TTY
    expect(r.stdout).toMatch(/^rtk-mala on the paper's mixture/);
    expect(r.stdout).toMatch(/NFE\s+16 spent of a budget of 16/);
    expect(r.stdout).toMatch(/energy\s+\d+ evaluations/);
    expect(r.stdout).toMatch(/time\s+[\d.]+ s/);
    expect(r.stdout).toMatch(/marginal accuracy 0\.\d{4}; exact-sample noise floor at n = 500: 0\.\d{4}/);
    expect(r.stdout).toMatch(/samples\s+not saved \(no --out/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test.each(['rtk-mala', 'ddpm'])('--out x.npy (%s) holds the library samples for the same seed; numpy.load reads it', async (sampler) => {
    const file = `${sampler}.npy`;
    const r = rtk('sample', '--sampler', sampler, ...SMALL, '--out', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`written to ${file} (300 x 10)`);
    const buf = fs.readFileSync(path.join(dir, file));
    const npy = decodeNpy(buf);
    expect(npy.shape).toEqual([300, 10]);
    expect(npy.headerLength % 64).toBe(0);
    expect(buf.length).toBe(npy.headerLength + 300 * 10 * 8);
    const lib = await sample({ target: GaussianMixture.paperTarget(), sampler: sampler as 'ddpm', particles: 300, nfe: 12, seed: 7 });
    expect(Array.from(npy.data)).toEqual(Array.from(lib.samples));
    if (hasNumpy) {
      const py = spawnSync(
        'python3',
        ['-c', 'import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "first": a[0].tolist(), "last": a[-1].tolist()}))', path.join(dir, file)],
        { encoding: 'utf8' },
      );
      expect(py.status).toBe(0);
      const a = JSON.parse(py.stdout);
      expect(a.shape).toEqual([300, 10]);
      expect(a.dtype).toBe('float64');
      expect(a.first).toEqual(Array.from(lib.samples.subarray(0, 10)));
      expect(a.last).toEqual(Array.from(lib.samples.subarray(2990, 3000)));
    }
  });

  test('--out .csv and .json have one row per particle and d columns, equal to the .npy', () => {
    expect(rtk('sample', ...SMALL, '--sampler', 'ddim', '--out', 'a.csv').status).toBe(0);
    expect(rtk('sample', ...SMALL, '--sampler', 'ddim', '--out', 'a.json').status).toBe(0);
    expect(rtk('sample', ...SMALL, '--sampler', 'ddim', '--out', 'a.npy', '--quiet').stdout).toBe('');
    const npy = decodeNpy(fs.readFileSync(path.join(dir, 'a.npy'))).data;
    const csv = fs.readFileSync(path.join(dir, 'a.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('x0,x1,x2,x3,x4,x5,x6,x7,x8,x9');
    expect(csv).toHaveLength(301);
    const csvValues = csv.slice(1).flatMap((line) => line.split(',').map(Number));
    expect(csvValues).toEqual(Array.from(npy));
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8'));
    expect(json).toHaveLength(300);
    expect(json.every((row: number[]) => row.length === 10)).toBe(true);
    expect(json.flat()).toEqual(Array.from(npy));
  });

  test("--out - writes CSV to stdout and the summary to stderr", () => {
    const r = rtk('sample', '--particles', '5', '--nfe', '8', '--sampler', 'ddpm', '--out', '-');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).every((l) => l.split(',').length === 10 && l.split(',').every((v) => Number.isFinite(Number(v))))).toBe(true);
    expect(r.stderr).toMatch(/^ddpm on the paper's mixture/);
  });

  test('--out - into a reader that closes early (| head) ends quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'sample', '--sampler', 'ddpm', '--nfe', '4', '--particles', '100000', '--out', '-'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  test('a target file, --stats and --plot: JSON statistics and a decodable PNG', () => {
    fs.writeFileSync(
      path.join(dir, 'm.json'),
      JSON.stringify({ type: 'gaussian-mixture', weights: [1, 3], means: [[0, 0, 0], [3, 1, -2]], variances: [0.5, [0.2, 0.1, 1]] }),
    );
    const r = rtk('sample', '--target', 'm.json', '--sampler', 'pf-heun', '--particles', '400', '--nfe', '21', '--stats', 's.json', '--plot', 'p.png', '--plot-dims', '2,0');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('gaussian-mixture from m.json (2 components, d = 3)');
    expect(r.stdout).toMatch(/marginal accuracy 0\.\d+; exact-sample noise floor at n = 400: 0\.\d+ \(100 bins on \[-6, 5\]\)/);
    const stats = JSON.parse(fs.readFileSync(path.join(dir, 's.json'), 'utf8'));
    expect(stats.dim).toBe(3);
    expect(stats.particles).toBe(400);
    expect(stats.stats.sampler).toBe('pf-heun');
    expect(stats.stats.nfeBudget).toBe(21);
    expect(stats.stats.nfe).toBeLessThanOrEqual(21);
    expect(stats.marginalAccuracy.value).toBeGreaterThan(0);
    expect(stats.marginalAccuracy.floor).toBeGreaterThan(0);
    expect(stats.options).toEqual({ sampler: 'pf-heun', nfe: 21, particles: 400 });
    const png = fs.readFileSync(path.join(dir, 'p.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([1500, 720]);
  });

  test('every sampler option reaches the library (float32, explicit grid, ULD, ALD, projected MALA)', () => {
    const runs: string[][] = [
      ['--sampler', 'rtk-uld', '--segments', '2', '--inner-steps', '3,4', '--friction', '2', '--step-size', '0.01', '--warm-start', 'gaussian', '--dtype', 'float32'],
      ['--sampler', 'rtk-mala-es', '--energy-estimate', 'simpson', '--target-accept', '0.5', '--projection-radius', '1'],
      ['--sampler', 'ald', '--langevin-steps', '3', '--ald-step-scale', '0.05', '--no-final-denoise', '--t-min', '0.01'],
      ['--sampler', 'ddpm', '--grid', '5,2,1,0.5,0.1,0', '--final-denoise'],
      ['--sampler', 'ddim', '--T', '4', '--t-end', '0.01', '--grid', 'uniform', '--threads', '1', '--device', 'cpu'],
    ];
    const stats = runs.map((args) => {
      const r = rtk('sample', '--particles', '50', '--nfe', '30', '--stats', 'o.json', ...args);
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
      return JSON.parse(fs.readFileSync(path.join(dir, 'o.json'), 'utf8'));
    });
    const [uld, mala, ald, ddpm, ddim] = stats;
    expect(uld.stats.segments.map((s: { steps: number }) => s.steps)).toEqual([3, 4]);
    expect(uld.stats.segments.every((s: { friction: number; stepSize: number }) => s.friction === 2 && s.stepSize === 0.01)).toBe(true);
    expect(uld.options).toMatchObject({ dtype: 'float32', warmStart: 'gaussian', innerSteps: [3, 4] });
    expect(mala.options).toMatchObject({ energyEstimate: 'simpson', targetAccept: 0.5, projectionRadius: 1 });
    expect(ald.stats.segments.every((s: { steps: number }) => s.steps === 3)).toBe(true);
    expect(ald.options).toMatchObject({ aldStepScale: 0.05, finalDenoise: false, tMin: 0.01 });
    expect(ddpm.stats.segments.map((s: { t: number }) => s.t).slice(0, 5)).toEqual([2, 1, 0.5, 0.1, 0]);
    expect(ddpm.options).toMatchObject({ grid: [5, 2, 1, 0.5, 0.1, 0], finalDenoise: true });
    expect(ddim.options).toMatchObject({ sampler: 'ddim', T: 4, tEnd: 0.01, grid: 'uniform', threads: 1, device: 'cpu' });
    expect(ddim.stats.device).toBe('cpu');
    expect(ddim.marginalAccuracy.t).toBe(0.01);
  });

  test('bad flags, numbers and files: exit code 2 and one line', () => {
    expectUsageError(rtk('sample', '--nfee', '3'), /unknown option '--nfee' \(Did you mean --nfe\?\)/);
    expectUsageError(rtk('sample', '--nfe', 'abc'), /'--nfe <n>' argument 'abc' is invalid/);
    expectUsageError(rtk('sample', '--particles', '0'), /--particles/);
    expectUsageError(rtk('sample', '--seed', '1.5'), /--seed/);
    expectUsageError(rtk('sample', '--sampler', 'foo'), /Allowed choices are rtk-mala/);
    expectUsageError(rtk('sample', '--target', 'missing.json'), /target file missing\.json: no such file/);
    expectUsageError(rtk('sample', '--out', 'x.txt'), /unknown extension '\.txt'/);
    expectUsageError(rtk('sample', '--out', 'no/such/dir/x.npy'), /does not exist/);
    expectUsageError(rtk('sample', '--plot', 'x.svg'), /expected a \.png file/);
    expectUsageError(rtk('sample', '--plot', 'p.png', '--plot-dims', '0,10'), /coordinates must be below d = 10/);
    expectUsageError(rtk('sample', 'extra'), /too many arguments/);
    expectUsageError(rtk('frobnicate'), /unknown command 'frobnicate'/);
    // Options the library rejects: its TypeError/RangeError, naming the flag.
    expectUsageError(rtk('sample', '--t-min', '-1'), /Expected a number > 0 for --t-min but received the number -1/);
    expectUsageError(rtk('sample', '--target-accept', '1.5'), /for --target-accept/);
    expectUsageError(rtk('sample', '--grid', '5,2,3,0'), /strictly decreasing times for --grid/);
    expectUsageError(rtk('sample', '--segments', '100', '--nfe', '10'), /for --nfe/);
    fs.writeFileSync(path.join(dir, 'plugin.json'), '{"type": "plugin"}');
    expectUsageError(rtk('sample', '--target', 'plugin.json'), /"path" must name the plugin's shared library/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"type": "gaussian-mixture", "means": [[0, 0], [1]], "variances": [1, 1]}');
    expectUsageError(rtk('sample', '--target', 'bad.json'), /bad\.json: .*means\[1\]/);
    expectUsageError(rtk('sample', '--target', 'bad.json', '--dim', '3'), /bad\.json/);
  });

  test('--verbose prints the stack of an error', () => {
    const r = rtk('sample', '--target', 'missing.json', '--verbose');
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('rtk sample: target file missing.json: no such file');
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  test('Ctrl-C (SIGINT) aborts the run: exit 130, one line, nothing written', async () => {
    const child = spawn(process.execPath, [BIN, 'sample', '--particles', '200000', '--nfe', '400', '--verbose', '--out', 'never.npy'], { cwd: dir });
    let stderr = '';
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        // The plan line is printed once the SIGINT handler is installed.
        if (stderr.includes('options:') && !child.killed) child.kill('SIGINT');
      });
      child.on('close', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(30000);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^rtk sample: interrupted \(Ctrl-C\): the run was aborted.*; nothing was written$/);
    expect(fs.existsSync(path.join(dir, 'never.npy'))).toBe(false);
  });
});

describe('rtk bench', () => {
  const script = path.join(ROOT, 'bench', 'paper-mog.js');
  (fs.existsSync(script) ? test : test.skip)('runs bench/paper-mog.js with the flags passed through and its exit code', () => {
    const r = rtk('bench', '--particles', '200', '--nfe', '16', '--seed', '2', '--out', path.join(dir, 'bench', 'pm'));
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'bench', 'pm.json'))).toBe(true);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'bench', 'pm.json'), 'utf8'));
    expect(JSON.stringify(json)).toContain('rtk-mala');
    const png = fs.readFileSync(path.join(dir, 'bench', 'pm.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(rtk('bench', 'nonsense').status).toBe(2);
    // A flag the script rejects: its own message and exit code come through.
    const bad = rtk('bench', '--nfe', 'x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--nfe');
  });
});

describe('plugin targets', () => {
  test('a {"type": "plugin"} target file samples through the native plugin', () => {
    const builder = require('../../../scripts/build-example-plugin.js') as {
      buildExamplePlugin(outDir?: string): string;
    };
    const library = builder.buildExamplePlugin(path.join(dir, 'plugin-build'));
    const spec = { type: 'plugin', path: library, dim: 2, config: { mean: [1, -1], covariance: [[0.5, 0.1], [0.1, 0.3]] } };
    fs.writeFileSync(path.join(dir, 'gauss-plugin.json'), JSON.stringify(spec));
    const r = rtk('sample', '--target', 'gauss-plugin.json', '--sampler', 'rtk-mala', '--nfe', '16', '--particles', '200', '--out', 'p.csv');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/plugin .*librtk_anisotropic_gaussian/);
    const rows = fs.readFileSync(path.join(dir, 'p.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBe(201); // a header line, then one row per particle
    expect(rows[1].split(',').map(Number).every(Number.isFinite)).toBe(true);
    expect(rows[1].split(',').length).toBe(2);
  });
});
