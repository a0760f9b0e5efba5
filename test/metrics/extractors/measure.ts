/**
 * Measurements for the report (not a mocha test; run by hand):
 *   DATA_ROOT=/path/to/data node -r ts-node/register/transpile-only test/metrics/extractors/measure.ts domain [hair|eye] [epochs] [out]
 *   node -r ts-node/register/transpile-only test/metrics/extractors/measure.ts synth [n] [epochs] [out]
 *   DATA_ROOT=/path/to/data node -r ts-node/register/transpile-only test/metrics/extractors/measure.ts is CLASSIFIER_DIR [n]
 *   node -r ts-node/register/transpile-only test/metrics/extractors/measure.ts speed nsfwjs-proxy|domain-classifier|inception-v3-fid [n]
 * Backend: wasm (ANIME_GAN_MEASURE_BACKEND=cpu to compare).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';
import * as path from 'path';
import { getExtractor, loadImagesResized, trainAnimeTagClassifier, trainSynthClassifier } from '../../../lib/metrics/extractors';
import { inceptionScore } from '../../../lib/metrics/inceptionScore';
import { embeddedDataset } from '../../../lib/data/synth';
import { readCsv } from '../../../lib/data/csv';

async function main(): Promise<void> {
  await tf.setBackend(process.env.ANIME_GAN_MEASURE_BACKEND ?? 'wasm');
  const [what, a, b, c] = process.argv.slice(2);
  if (what === 'domain') {
    const root = process.env.DATA_ROOT;
    if (!root) throw new Error('set DATA_ROOT');
    const t0 = Date.now();
    const clf = await trainAnimeTagClassifier(root, {
      attribute: a ?? 'hair',
      epochs: b ? Number(b) : undefined,
      out: c,
      onEpoch: (e, l) => console.log(`epoch ${e + 1}: loss ${l.loss.toFixed(3)} train acc ${l.trainAccuracy.toFixed(3)} held-out acc ${l.heldOutAccuracy.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    });
    const majority = 'see class counts in tags.csv';
    console.log(JSON.stringify({ backend: tf.getBackend(), attribute: clf.attribute, classes: clf.classNames, heldOutAccuracy: clf.heldOutAccuracy, seconds: (Date.now() - t0) / 1000, note: majority }));
    clf.model.dispose();
  } else if (what === 'synth') {
    const n = Number(a ?? 2000);
    const dir = await embeddedDataset('anime', { n, size: [96, 96], seed: 0 });
    const t0 = Date.now();
    const clf = await trainSynthClassifier(dir, {
      attribute: 'hair',
      epochs: b ? Number(b) : undefined,
      out: c,
      onEpoch: (e, l) => console.log(`epoch ${e + 1}: loss ${l.loss.toFixed(3)} held-out acc ${l.heldOutAccuracy.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    });
    console.log(JSON.stringify({ backend: tf.getBackend(), data: dir, classes: clf.classNames.length, heldOutAccuracy: clf.heldOutAccuracy, seconds: (Date.now() - t0) / 1000 }));
    clf.model.dispose();
  } else if (what === 'is') {
    // IS of the domain classifier on: untagged real faces (never seen in training), faces of one tagged hair colour, noise.
    const root = process.env.DATA_ROOT;
    if (!root || !a) throw new Error('set DATA_ROOT and give the classifier folder');
    const n = Number(b ?? 500);
    const ex = await getExtractor('domain-classifier', { dir: a, progress: false });
    const tags = readCsv(path.join(root, 'anime-faces-96', 'tags.csv'));
    const tagged = new Set(tags.map((r) => r.file));
    const imgDir = path.join(root, 'anime-faces-96', 'images');
    const untagged = fs.readdirSync(imgDir).filter((f) => !tagged.has(f)).sort().slice(0, n);
    const brown = tags.filter((r) => r.hair === 'brown').map((r) => r.file).slice(0, n);
    const score = async (x: tf.Tensor4D) => {
      const { probs } = await ex.extract(x);
      x.dispose();
      return inceptionScore(probs!, ex.classes!, { splits: 10 });
    };
    const real = await score(await loadImagesResized(untagged.map((f) => path.join(imgDir, f)), 96));
    const oneColour = await score(await loadImagesResized(brown.map((f) => path.join(imgDir, f)), 96));
    const noise = await score(tf.randomUniform([n, 96, 96, 3], -1, 1, 'float32', 5) as tf.Tensor4D);
    console.log(JSON.stringify({ description: ex.description, n, classes: ex.classes, untaggedReal: real, brownHairOnly: oneColour, uniformNoise: noise }));
    ex.dispose();
  } else if (what === 'speed') {
    const ex = await getExtractor(a ?? 'nsfwjs-proxy', { progress: false });
    const n = Number(b ?? 16);
    const x = tf.randomUniform([n, 96, 96, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const warm = x.slice(0, 1);
    await ex.extract(warm);
    warm.dispose();
    const t0 = Date.now();
    await ex.extract(x);
    const s = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ extractor: ex.name, backend: tf.getBackend(), images: n, inputSize: 96, imagesPerSecond: n / s }));
    x.dispose();
    ex.dispose();
  } else {
    throw new Error('usage: measure.ts domain [attr] [epochs] [out] | speed NAME [n]');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
