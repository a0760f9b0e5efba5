/**
 * The fixed split of a real image folder into images trained on and images scored against, the
 * same for Table 1's grid and the parity command: images in natural name order (as the loader
 * lists them), the last min(2000, a quarter) held out, the rest trained on. FID against held-out
 * images measures a generator, not its memory of the training set (pytorch-fid users score
 * against a test split for the same reason).
 */
import { ImageFolder, listImages } from './imageFolder';

/** Images held out at the end of a folder of `n`: min(2000, ⌊n/4⌋). */
export function heldOutCount(n: number): number {
  return Math.min(2000, Math.floor(n / 4));
}

export interface FolderSplit {
  /** Image files in the folder. */
  images: number;
  /** The first `train` (name order) are trained on. */
  train: number;
  /** The last `heldOut` are scored against. */
  heldOut: number;
  /** Name of the first held-out file. */
  firstHeldOut: string;
}

/** The split of the image folder `dir` (or `dir/images/`). */
export function folderSplit(dir: string): FolderSplit {
  const { files } = listImages(dir);
  const heldOut = heldOutCount(files.length);
  return { images: files.length, train: files.length - heldOut, heldOut, firstHeldOut: files[files.length - heldOut] ?? '' };
}

/** The held-out part of the image folder `dir`, decoded at `size` (the first `limit` of it when given). */
export function openHeldOut(dir: string, size: [number, number], limit?: number): Promise<ImageFolder> {
  return ImageFolder.open(dir, { size, limit, from: folderSplit(dir).train, diskCache: true });
}

/** The rule in words, for captions and reports. */
export const SPLIT_RULE = 'images in natural name order; the last min(2000, a quarter) are held out for scoring, the rest trained on';
