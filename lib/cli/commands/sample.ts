import { Command, Option } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadRun } from '../../train/trainer';
import { saveImageGrid } from '../../util/imageGrid';
import { saveImagePngs } from '../../util/imageFiles';
import { progress } from '../../util/progress';
import { UserError } from '../../util/errors';
import { ImageFolder } from '../../data/imageFolder';
import { Rng } from '../../util/rng';
import { optionParser, parseIntOption, useBackend } from '../context';
import { heapExhaustedError } from '../../backend/heapLimit';
import { Direction, DIRECTIONS, noiseSamples, translate } from '../../train/sampling';

const int = (name: string, min = 0) => optionParser(parseIntOption(name, min));

/** One grid holds at most this many images (a 32x32 grid of 1024 is already 1.1k pixels wide). */
export const MAX_SAMPLE_GRID = 1024;

/** Images translated at once (bounds memory for large input folders). */
const TRANSLATE_CHUNK = 32;

export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description(
      "write a trained run's samples: a grid (--out) and/or one PNG per image (--out-dir, for pytorch-fid, clean-fid, torch-fidelity); the cycle model translates images",
    )
    .requiredOption('--run <dir>', 'run folder')
    .option('--n <n>', 'number of images (default 64; with --input: every image of the folder)', int('--n', 1))
    .option('--out <file.png>', 'write one grid PNG')
    .option('--out-dir <dir>', 'write each image as DIR/NNNNNN.png (with --input: DIR/<input name>.png)')
    .option('--seed <k>', 'noise seed (the same seed gives the same images)', int('--seed'), 0)
    .option('--input <dir>', 'cycle model: translate the images of this folder (in name order) instead of a sample of its training data')
    .addOption(new Option('--direction <d>', 'cycle model: a2b (G, faces → anime) or b2a (F, anime → faces); default a2b').choices(DIRECTIONS as string[]))
    .action(async (o, cmd: Command) => {
      if (!o.out && !o.outDir) throw new UserError('give --out FILE.png (a grid) and/or --out-dir DIR (one PNG per image)');
      if (o.out) {
        if (fs.existsSync(o.out) && fs.statSync(o.out).isDirectory()) throw new UserError(`--out ${o.out} is a folder; give a .png file name (or --out-dir for one PNG per image)`);
        if (!/\.png$/i.test(o.out)) throw new UserError(`--out must name a .png file (the grid is written as PNG), got ${o.out}`);
        if ((o.n ?? 64) > MAX_SAMPLE_GRID) throw new UserError(`--n ${o.n} is more than one grid holds (at most ${MAX_SAMPLE_GRID}); use --out-dir for more images`);
      }
      await useBackend(cmd, true);
      const { meta, model } = loadRun(o.run);
      try {
        const what = `${meta.config.model}, step ${meta.step}`;
        if (!model.conditional) {
          if (o.input || o.direction) throw new UserError(`--input and --direction translate images with the cycle model; ${o.run} holds a ${meta.config.model} run`);
          const n: number = o.n ?? 64;
          const kept: tf.Tensor4D[] = [];
          const bar = n > 200 ? progress('sample', n) : undefined;
          let done = 0;
          try {
            for (const images of guardHeap(noiseSamples(model, n, o.seed), n, meta.config.size)) {
              if (o.outDir) await saveImagePngs(images, o.outDir, indexNames(done, images.shape[0]));
              done += images.shape[0];
              bar?.update(done);
              if (o.out) kept.push(images);
              else images.dispose();
            }
            if (o.out) {
              const grid = kept.length === 1 ? kept[0] : (tf.concat(kept, 0) as tf.Tensor4D);
              await saveImageGrid(grid, o.out, { nrow: Math.ceil(Math.sqrt(n)) });
              if (kept.length > 1) grid.dispose();
            }
          } finally {
            bar?.stop();
            tf.dispose(kept);
          }
        } else {
          await sampleTranslations(o, meta.data, meta.config.size, model, what);
          return;
        }
        report(o, o.n ?? 64, what);
      } finally {
        model.dispose();
      }
    });
}

