import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { getExtractor, listExtractors, registerExtractor } from '../../../lib/metrics/extractors/registry';
import { FeatureExtractor } from '../../../lib/metrics/extractors/types';
import { extractBatched } from '../../../lib/metrics/extractors/batching';
import { UserError } from '../../../lib/util/errors';

describe('feature extractor registry', () => {
  it('lists the built-in extractors', () => {
    expect(listExtractors()).to.include.members(['inception-v3-fid', 'nsfwjs-proxy', 'domain-classifier']);
  });

  it('unknown names and bad batch sizes are UserErrors', async () => {
    let err: unknown;
    try {
      await getExtractor('no-such-net');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.contain('nsfwjs-proxy');
    err = undefined;
    try {
      await getExtractor('nsfwjs-proxy', { batchSize: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
  });

  it('a registered extractor is built by name, and batched extraction keeps order and does not leak', async () => {
    // A tiny "extractor": per-image channel means (3-d features) and a 2-class softmax.
    registerExtractor('test-channel-means', async (opts) => {
      const ex: FeatureExtractor = {
        name: 'test-channel-means',
        dim: 3,
        classes: 2,
        description: 'test',
        extract: (images) =>
          extractBatched(images, { name: 'test-channel-means', dim: 3, classes: 2, batchSize: opts.batchSize ?? 2, progress: false }, (b) => {
            const f = tf.mean(b, [1, 2]) as tf.Tensor2D;
            return { features: f, probs: tf.softmax(f.slice([0, 0], [-1, 2])) as tf.Tensor2D };
          }),
        dispose() {},
      };
      return ex;
    });
    const ex = await getExtractor('test-channel-means', { batchSize: 2 });
    const imgs = tf.tidy(() => tf.stack([0, 1, 2, 3, 4].map((i) => tf.fill([4, 5, 3], i / 10))) as tf.Tensor4D);
    const n0 = tf.memory().numTensors;
    const { features, probs } = await ex.extract(imgs);
    expect(tf.memory().numTensors).to.equal(n0);
    imgs.dispose();
    expect(Array.from(features).map((v) => +v.toFixed(5))).to.deep.equal([0, 0, 0, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.4, 0.4, 0.4]);
    expect(probs).to.have.length(10);
    expect(probs![0] + probs![1]).to.be.closeTo(1, 1e-6);
  });

  it('rejects images that are not [n, h, w, 3]', async () => {
    const ex = await getExtractor('test-channel-means');
    const gray = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    let err: unknown;
    try {
      await ex.extract(gray);
    } catch (e) {
      err = e;
    }
    gray.dispose();
    expect(err).to.be.instanceOf(UserError);
  });
});
