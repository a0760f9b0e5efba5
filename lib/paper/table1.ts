/**
 * Table 1 of the paper: IS (eq. 11) and FID (eq. 12) of DCGAN, WGAN and the proposed model on
 * CelebA and anime avatars, mean ± std over seeds, beside the paper's numbers.
 *
 * What each cell measures (the paper does not say; docs/paper-reading.md, Table 1): DCGAN and WGAN generate
 * from noise and are compared with the data set they were trained on; the proposed model
 * translates, G: face → anime in the Animation column, F: anime → face in the CelebA column,
 * each compared with the real images of its target domain.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelName } from '../presets';
import type { FeatureExtractor } from '../metrics/extractors/types';
import { fidFromFeatures } from '../metrics/fid';
import { inceptionScore, MeanStd } from '../metrics/inceptionScore';
import { kernelInceptionDistance } from '../metrics/kid';
import { ImageFolder } from '../data/imageFolder';
import { loadRun } from '../train/trainer';
import { Rng } from '../util/rng';
import { progress } from '../util/progress';
import { yieldToEventLoop } from '../util/yieldToEventLoop';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite';
import { datasetOfDomain, ensureRun, ensureRunsParallel, experimentConfig, ExperimentOptions, openScoringData, PAPER_DATASETS, PAPER_MODELS, PaperDataset } from './experiments';
import type { Direction } from '../train/ganModel';

/** The paper's Table 1 (mean ± std), as printed. */
export const PAPER_TABLE1: Record<string, Record<PaperDataset, { is: [number, number]; fid: [number, number] }>> = {
  dcgan: { celeba: { is: [6.22, 0.13], fid: [43.22, 0.22] }, anime: { is: [6.56, 0.25], fid: [39.52, 0.12] } },
  wgan: { celeba: { is: [7.01, 0.15], fid: [40.55, 0.1] }, anime: { is: [7.12, 0.18], fid: [36.36, 0.22] } },
  proposed: { celeba: { is: [7.45, 0.22], fid: [35.69, 0.23] }, anime: { is: [7.88, 0.24], fid: [31.28, 0.26] } },
};

export interface Table1Options extends ExperimentOptions {
  seeds: number[];
  /** Generated (and real) images per evaluation. */
  evalCount: number;
  /** Features for FID and KID. */
  fidExtractor: FeatureExtractor;
  /** Class probabilities for IS, one classifier per data set (or one for both). */
  isExtractors: Record<PaperDataset, FeatureExtractor>;
  /**
   * The run folder of a cell; undefined leaves the cell out (a grid's unfinished run). Default:
   * ensureRun, which trains the run or reuses a finished one.
   */
  runDir?: (model: ModelName, dataset: PaperDataset, seed: number) => Promise<string | undefined>;
  /** Extra output per finished cell (notebooks show progress in place). */
  onCell?: (cell: Table1Cell) => void;
}

export interface Table1Cell {
  model: ModelName;
  dataset: PaperDataset;
  seed: number;
  fid: number;
  /** FID on the IS classifier's features (NaN where the IS classifier is the FID network itself). */
  fidClassifier: number;
  kid: MeanStd;
  is: MeanStd;
  /** Classes of the IS classifier predicted for at least 1% of the samples (mode coverage). */
  modes: number;
  n: number;
}

export interface Table1Summary {
  model: ModelName;
  dataset: PaperDataset;
  fid: MeanStd;
  fidClassifier: MeanStd;
  kid: MeanStd;
  is: MeanStd;
  modes: MeanStd;
  paper: { is: [number, number]; fid: [number, number] };
}

export interface Table1Result {
  preset: string;
  data: 'embedded' | 'real';
  seeds: number[];
  evalCount: number;
  fidFeatures: string;
  isFeatures: Record<PaperDataset, string>;
  /**
   * The real images of each column: their IS and mode count; the real-vs-real floor, FID of a
   * second draw of n real images against the reference (NaN when the pool has fewer than 2n);
   * the other data set's reference images against this one (the distance between the domains);
   * the same two on the IS classifier's features (NaN where it is the FID network); and what
   * the images are (held out from training on real data).
   */
  reference: Record<PaperDataset, {
    is: MeanStd; modes: number; classes: number; n: number;
    floor: number; otherDataset: number; classifierFloor: number; classifierOtherDataset: number; scoredAgainst: string;
  }>;
  cells: Table1Cell[];
  summary: Table1Summary[];
  claim: ClaimVerdict;
}

