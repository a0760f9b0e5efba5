#!/usr/bin/env node
// What blur alone does to each Table 1 yardstick: real embedded anime blurred by resizing down and
// back up, scored by FID against other real anime on the proxy Inception and on the anime hair
// classifier's features. Run from the project root after the main job (it reads the classifier
// notebook 06 cached). Usage: node scripts/blur-baseline.js [classifier dir] [n=500]
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const { initBackend } = require('../dist/lib/backend');
const { loadDomainClassifier, domainClassifierExtractor, DOMAIN_CLASSIFIER_META } = require('../dist/lib/metrics/extractors/domainClassifier');
const { embeddedDataset } = require('../dist/lib/data/synth/dataset');
const { ImageFolder } = require('../dist/lib/data/imageFolder');
const { fidFromFeatures } = require('../dist/lib/metrics/fid');
const { getExtractor } = require('../dist/lib/metrics/extractors');

(async () => {
  const clfDir = process.argv[2] || 'runs/classifiers/synth-anime-hair-n2000-e8';
  const n = Number(process.argv[3] || 500);
  if (!fs.existsSync(`${clfDir}/${DOMAIN_CLASSIFIER_META}`)) {
    console.error(`blur-baseline: no classifier in ${clfDir}; run the main job first (npm run paper) or name one`);
    process.exit(2);
  }
  await initBackend();
  const extractors = [
    ['anime hair classifier', domainClassifierExtractor(await loadDomainClassifier(clfDir), { progress: false })],
    ['proxy Inception', await getExtractor('nsfwjs-proxy', { progress: false })],
  ];
  // notebook 05's set (seed 1): images no run trained on
  const folder = await ImageFolder.open(await embeddedDataset('anime', { n: 2 * n, size: [32, 32], seed: 1 }), { size: [32, 32], limit: 2 * n });
  const all = folder.batchAt([...Array(2 * n).keys()]);
  const [a, b] = [all.slice([0, 0, 0, 0], [n, -1, -1, -1]), all.slice([n, 0, 0, 0], [n, -1, -1, -1])];
  const sides = [32, 16, 12, 8];
  console.log(`| FID against ${n} other real anime | ${sides.map((s) => (s === 32 ? 'sharp' : `32→${s}→32`)).join(' | ')} |`);
  console.log(`|---|${sides.map(() => '---').join('|')}|`);
  for (const [name, ex] of extractors) {
    const ref = (await ex.extract(b)).features;
    const cells = [];
    for (const s of sides) {
      const x = s === 32 ? a : tf.tidy(() => tf.image.resizeBilinear(tf.image.resizeBilinear(a, [s, s]), [32, 32]));
      cells.push(fidFromFeatures((await ex.extract(x)).features, ref, ex.dim).toFixed(2));
      if (x !== a) x.dispose();
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
    ex.dispose();
  }
  tf.dispose([all, a, b]);
})().catch((e) => {
  console.error(`blur-baseline: ${e.message}`);
  process.exit(1);
});
