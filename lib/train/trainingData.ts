/**
 * The data a training run reads: a real image folder when one is given, otherwise the
 * embedded procedural data set (no download), rendered once into the cache.
 */
import type { TrainConfig } from '../presets';
import { embeddedDataset } from '../data/synth';
import { ImageFolder } from '../data/imageFolder';
import { folderSplit } from '../data/split';

export type Domain = 'anime' | 'face';

export interface OpenedData {
  source: ImageFolder;
  path: string;
  embedded: boolean;
  /** The first `limit` images of `path` were read (a limit or the split's training part). */
  limit?: number;
}

/**
 * Open `dir`, or the embedded `domain` data set at the config's size when `dir` is absent; with
 * `holdOut`, only the training part of a real folder's split.
 */
export async function openTrainingData(
  dir: string | undefined,
  domain: Domain,
  config: Pick<TrainConfig, 'size' | 'embeddedCount'>,
  opts: { limit?: number; seed?: number; holdOut?: boolean } = {},
): Promise<OpenedData> {
  const embedded = !dir;
  const path = dir ?? (await embeddedDataset(domain, { n: config.embeddedCount, size: config.size, seed: opts.seed ?? 0 }));
  // A real folder's held-out part (lib/data/split.ts) is never trained on.
  const limit = dir && opts.holdOut ? Math.min(opts.limit ?? Infinity, folderSplit(dir).train) : opts.limit;
  // A real folder is decoded once per size and kept on disk: the grid opens the same 15,000
  // images for every run and seed, and decoding them took 40 s of each smoke run.
  const source = await ImageFolder.open(path, { size: config.size, limit, diskCache: !embedded });
  return { source, path, embedded, limit };
}