export interface ClaimVerdict {
  /** "proposed < WGAN < DCGAN in FID and proposed > WGAN > DCGAN in IS, on both data sets". */
  holds: boolean;
  checks: { metric: 'IS' | 'FID'; dataset: PaperDataset; order: string; holds: boolean; separated: boolean }[];
  text: string;
}

/** Train (or reuse) every run of the grid and evaluate it. */
export async function computeTable1(o: Table1Options): Promise<Table1Result> {
  const real: Partial<Record<PaperDataset, ImageFolder>> = {};
  const realFeatures: Partial<Record<PaperDataset, Float32Array>> = {};
  const cells: Table1Cell[] = [];
  const reference = {} as Table1Result['reference'];
  const realImages: Partial<Record<PaperDataset, tf.Tensor4D>> = {};
  const realClassifierFeatures: Partial<Record<PaperDataset, Float32Array>> = {};
  // A second FID on the IS classifier's features, where that is a network of its own (the hair
  // classifiers): at 32×32 the Inception features weigh blur more than hair and colour.
  const hasClassifierFid = (d: PaperDataset) => o.isExtractors[d] !== o.fidExtractor;
  const classifierFid = (d: PaperDataset, features: Float32Array) =>
    fidFromFeatures(features, realClassifierFeatures[d]!, o.isExtractors[d].dim);
  // Real images are read at the size the runs train at.
  const baseConfig = experimentConfig(o, 'dcgan', 0);
  const bar = progress('table 1', PAPER_MODELS.length * PAPER_DATASETS.length * o.seeds.length);
  let done = 0;
  try {
    for (const dataset of PAPER_DATASETS) {
      const scoring = await openScoringData(o, dataset, baseConfig);
      real[dataset] = scoring.source;
      // Two disjoint draws of the same size: the reference, and the floor's second sample.
      const pool = scoring.source.length;
      const k = Math.min(o.evalCount, Math.max(1, Math.floor(pool / 2)));
      const order = new Rng(`table1/real/${dataset}`).shuffle(Array.from({ length: pool }, (_, i) => i));
      const images = scoring.source.batchAt(order.slice(0, k));
      realImages[dataset] = images;
      realFeatures[dataset] = (await o.fidExtractor.extract(images)).features;
      // The real images' own IS and mode count: the ceiling a generator is measured against.
      const clf = await o.isExtractors[dataset].extract(images);
      const probs = clf.probs!;
      if (hasClassifierFid(dataset)) realClassifierFeatures[dataset] = clf.features;
      const classes = o.isExtractors[dataset].classes!;
      let floor = NaN;
      let classifierFloor = NaN;
      if (pool >= 2 * k) {
        const other = scoring.source.batchAt(order.slice(k, 2 * k));
        floor = fidFromFeatures((await o.fidExtractor.extract(other)).features, realFeatures[dataset]!, o.fidExtractor.dim);
        if (hasClassifierFid(dataset)) classifierFloor = classifierFid(dataset, (await o.isExtractors[dataset].extract(other)).features);
        other.dispose();
      }
      reference[dataset] = {
        is: inceptionScore(probs, classes, { splits: Math.min(10, k) }), modes: modesCovered(probs, classes), classes, n: k,
        floor, classifierFloor, otherDataset: NaN, classifierOtherDataset: NaN, scoredAgainst: scoring.description,
      };
    }
    // The other data set's real images scored as if generated: how far apart the two domains are
    // (FID(real faces, anime) for the Animation column), the baseline a generator must beat.
    for (const dataset of PAPER_DATASETS) {
      const other = PAPER_DATASETS.find((d) => d !== dataset)!;
      reference[dataset].otherDataset = fidFromFeatures(realFeatures[other]!, realFeatures[dataset]!, o.fidExtractor.dim);
      if (hasClassifierFid(dataset)) {
        reference[dataset].classifierOtherDataset = classifierFid(dataset, (await o.isExtractors[dataset].extract(realImages[other]!)).features);
      }
    }
    // Train what is missing first, side by side (see ensureRunsParallel); scoring then reuses the runs.
    if (!o.runDir) await ensureRunsParallel(o, PAPER_MODELS.flatMap((model) => o.seeds.flatMap((seed) => PAPER_DATASETS.map((dataset) => ({ model, dataset, seed })))));
    for (const model of PAPER_MODELS) {
      for (const seed of o.seeds) {
        for (const dataset of PAPER_DATASETS) {
          const dir = await (o.runDir ?? ((m, d, s) => ensureRun(o, m, d, s)))(model, dataset, seed);
          if (!dir) {
            bar.update(++done, { model, dataset, seed });
            continue;
          }
          const images = await generatedImages(dir, dataset, o.evalCount, seed, real);
          const fidF = await o.fidExtractor.extract(images);
          const isF = await o.isExtractors[dataset].extract(images);
          images.dispose();
          const dim = o.fidExtractor.dim;
          const rf = realFeatures[dataset]!;
          const n = fidF.features.length / dim;
          const kidSize = Math.min(n, rf.length / dim, 1000);
          const cell: Table1Cell = {
            model,
            dataset,
            seed,
            n,
            fid: fidFromFeatures(fidF.features, rf, dim),
            fidClassifier: hasClassifierFid(dataset) ? classifierFid(dataset, isF.features) : NaN,
            kid: kernelInceptionDistance(fidF.features, rf, dim, { subsetSize: kidSize, subsets: 50 }),
            is: inceptionScore(isF.probs!, o.isExtractors[dataset].classes!, { splits: Math.min(10, n) }),
            modes: modesCovered(isF.probs!, o.isExtractors[dataset].classes!),
          };
          cells.push(cell);
          o.onCell?.(cell);
          await yieldToEventLoop();
          bar.update(++done, { model, dataset, seed });
        }
      }
    }
  } finally {
    tf.dispose(Object.values(realImages));
    bar.stop();
  }
  const summary = summarise(cells);
  return {
    preset: o.preset,
    data: o.dataRoot ? 'real' : 'embedded',
    seeds: o.seeds,
    evalCount: o.evalCount,
    fidFeatures: o.fidExtractor.description,
    isFeatures: { celeba: o.isExtractors.celeba.description, anime: o.isExtractors.anime.description },
    reference,
    cells,
    summary,
    claim: judgeClaim(summary),
  };
}

