import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

/** CPU backend for all model tests (deterministic, no native dependencies). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs fn and checks that it leaves no new tensors behind. */
export function expectNoLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  expect(tf.memory().numTensors, 'tensors leaked').to.equal(before);
  return out;
}

/** Number of trainable parameters (what PyTorch's model.parameters() counts). */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * (y as number), 1), 0);
}

/**
 * One optimiser step on `model` minimising loss(model); returns the loss before the step and
 * checks that every trainable weight received a finite gradient, non-zero unless `mayBeZero(name)`.
 */
export function gradientStep(model: tf.LayersModel, loss: () => tf.Scalar, lr = 1e-2, mayBeZero: (name: string) => boolean = () => false): number {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(loss, vars);
  try {
    for (const v of vars) {
      const g = grads[v.name];
      expect(g, `gradient of ${v.name}`).to.not.equal(undefined);
      const [finite, nonzero] = tf.tidy(() => [tf.all(tf.isFinite(g)).dataSync()[0], tf.any(tf.notEqual(g, 0)).dataSync()[0]]);
      expect(finite, `finite gradient of ${v.name}`).to.equal(1);
      if (!mayBeZero(v.name)) expect(nonzero, `non-zero gradient of ${v.name}`).to.equal(1);
    }
    const opt = tf.train.sgd(lr);
    opt.applyGradients(grads);
    opt.dispose();
    return value.dataSync()[0];
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
