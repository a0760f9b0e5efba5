/**
 * A grid's manifest: the paper's runs (lib/paper/experiments.ts) written down once, each with the
 * `anime-gan train` arguments that produce it, so any executor (Slurm today; PBS or Kubernetes
 * Indexed Jobs as one more file each) runs task i as "train run i into its folder, resuming".
 * The manifest and the scripts live in the grid folder, beside the runs, on the shared file system.
 */
import { isClassifierTraining } from '../paper/table1Features';
import * as fs from 'fs';
import * as path from 'path';
import { experimentData, experimentRuns, ExperimentOptions, ExperimentRun, runsRoot } from '../paper/experiments';
import { resolveConfig, TrainConfig, presetEpochs } from '../presets';
import { hasCheckpoint, readLog, readRunMeta } from '../train/runFolder';
import { writeJsonAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { parseParams } from '../cli/params';

export const MANIFEST_FILE = 'manifest.json';

export interface GridRun extends ExperimentRun {
  /** The task index (Slurm's array index). */
  index: number;
  /** The run folder's name, e.g. `dcgan-anime-embedded-s0`. */
  name: string;
  /** Arguments of `anime-gan` that train this run; the executor adds `--out <dir>` and `--resume`. */
  train: string[];
}

export interface GridManifest {
  kind: 'anime-gan-grid';
  version: 1;
  preset: string;
  dataRoot?: string;
  /** Absolute; every node must see it at this path. */
  runsDir: string;
  /** The `-p name=value` settings, as given, and as parsed. */
  params: string[];
  overrides: Partial<TrainConfig>;
  epochs?: number;
  limit?: number;
  seeds: number[];
  /** Table 1's scoring settings (as notebook 06's settings cell). */
  table: { evalCount: number; classifierImages: number; classifierEpochs: number };
  created: string;
  runs: GridRun[];
}

export interface PlanOptions {
  preset: string;
  dataRoot?: string;
  runsDir?: string;
  params?: string[];
  seeds?: number[];
  epochs?: number;
  limit?: number;
  classifierImages?: number;
  classifierEpochs?: number;
}

/** Notebook 06's classifier settings per preset (its settings cell), for presets it knows. */

/** The grid of `preset`: every run of Table 1 over its seeds, each with its training command. */
export function planGrid(o: PlanOptions): GridManifest {
  const params = o.params ?? [];
  const template = resolveConfig('dcgan', o.preset);
  const overrides = parseParams(params, template);
  if ('seed' in overrides) throw new UserError('-p seed: the grid sets each run\'s seed; choose them with --seeds');
  const dataRoot = o.dataRoot ? path.resolve(o.dataRoot) : undefined;
  const exp: ExperimentOptions = { preset: o.preset, dataRoot, runsDir: path.resolve(runsRoot({ runsDir: o.runsDir })), overrides };
  const seeds = o.seeds ?? template.tableSeeds;
  if (!seeds.length) throw new UserError('--seeds: give at least one seed');
  const runs = experimentRuns(exp, seeds).map((r, index): GridRun => {
    if (r.config.steps < 1 && o.epochs === undefined && presetEpochs(o.preset) === undefined) {
      throw new UserError(`the ${o.preset} preset sets no step count for ${r.model}: give --epochs or -p steps=N`);
    }
    return { ...r, index, name: path.basename(r.dir), train: trainArgs(r, { ...o, dataRoot, params }) };
  });
  const clf = isClassifierTraining(o.preset);
  return {
    kind: 'anime-gan-grid',
    version: 1,
    preset: o.preset,
    dataRoot,
    runsDir: exp.runsDir!,
    params,
    overrides,
    epochs: o.epochs,
    limit: o.limit,
    seeds,
    table: {
      evalCount: template.evalCount,
      classifierImages: o.classifierImages ?? clf.images,
      classifierEpochs: o.classifierEpochs ?? clf.epochs,
    },
    created: new Date().toISOString(),
    runs,
  };
}

/** `anime-gan train …` for one run (without --out and --resume, which the executor adds). */
function trainArgs(r: ExperimentRun, o: PlanOptions & { params: string[] }): string[] {
  const data = experimentData(r.model, r.dataset, o.dataRoot);
  const args = ['train', r.model, '--preset', o.preset, '--seed', String(r.seed)];
  if (data.a.dir) args.push('--data', data.a.dir);
  else if (!data.b) args.push('--domain', data.a.domain);
  if (data.b?.dir) args.push('--data-b', data.b.dir);
  for (const p of o.params) args.push('-p', p);
  if (o.epochs !== undefined) args.push('--epochs', String(o.epochs));
  if (o.limit !== undefined) args.push('--limit', String(o.limit));
  // As notebook training does: Table 1 scores against each real folder's held-out part.
  if (o.dataRoot) args.push('--hold-out');
  return args;
}

/** The grid folder of a plan: `<runs>/<preset>/grid-<embedded|real>`, unless given. */
export function gridDir(o: { preset: string; dataRoot?: string; runsDir?: string; grid?: string }): string {
  if (o.grid) return path.resolve(o.grid);
  return path.resolve(runsRoot({ runsDir: o.runsDir }), o.preset, `grid-${o.dataRoot ? 'real' : 'embedded'}`);
}

export function writeManifest(m: GridManifest, dir: string): string {
  const file = path.join(dir, MANIFEST_FILE);
  writeJsonAtomic(file, m);
  return file;
}

export function readManifest(dir: string): GridManifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new UserError(`no grid in ${dir} (no ${MANIFEST_FILE}): run \`anime-gan grid plan\` or \`submit\` first`);
  let m: GridManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as GridManifest;
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (m?.kind !== 'anime-gan-grid' || !Array.isArray(m.runs)) throw new UserError(`${file} is not an anime-gan grid manifest`);
  return m;
}

