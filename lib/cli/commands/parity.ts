/**
 * `anime-gan parity dcgan|wgan`: train the workbook's model and the PyTorch reference
 * (scripts/parity/reference_gan.py) on the same images and score both the same way
 * (lib/bench/parity.ts).
 */
import { Command } from 'commander';
import { UserError } from '../../util/errors';
import { optionParser, parseIntOption, parseSizeOption, useBackend } from '../context';

const int = (name: string, min = 1) => optionParser(parseIntOption(name, min));

function parseSeeds(v: string): number[] {
  const seeds = v.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds takes whole numbers separated by commas, e.g. 0,1; got '${v}'`);
  return seeds;
}

function parseRate(v: string): number {
  const x = Number(v);
  if (!(x > 0 && Number.isFinite(x))) throw new Error(`--lr takes a positive number, e.g. 2e-4; got '${v}'`);
  return x;
}

export function registerParityCommand(program: Command): void {
  program
    .command('parity')
    .description('train our DCGAN or WGAN and the PyTorch reference (same architecture, init, optimiser, batch, steps) on one folder; FID of both against held-out images')
    .argument('<model>', 'dcgan | wgan')
    .requiredOption('--data <dir>', 'image folder; the last --holdout images (name order) are held out for scoring')
    .requiredOption('--out <dir>', 'output folder: parity.json, parity.md, seed-*/ (samples .npy, grids, our run)')
    .option('--size <HxW>', 'image size', optionParser(parseSizeOption), [32, 32] as [number, number])
    .requiredOption('--steps <n>', 'generator steps', int('--steps'))
    .option('--batch <n>', 'batch size', int('--batch'), 64)
    .option('--seeds <list>', 'seeds, comma-separated', optionParser(parseSeeds), [0, 1])
    .option('--n <n>', 'samples drawn from each trained generator and scored', int('--n'), 1000)
    .option('--holdout <k>', 'images held out at the end of the folder (default min(2000, a quarter))', int('--holdout'))
    .option('--ngf <n>', 'generator width (default 64, the reference)', int('--ngf'))
    .option('--ndf <n>', 'discriminator width (default 64)', int('--ndf'))
    .option('--features <name>', 'feature extractor for FID (default nsfwjs-proxy, offline)')
    .option('--lr <x>', "learning rate of both networks, on both sides (default the recipe's: dcgan 2e-4, wgan 5e-5)", optionParser(parseRate))
    .action(async (model: string, o, cmd: Command) => {
      if (model !== 'dcgan' && model !== 'wgan') throw new UserError(`parity compares dcgan or wgan with their PyTorch reference, not '${model}'`);
      const backend = await useBackend(cmd);
      const { runParity, parityMarkdown } = await import('../../bench/parity');
      const r = await runParity(
        { model, data: o.data, size: o.size, steps: o.steps, batch: o.batch, seeds: o.seeds, samples: o.n, holdout: o.holdout, ngf: o.ngf, ndf: o.ndf, features: o.features, lr: o.lr, out: o.out },
        backend,
      );
      process.stdout.write(parityMarkdown(r));
      process.stderr.write(`wrote ${o.out}/parity.json and parity.md\n`);
    });
}
