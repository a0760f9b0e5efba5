/**
 * `anime-gan fid | is | kid | stats`: the paper's metrics (FID eq. (12), IS eq. (11)) and KID on
 * image folders, trained runs (sampled) and pytorch-fid `.npz` statistics files.
 *
 * The work is in exported functions (fidCommand, isCommand, kidCommand, statsCommand) that
 * return plain objects, so tests and notebooks get the same numbers as the command line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import { UserError } from '../../util/errors';
import { ActivationStatistics, calculateActivationStatistics } from '../../metrics/statistics';
import { fidFromStatistics } from '../../metrics/fid';
import { inceptionScore } from '../../metrics/inceptionScore';
import { KID_DEFAULTS, kernelInceptionDistance } from '../../metrics/kid';
import { readStatistics, writeStatistics } from '../../metrics/npz';
import type { FeatureSet } from '../../metrics/folderFeatures';

export interface MetricsContext {
  /** Where result lines go (default: stdout). */
  out?: (line: string) => void;
  /** Initialise the compute backend before extracting features (default: lib/cli/context useBackend). */
  initBackend?: (cmd?: Command) => Promise<unknown>;
  /** Feature cache folder, or false for none (default .cache/features). */
  cacheDir?: string | false;
}

export interface MetricInput {
  kind: 'npz' | 'images' | 'run';
  path: string;
}

/** What a command-line path names: a .npz statistics file, a run folder (has checkpoint.ckpt) or an image folder. */
export function classifyInput(p: string): MetricInput {
  if (!fs.existsSync(p)) throw new UserError(`not found: ${p}`);
  const st = fs.statSync(p);
  if (st.isFile()) {
    if (p.toLowerCase().endsWith('.npz')) return { kind: 'npz', path: p };
    throw new UserError(`${p} is a file but not a .npz statistics file; give an image folder, a run folder or a .npz file`);
  }
  if (fs.existsSync(path.join(p, 'checkpoint.ckpt'))) return { kind: 'run', path: p };
  return { kind: 'images', path: p };
}

interface FeatureOpts {
  features?: string;
  n?: number;
  seed?: number;
}

async function featuresOf(input: MetricInput, o: FeatureOpts, ctx: MetricsContext, cmd?: Command): Promise<FeatureSet> {
  if (input.kind === 'npz') throw new Error('featuresOf: .npz holds statistics, not features');
  await (ctx.initBackend ?? defaultInitBackend)(cmd);
  const ff = await import('../../metrics/folderFeatures');
  const opts = { extractor: o.features, n: o.n, seed: o.seed, cacheDir: ctx.cacheDir };
  return input.kind === 'run' ? ff.runFeatures(input.path, opts) : ff.imageFolderFeatures(input.path, opts);
}

async function defaultInitBackend(cmd?: Command): Promise<void> {
  if (cmd) {
    const { useBackend } = await import('../context');
    await useBackend(cmd, true);
  }
}

interface StatsOf {
  stats: ActivationStatistics;
  n: number | null;
  features: string | null;
  description?: string;
}

async function statisticsOf(input: MetricInput, o: FeatureOpts, ctx: MetricsContext, cmd?: Command): Promise<StatsOf> {
  if (input.kind === 'npz') return { stats: readStatistics(input.path), n: null, features: null };
  const f = await featuresOf(input, o, ctx, cmd);
  return { stats: calculateActivationStatistics(f.features, f.dim), n: f.n, features: f.extractor, description: f.description };
}

export interface FidResult {
  fid: number;
  n1: number | null;
  n2: number | null;
  /** Extractor name, or null when both inputs were .npz statistics. */
  features: string | null;
  description?: string;
}

/** FID (eq. (12)) between two inputs (image folder, run folder or .npz statistics). */
export async function fidCommand(a: string, b: string, o: FeatureOpts = {}, ctx: MetricsContext = {}, cmd?: Command): Promise<FidResult> {
  const ia = classifyInput(a);
  const ib = classifyInput(b);
  const sa = await statisticsOf(ia, o, ctx, cmd);
  const sb = await statisticsOf(ib, o, ctx, cmd);
  if (sa.stats.dim !== sb.stats.dim) {
    const what = (i: MetricInput, s: StatsOf) => `${i.path} gives ${s.stats.dim}-d ${s.features ? `${s.features} features` : 'statistics'}`;
    throw new UserError(`feature dimensions differ: ${what(ia, sa)}, ${what(ib, sb)}`);
  }
  const fid = fidFromStatistics(sa.stats, sb.stats);
  const features = sa.features ?? sb.features;
  const description = sa.description ?? sb.description;
  return { fid, n1: sa.n, n2: sb.n, features, ...(description ? { description } : {}) };
}

