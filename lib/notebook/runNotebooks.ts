/**
 * Headless execution of the workbook's notebooks through the real tslab kernel.
 *
 * Each notebook runs in a fresh kernel, top to bottom, with Jupyter's own client (nbclient, via
 * the small helper run_notebook.py beside this file) and the project-local kernel spec in
 * kernels/tslab (found through JUPYTER_PATH=<project root>). The notebook reads its settings from
 * the environment: ANIME_GAN_PRESET (smoke|quick|workstation|paper), ANIME_GAN_FIGURES (output folder for
 * figures) and DATA_ROOT (real data; unset = the embedded data). The executed copy is saved to
 * notebooks/executed/, also when a cell fails, so the outputs before the failure can be read.
 *
 * tslab answers a failing cell with status "error" but no error message; the message is in the
 * cell's stderr stream, which the helper collects, so NotebookError shows it with the cell source.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../util/errors';
import { projectRoot } from '../util/projectRoot';
import { injectedCellSource, ParameterPlan, parametersCellSource } from './parameters';

export const NOTEBOOK_PRESETS = ['smoke', 'quick', 'workstation', 'paper'] as const;
export type NotebookPreset = (typeof NOTEBOOK_PRESETS)[number];

/** Notebooks are named `NN_topic.ipynb`; they run in the order of NN. */
export const NOTEBOOK_PATTERN = /^(\d\d)_.+\.ipynb$/;

export interface RunNotebooksOptions {
  /** Preset passed to the notebooks as ANIME_GAN_PRESET. Default 'quick'. */
  preset?: NotebookPreset;
  /** Run only these notebooks, by number ('01', '3') or file name. Default: all. */
  only?: string[];
  /** Real data folder, passed as DATA_ROOT (absolute). Default: inherited DATA_ROOT, else unset. */
  dataRoot?: string;
  /** Figures folder, passed as ANIME_GAN_FIGURES. Default: $ANIME_GAN_FIGURES, else defaultFiguresDir(preset). */
  figuresDir?: string;
  /** Folder holding the notebooks. Default <project>/notebooks. */
  notebooksDir?: string;
  /** Where executed copies go. Default <notebooksDir>/executed. */
  executedDir?: string;
  /** Per-cell timeout in seconds; 0 = none (the default: the paper preset trains for hours). */
  cellTimeoutSec?: number;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Parameters injected after each notebook's `parameters` cell (see parameters.ts, planParameters). */
  parameters?: ParameterPlan;
  /** Called before each notebook starts. */
  onStart?(notebook: string, index: number, count: number): void;
  /** Called after each code cell that succeeded. */
  onCell?(notebook: string, cell: number, cells: number, seconds: number): void;
  /** Called when a notebook finished (ok or not). */
  onEnd?(result: NotebookResult): void;
}

export interface NotebookCellFailure {
  /** Index of the failing cell among all cells (markdown included), 0-based. */
  cell: number | null;
  /** 1-based number of the failing code cell. */
  codeCell: number | null;
  source: string;
  /** What the cell wrote to stderr: with tslab, the error message and stack. */
  stderr: string;
  ename: string;
  evalue: string;
  timeout: boolean;
}

export interface NotebookResult {
  /** File name, e.g. 01_gan_objective_and_js_divergence.ipynb. */
  name: string;
  path: string;
  executedPath: string;
  ok: boolean;
  /** Wall time including kernel start-up. */
  seconds: number;
  cells: { index: number; seconds: number }[];
  error: NotebookCellFailure | null;
  /** Whether the executed copy was signed with Jupyter's notary (it then opens trusted). */
  signed: boolean;
}

/** A notebook cell failed: the message names the notebook and the cell and shows both. */
export class NotebookError extends Error {
  constructor(readonly result: NotebookResult) {
    super(formatFailure(result));
    this.name = 'NotebookError';
  }
}

export { projectRoot };

/** The Python that has nbclient: $ANIME_GAN_PYTHON, else Debian's /usr/bin/python3, else python3. */
export function findJupyterPython(): { python: string | null; reason: string } {
  const candidates = [process.env.ANIME_GAN_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (p): p is string => Boolean(p),
  );
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' });
    if (r.status === 0) return { python, reason: '' };
  }
  return {
    python: null,
    reason: `Jupyter's client (nbclient) was not found in ${candidates.join(', ')}; install python3-nbclient (scripts/setup.sh)`,
  };
}

