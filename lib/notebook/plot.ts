/**
 * Plots for the notebooks with plotly.js: shown inline in Jupyter and exported as standalone
 * HTML files to the figures folder, which load one `plotly.min.js` written once beside them
 * (plotly's "directory" mode), so they open offline without a 4.8 MB copy each.
 *
 * Inline output is one display with two representations: `text/html` (a div plus a script that
 * draws it with the plotly bundle; this renders in Jupyter Notebook 6/7 and JupyterLab for trusted
 * output) and `application/vnd.plotly.v1+json` (rendered natively by JupyterLab when its plotly
 * extension is installed, which then prefers it).
 *
 * The bundle reaches the page once per kernel: every notebook's first cell calls `initPlotly()`,
 * whose output carries it. Plot outputs then carry only their data, so rerunning a plot cell keeps
 * a notebook that still draws after save and reopen (the first cell's output loads plotly again
 * before the plots' scripts run). Without `initPlotly()`, the first plot of a kernel carries it.
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

/** The inline `<script>` that loads plotly, as the notebooks' outputs carry it (the report swaps it for a file). */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript">${plotlyBundle()}</script>`;
}

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
      // automargin: the axis titles move out of the tick labels' way (long IS/FID tick labels).
      xaxis: { title: { text: spec.xLabel ?? '' }, automargin: true },
      yaxis: { title: { text: spec.yLabel ?? '' }, type: spec.logY ? 'log' : 'linear', automargin: true },
      width: spec.width,
      height: spec.height ?? 380,
      // A two-line title (a <br> before a <sup> subtitle) needs more room above the plot.
      margin: { t: spec.title ? (spec.title.includes('<br>') ? 80 : 50) : 20, r: 20, b: 50, l: 60 },
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

/**
 * Load the plotly bundle into the notebook page. Call it in a notebook's first cell: its output
 * keeps the bundle in the saved notebook, so every plot below draws after save and reopen, also
 * when a plot cell was rerun (a rerun plot carries no bundle). Sends it again on every call.
 */
export function initPlotly(): void {
  // Returns nothing: a notebook cell ending with this call would otherwise print its value.
  if (!inKernel()) return;
  showBundle({
    'text/html': `${plotlyScriptTag()}<div style="font-size:11px;color:#888">plotly.js loaded</div>`,
    'text/plain': 'plotly.js loaded',
  });
  bundleSent = true;
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
    `el.textContent="plotly.js is not loaded in this page: run the notebook's first cell (it calls initPlotly()), then this cell";}},100);` +
    `})();</script>`;
  const html = bundleSent ? draw : `${plotlyScriptTag()}${draw}`;
  bundleSent = true;
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? 'plot';
  return showBundle({
    'text/html': html,
    'application/vnd.plotly.v1+json': JSON.parse(json),
    'text/plain': `<plotly figure: ${title}>`,
  });
}

/** The file name of the plotly bundle written beside exported figures. */
export const PLOTLY_BUNDLE_FILE = 'plotly.min.js';

/**
 * Write plotly's bundle into `dir` once (atomically; rewritten only when it differs in size, i.e.
 * another plotly version), for pages that load it with `<script src="plotly.min.js">`.
 */
export function writePlotlyBundle(dir: string): string {
  const out = path.join(dir, PLOTLY_BUNDLE_FILE);
  const src = require.resolve('plotly.js-dist-min');
  const size = fs.statSync(src).size;
  if (!fs.existsSync(out) || fs.statSync(out).size !== size) writeFileAtomic(out, fs.readFileSync(src));
  return out;
}

/**
 * A standalone HTML page drawing the figure. `plotly: 'directory'` (the default) loads
 * plotly.min.js from the page's folder (see writePlotlyBundle); 'inline' embeds the bundle.
 */
export function figureHtml(fig: Figure, opts: { plotly?: 'directory' | 'inline' } = {}): string {
  const title = ((fig.layout.title as { text?: string } | undefined)?.text ?? 'figure').replace(/<\/?(?:br|sup|sub|b|i|em|span)\b[^>]*>/gi, ' '); // plotly's title markup
  const plotly =
    (opts.plotly ?? 'directory') === 'inline'
      ? plotlyScriptTag()
      : `<script type="text/javascript" src="${PLOTLY_BUNDLE_FILE}"></script>`;
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `${plotly}</head>` +
    `<body style="margin:0"><div id="fig" style="width:100%;height:100vh"></div>` +
    `<script type="text/javascript">var fig=${safeJson(fig)};fig.layout.height=undefined;fig.layout.autosize=true;` +
    `Plotly.newPlot("fig",fig.data,fig.layout,{responsive:true});</script></body></html>\n`
  );
}

/**
 * Write the figure as an HTML page (atomically), with plotly.min.js once beside it; returns the
 * path written.
 */
export function saveFigureHtml(fig: Figure, file: string): string {
  const out = figurePath(file.endsWith('.html') ? file : `${file}.html`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writePlotlyBundle(path.dirname(out));
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
