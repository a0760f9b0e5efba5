import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { getExtractor } from '../../../lib/metrics/extractors/registry';
import { loadNsfwjsModel, nsfwjsModelDir } from '../../../lib/metrics/extractors/nsfwjsProxy';
import { foldBatchNorms } from '../../../lib/metrics/extractors/foldedLayers';
import { loadImagesResized } from '../../../lib/metrics/extractors/domainData';
import { FeatureExtractor } from '../../../lib/metrics/extractors/types';
import { fidFromFeatures } from '../../../lib/metrics/fid';
import { embeddedDataset } from '../../../lib/data/synth';
import { maxAbsDiff, useFastBackend } from './helpers';
import { dcganGenerator } from '../../../lib/models/dcgan';

/** Smooth random "images" (low-resolution noise upsampled): a stand-in image distribution. */
function smoothImages(n: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const low = tf.randomUniform([n, 6, 6, 3], -1, 1, 'float32', seed);
    return tf.image.resizeBilinear(low as tf.Tensor4D, [64, 64], false, true);
  });
}

describe('foldBatchNorms (conv → batch norm → ReLU as one convolution)', function () {
  useFastBackend();
  it('gives the layers model\'s outputs on the proxy Inception (94 chains folded), and leaks no tensor', async () => {
    const model = await loadNsfwjsModel();
    try {
      const net = tf.model({ inputs: model.inputs, outputs: [model.getLayer('mixed10').output as tf.SymbolicTensor, model.getLayer('dense_3').output as tf.SymbolicTensor] });
      const folded = foldBatchNorms(model, ['mixed10', 'dense_3']);
      expect(folded.folded).to.equal(94);
      const x = tf.randomUniform([2, 299, 299, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const ours = folded.predict(x);
      expect(tf.memory().numTensors - before).to.equal(2);
      const theirs = net.predict(x) as tf.Tensor[];
      for (let i = 0; i < 2; i++) {
        const scale = tf.max(tf.abs(theirs[i])).dataSync()[0];
        expect(maxAbsDiff(ours[i].dataSync(), theirs[i].dataSync()) / scale, `output ${i}`).to.be.below(1e-4);
      }
      tf.dispose([x, ...ours, ...theirs]);
      folded.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('nsfwjs-proxy extractor (offline proxy Inception)', function () {
  useFastBackend();
  let ex: FeatureExtractor;
  let tensorsBefore = 0;

  before(async () => {
    tensorsBefore = tf.memory().numTensors;
    ex = await getExtractor('nsfwjs-proxy', { progress: false });
  });
  after(() => {
    ex?.dispose();
    expect(tf.memory().numTensors).to.equal(tensorsBefore);
  });

  it('loads from files inside node_modules/nsfwjs (no download) and says it is a proxy', () => {
    expect(fs.existsSync(path.join(nsfwjsModelDir(), 'model.min.js'))).to.equal(true);
    expect(ex.dim).to.equal(2048);
    expect(ex.classes).to.equal(5);
    expect(ex.description).to.match(/proxy/).and.match(/not comparable/);
  });

  it('features are deterministic, 2048-d, and differ between images; probs sum to 1; no leaks', async () => {
    const x = smoothImages(3, 1);
    const n0 = tf.memory().numTensors;
    const a = await ex.extract(x);
    const b = await ex.extract(x);
    expect(tf.memory().numTensors).to.equal(n0);
    x.dispose();
    expect(a.features).to.have.length(3 * 2048);
    expect(maxAbsDiff(a.features, b.features)).to.equal(0);
    expect(maxAbsDiff(a.features.subarray(0, 2048), a.features.subarray(2048, 4096))).to.be.above(1e-3);
    for (let i = 0; i < 3; i++) expect(a.probs!.subarray(5 * i, 5 * i + 5).reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
  });

  it('batch size does not change the features', async () => {
    const x = smoothImages(3, 2);
    const ex1 = await getExtractor('nsfwjs-proxy', { batchSize: 1, progress: false });
    const one = await ex1.extract(x);
    ex1.dispose();
    const three = await ex.extract(x);
    x.dispose();
    expect(maxAbsDiff(one.features, three.features)).to.be.below(1e-4);
  });

  it('proxy FID: embedded synthetic anime set vs a disjoint half of itself is small, vs noise is large', async function () {
    const n = 12;
    const dir = await embeddedDataset('anime', { n: 2 * n, size: [64, 64], seed: 0 });
    const files = fs.readdirSync(path.join(dir, 'images')).sort().slice(0, 2 * n).map((f) => path.join(dir, 'images', f));
    const all = await loadImagesResized(files, 64, 'synthetic anime');
    const noise = tf.randomUniform([n, 64, 64, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
    const t0 = Date.now();
    const f = (await ex.extract(all)).features;
    const fn = (await ex.extract(noise)).features;
    const ips = (3 * n) / ((Date.now() - t0) / 1000);
    all.dispose();
    noise.dispose();
    const half = fidFromFeatures(f.subarray(0, n * 2048), f.subarray(n * 2048), 2048);
    const vsNoise = fidFromFeatures(f.subarray(0, n * 2048), fn, 2048);
    console.log(`    ${tf.getBackend()}: ${ips.toFixed(2)} images/s (64x64 -> 299); proxy FID half/half ${half.toFixed(2)}, vs noise ${vsNoise.toFixed(2)} (n=${n}, biased at this n)`);
    expect(vsNoise).to.be.above(3 * half);
  });

  /** Images of an untrained DCGAN generator (what FID must call far from the data). */
  function untrainedSamples(n: number, size: number): tf.Tensor4D {
    const g = dcganGenerator({ size, nz: 100, ngf: 16, seed: 3 });
    const out = tf.tidy(() => g.predict(tf.randomNormal([n, 100], 0, 1, 'float32', 5)) as tf.Tensor4D);
    g.dispose();
    return out;
  }

  for (const source of ['embedded', 'real'] as const) {
    it(`proxy FID of ${source} anime faces: a disjoint half of themselves is small, an untrained generator's samples large${source === 'real' ? ' (needs DATA_ROOT)' : ''}`, async function () {
      const n = 16;
      let files: string[];
      if (source === 'real') {
        const root = process.env.DATA_ROOT;
        const dir = root && path.join(root, 'anime-faces-96', 'images');
        if (!dir || !fs.existsSync(dir)) {
          console.log('    SKIPPED: set DATA_ROOT (the folder with the real data sets, see README: Data) to run this on real anime faces');
          return this.skip();
        }
        files = Array.from({ length: 2 * n }, (_, i) => path.join(dir, `${100 + i}.jpg`));
      } else {
        const dir = await embeddedDataset('anime', { n: 2 * n, size: [64, 64], seed: 0 });
        files = fs.readdirSync(path.join(dir, 'images')).sort().slice(0, 2 * n).map((f) => path.join(dir, 'images', f));
      }
      const real = await loadImagesResized(files, 64, `${source} anime faces`);
      const fake = untrainedSamples(n, 64);
      const f = (await ex.extract(real)).features;
      const fg = (await ex.extract(fake)).features;
      tf.dispose([real, fake]);
      const half = fidFromFeatures(f.subarray(0, n * 2048), f.subarray(n * 2048), 2048);
      const vsUntrained = fidFromFeatures(f.subarray(0, n * 2048), fg, 2048);
      console.log(`    ${source} anime: proxy FID half/half ${half.toFixed(2)}, vs untrained DCGAN ${vsUntrained.toFixed(2)} (n=${n})`);
      expect(vsUntrained).to.be.above(3 * half);
    });
  }

  it('proxy FID on real anime faces: disjoint halves small, vs noise large (needs DATA_ROOT)', async function () {
    const root = process.env.DATA_ROOT;
    const dir = root && path.join(root, 'anime-faces-96', 'images');
    if (!dir || !fs.existsSync(dir)) {
      console.log('    SKIPPED: set DATA_ROOT (the folder with the real data sets, see README: Data) to run this on real anime faces');
      return this.skip();
    }
    const n = 16;
    const files = Array.from({ length: 2 * n }, (_, i) => path.join(dir, `${i}.jpg`));
    const real = await loadImagesResized(files, 96, 'anime faces');
    const noise = tf.tidy(() => tf.image.resizeBilinear(tf.randomUniform([n, 12, 12, 3], -1, 1, 'float32', 9) as tf.Tensor4D, [96, 96]));
    const f = (await ex.extract(real)).features;
    const fn = (await ex.extract(noise)).features;
    real.dispose();
    noise.dispose();
    const half = fidFromFeatures(f.subarray(0, n * 2048), f.subarray(n * 2048), 2048);
    const vsNoise = fidFromFeatures(f.subarray(0, n * 2048), fn, 2048);
    console.log(`    anime faces: proxy FID half/half ${half.toFixed(2)}, vs smooth noise ${vsNoise.toFixed(2)} (n=${n})`);
    expect(vsNoise).to.be.above(2 * half);
  });
});
