/**
 * The paper's experiment grid (§5): DCGAN and WGAN trained on each data set, the proposed model
 * trained between faces and anime; each over several seeds. Runs live in
 * `runs/<preset>/<model>-<dataset>-s<seed>` and are reused when complete, so notebook 03 trains
 * what notebook 06 evaluates.
 */
import * as path from 'path';
import { ModelName, presetEpochs, resolveConfig, stepsForEpochs, TrainConfig } from '../presets';
import { discardRun, hasCheckpoint, isComplete, readRunMeta } from '../train/runFolder';
import { openTrainingData, Domain, OpenedData } from '../train/trainingData';
import { ImageFolder } from '../data/imageFolder';
import { folderSplit, openHeldOut } from '../data/split';
import { defaultWorkers, trainInParallel } from '../train/parallel';
import { train } from '../train/trainer';
import { recipeOf } from '../train/recipes/registry';
import { projectRoot } from '../util/projectRoot';
import { UserError } from '../util/errors';

/** Table 1's two columns: CelebA faces and anime avatars. */
export type PaperDataset = 'celeba' | 'anime';
export const PAPER_DATASETS: readonly PaperDataset[] = ['celeba', 'anime'];
export const PAPER_MODELS: readonly ModelName[] = ['dcgan', 'wgan', 'proposed'];

const DOMAIN: Record<PaperDataset, Domain> = { celeba: 'face', anime: 'anime' };

/** The data set of Table 1 that holds `domain`'s images. */
export function datasetOfDomain(domain: Domain): PaperDataset {
  return PAPER_DATASETS.find((d) => DOMAIN[d] === domain)!;
}

/** Real data folders under DATA_ROOT (the README's Data section). */
export const REAL_DATA_DIRS: Record<PaperDataset, string> = {
  celeba: 'celeba-89x109/images',
  anime: 'anime-faces-96/images',
};

export interface ExperimentOptions {
  preset: string;
  /** Folder holding the real data sets; the embedded procedural data when absent. */
  dataRoot?: string;
  /** Where runs are kept (default: $ANIME_GAN_RUNS, else `runs/` in the project). */
  runsDir?: string;
  /** Overrides of the preset (a notebook's settings cell). */
  overrides?: Partial<TrainConfig>;
  /** Use only the first n images of real folders (keeps decoding time bounded). */
  limit?: number;
  onStep?: (step: number, losses: Record<string, number>) => void;
  /**
   * Missing runs trained at once, each in its own process (default: ANIME_GAN_PARALLEL_RUNS, else
   * one per core; 1 trains them one by one in this process). `onStep` is not called for runs
   * trained in workers.
   */
  parallelRuns?: number;
}

/** The folder runs are kept in: the option, $ANIME_GAN_RUNS, or `<project>/runs`. */
export function runsRoot(o: { runsDir?: string } = {}): string {
  return o.runsDir ?? process.env.ANIME_GAN_RUNS ?? path.join(projectRoot(), 'runs');
}

/** The data folder of a data set: real under dataRoot, else undefined (embedded). */
export function datasetDir(dataset: PaperDataset, dataRoot?: string): string | undefined {
  return dataRoot ? path.join(dataRoot, REAL_DATA_DIRS[dataset]) : undefined;
}

export function experimentDir(o: ExperimentOptions, model: ModelName, dataset: ExperimentDataset, seed: number): string {
  const source = o.dataRoot ? 'real' : 'embedded';
  return path.join(runsRoot(o), o.preset, `${model}-${dataset}-${source}-s${seed}`);
}

export function experimentConfig(o: ExperimentOptions, model: ModelName, seed: number): TrainConfig {
  return resolveConfig(model, o.preset, { ...o.overrides, seed });
}

/** The images Table 1 scores a data set's column against, and what they are in words. */
export interface ScoringData {
  source: ImageFolder;
  /** E.g. "the last 2000 of 8000 images of …/images (from 006001.jpg), held out from training". */
  description: string;
  heldOut: boolean;
}

/**
 * The real images of `dataset` that scores compare with: a real folder's held-out part
 * (lib/data/split.ts), which no run trains on; on the embedded data, the training set itself
 * (the procedural generator draws from a known distribution, so there is no test split to keep).
 */
