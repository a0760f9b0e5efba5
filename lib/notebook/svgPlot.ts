/**
 * A static line plot drawn as SVG (and rasterised to PNG with sharp), for the README and for
 * places where an interactive plotly figure cannot go. Same spec as `linePlot`.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomicWrite';
import { escapeHtml } from './display';
import { figurePath, LinePlotSpec } from './plot';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}

/** The line plot as an SVG document. Non-finite values break the line. */
export function linePlotSvg(spec: LinePlotSpec, width = 720, height = 420): string {
  const series = Object.entries(spec.ys).map(([name, s], k) => {
    const ser = Array.isArray(s) ? { y: s } : s;
    const x = ser.x ?? spec.x ?? ser.y.map((_, i) => i);
    const dash = !Array.isArray(s) && s.dash === 'dash' ? '6,4' : !Array.isArray(s) && s.dash === 'dot' ? '2,3' : '';
    return { name, x, y: ser.y, colour: COLOURS[k % COLOURS.length], dash };
  });
  const fy = (v: number) => (spec.logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  const xsAll = series.flatMap((s) => s.x).filter(Number.isFinite);
  const ysAll = series.flatMap((s) => s.y.map(fy)).filter(Number.isFinite);
  let [x0, x1] = [Math.min(...xsAll), Math.max(...xsAll)];
  let [y0, y1] = [Math.min(...ysAll), Math.max(...ysAll)];
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
  const pad = 0.05 * (y1 - y0);
  [y0, y1] = [y0 - pad, y1 + pad];
  const m = { l: 70, r: 20, t: spec.title ? 40 : 15, b: 50 };
  const legendH = 18 * series.length;
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (spec.title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeHtml(spec.title)}</text>`);
  for (const t of niceTicks(x0, x1)) {
    out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.t}" y2="${m.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${sx(t)}" y="${m.t + ph + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${tickLabel(spec.logY ? 10 ** t : t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  if (spec.xLabel) out.push(`<text x="${m.l + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`);
  if (spec.yLabel) {
    out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`);
  }
  for (const s of series) {
    let d = '';
    let pen = false;
    for (let i = 0; i < s.y.length; i++) {
      const v = fy(s.y[i]);
      if (!Number.isFinite(v) || !Number.isFinite(s.x[i])) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(s.x[i]).toFixed(1)},${sy(v).toFixed(1)}`;
      pen = true;
    }
    out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  const legendW = Math.min(pw - 10, 44 + 7 * Math.max(...series.map((s) => s.name.length)));
  const lx = m.l + pw - legendW;
  out.push(`<rect x="${lx - 6}" y="${m.t + 6}" width="${legendW}" height="${legendH + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  series.forEach((s, k) => {
    const y = m.t + 18 + 18 * k;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${y}">${escapeHtml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Rasterise the line plot to PNG bytes. */
export async function linePlotPng(spec: LinePlotSpec, width = 720, height = 420): Promise<Buffer> {
  return sharp(Buffer.from(linePlotSvg(spec, width, height)), { density: 144 }).png().toBuffer();
}

/** Write the line plot as a PNG file (relative names go into figures/), atomically. */
export async function saveLinePlotPng(spec: LinePlotSpec, file: string): Promise<string> {
  const out = figurePath(file.endsWith('.png') ? file : `${file}.png`);
  writeFileAtomic(out, await linePlotPng(spec));
  return out;
}