/**
 * `n` images of a run for `dataset`: from noise (DCGAN, WGAN), or the cycle model's translation
 * into `dataset`'s domain of real images of its other domain (G: face → anime for the Animation
 * column, F: anime → face for the CelebA column).
 */
async function generatedImages(
  dir: string,
  dataset: PaperDataset,
  n: number,
  seed: number,
  real: Partial<Record<PaperDataset, ImageFolder>>,
): Promise<tf.Tensor4D> {
  const { model: gan } = loadRun(dir);
  try {
    const parts: tf.Tensor4D[] = [];
    for (let start = 0; start < n; start += 64) {
      const b = Math.min(64, n - start);
      if (!gan.conditional) {
        parts.push(gan.sample(b, 1_000_003 * (seed + 1) + start));
        continue;
      }
      const { a, b: bDomain } = gan.domains;
      const direction: Direction = dataset === datasetOfDomain(bDomain) ? 'a2b' : 'b2a';
      const from = real[datasetOfDomain(direction === 'a2b' ? a : bDomain)]!;
      const inputs = from.sample(b, new Rng(`table1/${dataset}/${seed}/${start}`));
      parts.push(gan.translate(inputs, direction));
      inputs.dispose();
    }
    const all = tf.concat(parts, 0) as tf.Tensor4D;
    tf.dispose(parts);
    return all;
  } finally {
    gan.dispose();
  }
}

/** How many classes are the top prediction for at least 1% of the samples. */
export function modesCovered(probs: ArrayLike<number>, classes: number, minShare = 0.01): number {
  const n = probs.length / classes;
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    counts[best]++;
  }
  return counts.filter((c) => c >= minShare * n).length;
}

function meanStdOf(xs: number[]): MeanStd {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return { mean: m, std: Math.sqrt(v) };
}

