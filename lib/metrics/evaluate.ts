/**
 * The metrics on what users have: image folders, trained runs (sampled) and pytorch-fid `.npz`
 * statistics files. The command line (`anime-gan fid|is|kid|stats`) and the notebooks both call
 * these, so the same images give the same score in both.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../util/errors';
import { ActivationStatistics, calculateActivationStatistics } from './statistics';
import { fidFromStatistics } from './fid';
import { inceptionScore } from './inceptionScore';
import { KID_DEFAULTS, kernelInceptionDistance } from './kid';
import { readStatistics, writeStatistics } from './npz';
import { fewSamplesWarning, identicalSubsetsWarning } from './sampleSize';
import type { FeatureSet } from './folderFeatures';

export interface EvaluateOptions {
  /** Called once before features are extracted (the CLI initialises the compute backend here). */
  initBackend?: () => Promise<unknown>;
  /** Feature cache folder, or false for none (default .cache/features). */
  cacheDir?: string | false;
}

export interface MetricInput {
  kind: 'npz' | 'images' | 'run';
  path: string;
}

/** What a command-line path names: a .npz statistics file, a run folder (has checkpoint.ckpt) or an image folder. */
export function classifyMetricInput(p: string): MetricInput {
  if (!fs.existsSync(p)) throw new UserError(`not found: ${p}`);
  const st = fs.statSync(p);
  if (st.isFile()) {
    if (p.toLowerCase().endsWith('.npz')) return { kind: 'npz', path: p };
    throw new UserError(`${p} is a file but not a .npz statistics file; give an image folder, a run folder or a .npz file`);
  }
  if (fs.existsSync(path.join(p, 'checkpoint.ckpt'))) return { kind: 'run', path: p };
  return { kind: 'images', path: p };
}

export interface FeatureOpts {
  features?: string;
  n?: number;
  seed?: number;
}

async function featuresOf(input: MetricInput, o: FeatureOpts, ctx: EvaluateOptions): Promise<FeatureSet> {
  if (input.kind === 'npz') throw new Error('featuresOf: .npz holds statistics, not features');
  await ctx.initBackend?.();
  const ff = await import('./folderFeatures');
  const opts = { extractor: o.features, n: o.n, seed: o.seed, cacheDir: ctx.cacheDir };
  return input.kind === 'run' ? ff.runFeatures(input.path, opts) : ff.imageFolderFeatures(input.path, opts);
}

interface StatsOf {
  stats: ActivationStatistics;
  n: number | null;
  features: string | null;
  description?: string;
}

async function statisticsOf(input: MetricInput, o: FeatureOpts, ctx: EvaluateOptions): Promise<StatsOf> {
  if (input.kind === 'npz') return { stats: readStatistics(input.path), n: null, features: null };
  const f = await featuresOf(input, o, ctx);
  return { stats: calculateActivationStatistics(f.features, f.dim), n: f.n, features: f.extractor, description: f.description };
}

export interface FidResult {
  fid: number;
  n1: number | null;
  n2: number | null;
  /** Extractor name, or null when both inputs were .npz statistics. */
  features: string | null;
  description?: string;
  /** Why the number may not mean much (too few samples); empty when none. */
  warnings: string[];
}

/** FID (eq. (12)) between two inputs (image folder, run folder or .npz statistics). */
export async function computeFid(a: string, b: string, o: FeatureOpts = {}, ctx: EvaluateOptions = {}): Promise<FidResult> {
  const ia = classifyMetricInput(a);
  const ib = classifyMetricInput(b);
  const sa = await statisticsOf(ia, o, ctx);
  const sb = await statisticsOf(ib, o, ctx);
  if (sa.stats.dim !== sb.stats.dim) {
    const what = (i: MetricInput, s: StatsOf) => `${i.path} gives ${s.stats.dim}-d ${s.features ? `${s.features} features` : 'statistics'}`;
    throw new UserError(`feature dimensions differ: ${what(ia, sa)}, ${what(ib, sb)}`);
  }
  const fid = fidFromStatistics(sa.stats, sb.stats);
  const features = sa.features ?? sb.features;
  const description = sa.description ?? sb.description;
  const warnings = [fewSamplesWarning('FID', [sa.n, sb.n], sa.stats.dim)].filter((w): w is string => w !== null);
  return { fid, n1: sa.n, n2: sb.n, features, ...(description ? { description } : {}), warnings };
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
export async function computeInceptionScore(input: string, o: FeatureOpts & { splits?: number } = {}, ctx: EvaluateOptions = {}): Promise<IsResult> {
  const i = classifyMetricInput(input);
  if (i.kind === 'npz') throw new UserError(`the Inception Score needs class probabilities; ${input} holds only FID statistics`);
  const f = await featuresOf(i, o, ctx);
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
  /** Why the number may not mean much (too few samples, identical subsets); empty when none. */
  warnings: string[];
}

/** KID between two image/run inputs; the subset size defaults to min(1000, n1, n2). */
export async function computeKid(
  a: string,
  b: string,
  o: FeatureOpts & { subsets?: number; subsetSize?: number; kidSeed?: number } = {},
  ctx: EvaluateOptions = {},
): Promise<KidResult> {
  const ia = classifyMetricInput(a);
  const ib = classifyMetricInput(b);
  for (const i of [ia, ib]) {
    if (i.kind === 'npz') throw new UserError(`KID needs features, not statistics: ${i.path} is a .npz file; give image or run folders`);
  }
  const fa = await featuresOf(ia, o, ctx);
  const fb = await featuresOf(ib, o, ctx);
  const subsetSize = o.subsetSize ?? Math.min(KID_DEFAULTS.subsetSize, fa.n, fb.n);
  const r = kernelInceptionDistance(fa.features, fb.features, fa.dim, { subsets: o.subsets, subsetSize, seed: o.kidSeed });
  const warnings = [
    fewSamplesWarning('KID', [fa.n, fb.n], fa.dim),
    identicalSubsetsWarning(fa.n, fb.n, r.subsetSize, r.subsets),
  ].filter((w): w is string => w !== null);
  return { kid: r.mean, std: r.std, n1: fa.n, n2: fb.n, subsets: r.subsets, subsetSize: r.subsetSize, features: fa.extractor, description: fa.description, warnings };
}

export interface StatsResult {
  out: string;
  n: number;
  dim: number;
  features: string;
}

/** Write pytorch-fid style statistics (mu, sigma) of an image folder or run to an .npz file. */
export async function computeStatistics(input: string, out: string, o: FeatureOpts = {}, ctx: EvaluateOptions = {}): Promise<StatsResult> {
  if (!out.toLowerCase().endsWith('.npz')) throw new UserError(`--out must name a .npz file, got ${out}`);
  const i = classifyMetricInput(input);
  if (i.kind === 'npz') throw new UserError(`${input} already holds statistics`);
  const f = await featuresOf(i, o, ctx);
  const stats = calculateActivationStatistics(f.features, f.dim);
  writeStatistics(out, stats);
  return { out, n: f.n, dim: f.dim, features: f.extractor };
}

