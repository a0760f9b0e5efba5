import { Command } from 'commander';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { loadRun } from '../../train/trainer';
import { saveImageGrid } from '../../util/imageGrid';
import { ImageFolder } from '../../data/imageFolder';
import { Rng } from '../../util/rng';
import { optionParser, parseIntOption, useBackend } from '../context';
import { UserError } from '../../util/errors';
import { heapExhaustedError } from '../../backend/heapLimit';

const int = (name: string, min = 0) => optionParser(parseIntOption(name, min));

/** One grid holds at most this many images (a 32x32 grid of 1024 is already 1.1k pixels wide). */
export const MAX_SAMPLE_GRID = 1024;

export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description("write a grid of a trained run's samples (translations A→B for the cycle model)")
    .requiredOption('--run <dir>', 'run folder')
    .option('--n <n>', `number of images (1 to ${MAX_SAMPLE_GRID})`, int('--n', 1), 64)
    .requiredOption('--out <file.png>', 'output PNG')
    .option('--seed <k>', 'noise seed', int('--seed'), 0)
    .action(async (o, cmd: Command) => {
      if (o.n > MAX_SAMPLE_GRID) throw new UserError(`--n ${o.n} is more than one grid holds (at most ${MAX_SAMPLE_GRID}); write several grids with different --seed`);
      if (fs.existsSync(o.out) && fs.statSync(o.out).isDirectory()) throw new UserError(`--out ${o.out} is a folder; give a .png file name`);
      if (!/\.png$/i.test(o.out)) throw new UserError(`--out must name a .png file (the grid is written as PNG), got ${o.out}`);
      await useBackend(cmd, true);
      const { meta, model } = loadRun(o.run);
      try {
        let grid: tf.Tensor4D;
        let nrow = Math.ceil(Math.sqrt(o.n));
        if (model.conditional) {
          const src = await ImageFolder.open(meta.data.a, { size: meta.config.size });
          const inputs = src.sample(Math.min(o.n, src.length), new Rng(o.seed));
          const out = model.translate(inputs, 'a2b');
          grid = tf.concat([inputs, out], 0) as tf.Tensor4D;
          nrow = inputs.shape[0];
          tf.dispose([inputs, out]);
        } else {
          try {
            grid = model.sample(o.n, o.seed);
          } catch (err) {
            if (heapExhaustedError(err)) throw new UserError(`not enough memory to generate ${o.n} images at ${meta.config.size.join('x')}: lower --n`);
            throw err;
          }
        }
        await saveImageGrid(grid, o.out, { nrow });
        grid.dispose();
        process.stderr.write(`wrote ${o.out} (${meta.config.model}, step ${meta.step})\n`);
      } finally {
        model.dispose();
      }
    });
}