/** Mean ± std over seeds (population std, as torch-fidelity reports spreads). */
export function summarise(cells: Table1Cell[]): Table1Summary[] {
  const out: Table1Summary[] = [];
  for (const model of PAPER_MODELS) {
    for (const dataset of PAPER_DATASETS) {
      const c = cells.filter((x) => x.model === model && x.dataset === dataset);
      if (!c.length) continue;
      out.push({
        model,
        dataset,
        fid: meanStdOf(c.map((x) => x.fid)),
        fidClassifier: meanStdOf(c.map((x) => x.fidClassifier)),
        kid: meanStdOf(c.map((x) => x.kid.mean)),
        is: meanStdOf(c.map((x) => x.is.mean)),
        modes: meanStdOf(c.map((x) => x.modes)),
        paper: PAPER_TABLE1[model][dataset],
      });
    }
  }
  return out;
}

/** The paper's claim, checked on the means: proposed beats WGAN beats DCGAN, both metrics, both data sets. */
export function judgeClaim(summary: Table1Summary[]): ClaimVerdict {
  const checks: ClaimVerdict['checks'] = [];
  for (const dataset of PAPER_DATASETS) {
    const get = (m: ModelName) => summary.find((s) => s.model === m && s.dataset === dataset);
    const [d, w, p] = [get('dcgan'), get('wgan'), get('proposed')];
    if (!d || !w || !p) continue;
    const isOrder = p.is.mean > w.is.mean && w.is.mean > d.is.mean;
    const fidOrder = p.fid.mean < w.fid.mean && w.fid.mean < d.fid.mean;
    // Neighbours are "separated" when their means differ by more than their two spreads.
    const apart = (a: MeanStd, b: MeanStd) => Math.abs(a.mean - b.mean) > a.std + b.std;
    const fmt = (xs: [string, number][], asc: boolean) =>
      xs.sort((a, b) => (asc ? a[1] - b[1] : b[1] - a[1])).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(asc ? ' < ' : ' > ');
    checks.push({
      metric: 'IS', dataset, holds: isOrder, separated: apart(p.is, w.is) && apart(w.is, d.is),
      order: fmt([['proposed', p.is.mean], ['WGAN', w.is.mean], ['DCGAN', d.is.mean]], false),
    });
    checks.push({
      metric: 'FID', dataset, holds: fidOrder, separated: apart(p.fid, w.fid) && apart(w.fid, d.fid),
      order: fmt([['proposed', p.fid.mean], ['WGAN', w.fid.mean], ['DCGAN', d.fid.mean]], true),
    });
  }
  const holds = checks.length > 0 && checks.every((c) => c.holds);
  const failed = checks.filter((c) => !c.holds);
  const close = checks.filter((c) => c.holds && !c.separated);
  let text: string;
  if (!holds) {
    text = `The claim does not reproduce on these runs: ${failed.length} of ${checks.length} orderings differ (${failed
      .map((c) => `${c.metric} ${c.dataset}: ${c.order}`)
      .join('; ')}).`;
  } else if (close.length) {
    text = `The orderings agree with the paper's claim (proposed > WGAN > DCGAN on IS and FID, both data sets), but ${close.length} of ${checks.length} are within the spread over seeds (${close
      .map((c) => `${c.metric} ${c.dataset}`)
      .join(', ')}): not a reproduction at this scale.`;
  } else {
    text = 'The claim reproduces on these runs: the proposed model beats WGAN, which beats DCGAN, in IS and FID on both data sets, each gap larger than the spread over seeds.';
  }
  return { holds, checks, text };
}

const pm = (x: MeanStd, digits = 2) => `${x.mean.toFixed(digits)} ± ${x.std.toFixed(digits)}`;
const pp = ([m, s]: [number, number]) => `${m.toFixed(2)} ± ${s.toFixed(2)}`;

/** Each model with a summary in both columns, in the paper's order. */
function modelRows(r: Table1Result): { model: ModelName; c: Table1Summary; a: Table1Summary }[] {
  const of = (model: ModelName, dataset: PaperDataset) => r.summary.find((s) => s.model === model && s.dataset === dataset);
  return PAPER_MODELS.flatMap((model) => {
    const c = of(model, 'celeba'), a = of(model, 'anime');
    return c && a ? [{ model, c, a }] : [];
  });
}

