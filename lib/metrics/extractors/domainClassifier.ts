import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng';
import { UserError } from '../../util/errors';
import { progress } from '../../util/progress';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomicWrite';
import { DOMAIN_CLASSIFIER_DEFAULTS, EXTRACTOR_DEFAULTS } from './defaults';
import { extractBatched } from './batching';
import { ExtractorOptions, FeatureExtractor } from './types';
import { yieldToEventLoop } from '../../util/yieldToEventLoop';

/**
 * A small CNN the workbook trains itself to recognise one attribute of its own data (anime hair
 * colour from tags.csv, or a synthetic attribute). Its class probabilities give an Inception
 * Score (eq. (11)) that measures something on these data sets: exp(E KL(p(y|x) || p(y))) is high
 * when each sample shows one clear hair colour and the samples cover many colours. Its
 * penultimate layer gives features for a domain FID (eq. (12)), not comparable with Inception FID.
 */
export interface DomainClassifier {
  model: DomainClassifierNet;
  /** Attribute it predicts, e.g. "hair". */
  attribute: string;
  classNames: string[];
  /** Input side (images are resized to size×size). */
  size: number;
  /** Accuracy on the held-out split at the end of training (NaN if none was held out). */
  heldOutAccuracy: number;
  /** Where its training data came from, for captions. */
  trainedOn: string;
}

const CONV_WIDTHS = [16, 32, 64];

/**
 * A stride-2 3×3 'same' convolution written as patches × matrix ("im2col"). Its gradient needs
 * only slice/pad/reshape/matMul, so it trains fast on the cpu and wasm backends, whose
 * Conv2DBackpropFilter is missing (wasm) or ~100× slower than the forward pass (cpu). Same
 * padding rule as TF (extra row/column at the bottom/right), so tf.conv2d gives the same result.
 */
export function conv3x3s2Im2col(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const oh = Math.ceil(h / 2), ow = Math.ceil(w / 2);
    const ph = Math.max((oh - 1) * 2 + 3 - h, 0), pw = Math.max((ow - 1) * 2 + 3 - w, 0);
    // Pad so that every tap (dy, dx) can take a contiguous 2*oh × 2*ow window, then keep even positions.
    const padded = tf.pad(x, [[0, 0], [Math.floor(ph / 2), 2 * oh + 2 - h - Math.floor(ph / 2)], [Math.floor(pw / 2), 2 * ow + 2 - w - Math.floor(pw / 2)], [0, 0]]);
    // Split into the four stride-2 phases once (one transpose), then each tap is a 4-D slice.
    const phases = tf.reshape(tf.transpose(tf.reshape(padded, [n, oh + 1, 2, ow + 1, 2, c]), [2, 4, 0, 1, 3, 5]), [4 * n, oh + 1, ow + 1, c]);
    const taps: tf.Tensor[] = [];
    for (let dy = 0; dy < 3; dy++) {
      for (let dx = 0; dx < 3; dx++) {
        const phase = 2 * (dy % 2) + (dx % 2);
        taps.push(tf.slice(phases, [phase * n, dy >> 1, dx >> 1, 0], [n, oh, ow, c]));
      }
    }
    const patches = tf.concat(taps, 3).reshape([n * oh * ow, 9 * c]);
    const cout = kernel.shape[3];
    return tf.matMul(patches, kernel.reshape([9 * c, cout])).reshape([n, oh, ow, cout]) as tf.Tensor4D;
  });
}

/**
 * conv3×3/2 (16) - conv3×3/2 (32) - conv3×3/2 (64) - global average pool - dense (features, ReLU)
 * - dense (logits). Strided convolutions, no pooling: colour attributes need little spatial detail.
 */
export class DomainClassifierNet {
  constructor(readonly vars: Record<string, tf.Variable>, readonly size: number) {}

