// Option `device` (lib/device.ts): 'cpu' by default; 'cuda' without a usable GPU is a clear
// error raised before any native work; 'auto' falls back to the CPU and says why. Where the
// addon has the CUDA backend and a GPU is visible, GPU runs must equal CPU runs (float64, to a
// relative 1e-12) on both the native and the JS-score path; elsewhere those tests are skipped
// and their names say so.
import { cudaInfo, GaussianMixture, sample, sampleSync } from '../../lib';
import type { SampleOptions } from '../../lib';

const ring = new GaussianMixture({
  weights: [1, 2, 1.5],
  means: [[1, 0, 0.3], [-0.5, 0.8, 0], [-0.5, -0.8, -0.3]],
  variances: [[0.02, 0.05, 0.03], [0.04, 0.02, 0.05], [0.03, 0.03, 0.02]],
});
const info = cudaInfo();
const gpu = info.compiled && info.devices > 0;
const whyNoGpu = info.compiled ? `no usable CUDA device: ${info.error}` : 'this build has no CUDA backend';

function maxRelativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

describe('device option', () => {
  test("defaults to 'cpu' with no note", async () => {
    const r = await sample({ target: ring, particles: 50, nfe: 8 });
    expect(r.stats.device).toBe('cpu');
    expect(r.stats.deviceNote).toBeUndefined();
  });

  test('rejects an unknown device naming the option and the value', () => {
    expect(() => sampleSync({ target: ring, particles: 50, nfe: 8, device: 'gpu' as SampleOptions['device'] })).toThrow(
      /Expected one of 'cpu', 'cuda', 'auto' for device but received the string "gpu"/,
    );
  });

  test('cudaInfo reports the build and the devices', () => {
    expect(typeof info.compiled).toBe('boolean');
    expect(Number.isInteger(info.devices)).toBe(true);
    if (!gpu) expect(info.error.length).toBeGreaterThan(0);
  });

  (gpu ? test.skip : test)("without a usable GPU: 'cuda' throws before running, 'auto' runs on the CPU and says why", async () => {
    let called = 0;
    const score = (_x: Float64Array | Float32Array, _t: number, out: Float64Array | Float32Array) => {
      called++;
      out.fill(0);
    };
    expect(() => sampleSync({ score, dim: 3, particles: 10, nfe: 4, sampler: 'ddpm', device: 'cuda' })).toThrow(
      /Expected a usable GPU for device 'cuda' but /,
    );
    await expect(sample({ target: ring, particles: 10, nfe: 4, device: 'cuda' })).rejects.toThrow(/device 'cuda'/);
    expect(called).toBe(0);
    const auto = await sample({ target: ring, particles: 200, nfe: 16, device: 'auto', seed: 5 });
    const cpu = await sample({ target: ring, particles: 200, nfe: 16, seed: 5 });
    expect(auto.stats.device).toBe('cpu');
    expect(auto.stats.deviceNote).toMatch(/^device 'auto' ran on the CPU: /);
    expect(Array.from(auto.samples)).toEqual(Array.from(cpu.samples));
  });
});

describe(gpu ? `GPU runs (${info.name})` : `GPU runs (skipped: ${whyNoGpu})`, () => {
  const gpuTest = gpu ? test : test.skip;

  gpuTest.each([['rtk-mala'], ['rtk-uld'], ['ddpm'], ['pf-heun']] as const)(
    '%s with the native mixture: float64 equals the CPU to 1e-12',
    async (sampler) => {
      const options: SampleOptions = { target: ring, sampler, particles: 3000, nfe: 48, seed: 11 };
      const cpu = await sample(options);
      const cuda = await sample({ ...options, device: 'cuda' });
      expect(cuda.stats.device).toBe('cuda');
      expect(maxRelativeGap(cuda.samples, cpu.samples)).toBeLessThanOrEqual(1e-12);
      expect(cuda.stats.segments.map((s) => s.acceptRate)).toEqual(cpu.stats.segments.map((s) => s.acceptRate));
    },
  );

  gpuTest('a JS score on the GPU (batch copied across per evaluation) equals the CPU run', () => {
    const score = (x: Float64Array | Float32Array, t: number, out: Float64Array | Float32Array) =>
      ring.evaluate(x, t, out, null);
    const options: SampleOptions = { score, dim: 3, sampler: 'rtk-mala-es', particles: 1000, nfe: 32, seed: 3 };
    const cpu = sampleSync(options);
    const cuda = sampleSync({ ...options, device: 'cuda' });
    expect(maxRelativeGap(cuda.samples, cpu.samples)).toBeLessThanOrEqual(1e-12);
  });
});
