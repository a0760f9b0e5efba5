/**
 * Plots for the notebooks with plotly.js: shown inline in Jupyter and exported as standalone
 * HTML files (the plotly bundle inlined, so they open offline) to the figures folder.
 *
 * Inline output is one display with two representations: `text/html` (a div plus a script that
 * draws it with the plotly bundle, which the first plot of a kernel session, or `initPlotly()`,
 * loads into the page: this renders in Jupyter Notebook 6/7 and JupyterLab for trusted output)
 * and `application/vnd.plotly.v1+json` (rendered natively by JupyterLab when its plotly
 * extension is installed, which then prefers it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomicWrite';
import { escapeHtml, inKernel, showBundle } from './display';
import { defaultFiguresDir } from './runNotebooks';

/** A plotly figure: traces and layout, as plotly.js takes them. */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export type Series = number[] | { x?: number[]; y: number[]; dash?: 'solid' | 'dash' | 'dot'; mode?: 'lines' | 'markers' | 'lines+markers' };

export interface LinePlotSpec {
  /** Shared x values (a series may bring its own). */
  x?: number[];
  /** One line per entry: name → y values (or {x, y, dash, mode}). */
  ys: Record<string, Series>;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
  width?: number;
  height?: number;
}

let bundle: string | null = null;
let bundleSent = false;

function plotlyBundle(): string {
  if (bundle === null) {
    const file = require.resolve('plotly.js-dist-min');
    bundle = fs.readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return bundle;
}

/** The folder figures are written to: $ANIME_GAN_FIGURES, else <project>/figures (runs/figures-smoke for the smoke preset). */
export function figuresDir(): string {
  return path.resolve(process.env.ANIME_GAN_FIGURES || defaultFiguresDir());
}

/** Resolve a figure file name: relative names go into figuresDir(). */
export function figurePath(file: string): string {
  return path.isAbsolute(file) ? file : path.join(figuresDir(), file);
}

/** A line plot figure (nothing shown or written). */
export function lineFigure(spec: LinePlotSpec): Figure {
  const data = Object.entries(spec.ys).map(([name, s]) => {
    const series = Array.isArray(s) ? { y: s } : s;
    const x = series.x ?? spec.x ?? series.y.map((_, i) => i);
    if (x.length !== series.y.length) {
      throw new Error(`linePlot: series "${name}" has ${series.y.length} values but ${x.length} x values`);
    }
    return {
      type: 'scatter',
      mode: series.mode ?? 'lines',
      name,
      x: Array.from(x),
      y: Array.from(series.y),
      line: series.dash ? { dash: series.dash } : undefined,
    };
  });
  return {
    data,
    layout: {
      title: spec.title ? { text: spec.title } : undefined,
      xaxis: { title: { text: spec.xLabel ?? '' } },
      yaxis: { title: { text: spec.yLabel ?? '' }, type: spec.logY ? 'log' : 'linear' },
      width: spec.width,
      height: spec.height ?? 380,
      margin: { t: spec.title ? 50 : 20, r: 20, b: 50, l: 60 },
      template: undefined,
    },
  };
}

/**
 * Draw a line plot: shown inline in the kernel, and written to `file` (relative to figures/)
 * as a standalone HTML page when given. Returns the figure.
 */
export function linePlot(spec: LinePlotSpec, file?: string): Figure {
  const fig = lineFigure(spec);
  showFigure(fig);
  if (file) saveFigureHtml(fig, file);
  return fig;
}

/** Load the plotly bundle into the notebook page (optional: the first plot does it too). */
export function initPlotly(): boolean {
  if (!inKernel()) return false;
  showBundle({
    'text/html': `<script type="text/javascript">${plotlyBundle()}</script><div style="font-size:11px;color:#888">plotly.js loaded</div>`,
    'text/plain': 'plotly.js loaded',
  });
  bundleSent = true;
  return true;
}

/** Show a figure inline (no-op outside the kernel). */
export function showFigure(fig: Figure): boolean {
  if (!inKernel()) return false;
  const id = `plot-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const json = safeJson(fig);
  // If the page lacks plotly (the notebook was reopened and only this cell rerun), say so
  // instead of leaving an empty box.
  const draw =
    `<div id="${id}" class="anime-gan-plot"></div><script type="text/javascript">(function(){` +
    `var el=document.getElementById("${id}");var fig=${json};` +
    `function go(){window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true});}` +
    `if(window.Plotly){go();return;}var n=0;var t=setInterval(function(){` +
    `if(window.Plotly){clearInterval(t);go();}else if(++n>50){clearInterval(t);` +
    `el.textContent="plotly.js is not loaded in this page: rerun the notebook's first cell (initPlotly) or this cell after a kernel restart";}},100);` +
    `})();</script>`;
  const html = bundleSent ? draw : `<script type="text/javascript">${plotlyBundle()}</script>${draw}`;
  bundleSent = true;
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? 'plot';
  return showBundle({
    'text/html': html,
    'application/vnd.plotly.v1+json': JSON.parse(json),
    'text/plain': `<plotly figure: ${title}>`,
  });
}

/** A standalone HTML page drawing the figure, with plotly inlined (opens offline). */
export function figureHtml(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? 'figure';
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<script type="text/javascript">${plotlyBundle()}</script></head>` +
    `<body style="margin:0"><div id="fig" style="width:100%;height:100vh"></div>` +
    `<script type="text/javascript">var fig=${safeJson(fig)};fig.layout.height=undefined;fig.layout.autosize=true;` +
    `Plotly.newPlot("fig",fig.data,fig.layout,{responsive:true});</script></body></html>\n`
  );
}

/** Write the figure as a standalone HTML page (atomically); returns the path written. */
export function saveFigureHtml(fig: Figure, file: string): string {
  const out = figurePath(file.endsWith('.html') ? file : `${file}.html`);
  writeFileAtomic(out, figureHtml(fig));
  return out;
}

/** JSON safe to embed in a <script> element. */
function safeJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