  static create(size: number, classes: number, featureDim: number, seed: number): DomainClassifierNet {
    const vars: Record<string, tf.Variable> = {};
    // tf.variable keeps its own copy: the initial values are freed by the tidy.
    tf.tidy(() => {
      let cin = 3;
      CONV_WIDTHS.forEach((cout, i) => {
        vars[`conv${i + 1}/kernel`] = tf.variable(tf.mul(tf.randomNormal([3, 3, cin, cout], 0, 1, 'float32', seed * 100 + i), Math.sqrt(2 / (9 * cin))));
        vars[`conv${i + 1}/bias`] = tf.variable(tf.zeros([cout]));
        cin = cout;
      });
      vars['features/kernel'] = tf.variable(tf.mul(tf.randomNormal([cin, featureDim], 0, 1, 'float32', seed * 100 + 7), Math.sqrt(2 / cin)));
      vars['features/bias'] = tf.variable(tf.zeros([featureDim]));
      vars['probs/kernel'] = tf.variable(tf.mul(tf.randomNormal([featureDim, classes], 0, 1, 'float32', seed * 100 + 8), Math.sqrt(1 / featureDim)));
      vars['probs/bias'] = tf.variable(tf.zeros([classes]));
    });
    return new DomainClassifierNet(vars, size);
  }

  get featureDim(): number {
    return this.vars['features/kernel'].shape[1] as number;
  }

  get classes(): number {
    return this.vars['probs/kernel'].shape[1] as number;
  }

  /** Images at size×size in [-1, 1] -> features (penultimate layer) and logits. `forTraining` uses the im2col convolution. */
  forward(x: tf.Tensor4D, forTraining = false): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    let h = x;
    for (let i = 1; i <= CONV_WIDTHS.length; i++) {
      const k = this.vars[`conv${i}/kernel`] as tf.Tensor4D;
      const c = forTraining ? conv3x3s2Im2col(h, k) : tf.conv2d(h, k, 2, 'same');
      h = tf.relu(tf.add(c, this.vars[`conv${i}/bias`])) as tf.Tensor4D;
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const features = tf.relu(tf.add(tf.matMul(pooled, this.vars['features/kernel']), this.vars['features/bias'])) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(features, this.vars['probs/kernel']), this.vars['probs/bias']) as tf.Tensor2D;
    return { features, logits };
  }

  dispose(): void {
    Object.values(this.vars).forEach((v) => v.dispose());
  }
}

export interface TrainDomainClassifierOptions {
  /** Training images NHWC in [-1, 1], at `size`×`size` (see loadAnimeTags / loadSynthLabels). */
  data: tf.Tensor4D;
  /** Class index per image. */
  labels: Int32Array | number[];
  classNames: string[];
  attribute?: string;
  trainedOn?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Fraction of images held out for accuracy (split by a seeded shuffle). */
  heldOutFraction?: number;
  seed?: number;
  /** Width of the penultimate (feature) layer. */
  featureDim?: number;
  /** Backend to train on (default: the current one; the previous one is restored afterwards). */
  backend?: string;
  /** Called after each epoch (loss, accuracy on the training batches). */
  onEpoch?: (epoch: number, logs: { loss: number; trainAccuracy: number; heldOutAccuracy: number }) => void;
}

/** Fraction of rows whose argmax equals the label; runs in batches, leaks nothing. */
export function classifierAccuracy(model: DomainClassifierNet, images: tf.Tensor4D, labels: ArrayLike<number>, batchSize = 256): number {
  const n = images.shape[0];
  if (n === 0) return NaN;
  let correct = 0;
  for (let s = 0; s < n; s += batchSize) {
    const b = Math.min(batchSize, n - s);
    const pred = tf.tidy(() => tf.argMax(model.forward(images.slice([s, 0, 0, 0], [b, -1, -1, -1])).logits, 1));
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < b; i++) if (p[i] === labels[s + i]) correct++;
  }
  return correct / n;
}

function gatherRows(x: tf.Tensor4D, idx: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32')) as tf.Tensor4D);
}

/**
 * Train the domain classifier (Adam, softmax cross-entropy, random horizontal flips) on a seeded
 * split; returns it with its accuracy on the held-out part. Deterministic for a seed and backend.
 */