/** What a run folder says: not started, trained to some step, or finished. */
export interface RunProgress {
  /** Steps in the checkpoint (what a restart resumes from); 0 without one. */
  checkpointStep: number;
  /** The last step in log.jsonl (may be past the checkpoint while the run trains). */
  loggedStep: number;
  /** The run's target, from its checkpoint (set from --epochs there), else the plan's. */
  steps: number;
  done: boolean;
}

export function runProgress(r: Pick<GridRun, 'dir' | 'config'>): RunProgress {
  const log = readLog(r.dir);
  const loggedStep = log.length ? log[log.length - 1].step : 0;
  if (!hasCheckpoint(r.dir)) return { checkpointStep: 0, loggedStep, steps: r.config.steps, done: false };
  const meta = readRunMeta(r.dir);
  return { checkpointStep: meta.step, loggedStep, steps: meta.config.steps, done: meta.step >= meta.config.steps && meta.config.steps > 0 };
}

/** The plan as a table: one line per run. */
export function formatPlan(m: GridManifest): string {
  const c = m.runs[0]?.config;
  const head = [
    `grid: preset ${m.preset}, ${m.dataRoot ? `real data in ${m.dataRoot}` : 'embedded data'}, seeds ${m.seeds.join(', ')}, ${m.runs.length} runs` +
      (m.params.length ? `, ${m.params.map((p) => `-p ${p}`).join(' ')}` : ''),
    `runs in ${m.runsDir}` + (c ? ` (${c.size.join('x')})` : ''),
    '',
  ];
  const rows = m.runs.map((r) => [String(r.index), r.model, r.dataset, String(r.seed), m.epochs !== undefined ? `${m.epochs} epochs` : String(r.config.steps), String(r.config.batch), r.name]);
  return head.join('\n') + textTable(['task', 'model', 'data', 'seed', 'steps', 'batch', 'run folder'], rows);
}

/** A plain aligned text table. */
export function textTable(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(w[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
