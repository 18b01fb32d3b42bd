'use strict';
// A small, dependency-free SVG line plot: log2 x-axis, linear y-axis on a fixed range,
// one polyline per series with markers and a legend, optional horizontal reference lines
// and isolated points. Values outside the y range are drawn as open triangles on the plot
// edge (the lines themselves are clipped to the plot area).

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v) => (Math.round(v * 100) / 100).toString();

// Tableau-10-like palette (colour-blind friendly enough for ~10 series).
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/**
 * @param {object} spec
 * @param {string} spec.title
 * @param {string} [spec.subtitle]
 * @param {string} spec.xLabel
 * @param {string} spec.yLabel
 * @param {number[]} spec.xTicks    positive values (log2 axis); the axis spans them plus a quarter octave each side
 * @param {[number, number]} spec.yRange
 * @param {number} [spec.yStep]     spacing of the y grid lines (default 0.05)
 * @param {{name: string, points: [number, number][], color?: string, dash?: string}[]} spec.series
 *        points with y = null/NaN are skipped (the line breaks there)
 * @param {{y: number, label: string, color?: string}[]} [spec.hlines]  dashed horizontal lines
 * @param {{x: number, y: number, label: string, color?: string}[]} [spec.markers]  isolated points
 * @param {string} [spec.idPrefix]  prefix of the clip-path id (needed when several plots share one document)
 * @returns {string} the SVG document
 */
