import { spawnSync } from 'child_process';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import {
  NATIVE_BACKEND_NAME, NATIVE_DISABLE_ENV, loadNativeAddon, nativeStatus, registerNativeBackend,
} from '../../lib/backend/native';
import { Rng } from '../../lib/util';
import { availableBackends, initBackend, registerCpuKernels } from '../../lib/backend';

/**
 * Normwise relative error max|a - b| / max|b| (per-element relative error is meaningless where
 * a convolution's output crosses zero).
 */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

type Fn = (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** Runs fn on the same inputs on `backend`; returns every output as plain arrays. */
async function runOn(backend: string, fn: Fn, inputs: { shape: number[]; values: Float32Array }[]) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const r = fn(xs);
    return Array.isArray(r) ? r : [r];
  });
  const vals = outs.map((o) => Array.from(o.dataSync()));
  const shapes = outs.map((o) => o.shape);
  tf.dispose(outs);
  expect(tf.memory().numTensors).to.equal(before, `${backend} leaked tensors`);
  return { vals, shapes };
}

async function compare(fn: Fn, shapes: number[][], rng: Rng, tol = 1e-4, positive = false) {
  const inputs = shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = positive ? 0.1 + rng.next() : rng.next() * 2 - 1;
    return { shape, values };
  });
  const ref = await runOn('cpu', fn, inputs);
  const got = await runOn(NATIVE_BACKEND_NAME, fn, inputs);
  for (let k = 0; k < ref.vals.length; k++) {
    expect(got.shapes[k]).to.deep.equal(ref.shapes[k]);
    expect(relError(got.vals[k], ref.vals[k]), `output ${k}`).to.be.at.most(tol);
  }
}

/**
 * f(a, b) and both of its gradients, through a loss Σ f·sin(f₀) whose weights vary (so every
 * gradient entry is exercised).
 */
function withGradients(f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor): Fn {
  return ([a, b]) => {
    const y = f(a as tf.Tensor4D, b as tf.Tensor4D);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p as tf.Tensor4D, q as tf.Tensor4D), tf.sin(y))))([a, b]);
    return [y, da, db];
  };
}

const randInt = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

