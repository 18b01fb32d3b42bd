// --plot FILE.png: a scatter of two coordinates and, beside it, each coordinate's histogram
// (the first up to 6) against the exact marginal density when the target is a Gaussian
// mixture. Built as SVG by hand and rasterised with resvg, with the DejaVu Sans font files of
// the dejavu-fonts-ttf package (no system fonts, no browser).
import * as path from 'path';
import type { Real } from './output-formats';

/** The exact target, as far as the plot needs it (GaussianMixture has these fields). */
export interface MixtureFields {
  dim: number;
  weights: ArrayLike<number>;
  /** K * dim, row-major. */
  means: ArrayLike<number>;
  /** K * dim, row-major (diagonal variances). */
  variances: ArrayLike<number>;
}

export interface PlotSpec {
  samples: Real;
  n: number;
  d: number;
  /** The two coordinates of the scatter. */
  dims: [number, number];
  title: string;
  subtitle?: string;
  /** The exact target (a mixture at time 0), to draw exact marginal densities and the modes. */
  mixture?: MixtureFields;
  /** Time of the target's marginal the samples are compared with (tEnd). Default 0. */
  t?: number;
  /** How many coordinates get a histogram (at most 6). Default min(d, 6). */
  histograms?: number;
  /** At most this many points in the scatter (the first ones). Default 5000. */
  maxPoints?: number;
}

const W = 1500;
const H = 720;
const FONT = 'DejaVu Sans';
const SAMPLE_COLOR = '#3b75af';
const EXACT_COLOR = '#d62728';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f = (v: number) => (Math.round(v * 100) / 100).toString();

/** About `count` round tick values (1, 2, 5 x 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  const span = hi - lo;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) ticks.push(k * step);
  return { ticks, step };
}

function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const s = v.toFixed(Math.min(decimals, 10));
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s.replace('-', '\u2212');
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - frac) + sorted[i + 1] * frac : sorted[i];
}

function finiteColumn(samples: Real, n: number, d: number, i: number): Float64Array {
  const col: number[] = [];
  for (let r = 0; r < n; r++) {
    const x = samples[r * d + i];
    if (Number.isFinite(x)) col.push(x);
  }
  return Float64Array.from(col).sort();
}

/** The marginal of coordinate i of the mixture at time t: per component (weight, mean, sd). */
function marginal(m: MixtureFields, i: number, t: number): { w: number; mu: number; sd: number }[] {
  const k = m.weights.length;
  const a = Math.exp(-t), s = -Math.expm1(-2 * t);
  return Array.from({ length: k }, (_, j) => ({
    w: m.weights[j],
    mu: a * m.means[j * m.dim + i],
    sd: Math.sqrt(a * a * m.variances[j * m.dim + i] + s),
  }));
}

function density(parts: { w: number; mu: number; sd: number }[], x: number): number {
  let p = 0;
  for (const c of parts) {
    const z = (x - c.mu) / c.sd;
    p += (c.w * Math.exp(-0.5 * z * z)) / (c.sd * Math.sqrt(2 * Math.PI));
  }
  return p;
}

/** The displayed range of coordinate i: the exact marginal's +-4 sd hull, widened to the
 * central 99% of the samples (so a sampler that spreads too far shows it). */
