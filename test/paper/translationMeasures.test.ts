import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { FeatureExtractor } from '../../lib/metrics/extractors/types';
import { coveredClasses, labelAgreement, labelInformation, translationMeasures, translationMeasuresMarkdown } from '../../lib/paper/translationMeasures';
import { Rng } from '../../lib/util/rng';

const COLOURS = ['red', 'green', 'blue'];

/** Images whose colour is mostly one channel: `hue[i]` of COLOURS, with a little noise. */
function tinted(hue: number[], seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const px = 4 * 4;
  const data = new Float32Array(hue.length * px * 3);
  hue.forEach((h, i) => {
    for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) data[(i * px + p) * 3 + c] = (c === h ? 0.6 : -0.6) + 0.3 * rng.normal();
  });
  return tf.tensor4d(data, [hue.length, 4, 4, 3]);
}

/** Features: each image's mean per channel and its square; classes: the brightest channel. */
const toyExtractor: FeatureExtractor = {
  name: 'toy',
  dim: 6,
  classes: 3,
  description: 'channel means',
  async extract(images) {
    const [features, probs] = tf.tidy(() => {
      const m = tf.mean(images, [1, 2]);
      return [tf.concat([m, tf.square(m)], 1), tf.softmax(tf.mul(m, 20))];
    });
    const out = { features: (await features.data()) as Float32Array, probs: (await probs.data()) as Float32Array };
    tf.dispose([features, probs]);
    return out;
  },
  dispose() {},
};

const hues = (n: number, seed: number, choices: number[]) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => choices[rng.int(choices.length)]);
};

describe('translationMeasures: has a translator learned?', function () {
  it('labelAgreement counts matches beside the product of the marginals', function () {
    const r = labelAgreement(['a', 'a', 'b', 'b', ''], ['a', 'b', 'b', 'b', 'a']);
    expect(r.n).to.equal(4);
    expect(r.agreement).to.equal(0.75);
    expect(r.chance).to.be.closeTo(0.5 * 0.25 + 0.5 * 0.75, 1e-12);
  });

  it('labelInformation credits a consistent renaming that agreement misses, and not independent labels', function () {
    const rng = new Rng(3);
    const known = Array.from({ length: 400 }, () => ['black', 'brown', 'blonde', 'red'][rng.int(4)]);
    const renamed = known.map((k) => ({ black: 'blue', brown: 'orange', blonde: 'white', red: 'pink' })[k]!);
    expect(labelAgreement(known, renamed).agreement).to.equal(0);
    const info = labelInformation(known, renamed);
    expect(info.bits).to.be.closeTo(2, 0.05); // four near-equal classes: H = 2 bits
    expect(info.shuffled95).to.be.below(0.1);
    const independent = labelInformation(known, known.map(() => ['blue', 'orange'][rng.int(2)]));
    expect(independent.bits).to.be.below(independent.shuffled95);
    expect(labelInformation(['', ''], ['a', 'b']).bits).to.be.NaN;
  });

  it('coveredClasses counts classes that are the top prediction for at least 1% of rows', function () {
    const probs = new Float32Array([0.9, 0.1, 0, 0.8, 0.2, 0, 0.1, 0.9, 0]);
    expect(coveredClasses(probs, 3)).to.equal(2);
    expect(coveredClasses(probs, 3, 0.5)).to.equal(1);
  });

  it('a translator that maps red to blue scores near the floor and keeps its input; one that forgets it does not', async function () {
    const before = tf.memory().numTensors;
    const faceHue = hues(60, 1, [0, 1]);
    const faces = tinted(faceHue, 1);
    const anime = tinted(hues(60, 2, [1, 2]), 2);
    const swap = (x: tf.Tensor4D) => tf.reverse(x, 3) as tf.Tensor4D; // red ↔ blue, green stays
    const base = { faces, anime, fid: toyExtractor, hair: toyExtractor, hairClasses: COLOURS, faceHair: faceHue.map((h) => COLOURS[h]), batchSize: 16 };
    try {
      const good = await translationMeasures({ ...base, toB: swap, toA: swap });
      expect(good.n).to.equal(60);
      expect(good.fid.translated).to.be.below(good.fid.untranslated / 4);
      expect(good.fidHair.translated).to.be.below(good.fidHair.untranslated / 4);
      expect(good.cycleL1.translated).to.be.below(1e-6);
      expect(good.cycleL1.meanImage).to.be.above(0.3);
      expect(good.hairClasses).to.deep.equal({ translated: 2, real: 2, total: 3 });
      // red faces became blue, green stayed green: half the names agree, all the information is kept
      expect(good.dependence!.agreement).to.be.within(0.3, 0.7);
      expect(good.dependence!.information.bits).to.be.above(0.9);
      expect(good.dependence!.information.bits).to.be.above(10 * good.dependence!.information.shuffled95);

      const grey = tf.keep(tf.fill([1, 4, 4, 3], 0.1)) as tf.Tensor4D;
      const forgot = (x: tf.Tensor4D) => tf.tile(grey, [x.shape[0], 1, 1, 1]) as tf.Tensor4D;
      const bad = await translationMeasures({ ...base, toB: forgot, toA: forgot });
      grey.dispose();
      expect(bad.cycleL1.translated).to.be.above(bad.cycleL1.meanImage);
      expect(bad.hairClasses.translated).to.equal(1);
      expect(bad.dependence!.information.bits).to.be.below(1e-9);

      const md = translationMeasuresMarkdown([{ label: 'good', m: good }, { label: 'bad', m: bad }]);
      const rows = md.split('\n');
      expect(rows).to.have.length(4);
      expect(rows[0].split('|').length).to.equal(rows[2].split('|').length);
      expect(rows[2]).to.match(/^\| good \| .* \| 2 of 3 \| 2 \| 0\.000 \| /);
    } finally {
      tf.dispose([faces, anime]);
    }
    expect(tf.memory().numTensors).to.equal(before);
  });
});
