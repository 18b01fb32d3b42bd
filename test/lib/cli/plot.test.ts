// --plot: the SVG layout and its PNG rendering (resvg with the DejaVu fonts of an npm package).
import { PNG } from 'pngjs';
import { GaussianMixture } from '../../../lib/gaussian-mixture';
import { buildPlotSvg, fontFiles, niceTicks, renderPlotPng } from '../../../lib/cli/plot';
import * as fs from 'fs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('nice ticks', () => {
  expect(niceTicks(-2, 2, 4).ticks).toEqual([-2, -1, 0, 1, 2]);
  const { ticks, step } = niceTicks(-0.34, 0.34, 4);
  expect(step).toBeCloseTo(0.2);
  expect(ticks.map((t) => Math.round(t * 10) / 10)).toEqual([-0.2, 0, 0.2]);
});

test('the font files ship with the dejavu-fonts-ttf package', () => {
  for (const f of fontFiles()) expect(fs.statSync(f).size).toBeGreaterThan(100000);
});

test("a mixture plot: scatter, 6 histograms with the exact marginals, legend, labelled axes; renders to a 1500 x 720 PNG", () => {
  const target = GaussianMixture.paperTarget();
  const n = 2000;
  const samples = target.sampleExact({ n, seed: 3 });
  const spec = { samples, n, d: 10, dims: [0, 1] as [number, number], mixture: target, title: 'T', subtitle: 'S' };
  const svg = buildPlotSvg(spec);
  expect(svg).toContain('exact marginal density');
  expect(svg).toContain('mixture means');
  expect(svg).toContain('histograms of the first 6 of 10 coordinates');
  for (let i = 0; i < 6; i++) expect(svg).toContain(`>x${i}</text>`);
  expect(svg).not.toContain('>x6</text>');
  expect((svg.match(/<polyline /g) ?? []).length).toBe(6);
  expect((svg.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(n);
  expect(svg).not.toMatch(/NaN|Infinity/);
  const png = renderPlotPng(spec);
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  const image = PNG.sync.read(png);
  expect([image.width, image.height]).toEqual([1500, 720]);
});

test('without an exact target, with d = 1 and with non-finite samples the plot still renders', () => {
  const samples = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i) * 2);
  samples[7] = NaN;
  samples[8] = Infinity;
  const svg = buildPlotSvg({ samples, n: 100, d: 3, dims: [2, 0], title: 'no target' });
  expect(svg).not.toContain('exact marginal density');
  expect(svg).toContain('>x2</text>');
  expect(svg).not.toMatch(/NaN|Infinity/);
  const one = renderPlotPng({ samples: samples.subarray(0, 50), n: 50, d: 1, dims: [0, 1], title: 'd = 1' });
  const image = PNG.sync.read(one);
  expect(image.width).toBe(1500);
});
