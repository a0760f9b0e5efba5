/**
 * The report of a rerun: the executed notebooks as one browsable HTML folder, openable offline
 * from file://. Each executed notebook goes through nbconvert's HTML export (Jupyter's own
 * renderer: Markdown, LaTeX, outputs); the plotly bundle their first cell carries is swapped for
 * one `plotly.min.js` beside the pages. An index page (itself a small notebook, so nbconvert
 * renders its Markdown too) shows Figures 1–5, Table 1 and the run's settings, backend, time
 * and commit, and links every notebook.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { NotebookParameters } from './parameters';
import { plotlyScriptTag, PLOTLY_BUNDLE_FILE, writePlotlyBundle } from './plot';
import { findJupyterPython, formatSeconds, NotebookResult } from './runNotebooks';

export interface ReportOptions {
  results: readonly NotebookResult[];
  /** Where the report goes (created). */
  outDir: string;
  /** The figures folder of the run (Figures 1–5 and table1.md are read from it). */
  figuresDir: string;
  preset: string;
  parameters: NotebookParameters;
  dataRoot?: string;
  backend: string;
  startedAt: Date;
  seconds: number;
  projectRoot: string;
}

/** The paper's figures as the notebooks write them, in order. */
export const REPORT_FIGURES: readonly { file: string; caption: string }[] = [
  { file: 'figure1.png', caption: 'Figure 1: the proposed generator (notebook 05)' },
  { file: 'figure2.png', caption: 'Figure 2: faces (notebook 02)' },
  { file: 'figure2_anime.png', caption: 'Figure 2: anime avatars (notebook 02)' },
  { file: 'figure3.png', caption: 'Figure 3: DCGAN samples (notebook 03)' },
  { file: 'figure4.png', caption: 'Figure 4: WGAN samples (notebook 04)' },
  { file: 'figure5.png', caption: 'Figure 5: face → anime and back (notebook 05)' },
];

/** The commit the run was made from ("abc1234", "+ changes" when the tree differs), or "unknown". */
export function gitCommit(root: string): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() ? ' + uncommitted changes' : ''}`;
}

/** nbconvert's HTML export of one notebook into `outDir`; returns the page written. */
export function notebookToHtml(python: string, notebook: string, outDir: string): string {
  const name = path.basename(notebook, '.ipynb');
  const args = ['-m', 'nbconvert', '--to', 'html', '--output-dir', outDir, '--output', name, notebook];
  // MathJax from Debian's libjs-mathjax when present, so formulas render offline.
  const mathjax = '/usr/share/javascript/mathjax/MathJax.js';
  if (fs.existsSync(mathjax)) args.push(`--HTMLExporter.mathjax_url=file://${mathjax}?config=TeX-AMS_HTML-full,Safe`);
  const r = spawnSync(python, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`nbconvert could not export ${notebook}: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`);
  const page = path.join(outDir, `${name}.html`);
  // One plotly.min.js for the folder instead of 4.8 MB inside every page.
  const html = fs.readFileSync(page, 'utf8');
  const inline = plotlyScriptTag();
  if (html.includes(inline)) {
    writePlotlyBundle(outDir);
    writeFileAtomic(page, html.split(inline).join(`<script type="text/javascript" src="${PLOTLY_BUNDLE_FILE}"></script>`));
  }
  return page;
}

/** The index page's Markdown. */
export function indexMarkdown(o: ReportOptions, figures: readonly { file: string; caption: string }[], table1: string | null): string {
  const lines: string[] = [];
  lines.push(`# Rerun of Sang & Xu (2022): preset \`${o.preset}\``);
  lines.push('');
  lines.push('| | |', '|---|---|');
  lines.push(`| started | ${o.startedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC |`);
  lines.push(`| time | ${formatSeconds(o.seconds)} |`);
  lines.push(`| preset | \`${o.preset}\` |`);
  lines.push(`| parameters | ${Object.keys(o.parameters).length ? `\`${JSON.stringify(o.parameters)}\`` : 'none (the notebooks\' settings cells)'} |`);
  lines.push(`| data | ${o.dataRoot ? `\`${o.dataRoot}\`` : 'embedded'} |`);
  lines.push(`| backend | ${o.backend} |`);
  lines.push(`| commit | ${gitCommit(o.projectRoot)} |`);
  lines.push('');
  lines.push('## Notebooks', '', '| notebook | status | time |', '|---|---|---|');
  for (const r of o.results) {
    const page = `${path.basename(r.name, '.ipynb')}.html`;
    lines.push(`| [${r.name}](${page}) | ${r.ok ? 'ok' : '**FAILED**'} | ${formatSeconds(r.seconds)} |`);
  }
  lines.push('');
  if (table1) lines.push('## Table 1', '', table1.trim(), '');
  if (figures.length) {
    lines.push('## Figures', '');
    for (const f of figures) lines.push(`**${f.caption}**`, '', `![${f.caption}](figures/${f.file})`, '');
  }
  return lines.join('\n');
}

/**
 * Write the report: one HTML page per executed notebook, the figures, and index.html.
 * Returns the index page. Needs nbconvert (Debian: jupyter-nbconvert).
 */
export function writeReport(o: ReportOptions): string {
  const { python, reason } = findJupyterPython();
  if (!python) throw new UserError(reason);
  fs.mkdirSync(o.outDir, { recursive: true });
  for (const r of o.results) if (fs.existsSync(r.executedPath)) notebookToHtml(python, r.executedPath, o.outDir);
  const figDir = path.join(o.outDir, 'figures');
  fs.mkdirSync(figDir, { recursive: true });
  const figures = REPORT_FIGURES.filter((f) => fs.existsSync(path.join(o.figuresDir, f.file)));
  for (const f of figures) fs.copyFileSync(path.join(o.figuresDir, f.file), path.join(figDir, f.file));
  const tableFile = path.join(o.figuresDir, 'table1.md');
  const table1 = fs.existsSync(tableFile) ? fs.readFileSync(tableFile, 'utf8') : null;
  const index = {
    cells: [{ cell_type: 'markdown', id: 'index', metadata: {}, source: indexMarkdown(o, figures, table1) }],
    metadata: { title: `anime-gan-workbook: rerun (${o.preset})` },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const indexNb = path.join(o.outDir, 'index.ipynb');
  writeFileAtomic(indexNb, JSON.stringify(index));
  const page = notebookToHtml(python, indexNb, o.outDir);
  fs.rmSync(indexNb, { force: true });
  return page;
}