function coordinateRange(
  col: Float64Array,
  parts: { w: number; mu: number; sd: number }[] | undefined,
): [number, number] {
  let lo = Infinity, hi = -Infinity;
  if (parts) {
    for (const c of parts) {
      lo = Math.min(lo, c.mu - 4 * c.sd);
      hi = Math.max(hi, c.mu + 4 * c.sd);
    }
  }
  if (col.length > 0) {
    lo = Math.min(lo, quantile(col, 0.005));
    hi = Math.max(hi, quantile(col, 0.995));
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Axes with grid, ticks and labels; returns the data -> pixel maps. */
function axes(
  out: string[],
  box: Box,
  xr: [number, number],
  yr: [number, number],
  opts: { xLabel?: string; yLabel?: string; xTicks?: number; yTicks?: number; fontSize?: number },
) {
  const fs = opts.fontSize ?? 13;
  const X = (x: number) => box.x + ((x - xr[0]) / (xr[1] - xr[0])) * box.w;
  const Y = (y: number) => box.y + (1 - (y - yr[0]) / (yr[1] - yr[0])) * box.h;
  const xt = niceTicks(xr[0], xr[1], opts.xTicks ?? 5);
  const yt = niceTicks(yr[0], yr[1], opts.yTicks ?? 5);
  out.push('<g stroke="#e6e6e6" stroke-width="1">');
  for (const v of xt.ticks) out.push(`<line x1="${f(X(v))}" x2="${f(X(v))}" y1="${f(box.y)}" y2="${f(box.y + box.h)}"/>`);
  for (const v of yt.ticks) out.push(`<line x1="${f(box.x)}" x2="${f(box.x + box.w)}" y1="${f(Y(v))}" y2="${f(Y(v))}"/>`);
  out.push('</g>');
  out.push(`<rect x="${f(box.x)}" y="${f(box.y)}" width="${f(box.w)}" height="${f(box.h)}" fill="none" stroke="#333"/>`);
  out.push(`<g fill="#222" font-size="${fs}">`);
  for (const v of xt.ticks) {
    out.push(`<line x1="${f(X(v))}" x2="${f(X(v))}" y1="${f(box.y + box.h)}" y2="${f(box.y + box.h + 4)}" stroke="#333"/>`);
    out.push(`<text x="${f(X(v))}" y="${f(box.y + box.h + 6 + fs)}" text-anchor="middle">${tickLabel(v, xt.step)}</text>`);
  }
  for (const v of yt.ticks) {
    out.push(`<line x1="${f(box.x - 4)}" x2="${f(box.x)}" y1="${f(Y(v))}" y2="${f(Y(v))}" stroke="#333"/>`);
    out.push(`<text x="${f(box.x - 7)}" y="${f(Y(v) + fs * 0.35)}" text-anchor="end">${tickLabel(v, yt.step)}</text>`);
  }
  out.push('</g>');
  if (opts.xLabel)
    out.push(`<text x="${f(box.x + box.w / 2)}" y="${f(box.y + box.h + 2 * fs + 14)}" text-anchor="middle" font-size="${fs + 1}">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) {
    const lx = box.x - 4.2 * fs, ly = box.y + box.h / 2;
    out.push(`<text x="${f(lx)}" y="${f(ly)}" text-anchor="middle" font-size="${fs + 1}" transform="rotate(-90 ${f(lx)} ${f(ly)})">${esc(opts.yLabel)}</text>`);
  }
  return { X, Y };
}

let clipId = 0;

/** The plot as an SVG document. */
export function buildPlotSvg(spec: PlotSpec): string {
  const { samples, n, d, mixture } = spec;
  const t = spec.t ?? 0;
  const [di, dj] = spec.dims;
  const hists = Math.max(0, Math.min(spec.histograms ?? Math.min(d, 6), 6, d));
  const maxPoints = spec.maxPoints ?? 5000;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="13">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="30" text-anchor="middle" font-size="19" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${W / 2}" y="54" text-anchor="middle" font-size="14" fill="#444">${esc(spec.subtitle)}</text>`);

  const columns = new Map<number, Float64Array>();
  const column = (i: number) => {
    let c = columns.get(i);
    if (!c) columns.set(i, (c = finiteColumn(samples, n, d, i)));
    return c;
  };
  const parts = (i: number) => (mixture ? marginal(mixture, i, t) : undefined);
  const twoD = d >= 2 && di < d && dj < d;

  // Legend (top left, under the title).
  {
    const ly = 80;
    let x = 90;
    const add = (glyph: (x: number) => string, label: string) => {
      out.push(glyph(x));
      out.push(`<text x="${f(x + 26)}" y="${ly + 5}" font-size="13">${esc(label)}</text>`);
      x += 26 + label.length * 7.6 + 30;
    };
    if (twoD) add((x) => `<circle cx="${f(x + 9)}" cy="${ly}" r="3.5" fill="${SAMPLE_COLOR}" fill-opacity="0.7"/>`, 'samples');
    add(
      (x) => `<rect x="${f(x)}" y="${ly - 6}" width="18" height="12" fill="${SAMPLE_COLOR}" fill-opacity="0.55" stroke="${SAMPLE_COLOR}"/>`,
      'sample histogram (density)',
    );
    if (mixture) {
      add((x) => `<line x1="${f(x)}" x2="${f(x + 18)}" y1="${ly}" y2="${ly}" stroke="${EXACT_COLOR}" stroke-width="2.5"/>`, 'exact marginal density');
      if (twoD) add((x) => `<path d="M${f(x + 4)} ${ly} h10 M${f(x + 9)} ${ly - 5} v10" stroke="#111" stroke-width="2" fill="none"/>`, 'mixture means');
    }
  }

  // Scatter of coordinates (di, dj).
  if (twoD) {
    const box: Box = { x: 90, y: 118, w: 530, h: 530 };
    const shown = Math.min(n, maxPoints);
    const xr = coordinateRange(column(di), parts(di));
    const yr = coordinateRange(column(dj), parts(dj));
    // Equal scales on both axes when the ranges are comparable (the circle stays a circle).
    const span = Math.max(xr[1] - xr[0], yr[1] - yr[0]);
    if (span < 3 * Math.min(xr[1] - xr[0], yr[1] - yr[0])) {
      const cx = (xr[0] + xr[1]) / 2, cy = (yr[0] + yr[1]) / 2;
      xr[0] = cx - span / 2; xr[1] = cx + span / 2;
      yr[0] = cy - span / 2; yr[1] = cy + span / 2;
    }
    const { X, Y } = axes(out, box, xr, yr, { xLabel: `x${di}`, yLabel: `x${dj}`, fontSize: 13 });
    const id = `clip${++clipId}`;
    out.push(`<defs><clipPath id="${id}"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}"/></clipPath></defs>`);
    out.push(`<g clip-path="url(#${id})" fill="${SAMPLE_COLOR}" fill-opacity="${shown > 2000 ? 0.35 : 0.6}">`);
    let outside = 0;
    for (let r = 0; r < shown; r++) {
      const x = samples[r * d + di], y = samples[r * d + dj];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < xr[0] || x > xr[1] || y < yr[0] || y > yr[1]) outside++;
      out.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="${shown > 2000 ? 1.6 : 2.2}"/>`);
    }
    out.push('</g>');
    if (mixture) {
      out.push('<g stroke="#111" stroke-width="2" fill="none">');
      const a = Math.exp(-t);
      for (let j = 0; j < mixture.weights.length; j++) {
        const mx = X(a * mixture.means[j * mixture.dim + di]), my = Y(a * mixture.means[j * mixture.dim + dj]);
        out.push(`<path d="M${f(mx - 5)} ${f(my)} h10 M${f(mx)} ${f(my - 5)} v10"/>`);
      }
      out.push('</g>');
    }
    const note = `scatter of x${di} vs x${dj}: ${shown < n ? `first ${shown.toLocaleString('en-US')} of ` : ''}${n.toLocaleString('en-US')} samples` +
      (outside > 0 ? `, ${outside} outside the frame` : '');
    out.push(`<text x="${box.x + box.w / 2}" y="${box.y - 10}" text-anchor="middle" font-size="13" fill="#444">${esc(note)}</text>`);
  }

  // Histograms: small multiples, 3 columns.
  if (hists > 0) {
    const region: Box = twoD ? { x: 740, y: 118, w: 740, h: 575 } : { x: 90, y: 118, w: 1390, h: 575 };
    const cols = hists <= 3 ? hists : hists === 4 ? 2 : 3;
    const rows = Math.ceil(hists / cols);
    const gapX = 70, gapY = 70;
    const pw = (region.w - (cols - 1) * gapX) / cols;
    const ph = (region.h - (rows - 1) * gapY - 30) / rows;
    const bins = Math.max(15, Math.min(60, Math.round(Math.sqrt(n) / 1.5)));
    for (let c = 0; c < hists; c++) {
      const box: Box = { x: region.x + (c % cols) * (pw + gapX), y: region.y + Math.floor(c / cols) * (ph + gapY), w: pw, h: ph };
      const col = column(c);
      const p = parts(c);
      const xr = coordinateRange(col, p);
      const width = (xr[1] - xr[0]) / bins;
      const counts = new Float64Array(bins);
      for (const x of col) {
        const b = Math.floor((x - xr[0]) / width);
        if (b >= 0 && b < bins) counts[b] += 1;
      }
      const dens = Array.from(counts, (k) => k / (n * width));
      const curve: [number, number][] = [];
      if (p) for (let s = 0; s <= 300; s++) {
        const x = xr[0] + ((xr[1] - xr[0]) * s) / 300;
        curve.push([x, density(p, x)]);
      }
      const ymax = Math.max(1e-12, ...dens, ...curve.map((q) => q[1])) * 1.12;
      const { X, Y } = axes(out, box, xr, [0, ymax], { xLabel: `x${c}`, yLabel: c % cols === 0 ? 'density' : undefined, xTicks: 4, yTicks: 4, fontSize: 12 });
      out.push(`<g fill="${SAMPLE_COLOR}" fill-opacity="0.55" stroke="${SAMPLE_COLOR}" stroke-width="0.6">`);
      for (let b = 0; b < bins; b++) {
        if (dens[b] <= 0) continue;
        const x0 = X(xr[0] + b * width), x1 = X(xr[0] + (b + 1) * width);
        out.push(`<rect x="${f(x0)}" y="${f(Y(dens[b]))}" width="${f(x1 - x0)}" height="${f(Y(0) - Y(dens[b]))}"/>`);
      }
      out.push('</g>');
      if (p) out.push(`<polyline fill="none" stroke="${EXACT_COLOR}" stroke-width="2" points="${curve.map(([x, y]) => `${f(X(x))},${f(Y(y))}`).join(' ')}"/>`);
      const outside = n - col.length + col.filter((x) => x < xr[0] || x > xr[1]).length;
      if (outside > 0)
        out.push(`<text x="${f(box.x + box.w - 6)}" y="${f(box.y + 16)}" text-anchor="end" font-size="11" fill="#444">${outside} outside</text>`);
    }
    if (hists < d)
      out.push(`<text x="${region.x + region.w / 2}" y="${region.y - 10}" text-anchor="middle" font-size="13" fill="#444">${esc(`histograms of the first ${hists} of ${d} coordinates`)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** The DejaVu Sans font files shipped by the dejavu-fonts-ttf package. */
export function fontFiles(): string[] {
  const dir = path.dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  return [path.join(dir, 'ttf', 'DejaVuSans.ttf'), path.join(dir, 'ttf', 'DejaVuSans-Bold.ttf')];
}

/** Rasterises an SVG document to PNG bytes with resvg (DejaVu Sans from the npm package). */
export function svgToPng(svg: string): Buffer {
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: FONT },
    background: '#ffffff',
  });
  return Buffer.from(resvg.render().asPng());
}

export function renderPlotPng(spec: PlotSpec): Buffer {
  return svgToPng(buildPlotSvg(spec));
}