export interface IsResult {
  is: number;
  std: number;
  n: number;
  splits: number;
  classes: number;
  features: string;
  description: string;
}

/** Inception Score (eq. (11)) of an image folder or a run's samples, from the extractor's class probabilities. */
export async function isCommand(input: string, o: FeatureOpts & { splits?: number } = {}, ctx: MetricsContext = {}, cmd?: Command): Promise<IsResult> {
  const i = classifyInput(input);
  if (i.kind === 'npz') throw new UserError(`the Inception Score needs class probabilities; ${input} holds only FID statistics`);
  const f = await featuresOf(i, o, ctx, cmd);
  if (!f.probs || !f.classes) {
    throw new UserError(`feature extractor ${f.extractor} has no classifier, so it gives no Inception Score; choose one with class probabilities (--features)`);
  }
  const splits = o.splits ?? 10;
  const r = inceptionScore(f.probs, f.classes, { splits });
  return { is: r.mean, std: r.std, n: f.n, splits, classes: f.classes, features: f.extractor, description: f.description };
}

export interface KidResult {
  kid: number;
  std: number;
  n1: number;
  n2: number;
  subsets: number;
  subsetSize: number;
  features: string;
  description: string;
}

/** KID between two image/run inputs; the subset size defaults to min(1000, n1, n2). */
export async function kidCommand(
  a: string,
  b: string,
  o: FeatureOpts & { subsets?: number; subsetSize?: number; kidSeed?: number } = {},
  ctx: MetricsContext = {},
  cmd?: Command,
): Promise<KidResult> {
  const ia = classifyInput(a);
  const ib = classifyInput(b);
  for (const i of [ia, ib]) {
    if (i.kind === 'npz') throw new UserError(`KID needs features, not statistics: ${i.path} is a .npz file; give image or run folders`);
  }
  const fa = await featuresOf(ia, o, ctx, cmd);
  const fb = await featuresOf(ib, o, ctx, cmd);
  const subsetSize = o.subsetSize ?? Math.min(KID_DEFAULTS.subsetSize, fa.n, fb.n);
  const r = kernelInceptionDistance(fa.features, fb.features, fa.dim, { subsets: o.subsets, subsetSize, seed: o.kidSeed });
  return { kid: r.mean, std: r.std, n1: fa.n, n2: fb.n, subsets: r.subsets, subsetSize: r.subsetSize, features: fa.extractor, description: fa.description };
}

export interface StatsResult {
  out: string;
  n: number;
  dim: number;
  features: string;
}

/** Write pytorch-fid style statistics (mu, sigma) of an image folder or run to an .npz file. */
export async function statsCommand(input: string, out: string, o: FeatureOpts = {}, ctx: MetricsContext = {}, cmd?: Command): Promise<StatsResult> {
  if (!out.toLowerCase().endsWith('.npz')) throw new UserError(`--out must name a .npz file, got ${out}`);
  const i = classifyInput(input);
  if (i.kind === 'npz') throw new UserError(`${input} already holds statistics`);
  const f = await featuresOf(i, o, ctx, cmd);
  const stats = calculateActivationStatistics(f.features, f.dim);
  writeStatistics(out, stats);
  return { out, n: f.n, dim: f.dim, features: f.extractor };
}

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} takes a positive whole number, got '${v}'`);
  return n;
};

const wholeNumber = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} takes a whole number, got '${v}'`);
  return n;
};

