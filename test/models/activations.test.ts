import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { GpLeakyReLU, gpLeakyReLU } from '../../lib/models/activations';
import { expectNoLeak, useCpu } from './helpers';

describe('GpLeakyReLU', () => {
  before(useCpu);

  it('equals tf.leakyRelu in value and gradient', () => {
    expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor1d([-3, -0.5, -1e-3, 1e-3, 0.7, 4]);
      const layer = gpLeakyReLU({ alpha: 0.2 });
      const f = (t: tf.Tensor) => layer.apply(t) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(f(x), tf.leakyRelu(x, 0.2)))).dataSync()[0]).to.be.lessThan(1e-7);
      const w = tf.tensor1d([1, 2, 3, 4, 5, 6]);
      const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x);
      const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, 0.2), w)))(x);
      expect(tf.max(tf.abs(tf.sub(g1, g2))).dataSync()[0]).to.be.lessThan(1e-6);
    }));
  });

  it('has a differentiable gradient, which tf.leakyRelu lacks in tf.js (why it exists)', () => {
    const v = tf.variable(tf.tensor1d([0.5, -2]));
    const x = tf.tensor1d([1, 1]);
    // d/dv of (d/dx sum(act(v * x)))^2: needs the gradient of the activation's gradient.
    const secondOrder = (act: (t: tf.Tensor) => tf.Tensor) => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.grad((t: tf.Tensor) => tf.sum(act(tf.mul(v, t))))(x))) as tf.Scalar, [v]);
      return Array.from(grads[v.name].dataSync());
    });
    // grad_x = v * act'(v x) = [0.5, -0.4]; d/dv of sum(grad_x^2) = 2 v act'^2 = [1, -0.16].
    const g = secondOrder((t) => gpLeakyReLU().apply(t) as tf.Tensor);
    expect(g[0]).to.be.closeTo(1, 1e-6);
    expect(g[1]).to.be.closeTo(-0.16, 1e-6);
    expect(() => secondOrder((t) => tf.leakyRelu(t, 0.2))).to.throw(/gradient function not found/);
    tf.dispose([v, x]);
  });

  it('serialises its alpha', () => {
    const l = new GpLeakyReLU({ alpha: 0.1 });
    expect(l.getConfig().alpha).to.equal(0.1);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.GpLeakyReLU).to.not.equal(undefined);
  });
});
