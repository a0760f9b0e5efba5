/**
 * The paper's experiment grid (§5): DCGAN and WGAN trained on each data set, the proposed model
 * trained between faces and anime; each over several seeds. Runs live in
 * `runs/<preset>/<model>-<dataset>-s<seed>` and are reused when complete, so notebook 03 trains
 * what notebook 06 evaluates.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModelName, resolveConfig, TrainConfig } from '../presets';
import { hasCheckpoint, readRunMeta } from '../train/runFolder';
import { openTrainingData, Domain } from '../train/trainingData';
import { train } from '../train/trainer';
import { projectRoot } from '../util/projectRoot';

/** Table 1's two columns: CelebA faces and anime avatars. */
export type PaperDataset = 'celeba' | 'anime';
export const PAPER_DATASETS: readonly PaperDataset[] = ['celeba', 'anime'];
export const PAPER_MODELS: readonly ModelName[] = ['dcgan', 'wgan', 'proposed'];

const DOMAIN: Record<PaperDataset, Domain> = { celeba: 'face', anime: 'anime' };

/** Real data folders under DATA_ROOT (see ../shared/data/README.md). */
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
}

/** The folder runs are kept in: the option, $ANIME_GAN_RUNS, or `<project>/runs`. */
export function runsRoot(o: { runsDir?: string } = {}): string {
  return o.runsDir ?? process.env.ANIME_GAN_RUNS ?? path.join(projectRoot(), 'runs');
}

/** The data folder of a data set: real under dataRoot, else undefined (embedded). */
export function datasetDir(dataset: PaperDataset, dataRoot?: string): string | undefined {
  return dataRoot ? path.join(dataRoot, REAL_DATA_DIRS[dataset]) : undefined;
}

export function experimentDir(o: ExperimentOptions, model: ModelName, dataset: PaperDataset | 'celeba2anime', seed: number): string {
  const source = o.dataRoot ? 'real' : 'embedded';
  return path.join(runsRoot(o), o.preset, `${model}-${dataset}-${source}-s${seed}`);
}

export function experimentConfig(o: ExperimentOptions, model: ModelName, seed: number): TrainConfig {
  return resolveConfig(model, o.preset, { ...o.overrides, seed });
}

/** What a run trains on: a real folder under dataRoot, or the embedded data of a domain (dir absent). */
export interface ExperimentData {
  a: { dir?: string; domain: Domain };
  /** Domain B of the cycle model. */
  b?: { dir?: string; domain: Domain };
}

/** The data of `model` on `dataset`; the proposed model translates faces ↔ anime whatever `dataset` says. */
export function experimentData(model: ModelName, dataset: PaperDataset | 'celeba2anime', dataRoot?: string): ExperimentData {
  if (model === 'proposed' || dataset === 'celeba2anime') {
    return { a: { dir: datasetDir('celeba', dataRoot), domain: 'face' }, b: { dir: datasetDir('anime', dataRoot), domain: 'anime' } };
  }
  return { a: { dir: datasetDir(dataset, dataRoot), domain: DOMAIN[dataset] } };
}

/** One run of the grid. */
export interface ExperimentRun {
  model: ModelName;
  /** The proposed model trains once per seed, faces ↔ anime, and serves both of Table 1's columns. */
  dataset: PaperDataset | 'celeba2anime';
  seed: number;
  dir: string;
  config: TrainConfig;
}

/** Every run Table 1 needs over `seeds`, each once, in the order computeTable1 visits them. */
export function experimentRuns(o: ExperimentOptions, seeds: readonly number[]): ExperimentRun[] {
  const runs: ExperimentRun[] = [];
  for (const model of PAPER_MODELS) {
    for (const seed of seeds) {
      const datasets: readonly (PaperDataset | 'celeba2anime')[] = model === 'proposed' ? ['celeba2anime'] : PAPER_DATASETS;
      for (const dataset of datasets) {
        runs.push({ model, dataset, seed, dir: experimentDir(o, model, dataset, seed), config: experimentConfig(o, model, seed) });
      }
    }
  }
  return runs;
}

/**
 * Train `model` on `dataset` (the proposed model: faces ↔ anime, `dataset` ignored) with
 * `seed`, or reuse the run if a finished one with the same settings exists. Returns its folder.
 */
export async function ensureRun(o: ExperimentOptions, model: ModelName, dataset: PaperDataset, seed: number): Promise<string> {
  const config = experimentConfig(o, model, seed);
  const cycle = model === 'proposed';
  const dir = experimentDir(o, model, cycle ? 'celeba2anime' : dataset, seed);
  if (hasCheckpoint(dir)) {
    const meta = readRunMeta(dir);
    if (meta.step >= config.steps && sameSettings(meta.config, config)) return dir;
    // Different settings (the reader changed the settings cell): start that run again.
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const data = experimentData(model, dataset, o.dataRoot);
  const a = await openTrainingData(data.a.dir, data.a.domain, config, { limit: o.limit });
  const b = data.b ? await openTrainingData(data.b.dir, data.b.domain, config, { limit: o.limit }) : undefined;
  await train({ config, out: dir, data: a.source, dataB: b?.source, dataPaths: { a: a.path, b: b?.path }, onStep: o.onStep });
  return dir;
}

function sameSettings(a: TrainConfig, b: TrainConfig): boolean {
  return JSON.stringify({ ...a, steps: 0 }) === JSON.stringify({ ...b, steps: 0 });
}
