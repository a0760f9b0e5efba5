import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { tileGradient } from '../../lib/backend';
import { gradientPenalty } from '../../lib/losses';
import { gpLeakyReLU } from '../../lib/models/activations';
import { Rng } from '../../lib/util';

const random = (shape: number[], rng: Rng) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.next() * 2 - 1), shape);
};
const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);

describe('tile gradient (one reshape and one sum)', () => {
  let saved: string | undefined;
  before(async () => {
    saved = tf.engine().backendName ?? undefined;
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (saved) await tf.setBackend(saved);
  });

  it('is the adjoint of tf.tile: <tile(x), dy> = <x, dx> for ranks 1 to 4, repetitions and sizes of 1 or more', () => {
    const rng = new Rng(5);
    const cases: [number[], number[]][] = [
      [[3], [4]], [[2, 3], [1, 2]], [[5, 1, 1, 1], [1, 4, 3, 6]], [[2, 3, 1, 4], [3, 1, 2, 2]], [[1, 1], [1, 1]], [[4, 2, 3], [2, 3, 1]],
    ];
    const before = tf.memory().numTensors;
    for (const [shape, reps] of cases) {
      const x = random(shape, rng);
      const dy = random(shape.map((s, i) => s * reps[i]), rng);
      const dx = tileGradient(dy, shape, reps);
      expect(dx.shape, `${shape} × ${reps}`).to.deep.equal(shape);
      const lhs = tf.tidy(() => dot(tf.tile(x, reps), dy));
      expect(Math.abs(lhs - dot(x, dx)), `${shape} × ${reps}`).to.be.below(1e-4 * Math.max(1, Math.abs(lhs)));
      // And it is what tf.grad gives now.
      const viaGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), dy)))(x);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(viaGrad, dx))).dataSync()[0])).to.be.below(1e-5);
      tf.dispose([x, dy, dx, viaGrad]);
    }
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('differentiates again as broadcasting does (a gradient penalty through statistics tiled like LayerNormalization\'s)', () => {
    const rng = new Rng(6);
    const x = random([3, 4, 4, 2], rng), w = tf.variable(random([1, 4, 4, 2], rng));
    // f(x) = Σ sin(x · m · w), m each sample's mean tiled over its map (or broadcast to it).
    const f = (tiled: boolean) => (t: tf.Tensor) => {
      const m = tf.mean(t, [1, 2, 3], true);
      const mm = tiled ? tf.tile(m, [1, 4, 4, 2]) : m;
      return tf.sum(tf.sin(tf.mul(tf.mul(t, mm), w)));
    };
    const penaltyGrad = (tiled: boolean) => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const g = tf.grad(f(tiled))(x);
        return tf.sum(tf.square(g)) as tf.Scalar;
      }, [w]);
      return grads[w.name];
    });
    const a = penaltyGrad(true), b = penaltyGrad(false);
    const scale = tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]);
    expect(scale).to.be.above(0);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]) / scale).to.be.below(1e-4);
    tf.dispose([x, w, a, b]);
  });

  it('a WGAN-GP penalty through a layer-norm critic runs no slices (tfjs\'s gradient ran one per repetition)', async () => {
    const critic = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.layerNormalization({ axis: [1, 2, 3], epsilon: 1e-5 }),
      gpLeakyReLU({ alpha: 0.2 }), // tf.layers.leakyReLU has no second derivative
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
    ] });
    const rng = new Rng(7);
    const real = random([3, 8, 8, 3], rng), fake = random([3, 8, 8, 3], rng);
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => gradientPenalty(critic, real, fake, 1), critic.trainableWeights.map((v) => v.read() as tf.Variable));
      tf.dispose([value, ...Object.values(grads)]);
    }));
    const slices = info.kernels.filter((k) => k.name === 'Slice').length;
    // tfjs's Tile gradient: 4·4·8 = 128 slices per tiled statistic, then again under the second tape.
    expect(slices, 'Slice kernels').to.equal(0);
    expect(info.kernels.length, 'kernel calls').to.be.below(1500);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([real, fake]);
    critic.dispose();
  });
});
