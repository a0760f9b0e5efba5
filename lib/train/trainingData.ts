/**
 * The data a training run reads: a real image folder when one is given, otherwise the
 * embedded procedural data set (no download), rendered once into the cache.
 */
import type { TrainConfig } from '../presets';
import { embeddedDataset } from '../data/synth';
import { ImageFolder } from '../data/imageFolder';

export type Domain = 'anime' | 'face';

export interface OpenedData {
  source: ImageFolder;
  path: string;
  embedded: boolean;
}

/** Open `dir`, or the embedded `domain` data set at the config's size when `dir` is absent. */
export async function openTrainingData(
  dir: string | undefined,
  domain: Domain,
  config: Pick<TrainConfig, 'size' | 'embeddedCount'>,
  opts: { limit?: number; seed?: number } = {},
): Promise<OpenedData> {
  const embedded = !dir;
  const path = dir ?? (await embeddedDataset(domain, { n: config.embeddedCount, size: config.size, seed: opts.seed ?? 0 }));
  // A real folder is decoded once per size and kept on disk: the grid opens the same 15,000
  // images for every run and seed, and decoding them took 40 s of each smoke run.
  const source = await ImageFolder.open(path, { size: config.size, limit: opts.limit, diskCache: !embedded });
  return { source, path, embedded };
}