/** The notebooks to run, sorted by number, filtered by `only` ('01', '3', or a file name). */
export function listNotebooks(dir: string, only?: string[]): string[] {
  if (!fs.existsSync(dir)) throw new UserError(`notebooks folder not found: ${dir}`);
  const all = fs
    .readdirSync(dir)
    .filter((f) => NOTEBOOK_PATTERN.test(f))
    .sort();
  if (!only || only.length === 0) return all.map((f) => path.join(dir, f));
  const picked: string[] = [];
  for (const want of only) {
    const w = want.trim();
    if (!w) continue;
    const match = /^\d+$/.test(w)
      ? all.find((f) => Number(f.slice(0, 2)) === Number(w))
      : all.find((f) => f === w || f === `${w}.ipynb`);
    if (!match) {
      throw new UserError(`no notebook matches "${w}" in ${dir} (have: ${all.map((f) => f.slice(0, 2)).join(', ')})`);
    }
    if (!picked.includes(match)) picked.push(match);
  }
  return picked.sort().map((f) => path.join(dir, f));
}

/**
 * Where figures go unless told: the committed `figures/` (the ones the README shows) for the
 * quick and paper presets; `runs/figures-smoke` for the smoke preset, whose seconds-long runs
 * (tests, trying a notebook) must never replace them.
 */
export function defaultFiguresDir(preset: string | undefined = process.env.ANIME_GAN_PRESET, dataRoot: string | undefined = process.env.DATA_ROOT): string {
  if (preset === 'smoke') return path.join(projectRoot(), 'runs', 'figures-smoke');
  // The workstation run on the real data is the README's headline; quick runs never write there.
  if (preset === 'workstation') return dataRoot ? path.join(projectRoot(), 'figures', 'real-workstation') : path.join(projectRoot(), 'runs', 'figures-workstation');
  return path.join(projectRoot(), 'figures');
}

export function parsePreset(value: string | undefined): NotebookPreset {
  const v = value ?? 'quick';
  if (!(NOTEBOOK_PRESETS as readonly string[]).includes(v)) {
    throw new UserError(`unknown preset "${v}" (use ${NOTEBOOK_PRESETS.join(', ')})`);
  }
  return v as NotebookPreset;
}

