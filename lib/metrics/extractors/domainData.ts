import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { UserError } from '../../util/errors';
import { progress } from '../../util/progress';
import { readCsv } from '../../data/csv';

/** Images with one categorical label each, for training and evaluating the domain classifier. */
export interface LabelledImages {
  /** NHWC in [-1, 1], already at the classifier's input size. */
  images: tf.Tensor4D;
  /** Class index per image. */
  labels: Int32Array;
  /** Class names, index -> name. */
  classNames: string[];
  /** Source file per image (for reports). */
  files: string[];
}


/** Decode image files and resize each to size×size (bilinear, half-pixel centres, as the extractor does), into [-1, 1]. */
export async function loadImagesResized(files: string[], size: number, label = 'load images'): Promise<tf.Tensor4D> {
  const out = new Float32Array(files.length * size * size * 3);
  const bar = progress(label, files.length);
  try {
    for (let i = 0; i < files.length; i++) {
      const { data, info } = await sharp(files[i]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new UserError(`${files[i]}: expected an RGB image, got ${info.channels} channels`);
      const px = tf.tidy(() => {
        const img = tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, 3], 'int32');
        const x = tf.sub(tf.div(tf.cast(img, 'float32'), 127.5), 1) as tf.Tensor3D;
        return info.height === size && info.width === size ? x : tf.image.resizeBilinear(x, [size, size], false, true);
      });
      out.set(px.dataSync(), i * size * size * 3);
      px.dispose();
      if (i % 64 === 63 || i === files.length - 1) bar.update(i + 1);
    }
  } finally {
    bar.stop();
  }
  return tf.tensor4d(out, [files.length, size, size, 3]);
}

/** Keep classes with at least `minCount` examples; returns kept rows and the sorted class list. */
function vocabulary(values: string[], minCount: number, order?: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const keep = [...counts.entries()].filter(([v, c]) => v !== '' && c >= minCount).map(([v]) => v);
  return order ? order.filter((v) => keep.includes(v)) : keep.sort();
}

export interface LabelledLoadOptions {
  /** Attribute column, e.g. "hair" or "eye". */
  attribute: string;
  /** Classifier input side (images are resized to it). */
  size: number;
  /** Use at most this many labelled images (the first ones, in file order). */
  limit?: number;
  /** Drop classes with fewer examples than this (too rare to learn or to evaluate). */
  minCount?: number;
}

/**
 * The tagged anime faces: `<root>/anime-faces-96/tags.csv` (file,hair,eye) and its images.
 * `root` is DATA_ROOT, the folder with the real data sets; untagged rows and rare classes are dropped.
 */
export async function loadAnimeTags(root: string, opts: LabelledLoadOptions): Promise<LabelledImages> {
  const dir = path.join(root, 'anime-faces-96');
  const rows = readCsv(path.join(dir, 'tags.csv'));
  if (rows.length > 0 && !(opts.attribute in rows[0])) throw new UserError(`tags.csv has no column "${opts.attribute}" (columns: ${Object.keys(rows[0]).join(', ')})`);
  return labelled(rows, (f) => path.join(dir, 'images', f), opts, `anime ${opts.attribute}`);
}

/** A synthetic data set folder written by lib/data/synth (images/ + attributes.csv with known attributes). */
export async function loadSynthLabels(dir: string, opts: LabelledLoadOptions & { vocabulary?: readonly string[] }): Promise<LabelledImages> {
  const rows = readCsv(path.join(dir, 'attributes.csv'));
  if (rows.length > 0 && !(opts.attribute in rows[0])) throw new UserError(`${dir}/attributes.csv has no column "${opts.attribute}"`);
  return labelled(rows, (f) => path.join(dir, 'images', f), opts, `synth ${opts.attribute}`, opts.vocabulary);
}

async function labelled(
  rows: Record<string, string>[],
  filePath: (f: string) => string,
  opts: LabelledLoadOptions,
  label: string,
  order?: readonly string[],
): Promise<LabelledImages> {
  let tagged = rows.filter((r) => (r[opts.attribute] ?? '') !== '');
  const classNames = vocabulary(tagged.map((r) => r[opts.attribute]), opts.minCount ?? 1, order);
  tagged = tagged.filter((r) => classNames.includes(r[opts.attribute]));
  if (opts.limit !== undefined) tagged = tagged.slice(0, opts.limit);
  if (tagged.length === 0) throw new UserError(`no labelled images for attribute "${opts.attribute}"`);
  const files = tagged.map((r) => filePath(r.file));
  const images = await loadImagesResized(files, opts.size, `load ${label}`);
  const labels = Int32Array.from(tagged.map((r) => classNames.indexOf(r[opts.attribute])));
  return { images, labels, classNames, files };
}