describe('native backend (oneDNN addon)', function () {
  const status = nativeStatus();
  before(function () {
    if (!status.available) {
      // The fallback tests below still run; the kernels cannot be tested without the addon.
      console.warn(`  (native kernels not tested: ${status.reason})`);
      this.skip();
    }
    registerNativeBackend();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('convolutions match the CPU backend on random shapes (forward, data and filter gradients)', async () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 6; trial++) {
      const n = randInt(rng, 1, 3), h = randInt(rng, 3, 9), w = randInt(rng, 3, 9);
      const c = randInt(rng, 1, 6), o = randInt(rng, 1, 7);
      const kh = randInt(rng, 1, 4), kw = randInt(rng, 1, 4);
      const s = randInt(rng, 1, 2);
      const pad = rng.next() < 0.5 ? 'same' : 'valid';
      if (pad === 'valid' && (kh > h || kw > w)) continue;
      await compare(withGradients((x, f) => tf.conv2d(x, f, s, pad)), [[n, h, w, c], [kh, kw, c, o]], rng);
    }
  });

  it('full-window convolutions (run as one matrix product) match, with both gradients', async () => {
    const rng = new Rng(14);
    // DCGAN's last discriminator layer (4×4 valid → 1×1) and first generator layer (1×1 → 4×4).
    await compare(withGradients((x, f) => tf.conv2d(x, f, 1, 'valid')), [[3, 4, 4, 6], [4, 4, 6, 2]], rng);
    await compare(withGradients((z, f) => tf.conv2dTranspose(z, f, [2, 3, 5, 4], 1, 'valid')), [[2, 1, 1, 7], [3, 5, 4, 7]], rng);
  });

  it('pointwise (1×1) and thin (to or from at most 4 channels, 7×7) convolutions, run as matrix products, match with both gradients', async () => {
    const rng = new Rng(13);
    // The generator's fuse, lateral and decoder 1×1 convolutions.
    await compare(withGradients((x, f) => tf.conv2d(x, f, 1, 'same')), [[2, 5, 6, 12], [1, 1, 12, 7]], rng);
    await compare(withGradients((x, f) => tf.conv2d(x, f, 1, 'valid')), [[3, 4, 4, 5], [1, 1, 5, 9]], rng);
    // The downsampling shortcut (1×1, stride 2) from fewer than 16 channels at odd batches: its
    // filter gradient runs as im2col + sgemm (oneDNN's corrupted the heap).
    await compare(withGradients((x, f) => tf.conv2d(x, f, 2, 'valid')), [[3, 8, 8, 4], [1, 1, 4, 8]], rng);
    await compare(withGradients((x, f) => tf.conv2d(x, f, 2, 'valid')), [[1, 9, 9, 8], [1, 1, 8, 16]], rng);
    // Its last 7×7 convolution to RGB and its 7×7 stem from RGB, 'same' and 'valid', and a 3×3
    // to 1 channel.
    for (const pad of ['same', 'valid'] as const) {
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, pad)), [[2, 9, 8, 10], [7, 7, 10, 3]], rng);
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, pad)), [[2, 9, 8, 3], [7, 7, 3, 10]], rng);
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, pad)), [[2, 6, 5, 8], [3, 3, 8, 1]], rng);
      // One image: the loops share the threads instead of taking an image each.
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, pad)), [[1, 9, 8, 10], [7, 7, 10, 3]], rng);
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, pad)), [[1, 9, 8, 3], [7, 7, 3, 10]], rng);
    }
  });

  it('reordered weights are reused only for the same weights (more filters of one shape than the addon keeps, in turns)', async () => {
    const rng = new Rng(21);
    // A shape on oneDNN's own kernels (3×3, 8×8 map) whose blocked weight copies the addon keeps
    // per tensor (12 per shape and direction), made from HWIO by its own gather (16 and 32
    // channels: no padding): 14 filters, twice round in turns (every call evicts), then back
    // (every call reuses), forward and input gradient; one filter changed in value last.
    const conv = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
    const dx = (x: tf.Tensor, f: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a, f), tf.sin(conv(x, f)))))(x);
    const F = 14;
    await compare(([x, ...fs]) => {
      const order = [...fs, ...fs, ...fs.slice().reverse()];
      return [...order.map((f) => conv(x, f)), ...order.slice(0, F + 3).map((f) => dx(x, f)), conv(x, tf.add(fs[0], 1))];
    }, [[2, 8, 8, 16], ...Array.from({ length: F }, () => [3, 3, 16, 32])], rng);
  });

  it('filter gradients in oneDNN\'s blocked layout come back to HWIO (channels multiples of 16, and not)', async () => {
    const rng = new Rng(23);
    for (const [c, o] of [[16, 32], [32, 16], [8, 24]]) {
      await compare(withGradients((x, f) => tf.conv2d(x, f, 1, 'same')), [[2, 7, 6, c], [3, 3, c, o]], rng);
    }
  });

  it('transposed and dilated convolutions and the fused conv match', async () => {
    const rng = new Rng(12);
    // DCGAN's generator layers: 4x4 stride 2 'same' and the 1x1 -> 4x4 projection.
    await compare(([x, f]) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [2, 8, 8, 5], 2, 'same'),
      [[2, 4, 4, 6], [4, 4, 5, 6]], rng);
    await compare(([x, f]) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [3, 4, 4, 8], 1, 'valid'),
      [[3, 1, 1, 10], [4, 4, 8, 10]], rng);
    await compare(([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      [[2, 9, 7, 3], [3, 3, 3, 4]], rng);
    // Output maps of at most 16 pixels run as im2col + sgemm (forward and filter gradient; tfjs
    // has no gradient of dilated convolutions).
    await compare(([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      [[3, 4, 3, 5], [3, 3, 5, 6]], rng);
    await compare(withGradients((x, f) => tf.conv2d(x, f, 2, 'same')), [[4, 8, 8, 16], [4, 4, 16, 24]], rng);
    for (const activation of ['linear', 'relu', 'leakyrelu', 'elu'] as const) {
      await compare(([x, f, b]) => tf.fused.conv2d({
        x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation, leakyreluAlpha: 0.1,
      }), [[2, 6, 6, 3], [3, 3, 3, 5], [5]], rng);
    }
  });

  it('max-pooling gradients match, ties included (the first maximum of a window gets dy)', async () => {
    const rng = new Rng(15);
    // Values on a coarse grid so windows hold equal maxima (sums of dy may differ in the last bit:
    // overlapping windows add in another order).
    const ties = ([x]: tf.Tensor[]) => tf.round(tf.mul(x, 2));
    for (const [k, s, pad] of [[3, 2, 'same'], [2, 2, 'valid'], [3, 1, 'same'], [3, 2, 'valid']] as const) {
      await compare((xs) => {
        const x = ties(xs);
        const y = tf.maxPool(x as tf.Tensor4D, k, s, pad);
        return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, pad), tf.cos(y))))(x)];
      }, [[2, 7, 6, 5]], rng, 1e-6);
    }
  });

  it('max and average pooling (padding excluded from the average) and concat on every axis match', async () => {
    const rng = new Rng(16);
    for (const [k, s, pad] of [[3, 2, 'same'], [2, 2, 'valid'], [3, 1, 'same'], [3, 2, 'valid']] as const) {
      await compare(([x]) => [tf.maxPool(x as tf.Tensor4D, k, s, pad), tf.avgPool(x as tf.Tensor4D, k, s, pad)], [[2, 7, 6, 5]], rng);
    }
    for (let axis = 0; axis < 4; axis++) {
      await compare(([a, b, c]) => tf.concat([a, b, c], axis), [2, 3, 4].map((n) => {
        const shape = [2, 3, 4, 5];
        shape[axis] = n;
        return shape;
      }), rng, 0);
    }
    await compare(([a, b]) => tf.concat([a, tf.zeros([2, 0, 3]), b], 1), [[2, 2, 3], [2, 4, 3]], rng, 0);
    await compare(([a, b]) => tf.cast(tf.concat([tf.cast(a, 'int32'), tf.cast(b, 'int32')], -1), 'float32'),
      [[3, 2], [3, 5]], rng, 0);
  });

  it('split on every axis (the gradient of concat) matches, sizes given or equal parts', async () => {
    const rng = new Rng(17);
    for (let axis = 0; axis < 4; axis++) {
      await compare(([x]) => tf.split(x, [1, 2, 3], axis), [[4, 3, 5, 2].map((d, i) => (i === axis ? 6 : d))], rng, 0);
    }
    await compare(([x]) => tf.split(x, 3, -1), [[2, 3, 4, 9]], rng, 0);
    await compare(([x]) => tf.split(x, [2, 0, 3], 1), [[2, 5, 3]], rng, 0);
    await compare(withGradients((a, b) => tf.concat([tf.relu(a), b], 3)), [[2, 4, 4, 3], [2, 4, 4, 5]], rng, 1e-6);
  });

  it('nearest and bilinear resizing match cpu for every alignCorners / halfPixelCenters, up and down', async () => {
    const rng = new Rng(18);
    for (const [h, w, oh, ow] of [[4, 4, 8, 8], [5, 3, 10, 7], [8, 6, 3, 4], [1, 4, 3, 8]]) {
      for (const [align, half] of [[false, false], [true, false], [false, true]]) {
        await compare(([x]) => [tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [oh, ow], align, half),
          tf.image.resizeBilinear(x as tf.Tensor4D, [oh, ow], align, half)], [[2, h, w, 3]], rng, 1e-6);
      }
    }
  });

  it('resize gradients are the adjoints of the forward, and match cpu (with the library fix of the cpu bilinear gradient)', async () => {
    const rng = new Rng(19);
    await tf.setBackend(NATIVE_BACKEND_NAME);
    // Batches of 2 (channel blocks per thread) and 6 (whole images per thread).
    for (const [n, h, w, oh, ow] of [[2, 4, 4, 8, 8], [2, 5, 3, 10, 7], [2, 8, 6, 3, 4], [6, 4, 5, 8, 10]]) {
      for (const [align, half] of [[false, false], [true, false], [false, true]]) {
        for (const bilinear of [false, true]) {
          // <resize(x), dy> = <x, resizeGrad(dy)> for every x and dy.
          const [lhs, rhs] = tf.tidy(() => {
            const x = tf.randomUniform([n, h, w, 5], -1, 1, 'float32', 1);
            const dy = tf.randomUniform([n, oh, ow, 5], -1, 1, 'float32', 2);
            const f = (t: tf.Tensor) => (bilinear ? tf.image.resizeBilinear(t as tf.Tensor4D, [oh, ow], align, half)
              : tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [oh, ow], align, half));
            const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), dy)))(x);
            return [tf.sum(tf.mul(f(x), dy)).dataSync()[0], tf.sum(tf.mul(x, g)).dataSync()[0]];
          });
          expect(Math.abs(lhs - rhs), `${bilinear ? 'bilinear' : 'nearest'} ${h}x${w}->${oh}x${ow} align ${align} half ${half}`)
            .to.be.below(1e-4 * Math.max(1, Math.abs(lhs)));
        }
      }
    }
    // Against cpu, whose ResizeBilinearGrad this library replaces (tfjs' own swapped height and
    // width for non-square inputs and ignored halfPixelCenters): non-square, every flag.
    for (const [align, half] of [[false, false], [true, false], [false, true]]) {
      await compare(withGradients((x, _) => tf.add(tf.image.resizeBilinear(x, [9, 10], align, half), tf.sum(_))),
        [[6, 5, 7, 3], [1, 1, 1, 1]], rng, 1e-5);
    }
    for (const [align, half] of [[false, false], [true, false], [false, true]]) {
      await compare(withGradients((x, _) => tf.add(tf.image.resizeNearestNeighbor(x, [9, 10], align, half), tf.sum(_))),
        [[2, 4, 5, 3], [1, 1, 1, 1]], rng, 1e-5);
    }
  });

  it('matmuls (batched, transposed, broadcast, fused) match', async () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 5; trial++) {
      const b = randInt(rng, 1, 3), m = randInt(rng, 1, 9), k = randInt(rng, 1, 9), n = randInt(rng, 1, 9);
      const ta = rng.next() < 0.5, tb = rng.next() < 0.5;
      const aShape = ta ? [b, k, m] : [b, m, k];
      const bShape = trial === 4 ? (tb ? [1, n, k] : [1, k, n]) : (tb ? [b, n, k] : [b, k, n]);
      await compare(([x, y]) => tf.matMul(x, y, ta, tb), [aShape, bShape], rng);
    }
    await compare(([x, y, bias]) => tf.fused.matMul({ a: x, b: y, bias, activation: 'relu' }), [[5, 7], [7, 3], [3]], rng);
    await compare(([x, y]) => {
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([x, y]);
      return [da, db];
    }, [[4, 6], [6, 5]], rng);
  });

  it('elementwise ops, broadcasting, reductions and their gradients match', async () => {
    const rng = new Rng(14);
    const shapes: [number[], number[]][] = [[[3, 4, 5], [3, 4, 5]], [[2, 3, 4, 5], [5]], [[2, 3, 4, 5], [1, 3, 1, 5]],
      [[4, 1, 6], [1, 5, 1]], [[7], []], [[], [2, 3]]];
    for (const [sa, sb] of shapes) {
      await compare(([a, b]) => [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, tf.add(tf.abs(b), 0.5)),
        tf.maximum(a, b), tf.minimum(a, b), tf.squaredDifference(a, b), tf.cast(tf.greater(a, b), 'float32'),
        tf.cast(tf.lessEqual(a, b), 'float32'), tf.where(tf.greater(tf.add(a, b), 0), tf.add(a, b), tf.sub(a, b))], [sa, sb], rng);
      await compare(([a, b]) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.add(p, q), tf.sub(p, q))))([a, b]),
        [sa, sb], rng);
    }
    const x = [3, 5, 4, 6];
    await compare(([a]) => [tf.relu(a), tf.leakyRelu(a, 0.2), tf.tanh(a), tf.sigmoid(a), tf.square(a), tf.neg(a),
      tf.exp(a), tf.abs(a), tf.step(a, 0.3), tf.softplus(a), tf.elu(a), tf.relu6(tf.mul(a, 8)), tf.sign(a)], [x], rng);
    await compare(([a]) => [tf.sqrt(a), tf.rsqrt(a), tf.log(a), tf.reciprocal(a), tf.log1p(a)], [x], rng, 1e-4, true);
    await compare(([a]) => [tf.sum(a), tf.sum(a, [0, 1, 2]), tf.mean(a, [1, 2], true), tf.max(a, 3), tf.min(a, [2, 3]),
      tf.mean(a, 0), tf.sum(a, [0, 2]), tf.tile(tf.slice(a, [0, 0, 0, 0], [1, 5, 1, 6]), [3, 1, 4, 1]),
      tf.addN([a, tf.neg(a), tf.square(a)])], [x], rng);
    await compare(([a]) => tf.grads((p: tf.Tensor) => tf.add(tf.add(
      tf.sum(tf.mul(tf.leakyRelu(p, 0.2), tf.relu(tf.neg(p)))), tf.mean(tf.mul(tf.tanh(p), tf.sigmoid(p)))),
    tf.sum(tf.mean(tf.square(p), [0, 1, 2]))))([a]), [x], rng);
  });

  it('batch normalisation in training (moments + batchNorm) and its gradient match', async () => {
    const rng = new Rng(15);
    for (const shape of [[4, 5, 6, 7], [8, 3, 3, 16], [2, 9]]) {
      const c = shape[shape.length - 1];
      const axes = shape.slice(0, -1).map((_, i) => i);
      await compare(([x, g, b, dy]) => {
        const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, axes);
          return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, bb, gg, 1e-5), dy));
        };
        const { mean, variance } = tf.moments(x, axes);
        return [tf.batchNorm(x, mean, variance, b, g, 1e-5), ...tf.grads(f)([x, g, b])];
      }, [shape, [c], [c], shape], rng);
    }
  });

  it('second-order gradients (gradient penalty) match: fused gradients step aside while taping', async () => {
    const rng = new Rng(16);
    // tfjs has no second-order gradient through LeakyRelu (Greater), hence relu + tanh here.
    await compare(([x, w, g, b]) => tf.grads((ww: tf.Tensor, gg: tf.Tensor) => {
      const critic = (v: tf.Tensor) => {
        const h = tf.conv2d(v as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same');
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        return tf.mean(tf.tanh(tf.relu(tf.batchNorm(h, mean, variance, b, gg, 1e-5))));
      };
      const dx = tf.grad(critic)(x);
      return tf.mean(tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(dx), [1, 2, 3])), 1)));
    })([w, g]), [[3, 6, 6, 2], [3, 3, 2, 4], [4], [4]], rng);
  });

  it('passes the backend kernel audit (every op the models use, forward and gradients, vs cpu)', async () => {
    // Through the package's backend module, which also installs its CPU kernel fixes (the reference).
    const { auditKernels } = await import('../../lib/backend');
    const results = await auditKernels(NATIVE_BACKEND_NAME, 'cpu');
    expect(results.length).to.be.greaterThan(10);
    for (const r of results) {
      expect(r.missing, r.name).to.deep.equal([]);
      expect(r.error, r.name).to.equal(undefined);
      expect(r.maxRelError, r.name).to.be.at.most(1e-4);
    }
  });

  it('a DCGAN trains to the same losses as on the CPU backend (20 steps, same seed)', async function () {
    this.timeout(300000);
    const { resolveConfig } = await import('../../lib/presets');
    const { createDcgan } = await import('../../lib/train/recipes/dcgan');
    const train = async (backend: string) => {
      await tf.setBackend(backend);
      const adam = { name: 'adam' as const, lr: 2e-4, beta1: 0.5, beta2: 0.999 };
      const config = resolveConfig('dcgan', 'quick', {
        size: [16, 16], batch: 4, nz: 16, ngf: 4, ndf: 4, seed: 3, optimizerG: adam, optimizerD: adam,
      });
      const before = tf.memory().numTensors;
      const model = createDcgan(config);
      const real = tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 5), 2), 1)) as tf.Tensor4D;
      let losses: Record<string, number> = {};
      for (let i = 0; i < 20; i++) losses = model.trainStep({ nextA: () => tf.clone(real) }, i);
      real.dispose();
      model.dispose();
      expect(tf.memory().numTensors).to.equal(before);
      return losses;
    };
    const ref = await train('cpu');
    const got = await train(NATIVE_BACKEND_NAME);
    for (const k of ['d_loss', 'g_loss']) {
      expect(Math.abs(got[k] - ref[k]) / Math.abs(ref[k]), k).to.be.at.most(1e-3);
    }
  });

  it('the proposed model\'s networks (ResNet generators, PatchGAN) give the CPU backend\'s gradients through G∘F and a critic', async function () {
    this.timeout(300000);
    // A linear loss on Dx(F(G(a))): every layer kind of the proposed model (instance norm, max
    // pooling, concat, nearest and bilinear upsampling, 1×1 and 7×7 convs) forward and backward.
    // Gradients, not losses after some steps: Adam's first steps turn rounding noise in near-zero
    // gradients into full-size updates, which makes the critic's loss drift apart on any two backends.
    // The reference needs the library's fix of cpu's ResizeNearestNeighborGrad (wrong after the
    // first image of a batch), which the generator's upsampling uses.
    registerCpuKernels();
    const { resnetGenerator } = await import('../../lib/models/resnetGenerator');
    const { patchganDiscriminator } = await import('../../lib/models/patchgan');
    const rng = new Rng(17);
    const a0 = Float32Array.from({ length: 2 * 64 * 64 * 3 }, () => rng.next() * 2 - 1);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const nets = [resnetGenerator({ size: 64, ngf: 4, seed: 4 }), resnetGenerator({ size: 64, ngf: 4, seed: 5 }),
        patchganDiscriminator({ size: 64, ndf: 4, seed: 6 })];
      const [G, F, Dx] = nets.map((m) => (x: tf.Tensor) => m.apply(x, { training: true }) as tf.Tensor);
      const vars = nets.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
      const out = tf.tidy(() => {
        const a = tf.tensor(a0, [2, 64, 64, 3]);
        const { grads: g } = tf.variableGrads(() => {
          const score = Dx(F(G(a)));
          return tf.sum(tf.mul(score, tf.linspace(-1, 1, score.size).reshape(score.shape))) as tf.Scalar;
        }, vars);
        return vars.map((v) => g[v.name].dataSync() as Float32Array);
      });
      nets.forEach((m) => m.dispose());
      expect(tf.memory().numTensors).to.equal(before);
      return out;
    };
    const ref = await grads('cpu');
    const got = await grads(NATIVE_BACKEND_NAME);
    const scale = Math.max(...ref.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
    let compared = 0;
    ref.forEach((r, i) => {
      const size = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      // Biases and shifts right before an instance norm have a gradient of exactly 0 in exact
      // arithmetic: only rounding noise to compare there.
      if (size < 1e-4 * scale) return;
      compared++;
      expect(relError(got[i], r), `variable ${i}`).to.be.at.most(1e-2);
    });
    expect(compared).to.be.greaterThan(20);
  });
});