export async function trainDomainClassifier(opts: TrainDomainClassifierOptions): Promise<DomainClassifier> {
  const d = { ...DOMAIN_CLASSIFIER_DEFAULTS, ...opts };
  const { data, classNames } = opts;
  const labels = Int32Array.from(opts.labels);
  const n = data.shape[0];
  const size = data.shape[1];
  if (data.rank !== 4 || data.shape[2] !== size || data.shape[3] !== 3) throw new UserError(`domain classifier data must be [n, s, s, 3], got [${data.shape}]`);
  if (labels.length !== n) throw new UserError(`domain classifier: ${n} images but ${labels.length} labels`);
  if (classNames.length < 2) throw new UserError('domain classifier needs at least 2 classes');
  for (const l of labels) if (!(l >= 0 && l < classNames.length)) throw new UserError(`domain classifier: label ${l} outside 0..${classNames.length - 1}`);

  const previous = tf.getBackend();
  if (opts.backend && opts.backend !== previous) await tf.setBackend(opts.backend);
  const rng = new Rng(`domain-classifier-${d.seed}`);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const nHeld = Math.floor(n * d.heldOutFraction);
  const heldIdx = order.slice(0, nHeld);
  const trainIdx = order.slice(nHeld);
  const heldX = gatherRows(data, heldIdx);
  const heldY = heldIdx.map((i) => labels[i]);
  const model = DomainClassifierNet.create(size, classNames.length, d.featureDim, d.seed);
  const optimizer = tf.train.adam(d.learningRate);
  const vars = Object.values(model.vars);
  const stepsPerEpoch = Math.ceil(trainIdx.length / d.batchSize);
  const bar = progress('train domain classifier', d.epochs * stepsPerEpoch);
  let heldOutAccuracy = NaN;
  try {
    for (let epoch = 0; epoch < d.epochs; epoch++) {
      const perm = rng.shuffle(trainIdx);
      let lossSum = 0, correct = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const idx = perm.slice(s * d.batchSize, (s + 1) * d.batchSize);
        const flip = rng.next() < 0.5; // colour attributes do not depend on left/right
        const [loss, right] = tf.tidy(() => {
          let x = gatherRows(data, idx);
          if (flip) x = tf.image.flipLeftRight(x) as tf.Tensor4D;
          const y = tf.tensor1d(idx.map((i) => labels[i]), 'int32');
          let logits: tf.Tensor2D | undefined;
          const l = optimizer.minimize(() => {
            logits = tf.keep(model.forward(x, true).logits); // kept past minimize's own tidy for the accuracy below
            return tf.losses.softmaxCrossEntropy(tf.oneHot(y, classNames.length), logits) as tf.Scalar;
          }, true, vars)!;
          const r = tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), y), 'int32'));
          logits!.dispose();
          return [l, r];
        });
        const lv = (await loss.data())[0];
        correct += (await right.data())[0];
        loss.dispose();
        right.dispose();
        lossSum += lv;
        bar.update(epoch * stepsPerEpoch + s + 1, { epoch: epoch + 1, loss: lv });
        await yieldToEventLoop();
      }
      heldOutAccuracy = classifierAccuracy(model, heldX, heldY);
      opts.onEpoch?.(epoch, { loss: lossSum / stepsPerEpoch, trainAccuracy: correct / trainIdx.length, heldOutAccuracy });
    }
  } finally {
    bar.stop();
    heldX.dispose();
    optimizer.dispose();
    if (tf.getBackend() !== previous) await tf.setBackend(previous);
  }
  return {
    model,
    attribute: opts.attribute ?? 'class',
    classNames: [...classNames],
    size,
    heldOutAccuracy,
    trainedOn: opts.trainedOn ?? 'unspecified data',
  };
}

/** The file a saved classifier is recognised by. */
export const DOMAIN_CLASSIFIER_META = 'domain_classifier.json';
const META_FILE = DOMAIN_CLASSIFIER_META;
const WEIGHTS_FILE = 'weights.bin';

