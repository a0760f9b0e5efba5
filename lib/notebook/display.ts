/**
 * Display helpers for the notebooks that are safe everywhere.
 *
 * tslab's `display` throws ("Not ready") outside a running kernel, so the library never calls it
 * directly: these wrappers display rich output when the code runs inside the tslab kernel, and
 * otherwise do nothing (images, HTML) or print plain text (markdown, text), so a notebook's code
 * can also run under ts-node or in a test.
 *
 * Detecting the kernel without loading tslab (which pulls in its own TypeScript compiler): the
 * tslab kernel process has already loaded tslab/dist/jupyter.js, and that module holds the
 * function that writes display data once a cell has started executing.
 */
import * as path from 'path';
import { Progress, ProgressFactory, setProgressFactory } from '../util/progress';

type Bundle = Record<string, unknown>;
type WriteDisplayData = (data: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void;

interface TslabDisplay {
  html(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
  png(b: Uint8Array): void;
  svg(s: string): void;
}

/** The kernel's jupyter module (tslab/dist/jupyter.js) if this process is a tslab kernel. */
function kernelModule(): { lastWriteDisplayData: WriteDisplayData | null; file: string } | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file) && mod?.exports) {
      return { lastWriteDisplayData: mod.exports.lastWriteDisplayData ?? null, file };
    }
  }
  return null;
}

/** True when running inside the tslab kernel, where rich output can be displayed. */
export function inKernel(): boolean {
  return kernelModule()?.lastWriteDisplayData != null;
}

/** The kernel's own tslab public module (same instance the kernel uses), or null. */
function tslab(): { display: TslabDisplay; newDisplay(): TslabDisplay } | null {
  const k = kernelModule();
  if (!k || k.lastWriteDisplayData == null) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(path.dirname(k.file), 'public.js'));
}

/** Show a PNG image inline; no-op outside the kernel. Returns whether it was shown. */
export function showPng(png: Uint8Array): boolean {
  const t = tslab();
  if (!t) return false;
  t.display.png(png);
  return true;
}

/** Show an SVG image inline; no-op outside the kernel. */
export function showSvg(svg: string): boolean {
  const t = tslab();
  if (!t) return false;
  t.display.svg(svg);
  return true;
}

/** Show HTML inline; no-op outside the kernel. */
export function showHtml(html: string): boolean {
  const t = tslab();
  if (!t) return false;
  t.display.html(html);
  return true;
}

/** Show markdown inline; printed as text outside the kernel. */
export function showMarkdown(md: string): boolean {
  const t = tslab();
  if (!t) {
    console.log(md);
    return false;
  }
  t.display.markdown(md);
  return true;
}

/**
 * Show one output with several representations (e.g. text/html and a plotly JSON): the front
 * end picks the richest it can render. `text/plain` is what nbconvert's text export shows.
 * No-op outside the kernel.
 */
export function showBundle(bundle: Bundle, displayId?: string, update = false): boolean {
  const k = kernelModule();
  if (!k || !k.lastWriteDisplayData) return false;
  const data: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(bundle)) {
    data[mime] = typeof v === 'string' || !(v instanceof Uint8Array) ? v : Buffer.from(v).toString('base64');
  }
  k.lastWriteDisplayData({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
  return true;
}

/** One output area that can be overwritten in place (tslab's newDisplay); no-op outside the kernel. */
export interface LiveOutput {
  html(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
  png(b: Uint8Array): void;
}

export function newOutput(): LiveOutput {
  const t = tslab();
  if (!t) return { html() {}, markdown() {}, text() {}, png() {} };
  const d = t.newDisplay();
  return {
    html: (s) => d.html(s),
    markdown: (s) => d.markdown(s),
    text: (s) => d.text(s),
    png: (b) => d.png(b),
  };
}

/**
 * A progress bar drawn in one notebook output that updates in place. Updates are throttled
 * (at most one every `minIntervalMs`) so a fast loop does not flood the front end.
 */
export function notebookProgressFactory(minIntervalMs = 250): ProgressFactory {
  return (label: string, total: number): Progress => {
    const out = newOutput();
    const started = Date.now();
    let last = 0;
    const render = (value: number, fields?: Record<string, string | number>, done = false) => {
      const frac = total > 0 ? Math.min(1, value / total) : 0;
      const elapsed = (Date.now() - started) / 1000;
      const eta = frac > 0 && !done ? (elapsed * (1 - frac)) / frac : 0;
      const info = fields
        ? Object.entries(fields)
            .map(([k, v]) => `${escapeHtml(k)} ${typeof v === 'number' ? fmt(v) : escapeHtml(String(v))}`)
            .join(' · ')
        : '';
      out.html(
        `<div style="font-family:monospace;font-size:12px">${escapeHtml(label)} ` +
          `<progress value="${value}" max="${total}" style="width:240px;vertical-align:middle"></progress> ` +
          `${value}/${total} (${(100 * frac).toFixed(0)}%) ${elapsed.toFixed(1)} s` +
          `${done ? '' : ` · ETA ${eta.toFixed(0)} s`}${info ? ` · ${info}` : ''}</div>`,
      );
    };
    let lastFields: Record<string, string | number> | undefined;
    let lastValue = 0;
    render(0);
    return {
      update(value, fields) {
        lastValue = value;
        lastFields = fields ?? lastFields;
        const now = Date.now();
        if (now - last >= minIntervalMs || value >= total) {
          last = now;
          render(value, lastFields);
        }
      },
      stop() {
        render(lastValue, lastFields, true);
      },
    };
  };
}

/**
 * Route the library's `progress(label, total)` to in-place notebook bars when inside the kernel
 * (call once at the top of a notebook). Returns whether it switched.
 */
export function useNotebookProgress(): boolean {
  if (!inKernel()) return false;
  setProgressFactory(notebookProgressFactory());
  return true;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 2);
}
