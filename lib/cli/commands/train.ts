import { Command } from 'commander';
import { MODEL_NAMES, presetNames, resolveConfig, TrainConfig } from '../../presets';
import { UserError } from '../../util/errors';
import { openTrainingData } from '../../train/trainingData';
import { train } from '../../train/trainer';
import { validateConfig } from '../../train/recipes/registry';
import { optionParser, parseIntOption, parseSizeOption, useBackend } from '../context';
import { collectRepeated, definedOnly, parseParams } from '../params';


export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model; without --data it trains on the embedded procedural data set')
    .argument('<model>', `model: ${MODEL_NAMES.join(' | ')}`)
    .option('--data <dir>', 'image folder (domain A: the only domain, or the faces of the cycle model)')
    .option('--data-b <dir>', 'second image folder for the proposed cycle model (anime)')
    .option('--domain <name>', 'embedded data set when --data is absent: anime | face', 'anime')
    .option('--preset <name>', `settings: ${presetNames().join(' | ')}`, 'quick')
    .option('--size <HxW>', 'image size, e.g. 64 or 64x80', optionParser(parseSizeOption))
    .option('--batch <n>', 'batch size', optionParser(parseIntOption('--batch')))
    .option('--steps <n>', 'training iterations (generator steps)', optionParser(parseIntOption('--steps')))
    .option('--epochs <e>', 'epochs over domain A instead of --steps', optionParser(parseIntOption('--epochs')))
    .option('--seed <k>', 'random seed', optionParser(parseIntOption('--seed')))
    .option('-p, --param <name=value>', 'one setting of the preset, e.g. -p checkpointEvery=50 (repeatable)', collectRepeated, [])
    .option('--limit <n>', 'use only the first n images of each folder', optionParser(parseIntOption('--limit')))
    .requiredOption('--out <dir>', 'run folder (checkpoint, log.jsonl, samples/)')
    .option('--resume', 'continue the checkpoint in --out up to --steps')
    .action(async (model: string, o, cmd: Command) => {
      if (o.steps !== undefined && o.epochs !== undefined) throw new UserError('give --steps or --epochs, not both');
      const params = parseParams(o.param, resolveConfig(model, o.preset));
      let config: TrainConfig = resolveConfig(model, o.preset, { ...params, ...definedOnly({ size: o.size, batch: o.batch, steps: o.steps, seed: o.seed }) });
      validateConfig(config);
      const backend = await useBackend(cmd);
      const proposed = config.model === 'proposed';
      const a = await openTrainingData(o.data, proposed ? 'face' : o.domain, config, { limit: o.limit });
      const b = proposed ? await openTrainingData(o.dataB, 'anime', config, { limit: o.limit }) : undefined;
      if (o.epochs !== undefined) config = { ...config, steps: o.epochs * Math.floor(a.source.length / config.batch) };
      if (config.steps < 1) throw new UserError(`nothing to train: the ${o.preset} preset sets no step count here; give --steps or --epochs`);
      process.stderr.write(
        `train ${config.model}: ${config.steps} steps, batch ${config.batch}, ${config.size.join('x')}, data ${a.path}${b ? ` + ${b.path}` : ''} (${a.source.length}${b ? ` + ${b.source.length}` : ''} images), ${backend}\n`,
      );
      const r = await train({
        config,
        out: o.out,
        data: a.source,
        dataB: b?.source,
        dataPaths: { a: a.path, b: b?.path },
        resume: Boolean(o.resume),
      });
      const losses = Object.entries(r.lastLosses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      process.stderr.write(`done: ${r.steps} steps in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s); ${losses}; run in ${r.runDir}\n`);
    });
}
