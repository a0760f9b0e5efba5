/**
 * Features of an image folder, a trained run's samples, or a tensor of images, through a named
 * feature extractor (lib/metrics/extractors), with an on-disk cache per folder and extractor.
 * The CLI (`anime-gan fid|is|kid|stats`) and the notebooks both go through here, so the same
 * images give the same score in both.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { progress } from '../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite';
import type { FeatureExtractor } from './extractors/types';

/** Features of one image set: n x dim row-major, and class probabilities when the extractor classifies. */
export interface FeatureSet {
  features: Float32Array;
  dim: number;
  n: number;
  probs?: Float32Array;
  classes?: number;
  /** Registry name of the extractor. */
  extractor: string;
  /** The extractor's label for captions (e.g. says "proxy Inception"). */
  description: string;
}

export interface FeatureOptions {
  /** Extractor registry name (default: the extractors' default, the offline one). */
  extractor?: string;
  /** Use at most n images (the first n in name order), or draw n samples from a run. */
  n?: number;
  /** Feature cache folder; false disables the cache. Default `.cache/features` (env ANIME_GAN_FEATURE_CACHE). */
  cacheDir?: string | false;
  /** Images decoded and passed to the extractor at once (default 200). */
  chunk?: number;
  /** Noise seed for sampling a run (default 0). */
  seed?: number;
}

/** Samples drawn from a run folder when --n is not given. */
export const DEFAULT_RUN_SAMPLES = 1000;

async function extractorsModule() {
  // Imported lazily: loading the networks' code (and TF.js models) is only needed for images.
  return import('./extractors');
}

/** The default extractor name (the one that works offline). */
export async function defaultExtractorName(): Promise<string> {
  return (await extractorsModule()).EXTRACTOR_DEFAULTS.extractor;
}

const loaded = new Map<string, Promise<FeatureExtractor>>();

