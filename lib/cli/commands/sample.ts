import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { loadRun } from '../../train/trainer';
import { saveImageGrid } from '../../util/imageGrid';
import { ImageFolder } from '../../data/imageFolder';
import { Rng } from '../../util/rng';
import { optionParser, parseIntOption, useBackend } from '../context';

const int = (name: string) => optionParser(parseIntOption(name));

export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description("write a grid of a trained run's samples (translations A→B for the cycle model)")
    .requiredOption('--run <dir>', 'run folder')
    .option('--n <n>', 'number of images', int('--n'), 64)
    .requiredOption('--out <file.png>', 'output PNG')
    .option('--seed <k>', 'noise seed', int('--seed'), 0)
    .action(async (o, cmd: Command) => {
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
          grid = model.sample(o.n, o.seed);
        }
        await saveImageGrid(grid, o.out, { nrow });
        grid.dispose();
        process.stderr.write(`wrote ${o.out} (${meta.config.model}, step ${meta.step})\n`);
      } finally {
        model.dispose();
      }
    });
}
