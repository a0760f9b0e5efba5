import * as fs from 'fs';
import * as path from 'path';
import { progress, Rng, UserError, writeFileAtomic } from '../../util';
import { formatCsv, readCsv } from '../csv';
import { attributeNames, checkDomain, sampleAttributes, SynthAttributes, SynthDomain, validateAttributes } from './attributes';
import { checkSize, renderSynth } from './render';
import { projectRoot } from '../../util/projectRoot';

export interface SynthDatasetOptions {
  domain: SynthDomain;
  /** number of images */
  n: number;
  /** [height, width] */
  size: [number, number];
  /** attributes are drawn from Rng(`synth-<domain>-<seed>`): the same seed gives the same set at any size */
  seed: number;
  /** output folder; images go to out/images/000000.png..., attributes to out/attributes.csv */
  out: string;
  /** images rendered at once (librsvg and libpng run on libuv's thread pool) */
  concurrency?: number;
}

/** File name of image i: zero-padded to 6 digits so a plain sort is the index order. */
export function synthFileName(i: number): string {
  return `${String(i).padStart(6, '0')}.png`;
}

/** The attribute sets of a synthetic data set, without rendering (what writeSynthDataset draws). */
export function synthAttributeList<D extends SynthDomain>(domain: D, n: number, seed: number): SynthAttributes<D>[] {
  checkDomain(domain);
  const rng = new Rng(`synth-${domain}-${seed}`);
  return Array.from({ length: n }, () => sampleAttributes(domain, rng));
}

/**
 * Render a synthetic data set to disk. attributes.csv is written last (atomically), so a folder
 * with attributes.csv is complete.
 */
export async function writeSynthDataset(opts: SynthDatasetOptions): Promise<{ dir: string; count: number }> {
  const { domain, n, seed, out } = opts;
  checkDomain(domain);
  const size = checkSize(opts.size);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`synthetic data set size n must be a positive integer, got ${n}`);
  const imagesDir = path.join(out, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  const attrs = synthAttributeList(domain, n, seed);
  const bar = progress(`render ${domain}`, n);
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const png = await renderSynth(domain, attrs[i], size);
      await fs.promises.writeFile(path.join(imagesDir, synthFileName(i)), png);
      bar.update(++done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  } finally {
    bar.stop();
  }
  const header = ['file', ...attributeNames(domain)];
  const rows = attrs.map((a, i) => ({ file: synthFileName(i), ...(a as Record<string, string | number>) }));
  writeFileAtomic(path.join(out, 'attributes.csv'), formatCsv(header, rows));
  return { dir: out, count: n };
}

/** One row of attributes.csv: the file name and its attributes (variant parsed to a number). */
export type SynthRecord<D extends SynthDomain = SynthDomain> = { file: string } & SynthAttributes<D>;

/** Read and validate `dir/attributes.csv` of a synthetic data set. */
export function readSynthAttributes<D extends SynthDomain>(dir: string, domain: D): SynthRecord<D>[] {
  const rows = readCsv(path.join(dir, 'attributes.csv'));
  return rows.map((r) => {
    const rec: Record<string, string | number> = { ...r, variant: Number(r.variant) };
    validateAttributes(domain, rec);
    return rec as SynthRecord<D>;
  });
}

/** Whether `dir` is a synthetic data set (it carries the attributes every image was drawn from). */
export function isEmbeddedDataset(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'attributes.csv'));
}

/** The cache folder: $ANIME_GAN_CACHE, else <project>/.cache. */
export function cacheRoot(): string {
  return process.env.ANIME_GAN_CACHE ? path.resolve(process.env.ANIME_GAN_CACHE) : path.join(projectRoot(), '.cache');
}

export interface EmbeddedOptions {
  n?: number;
  size?: [number, number];
  seed?: number;
}

/** Default sizes: the paper's resolutions (anime 96×96, CelebA-like faces 160×128). */
export const EMBEDDED_DEFAULTS: Record<SynthDomain, Required<EmbeddedOptions>> = {
  anime: { n: 2000, size: [96, 96], seed: 0 },
  face: { n: 2000, size: [160, 128], seed: 0 },
};

/**
 * The embedded data set: rendered once into `<cache>/synth/<domain>-<h>x<w>-n<n>-s<seed>` and
 * reused. Rendered into a temporary sibling first and renamed into place, so an interrupted run
 * or two processes at once never leave a half-written folder behind.
 */
export async function embeddedDataset(domain: SynthDomain, opts: EmbeddedOptions = {}): Promise<string> {
  checkDomain(domain);
  const { n, size, seed } = { ...EMBEDDED_DEFAULTS[domain], ...opts };
  const [h, w] = checkSize(size);
  const dir = path.join(cacheRoot(), 'synth', `${domain}-${h}x${w}-n${n}-s${seed}`);
  if (fs.existsSync(path.join(dir, 'attributes.csv'))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeSynthDataset({ domain, n, size: [h, w], seed, out: tmp });
    if (fs.existsSync(dir)) {
      // someone else finished first (or left an incomplete folder): keep a complete one
      if (fs.existsSync(path.join(dir, 'attributes.csv'))) {
        fs.rmSync(tmp, { recursive: true, force: true });
        return dir;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(path.join(dir, 'attributes.csv'))) return dir;
    throw err;
  }
  return dir;
}