/** The table as Markdown: ours beside the paper's, the extractors named in the caption. */
export function table1Markdown(r: Table1Result): string {
  const lines = [
    `**Table 1 (reproduced).** IS and FID, mean ± std over seeds ${r.seeds.join(', ')}; preset \`${r.preset}\`, ${r.data} data, ${r.evalCount} images per evaluation.`,
    `FID/KID features: ${r.fidFeatures}. IS classifier: CelebA column ${r.isFeatures.celeba}; Animation column ${r.isFeatures.anime}.`,
    `Scored against: CelebA column ${r.reference.celeba.scoredAgainst}; Animation column ${r.reference.anime.scoredAgainst}. ` +
      `Translations of the proposed model start from the other column's images of the same kind.`,
    `Our numbers are not on the paper's scale (other features, sizes and sample counts); compare the ordering, not the values.`,
    '',
    '| model | IS CelebA | IS Animation | FID CelebA | FID Animation | KID CelebA ×100 | KID Animation ×100 |',
    '|---|---|---|---|---|---|---|',
  ];
  const models = modelRows(r);
  for (const { model, c, a } of models) {
    const kid = (x: MeanStd) => `${(x.mean * 100).toFixed(2)} ± ${(x.std * 100).toFixed(2)}`;
    lines.push(`| ${model} (ours) | ${pm(c.is)} | ${pm(a.is)} | ${pm(c.fid)} | ${pm(a.fid)} | ${kid(c.kid)} | ${kid(a.kid)} |`);
    lines.push(`| ${model} (paper) | ${pp(c.paper.is)} | ${pp(a.paper.is)} | ${pp(c.paper.fid)} | ${pp(a.paper.fid)} | – | – |`);
  }
  const rc = r.reference.celeba, ra = r.reference.anime;
  const fl = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  lines.push(`| real images (floor: a second draw of ${rc.n} / ${ra.n}) | ${pm(rc.is)} | ${pm(ra.is)} | ${fl(rc.floor)} | ${fl(ra.floor)} | – | – |`);
  lines.push(`| real images of the other data set (anime for CelebA, faces for Animation) | – | – | ${fl(rc.otherDataset)} | ${fl(ra.otherDataset)} | – | – |`);
  const withClassifier = PAPER_DATASETS.filter((d) => Number.isFinite(r.reference[d].classifierFloor) || Number.isFinite(r.reference[d].classifierOtherDataset));
  if (withClassifier.length) {
    const col = (d: PaperDataset, x: number | MeanStd) => (!withClassifier.includes(d) ? 'as FID' : typeof x === 'number' ? fl(x) : pm(x));
    lines.push(
      '',
      `**FID on the IS classifiers' features** (the penultimate layer of each column's IS classifier, which sees hair and colour where the Inception features at this size mostly see blur; a model is closer to the data set than the other domain is when its value is below the last row):`,
      '',
      '| model | CelebA | Animation |',
      '|---|---|---|',
    );
    for (const { model, c, a } of models) lines.push(`| ${model} | ${col('celeba', c.fidClassifier)} | ${col('anime', a.fidClassifier)} |`);
    lines.push(`| real images (floor) | ${col('celeba', rc.classifierFloor)} | ${col('anime', ra.classifierFloor)} |`);
    lines.push(`| real images of the other data set | ${col('celeba', rc.classifierOtherDataset)} | ${col('anime', ra.classifierOtherDataset)} |`);
  }
  lines.push(
    '',
    `**Mode coverage.** Classes of the IS classifier that are the top prediction for at least 1% of the samples (real images: CelebA ${rc.modes} of ${rc.classes}, Animation ${ra.modes} of ${ra.classes}):`,
    '',
    '| model | CelebA | Animation |',
    '|---|---|---|',
  );
  for (const { model, c, a } of models) lines.push(`| ${model} | ${pm(c.modes, 1)} | ${pm(a.modes, 1)} |`);
  lines.push('', `**Verdict.** ${r.claim.text}`, '');
  for (const c of r.claim.checks) {
    const how = !c.holds ? 'differs from the paper' : c.separated ? 'as the paper' : 'as the paper, within the spread over seeds';
    lines.push(`- ${c.metric} ${c.dataset}: ${c.order} — ${how}`);
  }
  return lines.join('\n') + '\n';
}

/** Write `table1.md` and `table1.json` into `dir`, atomically. */
export function writeTable1(r: Table1Result, dir: string): { md: string; json: string } {
  const md = `${dir}/table1.md`;
  const json = `${dir}/table1.json`;
  writeFileAtomic(md, table1Markdown(r));
  writeJsonAtomic(json, r);
  return { md, json };
}
