import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { linspace, normalDensity, optimalDiscriminator } from '../../lib/divergences';
import { trainDiscriminator1d } from '../../lib/notebook/toyDiscriminator';

describe('notebook/toyDiscriminator', () => {
  it('approaches D* = p_r/(p_r+p_g) on overlapping Gaussians and frees its tensors', () => {
    const before = tf.memory().numTensors;
    const { d, losses } = trainDiscriminator1d({
      sampleReal: (n, rng) => Array.from({ length: n }, () => rng.normal()),
      sampleFake: (n, rng) => Array.from({ length: n }, () => 1.5 + 0.7 * rng.normal()),
      steps: 300,
      batch: 128,
      hidden: 16,
      seed: 3,
    });
    const xs = linspace(-1.5, 2.5, 41);
    const dStar = optimalDiscriminator(normalDensity(xs, 0, 1), normalDensity(xs, 1.5, 0.7));
    const got = d.predict(xs);
    const maxErr = Math.max(...got.map((v, i) => Math.abs(v - dStar[i])));
    expect(maxErr).to.be.below(0.1);
    // The loss −V(D,G) went down from log 4 (a constant D = ½) towards −C(G) = 0.81.
    expect(losses[losses.length - 1]).to.be.below(2 * Math.LN2 - 0.3);
    const g = d.generatorGradient([0, 0.5, 1], 1.5);
    expect(Number.isFinite(g.minimax) && Number.isFinite(g.nonSaturating)).to.equal(true);
    d.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('gives the generator almost no minimax gradient once the distributions are far apart', () => {
    const grad = (theta: number) => {
      const { d } = trainDiscriminator1d({
        sampleReal: (n, rng) => Array.from({ length: n }, () => 0.5 * rng.normal()),
        sampleFake: (n, rng) => Array.from({ length: n }, () => theta + 0.5 * rng.normal()),
        steps: 200,
        batch: 128,
        hidden: 16,
        seed: 1,
      });
      const zs = Array.from({ length: 256 }, (_, i) => 0.5 * Math.sin(i));
      const g = d.generatorGradient(zs, theta);
      d.dispose();
      return Math.abs(g.minimax);
    };
    expect(grad(5)).to.be.below(grad(0.5) / 20);
  });
});
