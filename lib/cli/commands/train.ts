import { Command } from 'commander';
import { MODEL_NAMES, presetEpochs, presetNames, stepsForEpochs, resolveConfig, TrainConfig } from '../../presets';
import { UserError } from '../../util/errors';
import { openTrainingData } from '../../train/trainingData';
import { train } from '../../train/trainer';
import { hasCheckpoint, readRunMeta } from '../../train/runFolder';
import { recipeOf } from '../../train/recipes/registry';
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
    .option('--batch <n>', 'batch size', optionParser(parseIntOption('--batch', 1)))
    .option('--steps <n>', 'training iterations (generator steps)', optionParser(parseIntOption('--steps', 1)))
    .option('--epochs <e>', 'epochs over domain A instead of --steps', optionParser(parseIntOption('--epochs', 1)))
    .option('--seed <k>', 'random seed', optionParser(parseIntOption('--seed')))
    .option('-p, --param <name=value>', 'one setting of the preset, e.g. -p checkpointEvery=50 (repeatable)', collectRepeated, [])
    .option('--set <name=value>', 'the same as -p (the names anime-gan paper -p takes)', collectRepeated, [])
    .option('--limit <n>', 'use only the first n images of each folder', optionParser(parseIntOption('--limit', 1)))
    .option('--hold-out', 'train on each folder without its last min(2000, a quarter) images, the part Table 1 scores against')
    .requiredOption('--out <dir>', 'run folder (checkpoint, log.jsonl, samples/)')
    .option('--resume', "continue the checkpoint in --out with the run's settings, up to --steps (default: the run's own target)")
    .action(async (model: string, o, cmd: Command) => {
      if (o.steps !== undefined && o.epochs !== undefined) throw new UserError('give --steps or --epochs, not both');
      let config: TrainConfig =
        o.resume && hasCheckpoint(o.out)
          ? resumedConfig(o.out, model, o)
          : resolveConfig(model, o.preset, { ...parseParams([...o.param, ...o.set], resolveConfig(model, o.preset)), ...definedOnly({ size: o.size, batch: o.batch, steps: o.steps, seed: o.seed }) });
      const recipe = recipeOf(config.model);
      recipe.validate(config);
      const backend = await useBackend(cmd);
      // A two-domain model reads its own two domains; --domain picks the one domain of the others.
      const domains = recipe.conditional ? recipe.domains : undefined;
      const a = await openTrainingData(o.data, domains?.a ?? o.domain, config, { limit: o.limit, holdOut: o.holdOut });
      const b = domains ? await openTrainingData(o.dataB, domains.b, config, { limit: o.limit, holdOut: o.holdOut }) : undefined;
      // --epochs, else the preset's epochs when it sets no step count (the paper preset: 200).
      const epochs: number | undefined = o.epochs ?? (config.steps < 1 ? presetEpochs(o.preset) : undefined);
      if (epochs !== undefined) config = { ...config, steps: stepsForEpochs(epochs, a.source.length, config.batch) };
      if (config.steps < 1) {
        throw new UserError(
          epochs !== undefined
            ? `nothing to train: ${a.source.length} images make no whole batch of ${config.batch}; lower --batch or add images`
            : `nothing to train: the ${o.preset} preset sets its length in epochs; give --steps or --epochs`,
        );
      }
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
      if (r.steps === 0) {
        process.stderr.write(`nothing to train: ${r.runDir} is already at step ${config.steps} (give a larger --steps to continue it)\n`);
        return;
      }
      const losses = Object.entries(r.lastLosses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      process.stderr.write(`done: ${r.steps} steps in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s); ${losses}; run in ${r.runDir}\n`);
    });
}

/**
 * A resumed run keeps its own settings (the preset's defaults do not apply); an option given
 * that contradicts them is refused rather than silently ignored or, worse, used for the data.
 */
function resumedConfig(out: string, model: string, o: { size?: [number, number]; batch?: number; seed?: number; steps?: number }): TrainConfig {
  const run = readRunMeta(out).config;
  if (model !== run.model) throw new UserError(`${out} holds a ${run.model} checkpoint, not ${model}`);
  const given: [string, unknown, unknown][] = [
    ['--size', o.size?.join('x'), run.size.join('x')],
    ['--batch', o.batch, run.batch],
    ['--seed', o.seed, run.seed],
  ];
  const clash = given.filter(([, v, mine]) => v !== undefined && v !== mine);
  if (clash.length) {
    throw new UserError(
      `${out} was trained with ${clash.map(([k, , mine]) => `${k} ${mine}`).join(', ')}, not ${clash.map(([k, v]) => `${k} ${v}`).join(', ')}: a resumed run keeps its settings; leave ${clash.map(([k]) => k).join(' and ')} out, or choose another --out`,
    );
  }
  return { ...run, steps: o.steps ?? run.steps };
}
