/**
 * Has the cycle model learned to translate? Four measures of a face → anime translator G with its
 * way back F, each with the baseline that gives it meaning:
 *
 * 1. domain: FID(G(faces), anime) beside FID(faces, anime), the untranslated baseline, and the
 *    floor FID(half the anime set, the other half) — a translation moves the images toward the
 *    anime set; on the FID features and again on the hair classifier's, since the Inception
 *    features at 32×32 weigh sharpness heavily;
 * 2. anime traits: how many hair classes of an anime hair classifier G(faces) covers (a class
 *    counts when it is the top prediction for at least 1% of the images), beside real anime's;
 * 3. identity: the cycle L1 mean |F(G(x)) − x| (images in [−1, 1]) beside that of the faces'
 *    mean image, the error of a translator that forgot its input;
 * 4. dependence: where the faces' hair colours are known (the embedded data's attributes), how
 *    often the classifier reads the input's hair colour in G(face), beside the rate expected if
 *    output and input were independent (the product of the two marginals); and, since a
 *    translator may map a colour to another one consistently (brown hair to orange), how much the
 *    hair class of G(face) tells about the input's hair colour: their mutual information, beside
 *    the 95th percentile of the same with the inputs shuffled.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureExtractor } from '../metrics/extractors/types';
import * as path from 'path';
import { fidFromFeatures } from '../metrics/fid';
import { embeddedDataset, isEmbeddedDataset } from '../data/synth/dataset';
import { ImageFolder } from '../data/imageFolder';
import { openHeldOut } from '../data/split';
import { readCsv } from '../data/csv';
import { loadRun } from '../train/trainer';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';

/** One direction of a trained translator, in inference mode; returns a new tensor. */
export type Translate = (images: tf.Tensor4D) => tf.Tensor4D;

export interface TranslationMeasureInputs {
  /** Domain-A images (faces) the translator did not train on, NHWC in [−1, 1]. */
  faces: tf.Tensor4D;
  /** Domain-B images (anime), NHWC in [−1, 1]; split in two halves for the floor. */
  anime: tf.Tensor4D;
  /** A → B (G) and B → A (F). */
  toB: Translate;
  toA: Translate;
  /** Features for the FIDs (e.g. the proxy Inception). */
  fid: FeatureExtractor;
  /** Anime hair classifier (its `probs` give classes). */
  hair: FeatureExtractor;
  /** Class names of `hair`, to match the faces' known hair colours. */
  hairClasses: readonly string[];
  /** Known hair colour of each face ('' where unknown or not visible). */
  faceHair?: readonly string[];
  /** Images translated at once. */
  batchSize?: number;
  /** Features of `faces` and `anime` under `fid`, when already computed (they do not depend on the run). */
  realFeatures?: { faces: Float32Array; anime: Float32Array };
}

export interface TranslationMeasures {
  n: number;
  fid: { translated: number; untranslated: number; floor: number };
  /** The same three FIDs on the hair classifier's features, which see colour and hair rather than sharpness. */
  fidHair: { translated: number; untranslated: number; floor: number };
  hairClasses: { translated: number; real: number; total: number };
  cycleL1: { translated: number; meanImage: number };
  /** Null where the faces' hair colours are not known (real data). */
  dependence: (LabelAgreement & { information: LabelInformation }) | null;
}

export interface LabelAgreement {
  agreement: number;
  chance: number;
  n: number;
}

export interface LabelInformation {
  /** Mutual information between the known and the predicted label, in bits. */
  bits: number;
  /** 95th percentile of the same over `shuffles` random pairings of the rows: what independence scores. */
  shuffled95: number;
  shuffles: number;
}

/** Classes that are the top prediction for at least `minShare` of the rows. */
export function coveredClasses(probs: Float32Array, classes: number, minShare = 0.01): number {
  const n = probs.length / classes;
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) counts[topClass(probs, i, classes)]++;
  return counts.filter((c) => c >= minShare * n).length;
}

function topClass(probs: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (probs[row * classes + c] > probs[row * classes + best]) best = c;
  return best;
}

/** (known, predicted) pairs of the rows whose label is known ('' is unknown). */
function knownPairs(known: readonly string[], predicted: readonly string[]): (readonly [string, string])[] {
  return known.map((k, i) => [k, predicted[i]] as const).filter(([k]) => k !== '');
}

/**
 * Agreement between a known label and a predicted one, beside chance: the share of rows where
 * they match, and Σ_c P(known = c)·P(predicted = c), the share expected if they were independent.
 */