describe('native addon: arguments are checked against the heap, and it writes only where it should', function () {
  const load = loadNativeAddon();
  before(function () {
    if (!load.ok) {
      console.warn(`  SKIPPED: the addon's argument checks need the addon (${load.reason})`);
      this.skip();
    }
  });

  /** A 256-byte heap with a known pattern, to check that a refused call wrote nothing. */
  const patterned = () => {
    const heap = new ArrayBuffer(256);
    new Uint8Array(heap).forEach((_, i, a) => (a[i] = i & 0xff));
    return heap;
  };

  it('an offset outside the heap is a RangeError naming the operation and argument, and nothing is written', () => {
    if (!load.ok) return;
    const { addon } = load;
    const heap = patterned();
    const before = new Uint8Array(heap).slice();
    const relu = addon.ops.unary.Relu;
    // 16 floats (64 bytes) from byte 200 end at 264 > 256.
    expect(() => addon.unary(heap, relu, 0, 200, 16, 0)).to.throw(
      RangeError, 'animegan_native.unary: argument 3 (byte offset 200, 64 bytes) is outside the heap (256 bytes)');
    expect(() => addon.unary(heap, relu, -8, 0, 4, 0)).to.throw(RangeError, /argument 2 \(byte offset -8/);
    expect(() => addon.unary(heap, relu, 1e12, 0, 4, 0)).to.throw(RangeError, /argument 2 .* outside the heap/);
    expect(() => addon.unary(heap, relu, 2, 0, 4, 0)).to.throw(RangeError, /argument 2 .* not aligned to 4 bytes/);
    // Sizes the operation derives from its dimensions: an 8x8 product needs 256 bytes per operand.
    expect(() => addon.matmul(heap, 0, 0, 4, [1, 1, 8, 8, 8, 0, 0])).to.throw(RangeError, /matmul: argument 3 .* outside the heap/);
    expect(() => addon.conv(heap, addon.ops.conv.forward, 0, 0, 0, [1, 9, 9, 1, 9, 9, 1, 1, 1, 1, 1, 1, 1, 0, 0]))
      .to.throw(RangeError, /conv: argument 2 \(byte offset 0, 324 bytes\)/);
    // A broadcast operand is checked over the span its strides reach (32 floats here, not 64).
    expect(() => addon.binary(heap, addon.ops.binary.Add, 0, 160, 0, [2, 32], [32, 1], [0, 1])).to.throw(
      RangeError, /binary: argument 3 \(byte offset 160, 128 bytes\)/);
    // Offsets inside an array argument, and the one-element Adam powers.
    expect(() => addon.addN(heap, [0, 240], 0, 8)).to.throw(RangeError, /addN: argument 1 \(byte offset 240, 32 bytes\)/);
    expect(() => addon.concat(heap, [0, 300], [4, 4], 128, 2)).to.throw(RangeError, /concat: argument 1 \(byte offset 300/);
    expect(() => addon.adam(heap, 0, 0, 0, 0, 256, 0, 0, 0, 0, 4, 0.1, 0.9, 0.999, 1e-8)).to.throw(RangeError, /adam: argument 5/);
    // -1 (absent) is accepted only where an input is optional.
    expect(() => addon.fill(heap, -1, 4, 0)).to.throw(RangeError, /fill: argument 1 \(byte offset -1/);
    expect(Buffer.from(new Uint8Array(heap)).equals(Buffer.from(before)), 'the heap was written').to.equal(true);
  });

  it('unknown operation codes, wrong dimension counts and a missing heap are errors too', () => {
    if (!load.ok) return;
    const { addon } = load;
    const heap = patterned();
    expect(() => addon.unary(heap, 99, 0, 0, 1, 0)).to.throw(RangeError, 'animegan_native.unary: unknown unary op code 99');
    expect(() => addon.reduce(heap, 7, 0, 64, 1, 4, 1)).to.throw(RangeError, /unknown reduce op code 7/);
    expect(() => addon.pool(heap, addon.ops.pool.MaxPool, 0, 64, [1, 2, 2])).to.throw(RangeError, /pool: argument 4 must have 12 entries, not 3/);
    expect(() => addon.fill({} as ArrayBuffer, 0, 1, 0)).to.throw(TypeError, /fill: argument 0 must be the heap/);
  });

  it('a call inside the heap computes as before (relu of 4 floats in place)', () => {
    if (!load.ok) return;
    const { addon } = load;
    const heap = new ArrayBuffer(32);
    new Float32Array(heap).set([-1, 2, -3, 4], 4);
    addon.unary(heap, addon.ops.unary.Relu, 16, 0, 4, 0);
    expect(Array.from(new Float32Array(heap, 0, 4))).to.deep.equal([0, 2, 0, 4]);
  });

  it('asks for transparent huge pages on the heap it is given (ANIME_GAN_NO_THP=1: not)', function () {
    if (!load.ok) return;
    if (process.platform !== 'linux') return void console.warn('  SKIPPED: huge pages are a Linux setting');
    this.timeout(30000);
    // A 64 MB heap, one call on it, then the number of mappings with the kernel's `hg`
    // (MADV_HUGEPAGE) flag.
    const child = `
      const addon = require(${JSON.stringify(load.path)});
      const heap = new ArrayBuffer(64 << 20);
      addon.unary(heap, addon.ops.unary.Relu, 0, 0, 4, 0);
      const flags = require('fs').readFileSync('/proc/self/smaps', 'utf8').split('\\n').filter((l) => l.startsWith('VmFlags:'));
      console.log(flags.filter((l) => l.split(' ').includes('hg')).length);`;
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['-e', child], { encoding: 'utf8', env: { ...process.env, ...env } });
    const on = run({}), off = run({ ANIME_GAN_NO_THP: '1' });
    expect(on.status, on.stderr).to.equal(0);
    expect(off.status, off.stderr).to.equal(0);
    expect(Number(on.stdout), 'mappings advised, the addon asking').to.be.at.least(1);
    expect(Number(off.stdout), 'mappings advised with ANIME_GAN_NO_THP=1').to.equal(0);
  });

  it('signals during its matrix products corrupt nothing (a sampling profiler on, as with node --cpu-prof)', function () {
    if (!load.ok) return;
    this.timeout(60000);
    // oneDNN 2.x's GEMM kernels move the stack pointer into the heap, so a signal handled
    // mid-kernel overwrote heap memory: this child aborted in free() before the addon blocked
    // asynchronous signals around them. 300 pointwise convolutions (one sgemm each) under a
    // 100 µs sampling profiler, then the result checked.
    const child = `
      const addon = require(${JSON.stringify(load.path)});
      const [N, H, W, C, O] = [8, 4, 4, 1024, 512];
      const heap = new ArrayBuffer((N * H * W * C + C * O + N * H * W * O) * 4);
      new Float32Array(heap).fill(0.5);
      const w = N * H * W * C * 4, y = w + C * O * 4;
      const s = new (require('inspector').Session)();
      s.connect();
      s.post('Profiler.enable');
      s.post('Profiler.setSamplingInterval', { interval: 100 });
      s.post('Profiler.start', () => {
        for (let i = 0; i < 300; ++i) addon.conv(heap, addon.ops.conv.forward, 0, w, y, [N, H, W, C, H, W, O, 1, 1, 1, 1, 1, 1, 0, 0]);
        s.post('Profiler.stop', (err, r) => console.log('done', new Float32Array(heap, y, 1)[0], r.profile.samples.length > 0));
      });`;
    const r = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8', timeout: 50000 });
    expect(r.stderr, 'child stderr').to.not.match(/corrupt|invalid|free\(\)/);
    expect(r.status, `exit status (signal ${r.signal})`).to.equal(0);
    expect(r.stdout.trim()).to.equal('done 256 true'); // 1024 · 0.5 · 0.5
  });

  it('strided 1×1 filter gradients from 4 or 8 channels at odd batches leave the C++ heap intact', function () {
    if (!load.ok) return;
    this.timeout(60000);
    // oneDNN 2.6.3's jit_1x1:avx512_core filter gradient of these shapes (the ResNet generator's
    // downsampling shortcut at ngf 4 or 8) wrote past its buffers: glibc aborted this child
    // within a few calls. 100 calls per shape, each checked against a loop in JS.
    const child = `
      const addon = require(${JSON.stringify(load.path)});
      let worst = 0;
      for (const [N, C] of [[1, 4], [3, 4], [1, 8], [5, 8]]) {
        const H = 16, OH = 8, O = 2 * C;
        const nx = N * H * H * C, nw = C * O, ny = N * OH * OH * O;
        const heap = new ArrayBuffer((nx + nw + ny) * 4);
        const f = new Float32Array(heap), x = f.subarray(0, nx), y = f.subarray(nx + nw);
        for (let i = 0; i < nx; i++) x[i] = Math.sin(i);
        for (let i = 0; i < ny; i++) y[i] = Math.cos(3 * i);
        const ref = new Float64Array(nw);
        for (let n = 0; n < N; n++) for (let p = 0; p < OH; p++) for (let q = 0; q < OH; q++)
          for (let c = 0; c < C; c++) for (let o = 0; o < O; o++)
            ref[c * O + o] += x[((n * H + 2 * p) * H + 2 * q) * C + c] * y[((n * OH + p) * OH + q) * O + o];
        for (let i = 0; i < 100; i++)
          addon.conv(heap, addon.ops.conv.backwardFilter, 0, nx * 4, (nx + nw) * 4, [N, H, H, C, OH, OH, O, 1, 1, 2, 2, 1, 1, 0, 0]);
        const w = f.subarray(nx, nx + nw);
        for (let i = 0; i < nw; i++) worst = Math.max(worst, Math.abs(w[i] - ref[i]));
      }
      console.log('done', worst < 1e-4);`;
    const r = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8', timeout: 50000, env: { ...process.env, MALLOC_CHECK_: '3' } });
    expect(r.stderr, 'child stderr').to.not.match(/corrupt|invalid|free\(\)/);
    expect(r.status, `exit status (signal ${r.signal})`).to.equal(0);
    expect(r.stdout.trim()).to.equal('done true');
  });
});

describe('native backend fallback', () => {
  it('initBackend skips native with one line saying why when the addon is unavailable, and wasm computes', async () => {
    const saved = process.env[NATIVE_DISABLE_ENV];
    process.env[NATIVE_DISABLE_ENV] = '1';
    const write = process.stderr.write.bind(process.stderr);
    let stderr = '';
    try {
      expect(nativeStatus()).to.deep.include({ available: false });
      const available = await availableBackends();
      expect(available).to.not.include(NATIVE_BACKEND_NAME);
      (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      };
      const info = await initBackend({ backend: 'auto' });
      (process.stderr as { write: unknown }).write = write;
      // tfjs-node, when installed, is chosen before native is even tried.
      expect(info.name).to.equal(available[0]);
      if (info.name === 'wasm') {
        expect(info.skipped).to.deep.include({ name: NATIVE_BACKEND_NAME, reason: 'disabled by ANIME_GAN_NO_NATIVE' });
        const lines = stderr.split('\n').filter((l) => l.startsWith('anime-gan:'));
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/using the wasm backend \(skipped .*native: disabled by ANIME_GAN_NO_NATIVE/);
      }
      const y = tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([2, 2, 2, 3]) as tf.Tensor4D, 1, 'valid').dataSync());
      expect(Array.from(y)).to.deep.equal(new Array(27).fill(8));
      const forced = await initBackend({ backend: NATIVE_BACKEND_NAME }).then(() => null, (e: Error) => e);
      expect(forced?.message).to.match(/backend 'native' is not available: disabled by ANIME_GAN_NO_NATIVE/);
    } finally {
      (process.stderr as { write: unknown }).write = write;
      if (saved === undefined) delete process.env[NATIVE_DISABLE_ENV];
      else process.env[NATIVE_DISABLE_ENV] = saved;
      await tf.setBackend('cpu');
    }
  });
});