/** A full WebAssembly heap while sampling is one line saying what to lower. */
function* guardHeap(chunks: Generator<tf.Tensor4D>, n: number, size: number[]): Generator<tf.Tensor4D> {
  try {
    yield* chunks;
  } catch (err) {
    if (heapExhaustedError(err)) throw new UserError(`not enough memory to generate ${n} images at ${size.join('x')}: lower --n`);
    throw err;
  }
}

function indexNames(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(start + i).padStart(6, '0'));
}

function report(o: { out?: string; outDir?: string }, n: number, what: string): void {
  if (o.out) process.stderr.write(`wrote ${o.out} (${what})\n`);
  if (o.outDir) process.stderr.write(`wrote ${n} PNGs to ${path.resolve(o.outDir)} (${what})\n`);
}

/**
 * The cycle model: translate the images of --input (in name order, first --n) or a seeded sample
 * of the run's own data (domain A for a2b, B for b2a). The grid shows rows of up to 8 inputs,
 * each followed by its row of translations.
 */
async function sampleTranslations(
  o: { n?: number; seed: number; input?: string; direction?: Direction; out?: string; outDir?: string },
  data: { a: string; b?: string },
  size: [number, number],
  model: Parameters<typeof translate>[0],
  what: string,
): Promise<void> {
  const direction: Direction = o.direction ?? 'a2b';
  const from = o.input ?? (direction === 'a2b' ? data.a : data.b);
  if (!from) throw new UserError('this run records no domain-B folder; give --input DIR');
  const src = await ImageFolder.open(from, { size, limit: o.input ? o.n : undefined });
  let indices: number[];
  let names: string[];
  if (o.input) {
    indices = src.files.map((_, i) => i);
    const stems = src.files.map((f) => path.parse(f).name);
    names = new Set(stems).size === stems.length ? stems : indexNames(0, stems.length);
  } else {
    const n = Math.min(o.n ?? 64, src.length);
    indices = new Rng(o.seed).shuffle(src.files.map((_, i) => i)).slice(0, n);
    names = indexNames(0, n);
  }
  const pairs: tf.Tensor4D[] = [];
  const bar = indices.length > 200 ? progress(`translate ${direction}`, indices.length) : undefined;
  try {
    for (let s = 0; s < indices.length; s += TRANSLATE_CHUNK) {
      const inputs = src.batchAt(indices.slice(s, s + TRANSLATE_CHUNK));
      const out = translate(model, inputs, direction);
      if (o.outDir) await saveImagePngs(out, o.outDir, names.slice(s, s + TRANSLATE_CHUNK));
      if (o.out) pairs.push(inputs, out);
      else tf.dispose([inputs, out]);
      bar?.update(Math.min(s + TRANSLATE_CHUNK, indices.length));
    }
    if (o.out) {
      const all = tf.tidy(() => {
        const ins = tf.concat(pairs.filter((_, i) => i % 2 === 0), 0);
        const outs = tf.concat(pairs.filter((_, i) => i % 2 === 1), 0);
        const width = Math.min(8, ins.shape[0]);
        // a short last row is padded with white images so each translation sits under its input
        const row = (t: tf.Tensor, s: number, k: number) =>
          k === width ? t.slice(s, k) : tf.concat([t.slice(s, k), tf.ones([width - k, ...t.shape.slice(1)])], 0);
        const rows: tf.Tensor[] = [];
        for (let s = 0; s < ins.shape[0]; s += 8) {
          const k = Math.min(8, ins.shape[0] - s);
          rows.push(row(ins, s, k), row(outs, s, k));
        }
        return tf.concat(rows, 0) as tf.Tensor4D;
      });
      await saveImageGrid(all, o.out, { nrow: Math.min(8, indices.length) });
      all.dispose();
    }
  } finally {
    bar?.stop();
    tf.dispose(pairs);
  }
  report(o, indices.length, `${what}, ${direction} from ${from}`);
}