export function labelAgreement(known: readonly string[], predicted: readonly string[]): LabelAgreement {
  const rows = knownPairs(known, predicted);
  const n = rows.length;
  if (n === 0) return { agreement: NaN, chance: NaN, n: 0 };
  const share = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1 / n);
    return m;
  };
  const pk = share(rows.map(([k]) => k));
  const pp = share(rows.map(([, p]) => p));
  let chance = 0;
  for (const [c, p] of pk) chance += p * (pp.get(c) ?? 0);
  return { agreement: rows.filter(([k, p]) => k === p).length / n, chance, n };
}

/** I(K; P) in bits of paired labels, from their empirical joint distribution. */
function mutualInformation(known: readonly string[], predicted: readonly string[]): number {
  const n = known.length;
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const [pk, pp, joint] = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  known.forEach((k, i) => {
    count(pk, k);
    count(pp, predicted[i]);
    count(joint, `${k}\u0000${predicted[i]}`);
  });
  let bits = 0;
  for (const [key, c] of joint) {
    const [k, p] = key.split('\u0000');
    bits += (c / n) * Math.log2((c * n) / (pk.get(k)! * pp.get(p)!));
  }
  return bits;
}

/**
 * How much the predicted label tells about the known one, whatever their names: I(known;
 * predicted) in bits (rows with an unknown label left out), beside its 95th percentile over
 * `shuffles` random pairings. The empirical information of independent labels is above zero
 * (finite samples), so the shuffled value, not zero, is the baseline.
 */
export function labelInformation(known: readonly string[], predicted: readonly string[], shuffles = 200, seed = 0): LabelInformation {
  const rows = knownPairs(known, predicted);
  if (rows.length === 0) return { bits: NaN, shuffled95: NaN, shuffles };
  const ks = rows.map(([k]) => k);
  const ps = rows.map(([, p]) => p);
  const rng = new Rng(`labelInformation/${seed}`);
  const nulls = Array.from({ length: shuffles }, () => mutualInformation(ks, rng.shuffle(ps))).sort((a, b) => a - b);
  return { bits: mutualInformation(ks, ps), shuffled95: nulls[Math.min(shuffles - 1, Math.floor(0.95 * shuffles))], shuffles };
}

/** Apply `f` batch by batch (translators at batch 1000 would not fit small heaps). */
function mapBatched(x: tf.Tensor4D, batch: number, f: Translate): tf.Tensor4D {
  const parts: tf.Tensor4D[] = [];
  for (let s = 0; s < x.shape[0]; s += batch) {
    const b = Math.min(batch, x.shape[0] - s);
    parts.push(tf.tidy(() => f(x.slice([s, 0, 0, 0], [b, -1, -1, -1]))));
  }
  const out = tf.concat(parts, 0) as tf.Tensor4D;
  tf.dispose(parts);
  return out;
}

export async function translationMeasures(i: TranslationMeasureInputs): Promise<TranslationMeasures> {
  const batch = i.batchSize ?? 50;
  const n = i.faces.shape[0];
  const fakeB = mapBatched(i.faces, batch, i.toB);
  try {
    const back = mapBatched(fakeB, batch, i.toA);
    const [cycle, meanImage] = tf.tidy(() => {
      const mean = tf.mean(i.faces, 0, true);
      return [tf.mean(tf.abs(tf.sub(back, i.faces))), tf.mean(tf.abs(tf.sub(i.faces, mean)))];
    });
    back.dispose();
    const cycleL1 = { translated: (await cycle.data())[0], meanImage: (await meanImage.data())[0] };
    tf.dispose([cycle, meanImage]);

    const feats = async (x: tf.Tensor4D) => (await i.fid.extract(x)).features;
    const fFake = await feats(fakeB);
    const fFaces = i.realFeatures?.faces ?? (await feats(i.faces));
    const fAnime = i.realFeatures?.anime ?? (await feats(i.anime));
    const half = Math.floor(i.anime.shape[0] / 2) * i.fid.dim;
    const fid = {
      translated: fidFromFeatures(fFake, fAnime, i.fid.dim),
      untranslated: fidFromFeatures(fFaces, fAnime, i.fid.dim),
      // Half the anime set against the other half: what two samples of the same domain score.
      floor: fidFromFeatures(fAnime.subarray(0, half), fAnime.subarray(half, 2 * half), i.fid.dim),
    };

    const classes = i.hairClasses.length;
    const [hFake, hFaces, hAnime] = [await i.hair.extract(fakeB), await i.hair.extract(i.faces), await i.hair.extract(i.anime)];
    const hHalf = Math.floor(i.anime.shape[0] / 2) * i.hair.dim;
    const fidHair = {
      translated: fidFromFeatures(hFake.features, hAnime.features, i.hair.dim),
      untranslated: fidFromFeatures(hFaces.features, hAnime.features, i.hair.dim),
      floor: fidFromFeatures(hAnime.features.subarray(0, hHalf), hAnime.features.subarray(hHalf, 2 * hHalf), i.hair.dim),
    };
    const probsFake = hFake.probs!;
    const probsReal = hAnime.probs!;
    const hairClasses = { translated: coveredClasses(probsFake, classes), real: coveredClasses(probsReal, classes), total: classes };
    const read = Array.from({ length: n }, (_, r) => i.hairClasses[topClass(probsFake, r, classes)]);
    const dependence = i.faceHair ? { ...labelAgreement(i.faceHair, read), information: labelInformation(i.faceHair, read) } : null;
    return { n, fid, fidHair, hairClasses, cycleL1, dependence };
  } finally {
    fakeB.dispose();
  }
}