export async function openScoringData(o: ExperimentOptions, dataset: PaperDataset, config: TrainConfig): Promise<ScoringData> {
  const dir = datasetDir(dataset, o.dataRoot);
  if (!dir) {
    const opened = await openTrainingData(undefined, DOMAIN[dataset], config);
    return { source: opened.source, heldOut: false, description: `the ${opened.source.length} embedded ${DOMAIN[dataset]} images the runs train on` };
  }
  const split = folderSplit(dir);
  const source = await openHeldOut(dir, config.size);
  return {
    source,
    heldOut: true,
    description: `the last ${split.heldOut} of ${split.images} images of ${REAL_DATA_DIRS[dataset]} (from ${split.firstHeldOut}), held out from training`,
  };
}

/** A run's data set label: one of Table 1's data sets, or `a2b` for a two-domain model. */
export type ExperimentDataset = PaperDataset | `${PaperDataset}2${PaperDataset}`;

/** What a run trains on: a real folder under dataRoot, or the embedded data of a domain (dir absent). */
export interface ExperimentData {
  /** The run's label in folder names and manifests, e.g. `anime` or `celeba2anime`. */
  label: ExperimentDataset;
  a: { dir?: string; domain: Domain };
  /** Domain B of a two-domain model. */
  b?: { dir?: string; domain: Domain };
}

/** The data of `model` on `dataset`; a two-domain model trains between its own domains whatever `dataset` says. */
export function experimentData(model: ModelName, dataset: ExperimentDataset, dataRoot?: string): ExperimentData {
  const recipe = recipeOf(model);
  const side = (d: PaperDataset) => ({ dir: datasetDir(d, dataRoot), domain: DOMAIN[d] });
  if (recipe.conditional) {
    const a = datasetOfDomain(recipe.domains.a), b = datasetOfDomain(recipe.domains.b);
    return { label: `${a}2${b}`, a: side(a), b: side(b) };
  }
  if (!(PAPER_DATASETS as readonly string[]).includes(dataset)) throw new Error(`${model} trains on one data set, not ${dataset}`);
  return { label: dataset, a: side(dataset as PaperDataset) };
}

/** One run of the grid. */
export interface ExperimentRun {
  model: ModelName;
  /** A two-domain model trains once per seed and serves both of Table 1's columns. */
  dataset: ExperimentDataset;
  seed: number;
  dir: string;
  config: TrainConfig;
}

/** Every run Table 1 needs over `seeds`, each once, in the order computeTable1 visits them. */
export function experimentRuns(o: ExperimentOptions, seeds: readonly number[]): ExperimentRun[] {
  const runs: ExperimentRun[] = [];
  for (const model of PAPER_MODELS) {
    for (const seed of seeds) {
      const labels = new Set(PAPER_DATASETS.map((d) => experimentData(model, d).label));
      for (const dataset of labels) {
        runs.push({ model, dataset, seed, dir: experimentDir(o, model, dataset, seed), config: experimentConfig(o, model, seed) });
      }
    }
  }
  return runs;
}

/** A run of the grid made ready to train: its folder and config, its data opened, whether to resume. */
interface PreparedRun {
  dir: string;
  config: TrainConfig;
  a: OpenedData;
  b?: OpenedData;
  /** Finished with these settings: nothing to train. */
  done: boolean;
  resume: boolean;
}

async function prepareRun(o: ExperimentOptions, model: ModelName, dataset: ExperimentDataset, seed: number): Promise<PreparedRun> {
  let config = experimentConfig(o, model, seed);
  const data = experimentData(model, dataset, o.dataRoot);
  const dir = experimentDir(o, model, data.label, seed);
  const a = await openTrainingData(data.a.dir, data.a.domain, config, { limit: o.limit, holdOut: true });
  const b = data.b ? await openTrainingData(data.b.dir, data.b.domain, config, { limit: o.limit, holdOut: true }) : undefined;
  if (config.steps < 1) {
    // A preset measured in epochs (the paper's 200): its length follows the data set's size.
    const epochs = presetEpochs(o.preset);
    if (epochs === undefined) throw new UserError(`the ${o.preset} preset sets no length for ${model}: give { steps } in the overrides`);
    config = { ...config, steps: stepsForEpochs(epochs, a.source.length, config.batch) };
  }
  let resume = false;
  if (hasCheckpoint(dir)) {
    const meta = readRunMeta(dir);
    // Reuse only a complete run with exactly these settings (steps included); continue an
    // interrupted one with the same settings; anything else (the reader changed the settings
    // cell) is trained again.
    if (sameSettings(meta.config, config) && meta.step === config.steps && isComplete(meta)) return { dir, config, a, b, done: true, resume: false };
    resume = sameSettings(meta.config, config) && meta.step < config.steps;
    // Said aloud: in a notebook, Kernel › Interrupt ends the cell before the trainer's own message
    // (checkpoint saved at step N) can reach it, so the rerun cell says what it continues.
    if (resume) console.log(`${dir}: continuing from step ${meta.step} of ${config.steps} (an earlier training stopped there)`);
    else discardRun(dir);
  }
  return { dir, config, a, b, done: false, resume };
}

