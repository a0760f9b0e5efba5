import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { clipWeights, wganCritic } from '../../lib/models/wgan';
import { dcganDiscriminator } from '../../lib/models/dcgan';
import { NormKind } from '../../lib/models/common';
import { UserError } from '../../lib/util/errors';
import { expectNoLeak, gradientStep, trainableParams, useCpu } from './helpers';

describe('WGAN critic', () => {
  before(useCpu);

  it('is the DCGAN discriminator body with the same parameters (batch norm)', () => {
    const C = wganCritic({ size: 64, ndf: 4, seed: 1 });
    const D = dcganDiscriminator({ size: 64, ndf: 4, seed: 1 });
    expect(trainableParams(C)).to.equal(trainableParams(D));
    // Same seed, same body: the same scores (the activation layer differs only in how its gradient is built).
    const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 2);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(C.predict(x) as tf.Tensor, D.predict(x) as tf.Tensor))).dataSync()[0])).to.be.lessThan(1e-5);
    tf.dispose([x]);
    C.dispose();
    D.dispose();
  });

  for (const norm of ['batch', 'layer', 'instance', 'none'] as NormKind[]) {
    for (const size of [[32, 32], [64, 80], [128, 160]] as [number, number][]) {
      it(`norm ${norm}, ${size[0]}x${size[1]}: unbounded linear score [batch, 1]`, () => {
        const C = wganCritic({ size, ndf: 2, norm, seed: 1 });
        expect(C.layers.some((l) => l.getClassName() === 'BatchNormalization')).to.equal(norm === 'batch');
        // A linear output: scaling the last conv scales the scores (no sigmoid squashes them).
        expectNoLeak(() => tf.tidy(() => {
          const x = tf.randomUniform([2, size[0], size[1], 3], -1, 1, 'float32', 3);
          const s1 = C.predict(x) as tf.Tensor;
          expect(s1.shape).to.deep.equal([2, 1]);
          const last = C.layers.filter((l) => l.getClassName() === 'Conv2D').pop()!;
          const k = last.getWeights()[0];
          last.setWeights([tf.mul(k, 1000)]);
          const s2 = C.predict(x) as tf.Tensor;
          last.setWeights([k]);
          expect(tf.max(tf.abs(tf.sub(s2, tf.mul(s1, 1000)))).dataSync()[0]).to.be.lessThan(1e-2 * tf.max(tf.abs(s2)).dataSync()[0]);
          expect(tf.max(tf.abs(s1)).dataSync()[0]).to.be.greaterThan(0);
        }));
        C.dispose();
      });
    }
  }

  it('rejects an unknown norm and an impossible size', () => {
    expect(() => wganCritic({ norm: 'group' as NormKind })).to.throw(UserError, /norm/);
    expect(() => wganCritic({ size: 30 + 1 })).to.throw(UserError, /size/);
  });

  it('a critic step runs (Wasserstein loss), no tensors leak', () => {
    const C = wganCritic({ size: 32, ndf: 2, norm: 'layer', seed: 1 });
    const real = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1);
    const fake = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    gradientStep(C, () => tf.tidy(() => tf.sub(tf.mean(C.apply(fake) as tf.Tensor), tf.mean(C.apply(real) as tf.Tensor)) as tf.Scalar));
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([real, fake]);
    C.dispose();
  });
});

describe('clipWeights (eq. (8) Lipschitz constraint)', () => {
  before(useCpu);

  it('clamps every trainable weight to [-c, c], leaves the rest, and leaks nothing', () => {
    const C = wganCritic({ size: 32, ndf: 2, seed: 1 });
    // Batch-norm gamma starts near 1, far outside [-0.01, 0.01]; scale the kernels up as well.
    C.setWeights(tf.tidy(() => C.getWeights().map((w) => tf.mul(w, 10))));
    const nonTrainableBefore = tf.tidy(() => C.nonTrainableWeights.map((w) => Array.from(w.read().dataSync())));
    const before = tf.memory().numTensors;
    const ret = clipWeights(C, 0.01);
    expect(ret).to.equal(undefined);
    expect(tf.memory().numTensors).to.equal(before);
    for (const w of C.trainableWeights) {
      const v = w.read().dataSync();
      expect(Math.max(...Array.from(v, Math.abs)), w.name).to.be.at.most(0.01 + 1e-9);
    }
    // Some weights sit exactly on the bounds, i.e. clipping happened.
    expect(Array.from(C.trainableWeights[0].read().dataSync()).some((v) => Math.abs(Math.abs(v) - 0.01) < 1e-9)).to.equal(true);
    // Values inside [-c, c] are untouched; batch-norm moving statistics are not weights of the critic function.
    const nonTrainableAfter = C.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    expect(nonTrainableAfter).to.deep.equal(nonTrainableBefore);
    C.dispose();
  });

  it('leaves weights already inside the box unchanged', () => {
    const C = wganCritic({ size: 32, ndf: 2, norm: 'none', seed: 1 });
    const w0 = tf.tidy(() => C.getWeights().map((w) => Array.from(w.dataSync())));
    clipWeights(C, 10);
    expect(C.getWeights().map((w) => Array.from(w.dataSync()))).to.deep.equal(w0);
    C.dispose();
  });

  it('rejects a non-positive clip value', () => {
    const C = wganCritic({ size: 32, ndf: 2 });
    expect(() => clipWeights(C, 0)).to.throw(UserError);
    expect(() => clipWeights(C, -0.01)).to.throw(UserError);
    expect(() => clipWeights(C, NaN)).to.throw(UserError);
    C.dispose();
  });
});
