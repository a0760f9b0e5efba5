import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { expect } from 'chai';
import { auditKernels, initBackend, registerKernelFixes } from '../../lib/backend';
import { onWasmWithoutLeaks, seeded, relError } from './helpers';

const param = (shape: number[], seed: number, scale = 0.3) => tf.tensor(seeded(shape.reduce((a, b) => a * b), seed), shape).mul(scale);

/** A tiny DCGAN step: G (dense, 2 transposed convs, batch norm) and D (2 strided convs), minimax loss. */
function dcganGrads(): tf.Tensor[] {
  const z = param([3, 4], 1, 1);
  const w = {
    g0: param([4, 2 * 2 * 6], 2),
    g1: param([4, 4, 4, 6], 3),
    g2: param([4, 4, 3, 4], 4),
    gamma: tf.add(param([4], 5), 1) as tf.Tensor1D,
    beta: param([4], 6) as tf.Tensor1D,
    d1: param([4, 4, 3, 5], 7),
    d2: param([4, 4, 5, 1], 8),
  };
  const names = Object.keys(w) as (keyof typeof w)[];
  const loss = (...vals: tf.Tensor[]) => {
    const v = Object.fromEntries(names.map((n, i) => [n, vals[i]])) as typeof w;
    let h = tf.relu(tf.matMul(z, v.g0)).reshape([3, 2, 2, 6]) as tf.Tensor4D;
    h = tf.conv2dTranspose(h, v.g1 as tf.Tensor4D, [3, 4, 4, 4], 2, 'same');
    // Moments over every axis but the channels: one value per channel.
    const { mean, variance } = tf.moments(h, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    h = tf.relu(tf.batchNorm(h, mean, variance, v.beta, v.gamma, 1e-5));
    const img = tf.tanh(tf.conv2dTranspose(h, v.g2 as tf.Tensor4D, [3, 8, 8, 3], 2, 'same'));
    let d = tf.leakyRelu(tf.conv2d(img, v.d1 as tf.Tensor4D, 2, 'same'), 0.2);
    d = tf.conv2d(d, v.d2 as tf.Tensor4D, 2, 'valid');
    return tf.losses.sigmoidCrossEntropy(tf.onesLike(d), d);
  };
  const vals = names.map((n) => w[n]);
  const { value, grads } = tf.valueAndGrads(loss)(vals);
  return [value, ...grads];
}

/** A tiny cycle-model step: reflection pad, 7x7 conv, instance norm, 3x3 stride-2 conv, nearest upsampling, L1 loss. */
function resnetGrads(): tf.Tensor[] {
  const x = param([2, 8, 8, 3], 11, 1) as tf.Tensor4D;
  const vals = [param([7, 7, 3, 4], 12), param([3, 3, 4, 4], 13), param([3, 3, 4, 3], 14)];
  const loss = (w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
    let h = tf.conv2d(tf.mirrorPad(x, [[0, 0], [3, 3], [3, 3], [0, 0]], 'reflect'), w1 as tf.Tensor4D, 1, 'valid');
    const { mean, variance } = tf.moments(h, [1, 2], true);
    h = tf.relu(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5)))) as tf.Tensor4D;
    h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'));
    h = tf.image.resizeNearestNeighbor(h, [8, 8]);
    const y = tf.tanh(tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same'));
    return tf.mean(tf.abs(tf.sub(y, x)));
  };
  const { value, grads } = tf.valueAndGrads(loss)(vals);
  return [value, ...grads];
}

async function run(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend({ backend, quiet: true });
  return tf.tidy(() => f()).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
}

describe('backend/kernelAudit: every op our models train with runs on wasm', function () {
  this.timeout(300000);
  onWasmWithoutLeaks();

  it('finds no missing kernel, no error, and agrees with cpu to 1e-4 (forward and gradients)', async () => {
    const results = await auditKernels('wasm');
    expect(results.length).to.be.greaterThan(30);
    for (const r of results) {
      expect(r.missing, r.name).to.deep.equal([]);
      expect(r.error, r.name).to.equal(undefined);
      expect(r.maxRelError!, r.name).to.be.at.most(1e-4);
    }
    const kernels = new Set(results.flatMap((r) => r.kernels));
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'ResizeNearestNeighborGrad', 'ClipByValue', 'FusedBatchNorm', 'UnsortedSegmentSum', 'FusedConv2D']) {
      expect(kernels.has(k), k).to.equal(true);
    }
  });

  it('reports the kernels a backend lacks, and the error, instead of failing mid-training', async () => {
    // A fresh cpu backend registered under a new name has no kernels at all.
    tf.registerBackend('audit-empty', () => new MathBackendCPU());
    try {
      const [r] = await auditKernels('audit-empty', 'cpu', [
        { name: 'conv', run: () => [tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 1, 1]))] },
      ]);
      expect(r.kernels).to.include.members(['Conv2D', 'Conv2DBackpropFilter']);
      expect(r.missing).to.include.members(['Conv2D', 'Conv2DBackpropFilter']);
      expect(r.error).to.match(/not registered for backend 'audit-empty'/);
      expect(tf.getBackend()).to.equal('wasm');
    } finally {
      tf.removeBackend('audit-empty');
    }
  });

  it('a tiny DCGAN step: loss and all 7 gradients on wasm equal cpu (rel. error <= 1e-4)', async () => {
    const got = await run('wasm', dcganGrads);
    const want = await run('cpu', dcganGrads);
    expect(got.length).to.equal(8);
    got.forEach((g, i) => expect(relError(g, want[i]), `output ${i}`).to.be.at.most(1e-4));
    expect(Math.max(...got[2].map(Math.abs))).to.be.greaterThan(0);
  });

  it('a tiny cycle-model step (reflection pad, 7x7, instance norm, upsampling, L1): wasm equals cpu', async () => {
    const got = await run('wasm', resnetGrads);
    const want = await run('cpu', resnetGrads);
    got.forEach((g, i) => expect(relError(g, want[i]), `output ${i}`).to.be.at.most(1e-4));
  });
});
