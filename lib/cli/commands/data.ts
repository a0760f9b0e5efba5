import { Command } from 'commander';
import { writeSynthDataset } from '../../data/synth';
import { optionParser, parseIntOption, parseSizeOption } from '../context';
import { registerDataDownloadCommand } from './dataDownload';
import { registerDataPrepareCommand } from './dataPrepare';


export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('data sets: the embedded procedural set, downloads of the real ones, preprocessing');
  data
    .command('synth')
    .description('render the embedded procedural data set (anime avatars or photo-style faces) with known attributes')
    .requiredOption('--domain <name>', 'anime | face')
    .requiredOption('--n <n>', 'number of images', optionParser(parseIntOption('--n')))
    .option('--size <HxW>', 'image size, e.g. 64 or 128x160', optionParser(parseSizeOption), [64, 64] as [number, number])
    .requiredOption('--out <dir>', 'output folder (images/ and attributes.csv)')
    .option('--seed <k>', 'random seed', optionParser(parseIntOption('--seed')), 0)
    .action(async (o) => {
      const r = await writeSynthDataset({ domain: o.domain, n: o.n, size: o.size, seed: o.seed, out: o.out });
      process.stderr.write(`wrote ${r.count} ${o.domain} images to ${r.dir}\n`);
    });
  registerDataDownloadCommand(data);
  registerDataPrepareCommand(data);
}
