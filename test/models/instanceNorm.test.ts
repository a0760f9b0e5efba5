import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { InstanceNormalization, instanceNormalization } from '../../lib/models/instanceNorm';
import { expectNoLeak, useCpu } from './helpers';

describe('InstanceNormalization', () => {
  before(useCpu);

  it('normalises each sample and channel over H, W (hand-computed)', () => {
    // Sample 0, channel 0: values 1, 2, 3, 4 -> mean 2.5, var 1.25.
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40, /* sample 1 */ 0, 0, 0, 1, 0, 2, 0, 3], [2, 2, 2, 2]);
    const layer = instanceNormalization();
    const y = expectNoLeak(() => tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync())));
    const s = Math.sqrt(1.25 + 1e-5);
    [1, 2, 3, 4].forEach((v, i) => expect(y[2 * i]).to.be.closeTo((v - 2.5) / s, 1e-5));
    // Channel 1 of sample 0 (10, 20, 30, 40: mean 25, var 125) is normalised on its own statistics.
    [10, 20, 30, 40].forEach((v, i) => expect(y[2 * i + 1]).to.be.closeTo((v - 25) / Math.sqrt(125 + 1e-5), 1e-5));
    // Sample 1, channel 0 is constant: 0 / sqrt(eps) = 0 (no NaN).
    [0, 1, 2, 3].forEach((i) => expect(y[8 + 2 * i]).to.equal(0));
    x.dispose();
  });

  it('statistics are per sample: other images in the batch do not change the output', () => {
    const a = tf.randomNormal([1, 5, 6, 3], 2, 3, 'float32', 1);
    const b = tf.randomNormal([1, 5, 6, 3], -4, 0.1, 'float32', 2);
    const layer = instanceNormalization();
    const [alone, batched] = tf.tidy(() => [layer.apply(a) as tf.Tensor, (layer.apply(tf.concat([a, b])) as tf.Tensor).slice(0, 1)]);
    expect(tf.max(tf.abs(tf.sub(alone, batched))).dataSync()[0]).to.be.lessThan(1e-6);
    const { mean, variance } = tf.moments(alone, [1, 2]);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).to.be.lessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]).to.be.lessThan(1e-3);
    tf.dispose([a, b, alone, batched, mean, variance]);
  });

  it('affine: learns per-channel gamma (init 1) and beta (init 0) and applies them', () => {
    const layer = new InstanceNormalization({ affine: true });
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 3);
    const plain = tf.tidy(() => instanceNormalization().apply(x) as tf.Tensor);
    layer.apply(x); // build
    expect(layer.trainableWeights.map((w) => w.shape)).to.deep.equal([[3], [3]]);
    layer.setWeights([tf.tensor1d([1, 2, 3]), tf.tensor1d([0, -1, 5])]);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const expected = tf.tidy(() => tf.add(tf.mul(plain, tf.tensor1d([1, 2, 3])), tf.tensor1d([0, -1, 5])));
    expect(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]).to.be.lessThan(1e-5);
    tf.dispose([x, plain, y, expected]);
  });

  it('has a gradient for the input and for gamma/beta', () => {
    const layer = new InstanceNormalization({ affine: true });
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 4);
    layer.apply(x);
    const w = tf.tensor4d(Array.from({ length: 18 }, (_, i) => Math.sin(i)), [1, 3, 3, 2]);
    expectNoLeak(() => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar,
        layer.trainableWeights.map((v) => v.read() as tf.Variable));
      for (const g of Object.values(grads)) expect(tf.any(tf.notEqual(g, 0)).dataSync()[0]).to.equal(1);
      const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, w)))(x);
      expect(tf.any(tf.notEqual(gx, 0)).dataSync()[0]).to.equal(1);
    }));
    tf.dispose([x, w]);
  });

  it('round-trips through tf.io (serialised config and weights)', async () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const out = new InstanceNormalization({ affine: true, epsilon: 1e-3, name: 'in' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    model.setWeights([tf.tensor1d([2, 3]), tf.tensor1d([0.5, -0.5])]);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const layer = loaded.layers[1] as InstanceNormalization;
    expect(layer).to.be.instanceOf(InstanceNormalization);
    expect(layer.epsilon).to.equal(1e-3);
    expect(layer.affine).to.equal(true);
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 5);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor))).dataSync()[0]);
    expect(d).to.equal(0);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });
});
