import { Command } from 'commander';
import { benchDcgan } from '../../bench/dcgan';
import { benchProposedStep } from '../../bench/model';
import { benchAll, formatBenchTable } from '../../bench/all';
import { intOption, useBackend } from '../context';
import { UserError } from '../../util';

/**
 * `anime-gan bench dcgan`: training throughput of the workbook's DCGAN (peer-equivalent setup);
 * `anime-gan bench all` (also `bench-all`): the three hot paths against their PyTorch peers, same run.
 */
/** The options both single-model benchmarks take. */
function stepOptions(c: Command, d: { size: number; sizeHelp: string; batch: number; steps: number; stepsHelp: string }): Command {
  return c
    .option('--size <n>', d.sizeHelp, intOption('--size'), d.size)
    .option('--batch <n>', 'batch size', intOption('--batch'), d.batch)
    .option('--steps <n>', d.stepsHelp, intOption('--steps'), d.steps)
    .option('--width <n>', 'ngf = ndf', intOption('--width'), 64)
    .option('--json', 'print one JSON line');
}

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('training throughput benchmarks');
  const dcgan = bench
    .command('dcgan')
    .description('images/s of DCGAN training (Adam 2e-4/0.5, non-saturating BCE, as the PyTorch peer)')
    .option('--warmup <n>', 'untimed steps first', intOption('--warmup'), 2);
  stepOptions(dcgan, { size: 64, sizeHelp: 'image side (32 or 64)', batch: 64, steps: 5, stepsHelp: 'timed steps' })
    .action(async (o, cmd: Command) => {
      await useBackend(cmd, !!o.json);
      const r = await benchDcgan({ size: o.size, batch: o.batch, steps: o.steps, warmup: o.warmup, width: o.width });
      if (o.json) console.log(JSON.stringify(r));
      else console.log(`dcgan ${r.size}x${r.size} batch ${r.batch} on ${r.backend}: ${r.images_per_s} images/s ` +
        `(${r.ms_per_step} ms/step, ${r.gflops} GFLOP/s)`);
    });
  const proposed = bench
    .command('proposed')
    .description("pairs/s of the proposed model's training step on random images (the paper's model with clipping and the " +
      "PyTorch peer's Adam 2e-4, or --preset quick)");
  stepOptions(proposed, { size: 64, sizeHelp: 'image side', batch: 8, steps: 3, stepsHelp: 'timed steps (after untimed ones for 10 s: 2 to 60)' })
    .option('--ngf <n>', 'generator width (overrides --width)', intOption('--ngf'))
    .option('--ndf <n>', 'critic width (overrides --width)', intOption('--ndf'))
    .option('--preset <name>', "'paper' (clipping, the peer's Adam 2e-4) or 'quick' (the quick and workstation presets' " +
      'cycle model as it trains: 32x32, batch 8, widths 16/32, gradient penalty, Adam 1e-3; options given still win)', 'paper')
    .action(async (o, cmd: Command) => {
      await useBackend(cmd, !!o.json);
      if (o.preset !== 'paper' && o.preset !== 'quick') throw new UserError(`--preset takes paper or quick, got "${o.preset}"`);
      const quick = o.preset === 'quick';
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      const r = await benchProposedStep(quick
        ? { preset: 'quick', steps: o.steps, size: given('size') ? o.size : undefined, batch: given('batch') ? o.batch : undefined,
          ngf: o.ngf ?? (given('width') ? o.width : undefined), ndf: o.ndf ?? (given('width') ? o.width : undefined) }
        : { size: o.size, batch: o.batch, steps: o.steps, ngf: o.ngf ?? o.width, ndf: o.ndf ?? o.width });
      if (o.json) console.log(JSON.stringify(r));
      else console.log(`proposed ${r.size}x${r.size} batch ${r.batch} on ${r.backend}: ${r.images_per_s} pairs/s ` +
        `(${r.ms_per_batch} ms/step, ${r.gflops} GFLOP/s)`);
    });
  const all = (c: Command) => c
    .description('the hot paths against their PyTorch peers, in the same run, with the ratio: DCGAN training at 32x32 and 64x64, ' +
      'the proposed model\'s step (and its scaling over batch and size), the Inception feature pass')
    .option('--batch <n>', 'batch size', intOption('--batch'), 64)
    .option('--steps <n>', 'timed steps at 64x64 (more at 32x32)', intOption('--steps'), 5)
    .option('--sizes <list>', 'comma-separated sides', '32,64')
    .option('--no-extra', 'skip the proposed model step, its scaling table and the Inception pass')
    .option('--scaling-batches <list>', 'batches of the proposed step\'s scaling table', '1,8,32')
    .option('--scaling-sizes <list>', 'image sides of the scaling table (none: "")', '32,64,96')
    .option('--json', 'print JSON instead of a table')
    .action(async (o, cmd: Command) => {
      await useBackend(cmd, false);
      const sizes = String(o.sizes).split(',').map(Number);
      const list = (v: string, name: string) => {
        const xs = String(v).split(',').filter(Boolean).map(Number);
        if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new UserError(`${name} takes positive whole numbers, got "${v}"`);
        return xs;
      };
      const r = await benchAll({
        sizes, batch: o.batch, steps: o.steps, extra: o.extra, log: (l) => process.stderr.write(`${l}\n`),
        scalingBatches: list(o.scalingBatches, '--scaling-batches'), scalingSizes: list(o.scalingSizes, '--scaling-sizes'),
      });
      console.log(o.json ? JSON.stringify(r, null, 2) : formatBenchTable(r));
    });
  all(bench.command('all'));
  all(program.command('bench-all'));
}
