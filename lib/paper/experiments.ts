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
  const a = await openTrainingData(datasetDir(cycle ? 'celeba' : dataset, o.dataRoot), cycle ? 'face' : DOMAIN[dataset], config, { limit: o.limit });
  const b = cycle ? await openTrainingData(datasetDir('anime', o.dataRoot), 'anime', config, { limit: o.limit }) : undefined;
  await train({ config, out: dir, data: a.source, dataB: b?.source, dataPaths: { a: a.path, b: b?.path }, onStep: o.onStep });
  return dir;
}

function sameSettings(a: TrainConfig, b: TrainConfig): boolean {
  return JSON.stringify({ ...a, steps: 0 }) === JSON.stringify({ ...b, steps: 0 });
}
