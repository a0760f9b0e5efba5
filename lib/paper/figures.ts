/**
 * Figures 2–5 of the paper, drawn from data and trained runs (Figure 1 is in figure1.ts). Each
 * function writes its PNGs into `figures` atomically and returns them with a caption, so a
 * notebook only chooses the settings, calls and shows.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageFolder } from '../data/imageFolder';
import { openHeldOut } from '../data/split';
import { isEmbeddedDataset } from '../data/synth/dataset';
import { loadRun } from '../train/trainer';
import type { Direction } from '../train/ganModel';
import { cellScale, imageGrid, READABLE_CELL } from '../util/imageGrid';
import { writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';

/** A written figure: where it is, its PNG bytes and a one-line Markdown caption. */
export interface FigureFile {
  file: string;
  png: Buffer;
  caption: string;
}

/**
 * Smallest side of one image in a figure's grid. Images trained at 32×32 are enlarged ×3
 * nearest-neighbour (each pixel a 3×3 block) so a reader sees what the model drew; the caption
 * says so.
 */
export const FIGURE_CELL = READABLE_CELL;

/** The caption's note on enlargement, empty when the images are shown at their own size. */
export function enlargementNote(size: readonly number[]): string {
  const k = cellScale(Math.min(size[0], size[1]), FIGURE_CELL);
  return k > 1 ? ` (${size[0]}×${size[1]} images enlarged ×${k}, nearest-neighbour)` : '';
}

function writeFigure(figures: string, name: string, png: Buffer, caption: string): FigureFile {
  const file = path.join(figures, name);
  writeFileAtomic(file, png);
  return { file, png, caption };
}

/**
 * Figure 2: `count` real images of the folder `dir` at `size` (drawn with a seed named after
 * the file), tiled into `name` in `figures`.
 */
export async function dataGridFigure(
  dir: string,
  size: [number, number],
  name: string,
  opts: { count: number; title: string; figures: string },
): Promise<FigureFile> {
  const folder = await ImageFolder.open(dir, { size, limit: 1000 });
  const images = folder.sample(opts.count, new Rng(`figure2/${name}`));
  const png = await imageGrid(images, { nrow: Math.ceil(Math.sqrt(opts.count)), minCell: FIGURE_CELL });
  images.dispose();
  const file = path.join(opts.figures, name);
  return writeFigure(opts.figures, name, png, `**${opts.title}** (${folder.length} images in \`${dir}\`${enlargementNote(size)}) → \`${file}\``);
}

/** The fixed noise seed of Figures 3 and 4. */
export const FIGURE_NOISE_SEED = 12345;

/**
 * Figures 3 (DCGAN) and 4 (WGAN): 64 samples of each run, by data set, from fixed noise.
 * The anime run's grid is `<figure>.png` (the paper's figure), the others `<figure>_<dataset>.png`.
 */
export async function noiseSampleFigures(
  runs: Readonly<Record<string, string>>,
  figure: string,
  opts: { title: string; figures: string },
): Promise<FigureFile[]> {
  const out: FigureFile[] = [];
  for (const [dataset, dir] of Object.entries(runs)) {
    const { model } = loadRun(dir);
    let png: Buffer;
    let note = '';
    try {
      if (model.conditional) throw new UserError(`${dir} holds a ${model.config.model} run, which translates images: it has no samples from noise`);
      const images = model.sample(64, FIGURE_NOISE_SEED);
      png = await imageGrid(images, { nrow: 8, minCell: FIGURE_CELL });
      note = enlargementNote(model.config.size);
      images.dispose();
    } finally {
      model.dispose();
    }
    const name = dataset === 'anime' ? `${figure}.png` : `${figure}_${dataset}.png`;
    out.push(writeFigure(opts.figures, name, png, `**${opts.title}, ${dataset}**${note} → \`${path.join(opts.figures, name)}\``));
  }
  return out;
}

/**
 * Figure 5: 8 real images of a cycle run's domain A (top row), their translations G(x) and the
 * cycle back F(G(x)); then the same from domain B (F, then G). Written as `figure5.png` and
 * `figure5_anime2face.png`. Real folders give images of their held-out part.
 */
export async function translationFigures(runDir: string, opts: { figures: string }): Promise<{ a2b: FigureFile; b2a: FigureFile }> {
  const { model, meta } = loadRun(runDir);
  try {
    if (!model.conditional) throw new UserError(`${runDir} holds a ${meta.config.model} run, which does not translate images`);
    const embedded = isEmbeddedDataset(meta.data.a);
    const rows = async (from: string, there: Direction): Promise<Buffer> => {
      // Real folders: images of the held-out part (lib/data/split.ts), which the run never read.
      const src = embedded ? await ImageFolder.open(from, { size: meta.config.size }) : await openHeldOut(from, meta.config.size);
      const x = src.sample(8, new Rng(`figure5/${there}`));
      const y = model.translate(x, there);
      const xr = model.translate(y, there === 'a2b' ? 'b2a' : 'a2b');
      const grid = tf.concat([x, y, xr], 0) as tf.Tensor4D;
      const png = await imageGrid(grid, { nrow: 8, minCell: FIGURE_CELL });
      tf.dispose([x, y, xr, grid]);
      return png;
    };
    if (!meta.data.b) throw new UserError(`${runDir} records no domain-B data folder`);
    const inputs = embedded ? '' : ' Inputs: held-out images the run did not train on.';
    const a2b = writeFigure(opts.figures, 'figure5.png', await rows(meta.data.a, 'a2b'), `**Figure 5: face → anime (G), and back (F∘G)**${enlargementNote(meta.config.size)}${inputs}`);
    const b2a = writeFigure(opts.figures, 'figure5_anime2face.png', await rows(meta.data.b, 'b2a'), `**anime → face (F), and back (G∘F)**${enlargementNote(meta.config.size)}${inputs}`);
    return { a2b, b2a };
  } finally {
    model.dispose();
  }
}
