import * as tf from '@tensorflow/tfjs';

/**
 * The kernel audit: every operation our models train with (forward and gradients), run on a
 * backend and compared with the reference CPU backend. It finds kernels a backend lacks (tfjs
 * only says so when the op runs, mid-training) and kernels that compute something else.
 */

/** One audited operation: returns its forward outputs followed by its gradients. */
export interface AuditCase {
  name: string;
  run: () => tf.Tensor[];
}

/** Deterministic test data: values in [-1, 1) from a small LCG, so cpu and wasm see the same inputs. */
function data(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return tf.tensor(v, shape);
}

/** Forward value and gradients of scalar `f` (sum of outputs times a fixed weighting) w.r.t. xs. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  const y = f(...xs);
  const w = data(y.shape, 977);
  const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)));
  return [y, ...g(xs)];
}

const x4 = (seed: number, shape = [2, 8, 8, 3]) => data(shape, seed) as tf.Tensor4D;

/** Instance normalisation as the ResNet generator uses it (moments over H, W per sample). */
function instanceNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** The cases: DCGAN, WGAN(-GP), ResNet generator + PatchGAN, the losses, metrics and optimisers. */
export function auditCases(): AuditCase[] {
  const conv = (name: string, shape: number[], f: number[], s: number, pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding): AuditCase => ({
    name,
    run: () => valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad), [x4(1, shape), data(f, 2)]),
  });
  const unary = (name: string, f: (x: tf.Tensor) => tf.Tensor, lo = -1): AuditCase => ({
    name,
    run: () => valueAndGrads(f, [lo === -1 ? data([2, 5, 3], 3) : tf.add(tf.abs(data([2, 5, 3], 3)), lo)]),
  });
  const optimizerCase = (name: string, make: () => tf.Optimizer): AuditCase => ({
    name,
    run: () => {
      const v = tf.variable(data([3, 4], 5));
      const opt = make();
      for (let i = 0; i < 2; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(v, 0.5))));
      const out = [v.clone()];
      opt.dispose();
      v.dispose();
      return out;
    },
  });
  return [
    conv('conv2d 4x4 s2 same (DCGAN D)', [2, 8, 8, 3], [4, 4, 3, 5], 2, 'same'),
    conv('conv2d 4x4 s2 explicit pad 1 (PatchGAN)', [2, 9, 9, 3], [4, 4, 3, 5], 2, [[0, 0], [1, 1], [1, 1], [0, 0]]),
    conv('conv2d 4x4 s1 valid (PatchGAN last)', [2, 7, 7, 3], [4, 4, 3, 1], 1, 'valid'),
    conv('conv2d 3x3 s1 same (ResNet block)', [2, 6, 6, 4], [3, 3, 4, 4], 1, 'same'),
    conv('conv2d 3x3 s2 same (ResNet down)', [2, 7, 7, 4], [3, 3, 4, 6], 2, 'same'),
    conv('conv2d 7x7 s1 valid (ResNet stem)', [1, 12, 12, 3], [7, 7, 3, 4], 1, 'valid'),
    {
      name: 'conv2dTranspose 4x4 s2 same (DCGAN G)',
      run: () =>
        valueAndGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 4, 4, 3], 2, 'same'), [
          x4(1, [2, 2, 2, 5]),
          data([4, 4, 3, 5], 2),
        ]),
    },
    {
      name: 'conv2dTranspose 3x3 s2 same (ResNet up)',
      run: () =>
        valueAndGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 2], 2, 'same'), [
          x4(1, [1, 3, 3, 4]),
          data([3, 3, 2, 4], 2),
        ]),
    },
    {
      name: 'dense matMul + bias',
      run: () => valueAndGrads((a, b, c) => tf.add(tf.matMul(a, b), c), [data([3, 5], 1), data([5, 4], 2), data([4], 3)]),
    },
    {
      name: 'batchNorm (training, moments over N,H,W)',
      run: () =>
        valueAndGrads(
          (x, g, b) => {
            const { mean, variance } = tf.moments(x, [0, 1, 2]);
            return tf.batchNorm(x, mean, variance, b, g, 1e-5);
          },
          [x4(1), tf.add(data([3], 2), 1.5), data([3], 3)],
        ),
    },
    {
      name: 'instance norm (moments over H,W)',
      run: () => valueAndGrads((x, g, b) => instanceNorm(x as tf.Tensor4D, g, b), [x4(1), tf.add(data([3], 2), 1.5), data([3], 3)]),
    },
    unary('relu', tf.relu),
    unary('leakyRelu 0.2', (x) => tf.leakyRelu(x, 0.2)),
    unary('tanh', tf.tanh),
    unary('sigmoid', tf.sigmoid),
    unary('clipByValue (WGAN clipping)', (x) => tf.clipByValue(x, -0.3, 0.3)),
    unary('abs (L1 cycle loss)', (x) => tf.mean(tf.abs(x))),
    unary('square + mean (LSGAN)', (x) => tf.mean(tf.square(tf.sub(x, 1)))),
    unary('sqrt (gradient norm)', (x) => tf.sqrt(x), 0.5),
    unary('log (minimax loss)', (x) => tf.log(x), 0.5),
    unary('softplus / sigmoid cross-entropy', (x) => tf.losses.sigmoidCrossEntropy(tf.onesLike(x), x)),
    unary('softmax + logSoftmax (Inception Score)', (x) => tf.add(tf.softmax(x), tf.logSoftmax(x))),
    unary('exp', tf.exp),
    unary('neg, div, pow', (x) => tf.div(tf.neg(x), tf.add(tf.pow(x, 2), 1))),
    unary('maximum / minimum', (x) => tf.add(tf.maximum(x, 0.1), tf.minimum(x, -0.1))),
    { name: 'maxPool 2x2 s2', run: () => valueAndGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [x4(1)]) },
    { name: 'avgPool 3x3 s1 same', run: () => valueAndGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same'), [x4(1)]) },
    {
      name: 'resizeNearestNeighbor x2 (upsampling)',
      run: () => valueAndGrads((x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [16, 16]), [x4(1)]),
    },
    {
      name: 'resizeBilinear (Inception input)',
      run: () => valueAndGrads((x) => tf.image.resizeBilinear(x as tf.Tensor4D, [13, 13]), [x4(1)]),
    },
    { name: 'concat channels (skip connections)', run: () => valueAndGrads((a, b) => tf.concat([a, b], 3), [x4(1), x4(2)]) },
    {
      name: 'mirrorPad reflect 3 (ResNet reflection padding)',
      run: () => valueAndGrads((x) => tf.mirrorPad(x as tf.Tensor4D, [[0, 0], [3, 3], [3, 3], [0, 0]], 'reflect'), [x4(1)]),
    },
    {
      name: 'pad + slice + reshape + transpose',
      run: () => valueAndGrads((x) => tf.transpose(tf.slice(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), [0, 1, 0, 0], [2, 8, 9, 3]).reshape([2, 72, 3]), [0, 2, 1]), [x4(1)]),
    },
    {
      name: 'gradient penalty (first order: grad of a critic at interpolates, its norm)',
      run: () => {
        const real = x4(1);
        const fake = x4(2);
        const w = data([4, 4, 3, 1], 3);
        const eps = data([2, 1, 1, 1], 4).abs();
        const xHat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
        const critic = (x: tf.Tensor) => tf.sum(tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), 0.2));
        const g = tf.grad(critic)(xHat);
        const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), [1, 2, 3]), 1e-12));
        return [g, tf.mean(tf.square(tf.sub(norm, 1)))];
      },
    },
    {
      name: 'gather + its gradient (UnsortedSegmentSum)',
      run: () => valueAndGrads((x) => tf.gather(x, tf.tensor1d([2, 0, 2, 1], 'int32'), 1), [data([3, 4, 2], 1)]),
    },
    {
      name: 'fused conv2d + bias + relu (tf.layers Conv2D)',
      run: () =>
        valueAndGrads((x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' }), [
          x4(1),
          data([4, 4, 3, 5], 2),
          data([5], 3),
        ]),
    },
    optimizerCase('Adam', () => tf.train.adam(0.01, 0.5, 0.999)),
    optimizerCase('RMSProp', () => tf.train.rmsprop(0.01)),
    optimizerCase('SGD', () => tf.train.sgd(0.1)),
    {
      name: 'mean / variance / argMax / max / cast (metrics)',
      run: () => {
        const x = data([6, 5], 1);
        const { mean, variance } = tf.moments(x, 0);
        return [mean, variance, tf.cast(tf.argMax(x, 1), 'float32'), tf.max(x, 1), tf.matMul(x, x, true, false)];
      },
    },
  ];
}