async function trainPrepared(o: ExperimentOptions, r: PreparedRun): Promise<void> {
  await train({
    config: r.config, out: r.dir, data: r.a.source, dataB: r.b?.source, dataPaths: { a: r.a.path, b: r.b?.path }, onStep: o.onStep, resume: r.resume,
    // Kernel › Interrupt: said in the cell while it is still the cell's turn (see watchInterrupts).
    onInterruptRequested: (signal, step) =>
      console.error(`${signal}: training stops after step ${step} of ${r.config.steps} and saves a checkpoint in ${r.dir}; run this cell again to continue from it`),
  });
}

/**
 * Train `model` on `dataset` (a two-domain model: between its own two domains, `dataset`
 * ignored) with `seed`, or reuse the run if a finished one with the same settings exists.
 * Returns its folder.
 */
export async function ensureRun(o: ExperimentOptions, model: ModelName, dataset: ExperimentDataset, seed: number): Promise<string> {
  const r = await prepareRun(o, model, dataset, seed);
  if (!r.done) await trainPrepared(o, r);
  return r.dir;
}

/** A run of the grid to ensure: model, data set, seed. */
export interface RunSpec {
  model: ModelName;
  dataset: ExperimentDataset;
  seed: number;
}

/**
 * {@link ensureRun} for several runs, training the missing ones side by side in worker processes
 * (`trainInParallel`: on 2 cores, two one-thread trainings finish in about the time of one
 * two-thread training), unless `o.parallelRuns` is 1 or only one run is missing (then in this
 * process, as ensureRun). Returns the run folders in the order of `specs`.
 */
export async function ensureRunsParallel(o: ExperimentOptions, specs: readonly RunSpec[]): Promise<string[]> {
  const prepared: PreparedRun[] = [];
  for (const s of specs) prepared.push(await prepareRun(o, s.model, s.dataset, s.seed));
  // The same folder twice (a two-domain model asked for per column) trains once.
  const todo = [...new Map(prepared.filter((r) => !r.done).map((r) => [r.dir, r])).values()];
  const workers = o.parallelRuns ?? defaultWorkers();
  if (todo.length === 1 || workers <= 1) {
    for (const r of todo) await trainPrepared(o, r);
  } else {
    await trainInParallel(
      todo.map((r) => ({
        label: path.basename(r.dir), config: r.config, out: r.dir, resume: r.resume,
        a: { path: r.a.path, embedded: r.a.embedded, limit: r.a.limit }, b: r.b && { path: r.b.path, embedded: r.b.embedded, limit: r.b.limit },
      })),
      { workers },
    );
  }
  return prepared.map((r) => r.dir);
}

/** {@link ensureRun} for each of `datasets` (side by side where several are missing): the run folder of each data set. */
export async function ensureRuns<D extends PaperDataset>(
  o: ExperimentOptions,
  model: ModelName,
  datasets: readonly D[],
  seed: number,
): Promise<Record<D, string>> {
  const dirs = await ensureRunsParallel(o, datasets.map((dataset) => ({ model, dataset, seed })));
  return Object.fromEntries(datasets.map((d, i) => [d, dirs[i]])) as Record<D, string>;
}

function sameSettings(a: TrainConfig, b: TrainConfig): boolean {
  return JSON.stringify({ ...a, steps: 0 }) === JSON.stringify({ ...b, steps: 0 });
}