/** Execute one notebook in a fresh tslab kernel. Resolves with the result, also when a cell failed. */
export async function runNotebook(notebook: string, opts: RunNotebooksOptions = {}): Promise<NotebookResult> {
  // Absolute: the helper runs in the notebook's folder.
  const file = path.resolve(notebook);
  const root = projectRoot();
  const { python, reason } = findJupyterPython();
  if (!python) throw new UserError(reason);
  if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) {
    throw new UserError('the library is not built (dist/ missing): run `npm run build` first');
  }
  if (!fs.existsSync(file)) throw new UserError(`notebook not found: ${file}`);
  const preset = parsePreset(opts.preset);
  const name = path.basename(file);
  const executedDir = path.resolve(opts.executedDir ?? path.join(path.dirname(file), 'executed'));
  const executedPath = path.join(executedDir, name);
  const figures = path.resolve(opts.figuresDir || process.env.ANIME_GAN_FIGURES || defaultFiguresDir(preset, opts.dataRoot ?? process.env.DATA_ROOT));
  fs.mkdirSync(figures, { recursive: true });
  fs.mkdirSync(executedDir, { recursive: true });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    JUPYTER_PATH: [root, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    ANIME_GAN_PRESET: preset,
    ANIME_GAN_FIGURES: figures,
    // The kernel's stderr is a pipe: keep cli-progress quiet there (notebooks show progress inline).
    ANIME_GAN_PROGRESS: '0',
  };
  const dataRoot = opts.dataRoot ?? process.env.DATA_ROOT;
  if (dataRoot) {
    if (!fs.existsSync(dataRoot)) throw new UserError(`data root not found: ${dataRoot}`);
    env.DATA_ROOT = path.resolve(dataRoot);
  } else {
    delete env.DATA_ROOT;
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-nb-'));
  const resultFile = path.join(tmp, 'result.json');
  const helper = helperPath(root);
  const args = [helper, file, executedPath, resultFile, '--kernel', 'tslab', '--timeout', String(Math.ceil(opts.cellTimeoutSec ?? 0))];
  if (opts.parameters && Object.keys(opts.parameters.parameters).length) {
    const inject = path.join(tmp, 'inject.json');
    const source = injectedCellSource(opts.parameters, parametersCellSource(file));
    fs.writeFileSync(inject, JSON.stringify({ source, parameters: opts.parameters.parameters }));
    args.push('--inject', inject);
  }
  const started = Date.now();
  let stderrTail = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(python, args, { env, cwd: path.dirname(file), stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    child.stderr.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^@@cell (\d+) (\d+) ([\d.]+)$/.exec(line);
        if (m) opts.onCell?.(name, Number(m[1]), Number(m[2]), Number(m[3]));
        else stderrTail = (stderrTail + line + '\n').slice(-4000);
      }
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  let raw: Omit<NotebookResult, 'name' | 'path' | 'executedPath' | 'signed'> & { signed?: boolean };
  try {
    raw = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`running ${name} failed (python helper exited ${code}):\n${stderrTail}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const result: NotebookResult = {
    name,
    path: file,
    executedPath,
    ok: raw.ok,
    seconds: (Date.now() - started) / 1000,
    cells: raw.cells,
    error: raw.error,
    signed: raw.signed === true,
  };
  if (result.error && result.error.cell === null && stderrTail) result.error.stderr = stderrTail;
  return result;
}

/**
 * Run the notebooks in order (all of `notebooksDir`, or `only`), stopping at the first failing
 * cell with a NotebookError. Returns one result per notebook run.
 */
export async function runNotebooks(opts: RunNotebooksOptions = {}): Promise<NotebookResult[]> {
  const root = projectRoot();
  const dir = opts.notebooksDir ?? path.join(root, 'notebooks');
  const files = listNotebooks(dir, opts.only);
  if (files.length === 0) throw new UserError(`no notebooks (NN_*.ipynb) in ${dir}`);
  const results: NotebookResult[] = [];
  for (let i = 0; i < files.length; i++) {
    opts.onStart?.(path.basename(files[i]), i, files.length);
    const r = await runNotebook(files[i], opts);
    results.push(r);
    opts.onEnd?.(r);
    if (!r.ok) throw new NotebookError(r);
  }
  return results;
}

/** A table of notebook times, for the end of `anime-gan paper`. */
export function formatTimes(results: NotebookResult[]): string {
  const w = Math.max(8, ...results.map((r) => r.name.length));
  const lines = [`${'notebook'.padEnd(w)}  ${'status'.padEnd(6)}  ${'time'.padStart(9)}`];
  lines.push(`${'-'.repeat(w)}  ------  ---------`);
  for (const r of results) lines.push(`${r.name.padEnd(w)}  ${(r.ok ? 'ok' : 'FAILED').padEnd(6)}  ${formatSeconds(r.seconds).padStart(9)}`);
  const total = results.reduce((s, r) => s + r.seconds, 0);
  lines.push(`${'total'.padEnd(w)}  ${''.padEnd(6)}  ${formatSeconds(total).padStart(9)}`);
  return lines.join('\n');
}

export function formatSeconds(s: number): string {
  if (s < 59.95) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  return m < 60 ? `${m} min ${t % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatFailure(r: NotebookResult): string {
  const e = r.error;
  if (!e) return `${r.name} failed`;
  if (e.cell === null) return `${r.name}: the kernel failed: ${e.ename}: ${e.evalue}\n${e.stderr}`.trimEnd();
  const where = `${r.name}, code cell ${e.codeCell} (cell index ${e.cell})`;
  const what = e.timeout ? 'timed out' : 'failed';
  const source = e.source
    .split('\n')
    .map((l, i) => `${String(i + 1).padStart(4)} | ${l}`)
    .join('\n');
  const detail = e.stderr.trim() || `${e.ename}: ${e.evalue}`;
  return `${where} ${what}:\n${source}\n--- error ---\n${detail}\n(executed copy: ${r.executedPath})`;
}

function helperPath(root: string): string {
  // The helper ships in lib/ (package.json "files"), also when running from dist/.
  const p = path.join(root, 'lib', 'notebook', 'run_notebook.py');
  if (!fs.existsSync(p)) throw new Error(`notebook runner helper missing: ${p}`);
  return p;
}
