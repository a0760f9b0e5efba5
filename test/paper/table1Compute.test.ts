import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { initBackend } from '../../lib/backend';
import { computeTable1, table1Markdown } from '../../lib/paper/table1';
import { table1Features } from '../../lib/paper/table1Features';
import { tmpDir } from '../train/support';

describe('paper/table1: computed end to end at the smoke preset', function () {
  this.timeout(600_000);
  before(async () => {
    await initBackend({ quiet: true });
    process.env.ANIME_GAN_CACHE = tmpDir('cache');
  });
  after(() => delete process.env.ANIME_GAN_CACHE);

  it('scores every cell, the floor and the other data set as baselines, on both feature sets, without leaking tensors', async () => {
    const runsDir = tmpDir('runs');
    const features = await table1Features({ runsDir, classifierImages: 64, classifierEpochs: 1 });
    const before = tf.memory().numTensors;
    const r = await computeTable1({
      preset: 'smoke', runsDir, seeds: [0], evalCount: 24, parallelRuns: 1, overrides: { embeddedCount: 64 },
      fidExtractor: features.fid, isExtractors: features.is,
    });
    expect(tf.memory().numTensors).to.equal(before);
    features.dispose();
    expect(r.cells).to.have.length(6);
    for (const c of r.cells) expect(c.fid).to.be.finite.and.above(0);
    // The embedded columns both have hair classifiers of their own: a second FID for each.
    for (const c of r.cells) expect(c.fidClassifier).to.be.finite;
    for (const d of ['celeba', 'anime'] as const) {
      const ref = r.reference[d];
      expect(ref.n).to.equal(24);
      // Two draws of the same domain are closer than faces and anime, on either network.
      expect(ref.floor).to.be.finite.and.below(ref.otherDataset);
      expect(ref.classifierFloor).to.be.finite.and.below(ref.classifierOtherDataset);
      expect(ref.scoredAgainst).to.contain('embedded');
    }
    expect(table1Markdown(r)).to.contain("FID on the IS classifiers' features");
  });
});
