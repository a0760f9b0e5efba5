/**
 * `anime-gan fid | is | kid | stats`: the paper's metrics (FID eq. (12), IS eq. (11)) and KID on
 * image folders, trained runs (sampled) and pytorch-fid `.npz` statistics files. The work is in
 * lib/metrics/evaluate.ts, shared with the notebooks.
 */
import { Command, Option } from 'commander';
import { KID_DEFAULTS } from '../../metrics/kid';
import { computeFid, computeInceptionScore, computeKid, computeStatistics, EvaluateOptions } from '../../metrics/evaluate';
import { intOption } from '../context';

export interface MetricsContext {
  /** Where result lines go (default: stdout). */
  out?: (line: string) => void;
  /** Initialise the compute backend before extracting features (default: lib/cli/context useBackend). */
  initBackend?: (cmd?: Command) => Promise<unknown>;
  /** Feature cache folder, or false for none (default .cache/features). */
  cacheDir?: string | false;
}

function evaluateOptions(ctx: MetricsContext, cmd: Command): EvaluateOptions {
  const init = ctx.initBackend ?? (async (c?: Command) => (await import('../context')).useBackend(c!, true));
  return { cacheDir: ctx.cacheDir, initBackend: () => init(cmd) };
}

const positiveInt = (name: string) => intOption(name, 1);
const wholeNumber = (name: string) => intOption(name);

function fmt(v: number | null): string {
  if (v === null) return '?';
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** Register `fid`, `is`, `kid` and `stats` on the program. */
export function registerMetricsCommands(program: Command, ctx: MetricsContext = {}): void {
  const out = ctx.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  // On stderr, so --json output stays one parsable line.
  const warn = (warnings: string[]) => warnings.forEach((w) => process.stderr.write(`anime-gan: warning: ${w}\n`));
  // Options every metric command takes: which features, how many images, which noise for runs.
  const featuresHelp = 'feature extractor (default: nsfwjs-proxy, the one that works offline; see lib/metrics/extractors)';
  const featuresOption = (help = featuresHelp) => new Option('--features <name>', help);
  const countOption = () =>
    new Option('--n <n>', 'use the first N images of a folder, or draw N samples from a run (default: all / 1000)').argParser(positiveInt('--n'));
  const seedOption = () => new Option('--seed <k>', 'noise seed when sampling a run').argParser(wholeNumber('--seed')).default(0);

  program
    .command('fid')
    .description('Fréchet Inception Distance, eq. (12), between two image folders, runs (sampled) or .npz statistics files')
    .argument('<a>', 'image folder, run folder or .npz statistics (pytorch-fid format)')
    .argument('<b>', 'image folder, run folder or .npz statistics')
    .addOption(featuresOption()).addOption(countOption()).addOption(seedOption())
    .option('--json', 'print {"fid", "n1", "n2", "features"} as JSON')
    .action(async (a: string, b: string, o, cmd: Command) => {
      const r = await computeFid(a, b, o, evaluateOptions(ctx, cmd));
      warn(r.warnings);
      if (o.json) out(JSON.stringify(r));
      else out(`FID ${fmt(r.fid)}  (n1 ${r.n1 ?? 'npz'}, n2 ${r.n2 ?? 'npz'}${r.features ? `, features ${r.features}` : ''})`);
    });

  program
    .command('is')
    .description("Inception Score, eq. (11), of an image folder or a run's samples (mean ± std over splits)")
    .argument('<input>', 'image folder or run folder')
    .addOption(featuresOption(`${featuresHelp}; it needs a classifier`)).addOption(countOption()).addOption(seedOption())
    .option('--splits <k>', 'number of splits', positiveInt('--splits'), 10)
    .option('--json', 'print {"is", "std", "n", "splits", "features"} as JSON')
    .action(async (input: string, o, cmd: Command) => {
      const r = await computeInceptionScore(input, o, evaluateOptions(ctx, cmd));
      if (o.json) out(JSON.stringify(r));
      else out(`IS ${fmt(r.is)} ± ${fmt(r.std)}  (n ${r.n}, ${r.splits} splits, ${r.classes} classes, features ${r.features})`);
    });

  program
    .command('kid')
    .description('Kernel Inception Distance (unbiased MMD², polynomial kernel, torch-fidelity subsets) between two image folders or runs')
    .argument('<a>', 'image folder or run folder')
    .argument('<b>', 'image folder or run folder')
    .addOption(featuresOption()).addOption(countOption()).addOption(seedOption())
    .option('--subsets <k>', 'number of random subsets', positiveInt('--subsets'), KID_DEFAULTS.subsets)
    .option('--subset-size <m>', 'samples per subset (default min(1000, n1, n2))', positiveInt('--subset-size'))
    .option('--kid-seed <k>', 'seed of the subsets (NumPy RandomState, as torch-fidelity)', wholeNumber('--kid-seed'), KID_DEFAULTS.seed)
    .option('--json', 'print {"kid", "std", "n1", "n2", "features", ...} as JSON')
    .action(async (a: string, b: string, o, cmd: Command) => {
      const r = await computeKid(a, b, o, evaluateOptions(ctx, cmd));
      warn(r.warnings);
      if (o.json) out(JSON.stringify(r));
      else out(`KID ${fmt(r.kid)} ± ${fmt(r.std)}  (n1 ${r.n1}, n2 ${r.n2}, ${r.subsets} subsets of ${r.subsetSize}, features ${r.features})`);
    });

  program
    .command('stats')
    .description('write FID statistics (mu, sigma; pytorch-fid .npz format) of an image folder or run')
    .argument('<input>', 'image folder or run folder')
    .requiredOption('--out <file.npz>', 'output .npz file')
    .addOption(featuresOption()).addOption(countOption()).addOption(seedOption())
    .option('--json', 'print the result as JSON')
    .action(async (input: string, o, cmd: Command) => {
      const r = await computeStatistics(input, o.out, o, evaluateOptions(ctx, cmd));
      if (o.json) out(JSON.stringify(r));
      else out(`wrote ${r.out} (${r.n} images, ${r.dim}-d ${r.features} features)`);
    });
}
