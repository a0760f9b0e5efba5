import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  conv3x3s2Im2col,
  domainClassifierExtractor,
  loadDomainClassifier,
  saveDomainClassifier,
  trainDomainClassifier,
} from '../../../lib/metrics/extractors/domainClassifier';
import { getExtractor } from '../../../lib/metrics/extractors/registry';
import { loadAnimeTags } from '../../../lib/metrics/extractors/domainData';
import { trainSynthClassifier } from '../../../lib/metrics/extractors/domainTraining';
import { embeddedDataset, SYNTH_ATTRIBUTES } from '../../../lib/data/synth';
import { UserError } from '../../../lib/util/errors';
import { maxAbsDiff, useFastBackend } from './helpers';

const COLOURS = [
  [0.9, -0.8, -0.8], // red
  [-0.8, 0.9, -0.8], // green
  [-0.8, -0.8, 0.9], // blue
];

/** Tiny labelled images: a coloured square ("hair colour") at a random place on a noisy grey background. */
function colourSquares(n: number, size: number, seed: number): { images: tf.Tensor4D; labels: Int32Array } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const data = new Float32Array(n * size * size * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % COLOURS.length;
    labels[i] = k;
    const side = Math.floor(size / 2);
    const y0 = Math.floor(rnd() * (size - side)), x0 = Math.floor(rnd() * (size - side));
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const inside = y >= y0 && y < y0 + side && x >= x0 && x < x0 + side;
          data[((i * size + y) * size + x) * 3 + c] = inside ? COLOURS[k][c] : 0.3 * (rnd() * 2 - 1);
        }
  }
  return { images: tf.tensor4d(data, [n, size, size, 3]), labels };
}

describe('domain-classifier extractor', function () {
  useFastBackend();
  it('trains on a small labelled set above chance, saves/loads identically, and serves as an extractor without leaks', async () => {
    const n0 = tf.memory().numTensors;
    const { images, labels } = colourSquares(180, 16, 1);
    const clf = await trainDomainClassifier({
      data: images,
      labels,
      classNames: ['red', 'green', 'blue'],
      attribute: 'colour',
      trainedOn: 'test squares',
      epochs: 6,
      batchSize: 32,
      featureDim: 16,
      seed: 1,
    });
    images.dispose();
    // 36 held-out images, chance is 1/3.
    expect(clf.heldOutAccuracy).to.be.above(0.8);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domain-clf-'));
    await saveDomainClassifier(clf, dir);
    const ex = domainClassifierExtractor(clf, { progress: false });
    const ex2 = await getExtractor('domain-classifier', { dir, progress: false });
    expect(ex.dim).to.equal(16);
    expect(ex.classes).to.equal(3);
    expect(ex.description).to.match(/held-out accuracy/).and.match(/not comparable/);

    const test = colourSquares(30, 24, 99); // another size: the extractor resizes to 16
    const a = await ex.extract(test.images);
    const b = await ex2.extract(test.images);
    test.images.dispose();
    expect(maxAbsDiff(a.features, b.features)).to.be.below(1e-6);
    expect(maxAbsDiff(a.probs!, b.probs!)).to.be.below(1e-6);
    let correct = 0;
    for (let i = 0; i < 30; i++) {
      const p = Array.from(a.probs!.subarray(3 * i, 3 * i + 3));
      expect(p.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
      if (p.indexOf(Math.max(...p)) === test.labels[i]) correct++;
    }
    expect(correct / 30).to.be.above(0.7);
    ex.dispose();
    ex2.dispose();
    fs.rmSync(dir, { recursive: true });
    expect(tf.memory().numTensors).to.equal(n0);
  });

  it('the im2col convolution used for training equals tf.conv2d(stride 2, same) for even and odd sizes', () => {
    for (const [h, w] of [[8, 8], [7, 9], [5, 6]]) {
      const diff = tf.tidy(() => {
        const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', h) as tf.Tensor4D;
        const k = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', w) as tf.Tensor4D;
        const a = conv3x3s2Im2col(x, k);
        const b = tf.conv2d(x, k, 2, 'same');
        expect(a.shape).to.deep.equal(b.shape);
        return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      });
      expect(diff).to.be.below(1e-5);
    }
  });

  it('is deterministic for a seed', async () => {
    const { images, labels } = colourSquares(60, 12, 5);
    const run = async () => {
      const c = await trainDomainClassifier({ data: images, labels, classNames: ['r', 'g', 'b'], epochs: 1, batchSize: 16, featureDim: 8, seed: 3 });
      const w = (c.model.vars['probs/kernel'].dataSync() as Float32Array).slice();
      c.model.dispose();
      return w;
    };
    const w1 = await run();
    const w2 = await run();
    images.dispose();
    expect(maxAbsDiff(w1, w2)).to.equal(0);
  });

  it('learns the hair colour of the embedded synthetic anime set well above chance (known attributes)', async () => {
    const n0 = tf.memory().numTensors;
    const dir = await embeddedDataset('anime', { n: 480, size: [32, 32], seed: 0 });
    const t0 = Date.now();
    const clf = await trainSynthClassifier(dir, { attribute: 'hair', size: 32, epochs: 8, batchSize: 32, vocabulary: SYNTH_ATTRIBUTES.anime.hair });
    const chance = 1 / clf.classNames.length;
    console.log(`    synthetic hair (${clf.classNames.length} classes, 96 held out): held-out accuracy ${clf.heldOutAccuracy.toFixed(3)} (chance ${chance.toFixed(3)}), ${((Date.now() - t0) / 1000).toFixed(1)} s on ${tf.getBackend()}`);
    clf.model.dispose();
    expect(tf.memory().numTensors).to.equal(n0);
    expect(clf.heldOutAccuracy).to.be.above(3 * chance);
  });

  it('missing classifier folder is a UserError', async () => {
    const saved = process.env.ANIME_GAN_DOMAIN_CLASSIFIER_DIR;
    delete process.env.ANIME_GAN_DOMAIN_CLASSIFIER_DIR;
    try {
      for (const opts of [{}, { dir: path.join(os.tmpdir(), 'no-such-classifier') }]) {
        let err: unknown;
        try {
          await getExtractor('domain-classifier', opts);
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(UserError);
      }
    } finally {
      if (saved !== undefined) process.env.ANIME_GAN_DOMAIN_CLASSIFIER_DIR = saved;
    }
  });

  it('loads the tagged anime faces with their hair classes (needs DATA_ROOT)', async function () {
    const root = process.env.DATA_ROOT;
    if (!root || !fs.existsSync(path.join(root, 'anime-faces-96', 'tags.csv'))) {
      console.log('    SKIPPED: set DATA_ROOT (the folder with the real data sets, see README: Data) to read anime-faces-96/tags.csv');
      return this.skip();
    }
    const d = await loadAnimeTags(root, { attribute: 'hair', size: 32, limit: 50, minCount: 1 });
    expect(d.images.shape).to.deep.equal([50, 32, 32, 3]);
    expect(d.classNames).to.include.members(['black', 'brown', 'blue']);
    const mm = tf.tidy(() => [tf.min(d.images).dataSync()[0], tf.max(d.images).dataSync()[0]]);
    expect(mm[0]).to.be.at.least(-1);
    expect(mm[1]).to.be.at.most(1);
    d.images.dispose();
  });
});