/** One extractor instance per name per process (loading weights is the slow part). */
export async function loadExtractor(name: string): Promise<FeatureExtractor> {
  let p = loaded.get(name);
  if (!p) {
    p = extractorsModule().then((m) => m.getExtractor(name, { progress: false }));
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

/** Dispose the extractors loaded by loadExtractor. */
export async function disposeExtractors(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  for (const p of all) {
    try {
      (await p).dispose();
    } catch {
      /* failed loads hold nothing */
    }
  }
}

/** Features of images NHWC in [-1, 1] (does not dispose `images`). */
export async function tensorFeatures(images: tf.Tensor4D, extractorName?: string): Promise<FeatureSet> {
  const ex = await loadExtractor(extractorName ?? (await defaultExtractorName()));
  const out = await ex.extract(images);
  return {
    features: out.features,
    dim: ex.dim,
    n: images.shape[0],
    probs: out.probs,
    classes: out.probs ? ex.classes : undefined,
    extractor: ex.name,
    description: ex.description,
  };
}

/** Accumulates per-chunk extractor outputs into one FeatureSet. */
class FeatureAccumulator {
  private feats: Float32Array[] = [];
  private probs: Float32Array[] = [];
  n = 0;
  constructor(private readonly ex: FeatureExtractor) {}
  async add(images: tf.Tensor4D): Promise<void> {
    const out = await this.ex.extract(images);
    this.feats.push(out.features);
    if (out.probs) this.probs.push(out.probs);
    this.n += images.shape[0];
  }
  result(): FeatureSet {
    const cat = (parts: Float32Array[]) => {
      const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return all;
    };
    const hasProbs = this.probs.length === this.feats.length && this.probs.length > 0;
    return {
      features: cat(this.feats),
      dim: this.ex.dim,
      n: this.n,
      probs: hasProbs ? cat(this.probs) : undefined,
      classes: hasProbs ? this.ex.classes : undefined,
      extractor: this.ex.name,
      description: this.ex.description,
    };
  }
}

/**
 * Features of the images in `dir` (or `dir/images/`), in name order, at their own size (each
 * extractor applies its documented resize). All images must have the same size, as in
 * pytorch-fid, whose batches would fail otherwise. Cached on disk keyed by the folder's path,
 * its and its files' modification times and sizes, the extractor and n.
 */
export async function imageFolderFeatures(dir: string, opts: FeatureOptions = {}): Promise<FeatureSet> {
  const { listImages } = await import('../data/imageFolder');
  const { decodeImage, bytesToUnit } = await import('../data/preprocess');
  const extractorName = opts.extractor ?? (await defaultExtractorName());
  const { root, files: all } = listImages(dir);
  if (opts.n !== undefined && !(Number.isInteger(opts.n) && opts.n > 0)) throw new UserError(`--n must be a positive integer, got ${opts.n}`);
  const files = opts.n !== undefined ? all.slice(0, opts.n) : all;
  if (opts.n !== undefined && files.length < opts.n) {
    throw new UserError(`${root} holds ${files.length} images, fewer than the ${opts.n} asked for`);
  }

  const cacheDir = opts.cacheDir === false ? undefined : opts.cacheDir ?? process.env.ANIME_GAN_FEATURE_CACHE ?? path.resolve('.cache', 'features');
  const key = cacheDir ? cacheKey(root, files, extractorName) : undefined;
  if (cacheDir && key) {
    const hit = readCache(cacheDir, key);
    if (hit) return hit;
  }

  const sharp = (await import('sharp')).default;
  const first = await sharp(path.join(root, files[0])).metadata();
  if (!first.width || !first.height) throw new UserError(`cannot read image ${path.join(root, files[0])}`);
  const size: [number, number] = [first.height, first.width];
  const per = size[0] * size[1] * 3;

  const ex = await loadExtractor(extractorName);
  const acc = new FeatureAccumulator(ex);
  const chunk = opts.chunk ?? 200;
  const bar = progress(`${ex.name} features`, files.length);
  try {
    for (let s = 0; s < files.length; s += chunk) {
      const part = files.slice(s, s + chunk);
      const buf = new Float32Array(part.length * per);
      await Promise.all(
        part.map(async (f, i) => {
          const file = path.join(root, f);
          let meta;
          try {
            meta = await sharp(file).metadata();
          } catch (e) {
            throw new UserError(`cannot read image ${file}: ${(e as Error).message.split('\n')[0]}`);
          }
          if (meta.width !== size[1] || meta.height !== size[0]) {
            throw new UserError(`images in ${root} differ in size: ${files[0]} is ${size[1]}x${size[0]}, ${f} is ${meta.width}x${meta.height}`);
          }
          bytesToUnit(await decodeImage(file, size, 'center-crop'), buf, i * per);
        }),
      );
      const images = tf.tensor4d(buf, [part.length, size[0], size[1], 3]);
      try {
        await acc.add(images);
      } finally {
        images.dispose();
      }
      bar.update(Math.min(s + chunk, files.length));
    }
  } finally {
    bar.stop();
  }
  const result = acc.result();
  if (cacheDir && key) writeCache(cacheDir, key, result, { root, n: files.length });
  return result;
}

/**
 * Features of n samples of a trained run (lib/train: loadRun). Unconditional models draw noise
 * seeded by `seed` (chunk k uses chunkSeed(seed, k), as `anime-gan sample`); the cycle model translates the first n images of its
 * domain-A data folder. Not cached: a run's checkpoint changes as it trains.
 */
export async function runFeatures(runDir: string, opts: FeatureOptions = {}): Promise<FeatureSet> {
  const { loadRun } = await import('../train/trainer');
  const { chunkSeed } = await import('../train/sampling');
  const extractorName = opts.extractor ?? (await defaultExtractorName());
  const n = opts.n ?? DEFAULT_RUN_SAMPLES;
  if (!(Number.isInteger(n) && n > 0)) throw new UserError(`--n must be a positive integer, got ${n}`);
  const seed = opts.seed ?? 0;
  const { meta, model } = loadRun(runDir);
  const ex = await loadExtractor(extractorName);
  const acc = new FeatureAccumulator(ex);
  const chunk = Math.min(opts.chunk ?? 100, n);
  const bar = progress(`${ex.name} features (sampling ${path.basename(path.resolve(runDir))})`, n);
  try {
    let source: { length: number; batchAt(i: readonly number[]): tf.Tensor4D } | undefined;
    if (model.conditional) {
      const { ImageFolder } = await import('../data/imageFolder');
      source = await ImageFolder.open(meta.data.a, { size: meta.config.size, limit: n, quiet: true });
      if (source.length < n) throw new UserError(`run ${runDir}: its data folder ${meta.data.a} has ${source.length} readable images, fewer than n = ${n}`);
    }
    for (let s = 0, k = 0; s < n; s += chunk, k++) {
      const b = Math.min(chunk, n - s);
      let images: tf.Tensor4D;
      if (model.conditional) {
        const inputs = source!.batchAt(Array.from({ length: b }, (_, i) => s + i));
        images = model.translate(inputs, 'a2b');
        inputs.dispose();
      } else {
        // chunkSeed, as `sample` draws them: seed + k was 0 for the default seed's first chunk,
        // which tf.js reads as "unseeded", so the score changed from call to call.
        images = model.sample(b, chunkSeed(seed, k));
      }
      try {
        await acc.add(images);
      } finally {
        images.dispose();
      }
      bar.update(s + b);
    }
  } finally {
    bar.stop();
    model.dispose();
  }
  return acc.result();
}

function cacheKey(root: string, files: string[], extractor: string): string {
  const h = crypto.createHash('sha256');
  const st = fs.statSync(root);
  h.update(JSON.stringify({ v: 1, root: path.resolve(root), mtime: st.mtimeMs, extractor, count: files.length }));
  for (const f of files) {
    const s = fs.statSync(path.join(root, f));
    h.update(`\n${f}\t${s.size}\t${s.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 32);
}

interface CacheMeta {
  root: string;
  n: number;
  dim: number;
  classes?: number;
  extractor: string;
  description: string;
}

function readCache(dir: string, key: string): FeatureSet | undefined {
  const metaFile = path.join(dir, `${key}.json`);
  const binFile = path.join(dir, `${key}.f32`);
  try {
    if (!fs.existsSync(metaFile) || !fs.existsSync(binFile)) return undefined;
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CacheMeta;
    const bytes = fs.readFileSync(binFile);
    const nf = meta.n * meta.dim;
    const np = meta.classes ? meta.n * meta.classes : 0;
    if (bytes.byteLength !== (nf + np) * 4) return undefined; // stale or truncated: recompute
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return {
      features: all.subarray(0, nf),
      dim: meta.dim,
      n: meta.n,
      probs: meta.classes ? all.subarray(nf) : undefined,
      classes: meta.classes,
      extractor: meta.extractor,
      description: meta.description,
    };
  } catch {
    return undefined;
  }
}

function writeCache(dir: string, key: string, f: FeatureSet, info: { root: string; n: number }): void {
  const all = new Float32Array(f.features.length + (f.probs?.length ?? 0));
  all.set(f.features, 0);
  if (f.probs) all.set(f.probs, f.features.length);
  writeFileAtomic(path.join(dir, `${key}.f32`), new Uint8Array(all.buffer));
  const meta: CacheMeta = { root: path.resolve(info.root), n: f.n, dim: f.dim, classes: f.classes, extractor: f.extractor, description: f.description };
  writeJsonAtomic(path.join(dir, `${key}.json`), meta);
}