function linePlot(spec) {
  const W = 1000, H = 600;
  const m = { left: 78, right: 270, top: spec.subtitle ? 74 : 56, bottom: 64 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const xs = spec.xTicks;
  // A quarter octave of padding each side, so points at a slightly smaller spent NFE stay inside.
  const lx0 = Math.log2(Math.min(...xs)) - 0.25, lx1 = Math.log2(Math.max(...xs)) + 0.25;
  const [y0, y1] = spec.yRange;
  const X = (x) => m.left + ((Math.log2(x) - lx0) / (lx1 - lx0)) * pw;
  const Y = (y) => m.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const clipId = `${spec.idPrefix ?? ''}plot-area`;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="${clipId}"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  // Title.
  out.push(`<text x="${m.left + pw / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle)
    out.push(`<text x="${m.left + pw / 2}" y="48" text-anchor="middle" font-size="12" fill="#444">${esc(spec.subtitle)}</text>`);
  // Grid and ticks.
  const yStep = spec.yStep ?? 0.05;
  out.push('<g stroke="#e3e3e3" stroke-width="1">');
  for (let k = Math.ceil(y0 / yStep - 1e-9); k * yStep <= y1 + 1e-9; k++) out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${fmt(Y(k * yStep))}" y2="${fmt(Y(k * yStep))}"/>`);
  for (const x of xs) out.push(`<line x1="${fmt(X(x))}" x2="${fmt(X(x))}" y1="${m.top}" y2="${m.top + ph}"/>`);
  out.push('</g>');
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333" stroke-width="1"/>`);
  out.push('<g fill="#222">');
  for (let k = Math.ceil(y0 / yStep - 1e-9); k * yStep <= y1 + 1e-9; k++) {
    const y = k * yStep;
    out.push(`<text x="${m.left - 8}" y="${fmt(Y(y) + 4)}" text-anchor="end">${y.toFixed(2)}</text>`);
  }
  for (const x of xs) out.push(`<text x="${fmt(X(x))}" y="${m.top + ph + 20}" text-anchor="middle">${x}</text>`);
  out.push('</g>');
  // Axis labels.
  out.push(`<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle" font-size="14">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="14">${esc(spec.yLabel)}</text>`);
  // Reference lines.
  for (const h of spec.hlines ?? []) {
    if (!(h.y >= y0 && h.y <= y1)) continue;
    const c = h.color ?? '#000';
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${fmt(Y(h.y))}" y2="${fmt(Y(h.y))}" stroke="${c}" stroke-width="1.5" stroke-dasharray="7 5"/>`);
    // Label at the right end, below the line when the line is near the top of the plot.
    const ty = Y(h.y) - m.top < 20 ? Y(h.y) + 15 : Y(h.y) - 6;
    out.push(`<text x="${m.left + pw - 6}" y="${fmt(ty)}" text-anchor="end" fill="${c}" font-size="12" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(h.label)}</text>`);
  }
  // Series.
  const clipped = [];
  const legend = [];
  spec.series.forEach((s, idx) => {
    const c = s.color ?? PALETTE[idx % PALETTE.length];
    legend.push({ name: s.name, color: c, dash: s.dash, kind: 'line' });
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    // Break the line at missing values.
    let run = [];
    const runs = [];
    for (const [x, y] of s.points) {
      if (Number.isFinite(y)) run.push([x, y]);
      else if (run.length) runs.push(run), (run = []);
    }
    if (run.length) runs.push(run);
    out.push(`<g clip-path="url(#${clipId})">`);
    // A run entirely below (or above) the y range is invisible: skip it (an entirely clipped
    // dashed polyline also makes some renderers, e.g. resvg, panic).
    const visible = runs.filter((r) => !(r.every(([, y]) => y < y0) || r.every(([, y]) => y > y1)));
    for (const r of visible)
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round" points="${r.map(([x, y]) => `${fmt(X(x))},${fmt(Y(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) if (y >= y0 && y <= y1) out.push(`<circle cx="${fmt(X(x))}" cy="${fmt(Y(y))}" r="3.5" fill="${c}"/>`);
    out.push('</g>');
    for (const [x, y] of pts) if (y < y0 || y > y1) clipped.push({ x, y, c });
  });
  // Points outside the y range: open triangles on the edge, pointing outwards.
  for (const p of clipped) {
    const cx = X(p.x), below = p.y < y0;
    const ey = below ? m.top + ph - 2 : m.top + 2;
    const tip = ey, base = below ? ey - 9 : ey + 9;
    out.push(`<polygon points="${fmt(cx - 5)},${fmt(base)} ${fmt(cx + 5)},${fmt(base)} ${fmt(cx)},${fmt(tip)}" fill="#fff" stroke="${p.c}" stroke-width="1.5"/>`);
  }
  // Isolated markers.
  for (const mk of spec.markers ?? []) {
    const c = mk.color ?? '#000';
    legend.push({ name: mk.label, color: c, kind: 'marker' });
    const inside = mk.y >= y0 && mk.y <= y1;
    const cx = X(mk.x), cy = inside ? Y(mk.y) : mk.y < y0 ? m.top + ph - 7 : m.top + 7;
    out.push(`<rect x="${fmt(cx - 5)}" y="${fmt(cy - 5)}" width="10" height="10" fill="${inside ? c : '#fff'}" stroke="${c}" stroke-width="1.5" transform="rotate(45 ${fmt(cx)} ${fmt(cy)})"/>`);
  }
  // Legend.
  const lx = m.left + pw + 18;
  let ly = m.top + 8;
  out.push('<g font-size="13">');
  for (const e of legend) {
    if (e.kind === 'line') {
      out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`);
      out.push(`<circle cx="${lx + 14}" cy="${ly}" r="3.5" fill="${e.color}"/>`);
    } else {
      out.push(`<rect x="${lx + 9}" y="${ly - 5}" width="10" height="10" fill="${e.color}" transform="rotate(45 ${lx + 14} ${ly})"/>`);
    }
    out.push(`<text x="${lx + 36}" y="${ly + 4}">${esc(e.name)}</text>`);
    ly += 22;
  }
  for (const h of spec.hlines ?? []) {
    const c = h.color ?? '#000';
    out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="1.5" stroke-dasharray="7 5"/>`);
    out.push(`<text x="${lx + 36}" y="${ly + 4}">${esc(h.legend ?? h.label)}</text>`);
    ly += 22;
  }
  if (clipped.length) {
    ly += 6;
    out.push(`<polygon points="${lx + 9},${ly - 5} ${lx + 19},${ly - 5} ${lx + 14},${ly + 4}" fill="#fff" stroke="#555" stroke-width="1.5"/>`);
    out.push(`<text x="${lx + 36}" y="${ly + 4}" fill="#444">below ${y0.toFixed(2)} (clipped)</text>`);
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Several linePlot panels in one SVG document, in a grid (row-major), each scaled by `scale`.
 * @param {object} spec
 * @param {string} spec.title
 * @param {string} [spec.subtitle]
 * @param {object[]} spec.panels   linePlot specs (their idPrefix is set here)
 * @param {number} [spec.columns]  default 2
 * @param {number} [spec.scale]    default 0.75 (a panel is 1000 x 600 before scaling)
 * @returns {string} the SVG document
 */
function panelGrid(spec) {
  const cols = spec.columns ?? 2, scale = spec.scale ?? 0.75;
  const pw = 1000 * scale, ph = 600 * scale;
  const head = spec.subtitle ? 62 : 40;
  const rows = Math.ceil(spec.panels.length / cols);
  const W = Math.round(cols * pw), H = Math.round(head + rows * ph);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="19" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${W / 2}" y="50" text-anchor="middle" font-size="13" fill="#444">${esc(spec.subtitle)}</text>`);
  spec.panels.forEach((p, i) => {
    const x = (i % cols) * pw, y = head + Math.floor(i / cols) * ph;
    // The panel's document, its <svg> element turned into a translated and scaled group
    // (nested <svg> elements trip some renderers).
    const inner = linePlot({ ...p, idPrefix: `p${i}-` })
      .trimEnd()
      .replace(/^<svg [^>]*>/, `<g transform="translate(${fmt(x)} ${fmt(y)}) scale(${scale})">`)
      .replace(/<\/svg>$/, '</g>');
    out.push(inner);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

module.exports = { linePlot, panelGrid, PALETTE };