/** The measures as a Markdown table with what each baseline means. */
export function translationMeasuresMarkdown(rows: { label: string; m: TranslationMeasures }[]): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = [
    '| run | FID(G(faces), anime) | FID(faces, anime) | floor | same, hair-classifier features | hair classes of G(faces) | real anime | cycle L1 | mean-image L1 | hair colour kept | chance | hair information, bits | shuffled (95%) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { label, m } of rows) {
    const dep = m.dependence;
    lines.push(
      `| ${label} | ${f(m.fid.translated)} | ${f(m.fid.untranslated)} | ${f(m.fid.floor)} | ` +
        `${f(m.fidHair.translated)} / ${f(m.fidHair.untranslated)} / ${f(m.fidHair.floor)} | ${m.hairClasses.translated} of ${m.hairClasses.total} | ` +
        `${m.hairClasses.real} | ${f(m.cycleL1.translated)} | ${f(m.cycleL1.meanImage)} | ${dep ? `${(100 * dep.agreement).toFixed(0)}%` : '–'} | ${dep ? `${(100 * dep.chance).toFixed(0)}%` : '–'} | ` +
        `${dep ? f(dep.information.bits, 2) : '–'} | ${dep ? f(dep.information.shuffled95, 2) : '–'} |`,
    );
  }
  return lines.join('\n');
}

export interface CycleRunMeasureOptions {
  /** Images per set (faces, anime). */
  n: number;
  /** FID features and the anime hair classifier (e.g. from table1Features). */
  fid: FeatureExtractor;
  hair: FeatureExtractor;
  hairClasses: readonly string[];
}

/** Features of the real sets, by extractor, folder and count: the same for every run scored. */
const realFeatureCache = new Map<string, Float32Array>();

async function realFeatures(fid: FeatureExtractor, folder: ImageFolder, images: tf.Tensor4D): Promise<Float32Array> {
  const key = `${fid.name}|${fid.description}|${folder.root}|${folder.files[0]}|${images.shape[0]}`;
  let f = realFeatureCache.get(key);
  if (!f) realFeatureCache.set(key, (f = (await fid.extract(images)).features));
  return f;
}

/**
 * The four measures of a trained cycle run. On the embedded data the faces and anime are a set
 * the run never saw (seed 1; runs train on seed 0) and the faces' hair colours are known; on
 * real data they are the first n held-out images of the run's own folders (lib/data/split.ts),
 * and dependence is not measured.
 */
export async function cycleRunMeasures(runDir: string, o: CycleRunMeasureOptions): Promise<TranslationMeasures> {
  const { model, meta } = loadRun(runDir);
  const size = meta.config.size;
  const embedded = isEmbeddedDataset(meta.data.a);
  const faceDir = embedded ? await embeddedDataset('face', { n: o.n, size, seed: 1 }) : meta.data.a;
  const animeDir = embedded ? await embeddedDataset('anime', { n: o.n, size, seed: 1 }) : meta.data.b!;
  // Real folders: the first n of the held-out part (lib/data/split.ts), which the run never read.
  const open = (dir: string) => (embedded ? ImageFolder.open(dir, { size, limit: o.n }) : openHeldOut(dir, size, o.n));
  const [fa, an] = [await open(faceDir), await open(animeDir)];
  const faces = fa.batchAt([...Array(fa.length).keys()]);
  const anime = an.batchAt([...Array(an.length).keys()]);
  try {
    if (!model.conditional) throw new UserError(`${runDir} holds a ${meta.config.model} run, which does not translate images`);
    const faceHair = embedded
      ? readCsv(path.join(faceDir, 'attributes.csv')).slice(0, fa.length).map((r) => (r.hairLength === 'bald' ? '' : r.hair))
      : undefined;
    return await translationMeasures({
      faces, anime, faceHair, fid: o.fid, hair: o.hair, hairClasses: o.hairClasses,
      realFeatures: { faces: await realFeatures(o.fid, fa, faces), anime: await realFeatures(o.fid, an, anime) },
      toB: (x) => model.translate(x, 'a2b'),
      toA: (x) => model.translate(x, 'b2a'),
    });
  } finally {
    tf.dispose([faces, anime]);
    model.dispose();
  }
}