function fmt(v: number | null): string {
  if (v === null) return '?';
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** Register `fid`, `is`, `kid` and `stats` on the program. */
export function registerMetricsCommands(program: Command, ctx: MetricsContext = {}): void {
  const out = ctx.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const featuresHelp = 'feature extractor (default: nsfwjs-proxy, the one that works offline; see lib/metrics/extractors)';
  const nHelp = 'use the first N images of a folder, or draw N samples from a run (default: all / 1000)';

  program
    .command('fid')
    .description('Fréchet Inception Distance, eq. (12), between two image folders, runs (sampled) or .npz statistics files')
    .argument('<a>', 'image folder, run folder or .npz statistics (pytorch-fid format)')
    .argument('<b>', 'image folder, run folder or .npz statistics')
    .option('--features <name>', featuresHelp)
    .option('--n <n>', nHelp, positiveInt('--n'))
    .option('--seed <k>', 'noise seed when sampling runs', wholeNumber('--seed'), 0)
    .option('--json', 'print {"fid", "n1", "n2", "features"} as JSON')
    .action(async (a: string, b: string, o, cmd: Command) => {
      const r = await fidCommand(a, b, o, ctx, cmd);
      if (o.json) out(JSON.stringify(r));
      else out(`FID ${fmt(r.fid)}  (n1 ${r.n1 ?? 'npz'}, n2 ${r.n2 ?? 'npz'}${r.features ? `, features ${r.features}` : ''})`);
    });

  program
    .command('is')
    .description("Inception Score, eq. (11), of an image folder or a run's samples (mean ± std over splits)")
    .argument('<input>', 'image folder or run folder')
    .option('--features <name>', `${featuresHelp}; it needs a classifier`)
    .option('--splits <k>', 'number of splits', positiveInt('--splits'), 10)
    .option('--n <n>', nHelp, positiveInt('--n'))
    .option('--seed <k>', 'noise seed when sampling a run', wholeNumber('--seed'), 0)
    .option('--json', 'print {"is", "std", "n", "splits", "features"} as JSON')
    .action(async (input: string, o, cmd: Command) => {
      const r = await isCommand(input, o, ctx, cmd);
      if (o.json) out(JSON.stringify(r));
      else out(`IS ${fmt(r.is)} ± ${fmt(r.std)}  (n ${r.n}, ${r.splits} splits, ${r.classes} classes, features ${r.features})`);
    });

  program
    .command('kid')
    .description('Kernel Inception Distance (unbiased MMD², polynomial kernel, torch-fidelity subsets) between two image folders or runs')
    .argument('<a>', 'image folder or run folder')
    .argument('<b>', 'image folder or run folder')
    .option('--features <name>', featuresHelp)
    .option('--n <n>', nHelp, positiveInt('--n'))
    .option('--subsets <k>', 'number of random subsets', positiveInt('--subsets'), KID_DEFAULTS.subsets)
    .option('--subset-size <m>', 'samples per subset (default min(1000, n1, n2))', positiveInt('--subset-size'))
    .option('--kid-seed <k>', 'seed of the subsets (NumPy RandomState, as torch-fidelity)', wholeNumber('--kid-seed'), KID_DEFAULTS.seed)
    .option('--seed <k>', 'noise seed when sampling runs', wholeNumber('--seed'), 0)
    .option('--json', 'print {"kid", "std", "n1", "n2", "features", ...} as JSON')
    .action(async (a: string, b: string, o, cmd: Command) => {
      const r = await kidCommand(a, b, o, ctx, cmd);
      if (o.json) out(JSON.stringify(r));
      else out(`KID ${fmt(r.kid)} ± ${fmt(r.std)}  (n1 ${r.n1}, n2 ${r.n2}, ${r.subsets} subsets of ${r.subsetSize}, features ${r.features})`);
    });

  program
    .command('stats')
    .description('write FID statistics (mu, sigma; pytorch-fid .npz format) of an image folder or run')
    .argument('<input>', 'image folder or run folder')
    .requiredOption('--out <file.npz>', 'output .npz file')
    .option('--features <name>', featuresHelp)
    .option('--n <n>', nHelp, positiveInt('--n'))
    .option('--seed <k>', 'noise seed when sampling a run', wholeNumber('--seed'), 0)
    .option('--json', 'print the result as JSON')
    .action(async (input: string, o, cmd: Command) => {
      const r = await statsCommand(input, o.out, o, ctx, cmd);
      if (o.json) out(JSON.stringify(r));
      else out(`wrote ${r.out} (${r.n} images, ${r.dim}-d ${r.features} features)`);
    });
}