/** Save as TF.js weights (weights.bin + a weights manifest inside domain_classifier.json, with classes and accuracy). */
export async function saveDomainClassifier(clf: DomainClassifier, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const { data, specs } = await tf.io.encodeWeights(clf.model.vars);
  const wd = data as ArrayBuffer | ArrayBuffer[];
  const bytes = Array.isArray(wd) ? Buffer.concat(wd.map((b) => Buffer.from(b))) : Buffer.from(wd);
  writeFileAtomic(path.join(dir, WEIGHTS_FILE), bytes);
  writeJsonAtomic(path.join(dir, META_FILE), {
    format: 'anime-gan-domain-classifier/1',
    attribute: clf.attribute,
    classNames: clf.classNames,
    size: clf.size,
    heldOutAccuracy: clf.heldOutAccuracy,
    trainedOn: clf.trainedOn,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  });
}

/** Load a classifier saved by saveDomainClassifier. */
export async function loadDomainClassifier(dir: string): Promise<DomainClassifier> {
  const metaFile = path.join(dir, META_FILE);
  if (!fs.existsSync(metaFile) || !fs.existsSync(path.join(dir, WEIGHTS_FILE))) {
    throw new UserError(`no domain classifier in ${dir} (expected ${META_FILE} and ${WEIGHTS_FILE}; train one with trainDomainClassifier + saveDomainClassifier)`);
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  if (meta.format !== 'anime-gan-domain-classifier/1') throw new UserError(`${metaFile} is not a domain classifier (format ${meta.format})`);
  const group = meta.weightsManifest[0];
  const buf = Buffer.concat(group.paths.map((p: string) => fs.readFileSync(path.join(dir, p))));
  const tensors = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, group.weights);
  const vars: Record<string, tf.Variable> = {};
  for (const [k, t] of Object.entries(tensors)) {
    vars[k] = tf.variable(t, false);
    t.dispose();
  }
  return { model: new DomainClassifierNet(vars, meta.size), attribute: meta.attribute, classNames: meta.classNames, size: meta.size, heldOutAccuracy: meta.heldOutAccuracy ?? NaN, trainedOn: meta.trainedOn };
}

/**
 * The extractor view of a classifier: features = penultimate layer, probs = softmax over its
 * classes. Images of any size are resized (bilinear, half-pixel centres) to the classifier's input.
 * The extractor owns the classifier's weights: dispose() frees them.
 */
export function domainClassifierExtractor(clf: DomainClassifier, opts: ExtractorOptions = {}): FeatureExtractor {
  const dim = clf.model.featureDim;
  const classes = clf.classNames.length;
  const batchSize = opts.batchSize ?? 256;
  const acc = Number.isFinite(clf.heldOutAccuracy) ? `, held-out accuracy ${(100 * clf.heldOutAccuracy).toFixed(1)}%` : '';
  let disposed = false;
  return {
    name: 'domain-classifier',
    dim,
    classes,
    description: `domain classifier (${clf.attribute}: ${classes} classes, trained on ${clf.trainedOn}${acc}); scores not comparable with Inception IS/FID`,
    extract(images) {
      if (disposed) throw new Error('domain-classifier extractor used after dispose()');
      return extractBatched(images, { name: 'domain-classifier', dim, classes, batchSize, progress: opts.progress }, (batch) => {
        const x = batch.shape[1] === clf.size && batch.shape[2] === clf.size ? batch : tf.image.resizeBilinear(batch, [clf.size, clf.size], false, true);
        const { features, logits } = clf.model.forward(x);
        return { features, probs: tf.softmax(logits) as tf.Tensor2D };
      });
    },
    dispose() {
      if (!disposed) clf.model.dispose();
      disposed = true;
    },
  };
}

/** Factory registered as "domain-classifier": loads from opts.dir or $ANIME_GAN_DOMAIN_CLASSIFIER_DIR. */
export async function createDomainClassifierExtractor(opts: ExtractorOptions = {}): Promise<FeatureExtractor> {
  const dir = opts.dir ?? process.env[EXTRACTOR_DEFAULTS.domainClassifierDirEnv];
  if (!dir) {
    throw new UserError(
      `the domain-classifier extractor needs a trained classifier folder: pass its dir or set ${EXTRACTOR_DEFAULTS.domainClassifierDirEnv} (train one with trainAnimeTagClassifier(DATA_ROOT, {out}) or trainSynthClassifier(dir, {out}))`,
    );
  }
  return domainClassifierExtractor(await loadDomainClassifier(dir), opts);
}