/** One line of the audit. */
export interface AuditResult {
  name: string;
  /** Kernels the op runs (recorded on the reference backend). */
  kernels: string[];
  /** Those not registered for the audited backend. */
  missing: string[];
  /** The error the op threw on the audited backend, if any. */
  error?: string;
  /** Largest |a-b| / max|b| over all outputs, against the reference backend. */
  maxRelError?: number;
}

async function runCase(c: AuditCase): Promise<{ values: Float32Array[]; shapes: number[][]; kernels: string[] }> {
  let values: Float32Array[] = [];
  let shapes: number[][] = [];
  const info = await tf.profile(() => {
    const outs = tf.tidy(() => c.run());
    values = outs.map((t) => t.dataSync() as Float32Array);
    shapes = outs.map((t) => t.shape);
    tf.dispose(outs);
    return [] as tf.Tensor[];
  });
  // profile also lists ops built from other ops (logSoftmax__op); keep real kernels only.
  const kernels = [...new Set(info.kernelNames)].filter((k) => tf.getKernel(k, tf.getBackend()) != null);
  return { values, shapes, kernels: kernels.sort() };
}

/**
 * Run every audit case on `backend` and on `reference` (default 'cpu'); both must be registered
 * with tfjs. The active backend is restored afterwards.
 */
export async function auditKernels(backend: string, reference = 'cpu', cases = auditCases()): Promise<AuditResult[]> {
  const previous = tf.getBackend();
  const results: AuditResult[] = [];
  try {
    for (const c of cases) {
      await tf.setBackend(reference);
      const ref = await runCase(c);
      const missing = ref.kernels.filter((k) => tf.getKernel(k, backend) == null);
      const r: AuditResult = { name: c.name, kernels: ref.kernels, missing };
      await tf.setBackend(backend);
      try {
        const got = await runCase(c);
        let worst = 0;
        got.values.forEach((v, i) => {
          const want = ref.values[i];
          if (v.length !== want.length || got.shapes[i].join() !== ref.shapes[i].join()) worst = Infinity;
          let diff = 0;
          let scale = 0;
          for (let j = 0; j < want.length; j++) {
            diff = Math.max(diff, Math.abs(v[j] - want[j]));
            scale = Math.max(scale, Math.abs(want[j]));
          }
          worst = Math.max(worst, diff / (scale || 1));
        });
        r.maxRelError = worst;
      } catch (e) {
        r.error = (e as Error).message.split('\n')[0];
      }
      results.push(r);
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
  return results;
}
