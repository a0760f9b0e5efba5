import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND_NAME, nativeStatus, registerNativeBackend } from '../../lib/backend/native';
import {
  batchNormTraining, FUSED_ADAM_UPDATE, FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD,
  FUSED_INSTANCE_NORM_GRAD_GRAD,
} from '../../lib/backend/fusedOps';
import { firstOrderGradients } from '../../lib/backend/firstOrder';
import { batchNormalization } from '../../lib/models/batchNorm';
import { gpLeakyReLU } from '../../lib/models/activations';
import { instanceNormalization } from '../../lib/models/instanceNorm';
import { FusedAdamOptimizer } from '../../lib/train/optimizers';
import { Rng } from '../../lib/util';
import { relError } from './helpers';

function randomValues(n: number, rng: Rng, mean = 0, spread = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = mean + spread * (rng.next() * 2 - 1);
  return v;
}

/** Runs f on `backend` with a fresh tensor count check; returns its outputs as arrays and the kernels it ran. */
async function runOn(backend: string, f: () => tf.Tensor[]): Promise<{ vals: number[][]; kernels: Set<string> }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  let outs: tf.Tensor[] = [];
  const info = await tf.profile(() => {
    outs = tf.tidy(f);
    return outs;
  });
  const vals = outs.map((o) => Array.from(o.dataSync()));
  tf.dispose(outs);
  expect(tf.memory().numTensors).to.equal(before, `${backend} leaked tensors`);
  return { vals, kernels: new Set(info.kernels.map((k) => k.name)) };
}

/** tfjs's own training-mode batch norm (what the fused kernel replaces). */
function composedBatchNorm(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, offset, scale, eps), mean, variance };
}

describe('fused training ops (batch norm in training, Adam)', function () {
  const status = nativeStatus();
  before(function () {
    if (!status.available) {
      console.warn(`  (fused native kernels not tested: ${status.reason})`);
      this.skip();
    }
    registerNativeBackend();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('the native backend has the fused kernels and the cpu backend does not (it uses tfjs ops)', async () => {
    await tf.setBackend('cpu');
    expect(tf.getKernel(FUSED_BATCH_NORM_TRAINING, 'cpu')).to.equal(undefined);
    for (const k of [FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD, FUSED_INSTANCE_NORM_GRAD_GRAD, FUSED_ADAM_UPDATE]) {
      expect(tf.getKernel(k, NATIVE_BACKEND_NAME), k).to.not.equal(undefined);
    }
  });

  for (const { label, mean } of [{ label: 'centred data', mean: 0 }, { label: 'data with a large mean (50 ± 1)', mean: 50 }]) {
    it(`batch norm in training: y, mean, variance and every gradient match tfjs's ops (${label})`, async () => {
      const rng = new Rng(21);
      const shape = [6, 5, 4, 7];
      const xv = randomValues(6 * 5 * 4 * 7, rng, mean);
      const sv = randomValues(7, rng, 1, 0.5), ov = randomValues(7, rng);
      const wy = randomValues(xv.length, rng), wm = randomValues(7, rng), wv = randomValues(7, rng);
      const f = () => {
        const [x, s, o] = [tf.tensor(xv, shape), tf.tensor(sv), tf.tensor(ov)];
        const bn = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => batchNormTraining(a, b, c, 1e-5) ?? composedBatchNorm(a, b, c, 1e-5);
        const r = bn(x, s, o);
        // A loss that depends on all three outputs, so the gradient goes through mean and variance too.
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const q = bn(a, b, c);
          return tf.addN([tf.sum(tf.mul(q.y, tf.tensor(wy, shape))), tf.sum(tf.mul(q.mean, tf.tensor(wm))), tf.sum(tf.mul(q.variance, tf.tensor(wv)))]);
        };
        const [dx, ds, dof] = tf.grads(loss)([x, s, o]);
        return [r.y, r.mean, r.variance, dx, ds, dof];
      };
      const ref = await runOn('cpu', f);
      const got = await runOn(NATIVE_BACKEND_NAME, f);
      expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING)).to.equal(true);
      expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING_GRAD)).to.equal(true);
      ['y', 'mean', 'variance', 'dx', 'dscale', 'doffset'].forEach((name, k) => {
        expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(1e-4);
      });
    });
  }

  it('the BatchNormalization layer: fused on native, same outputs, gradients and moving statistics as on cpu', async () => {
    const rng = new Rng(22);
    const shape = [8, 3, 3, 5];
    const xv = randomValues(8 * 3 * 3 * 5, rng, 2);
    const f = () => {
      const layer = batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, inputShape: shape.slice(1) });
      const model = tf.sequential({ layers: [layer] });
      const x = tf.tensor(xv, shape);
      const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      tf.tidy(() => {
        gamma.assign(tf.linspace(0.5, 1.5, 5));
        beta.assign(tf.linspace(-0.5, 0.7, 5));
      });
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, [gamma, beta]);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.sin(layer.apply(a, { training: true }) as tf.Tensor)))(x);
      const moving = layer.nonTrainableWeights.map((w) => tf.clone(w.read()));
      const inference = layer.apply(x, { training: false }) as tf.Tensor;
      const out = [value, grads[gamma.name], grads[beta.name], dx, ...moving, inference];
      model.dispose();
      return out;
    };
    const ref = await runOn('cpu', f);
    const got = await runOn(NATIVE_BACKEND_NAME, f);
    expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING)).to.equal(true);
    ['loss', 'dgamma', 'dbeta', 'dx', 'moving mean', 'moving variance', 'inference output'].forEach((name, k) => {
      expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(1e-4);
    });
  });

  // The second shape is big enough (over 2^15 values) that the kernels take one image per thread.
  for (const [affine, shape] of [[false, [3, 4, 5, 6]], [true, [3, 4, 5, 6]], [true, [4, 16, 16, 40]]] as [boolean, number[]][]) {
    it(`instance norm${affine ? ' (affine)' : ''} [${shape}]: fused on native, same output and gradients as tfjs's ops on cpu`, async () => {
      const rng = new Rng(25);
      const C = shape[3];
      const xv = randomValues(shape.reduce((a, b) => a * b, 1), rng, 1.5), wv = randomValues(xv.length, rng);
      const f = () => {
        const layer = instanceNormalization({ affine, epsilon: 1e-5 });
        const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: shape.slice(1) }), layer] });
        const x = tf.tensor(xv, shape);
        if (affine) {
          const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          tf.tidy(() => {
            gamma.assign(tf.linspace(0.5, 1.5, C));
            beta.assign(tf.linspace(-0.4, 0.6, C));
          });
        }
        const loss = () => tf.sum(tf.mul(tf.square(model.apply(x, { training: true }) as tf.Tensor), tf.tensor(wv, shape))) as tf.Scalar;
        const y = model.apply(x) as tf.Tensor;
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(model.apply(a) as tf.Tensor, tf.tensor(wv, shape))))(x);
        const out = [y, dx];
        if (affine) {
          const { grads } = tf.variableGrads(loss, layer.trainableWeights.map((w) => w.read() as tf.Variable));
          out.push(...Object.values(grads));
        }
        model.dispose();
        return out;
      };
      const ref = await runOn('cpu', f);
      const got = await runOn(NATIVE_BACKEND_NAME, f);
      expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING)).to.equal(true);
      ['y', 'dx', 'dgamma', 'dbeta'].slice(0, ref.vals.length).forEach((name, k) => {
        expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(1e-4);
      });
    });
  }

  // The generator's IN–ReLU and IN–shortcut–ReLU layers; the big shape takes an image per thread.
  for (const [withResidual, shape] of [[false, [3, 4, 5, 6]], [true, [3, 4, 5, 6]], [true, [4, 16, 16, 40]]] as [boolean, number[]][]) {
    it(`instance norm then ${withResidual ? 'a residual and ' : ''}ReLU [${shape}]: one fused kernel on native, same output and gradients as tfjs's ops on cpu`, async () => {
      const rng = new Rng(26);
      const C = shape[3];
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = randomValues(n, rng, 1.5), rv = randomValues(n, rng), wv = randomValues(n, rng);
      const f = () => {
        const layer = instanceNormalization({ affine: true, epsilon: 1e-5, activation: 'relu' });
        const x = tf.tensor(xv, shape), r = tf.tensor(rv, shape);
        const input = () => (withResidual ? [x, r] : x);
        layer.apply(input());
        const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        tf.tidy(() => {
          gamma.assign(tf.linspace(0.5, 1.5, C));
          beta.assign(tf.linspace(-0.4, 0.6, C));
        });
        const w = tf.tensor(wv, shape);
        const y = layer.apply(input()) as tf.Tensor;
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer.apply(withResidual ? [a, b] : a) as tf.Tensor, w));
        const dxr = withResidual ? tf.grads(loss)([x, r]) : [tf.grad((a: tf.Tensor) => loss(a, r))(x)];
        const { grads } = tf.variableGrads(() => loss(x, r) as tf.Scalar, [gamma, beta]);
        const out = [y, ...dxr, grads[gamma.name], grads[beta.name]];
        layer.dispose();
        return out;
      };
      const ref = await runOn('cpu', f);
      const got = await runOn(NATIVE_BACKEND_NAME, f);
      expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING)).to.equal(true);
      expect(got.kernels.has('Relu'), 'a separate ReLU kernel').to.equal(false);
      expect(ref.vals[0].filter((v) => v === 0).length, 'zeros from the ReLU').to.be.above(n / 10);
      ['y', 'dx', ...(withResidual ? ['dresidual'] : []), 'dgamma', 'dbeta'].forEach((name, k) => {
        expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(1e-4);
      });
    });
  }

  // WGAN-GP's penalty through a critic with instance norm: the fused kernels, and the gradient of
  // their gradient (fusedOps.ts), against tfjs's composed normalisation on cpu. The third case is
  // big enough for the kernels' threaded path; the fourth has a channel count off the vector width.
  for (const [affine, shape] of [[false, [3, 4, 5, 6]], [true, [3, 4, 5, 6]], [false, [4, 16, 16, 40]], [true, [2, 3, 3, 17]]] as [boolean, number[]][]) {
    it(`instance norm${affine ? ' (affine)' : ''} [${shape}] under a gradient penalty: fused, same second-order gradients as tfjs's ops on cpu`, async () => {
      const rng = new Rng(27);
      const [N, H, W, C] = shape;
      const n = N * H * W * C;
      const xv = randomValues(n, rng, 0.5), wv = randomValues(9 * C * C, rng, 0, 0.3), sv = randomValues(n, rng);
      const gv = randomValues(C, rng, 1, 0.5), bv = randomValues(C, rng, 0, 0.5);
      const f = () => {
        const w = tf.variable(tf.tensor4d(wv, [3, 3, C, C]));
        const layer = instanceNormalization({ affine, epsilon: 1e-5 });
        const lrelu = gpLeakyReLU({ alpha: 0.2 });
        const critic = (a: tf.Tensor) => {
          const h = layer.apply(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')) as tf.Tensor;
          return tf.sum(tf.mul(lrelu.apply(h) as tf.Tensor, tf.tensor(sv, shape)));
        };
        const x = tf.tensor(xv, shape);
        critic(x); // builds the layer
        const vars = [w, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)];
        if (affine) {
          tf.tidy(() => {
            vars[1].assign(tf.tensor(gv));
            vars[2].assign(tf.tensor(bv));
          });
        }
        // lambda·(‖∂critic/∂x‖ − 1)², differentiated with respect to the weights.
        const { value, grads } = tf.variableGrads(() => {
          const gx = tf.grad(critic)(x);
          return tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(gx))), 1)) as tf.Scalar;
        }, vars);
        const out = [value, ...vars.map((v) => grads[v.name])];
        layer.dispose();
        tf.dispose(vars);
        return out;
      };
      const ref = await runOn('cpu', f);
      const got = await runOn(NATIVE_BACKEND_NAME, f);
      expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING), 'fused forward under the nested tape').to.equal(true);
      expect(got.kernels.has(FUSED_INSTANCE_NORM_GRAD_GRAD), 'fused gradient, differentiated by one kernel').to.equal(true);
      ['penalty', 'dw', 'dgamma', 'dbeta'].slice(0, ref.vals.length).forEach((name, k) => {
        expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(2e-4);
      });
    });
  }

  // Every input of the gradient kernel, the statistics' gradients (dmean, dvariance) included,
  // against tfjs's autodiff of its formula written as tfjs ops on cpu.
  it('the second-order kernel: all seven gradients of the instance-norm gradient match autodiff of its formula', async () => {
    const [N, H, W, C] = [3, 4, 5, 6];
    const R = H * W, n = N * R * C, eps = 1e-5;
    const rng = new Rng(28);
    const v = {
      dy: randomValues(n, rng), x: randomValues(n, rng, 0.3), scale: randomValues(C, rng, 1, 0.5), mean: randomValues(N * C, rng, 0.3, 0.3),
      variance: randomValues(N * C, rng, 1, 0.5), dmean: randomValues(N * C, rng), dvariance: randomValues(N * C, rng), g: randomValues(n, rng),
    };
    const names = ['dy', 'x', 'scale', 'mean', 'variance', 'dmean', 'dvariance'] as const;
    const shapes: Record<string, number[]> = { dy: [N, H, W, C], x: [N, H, W, C], scale: [C], mean: [N, C], variance: [N, C], dmean: [N, C], dvariance: [N, C] };
    const attrs = { varianceEpsilon: eps, perSample: true, activation: 'linear', hasResidual: false };
    // dx = k·P(dy) + dmean/R + 2·dvariance·(x − mean)/R per sample and channel (native/src/normalisation.cc).
    const formula = (dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, dmean: tf.Tensor, dvariance: tf.Tensor) => {
      const view = [N, R, C], stat = (t: tf.Tensor) => tf.reshape(t, [N, 1, C]);
      const X = tf.reshape(x, view), DY = tf.reshape(dy, view), sigma = tf.sqrt(tf.add(stat(variance), eps));
      const xh = tf.div(tf.sub(X, stat(mean)), sigma);
      const P = tf.sub(tf.sub(DY, tf.mean(DY, 1, true)), tf.mul(xh, tf.mean(tf.mul(DY, xh), 1, true)));
      const dx = tf.add(tf.add(tf.mul(tf.div(tf.reshape(scale, [1, 1, C]), sigma), P), tf.div(stat(dmean), R)),
        tf.mul(tf.mul(stat(dvariance), 2 / R), tf.sub(X, stat(mean))));
      return tf.reshape(dx, [N, H, W, C]);
    };
    const kernel = (...t: tf.Tensor[]) => {
      const inputs: tf.NamedTensorMap = {};
      names.forEach((nm, i) => (inputs[nm] = t[i]));
      return (tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING_GRAD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[])[0];
    };
    const f = (dx: (...t: tf.Tensor[]) => tf.Tensor) => () => {
      const ts = names.map((nm) => tf.tensor(v[nm], shapes[nm]));
      const g = tf.tensor(v.g, [N, H, W, C]);
      return [dx(...ts), ...tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(g, dx(...t))))(ts)];
    };
    const ref = await runOn('cpu', f(formula as (...t: tf.Tensor[]) => tf.Tensor));
    const got = await runOn(NATIVE_BACKEND_NAME, f(kernel));
    expect(got.kernels.has(FUSED_INSTANCE_NORM_GRAD_GRAD)).to.equal(true);
    ['dx', ...names.map((nm) => `d/d${nm}`)].forEach((nm, k) => {
      expect(relError(got.vals[k], ref.vals[k]), nm).to.be.at.most(1e-4);
    });
  });

  it('steps aside for a gradient of a gradient (gradient penalty), unless promised first-order only', async () => {
    const rng = new Rng(23);
    const xv = randomValues(4 * 2 * 2 * 3, rng);
    const penalty = () => {
      const s = tf.tensor([1.5, 0.5, 1]), o = tf.tensor([0.1, -0.2, 0.3]);
      const x = tf.tensor(xv, [4, 2, 2, 3]);
      // d/ds of ‖∂/∂x Σ BN(x)²‖²: needs the gradient of the batch-norm gradient.
      return [tf.grad((sc: tf.Tensor) => {
        const gx = tf.grad((a: tf.Tensor) => {
          const r = batchNormTraining(a, sc, o, 1e-5) ?? composedBatchNorm(a, sc, o, 1e-5);
          return tf.sum(tf.square(tf.mul(r.y, tf.tensor(xv, [4, 2, 2, 3]))));
        })(x);
        return tf.sum(tf.square(gx));
      })(s)];
    };
    const ref = await runOn('cpu', penalty);
    const got = await runOn(NATIVE_BACKEND_NAME, penalty);
    expect(got.kernels.has(FUSED_BATCH_NORM_TRAINING), 'fused kernel used under a nested tape').to.equal(false);
    expect(relError(got.vals[0], ref.vals[0])).to.be.at.most(1e-4);
    const promised = await runOn(NATIVE_BACKEND_NAME, () => {
      const x = tf.tensor(xv, [4, 2, 2, 3]), s = tf.ones([3]), o = tf.zeros([3]);
      let inner: tf.Tensor = tf.scalar(0);
      tf.grad((a: tf.Tensor) => {
        inner = tf.keep(firstOrderGradients(() => tf.grad((b: tf.Tensor) => tf.sum(tf.square(batchNormTraining(b, s, o, 1e-5)!.y)))(a)));
        return tf.sum(a);
      })(x);
      return [inner];
    });
    expect(promised.kernels.has(FUSED_BATCH_NORM_TRAINING)).to.equal(true);
  });

  it('FusedAdamOptimizer follows tfjs Adam over 5 steps (weights and both moments)', async () => {
    const rng = new Rng(24);
    // w: more values than one thread takes (32768), not a multiple of the kernel's chunks or of
    // its 4-float streaming stores; b: fewer than one chunk.
    const [R, C] = [257, 131];
    const w0 = randomValues(R * C, rng), b0 = randomValues(7, rng), target = randomValues(R * C, rng);
    const run = (fused: boolean) => () => {
      const w = tf.variable(tf.tensor(w0, [R, C]), true, `w_${fused}`);
      const b = tf.variable(tf.tensor(b0), true, `b_${fused}`);
      const opt = fused ? new FusedAdamOptimizer(0.01, 0.5, 0.999, 1e-8) : tf.train.adam(0.01, 0.5, 0.999, 1e-8);
      for (let i = 0; i < 5; i++) {
        opt.minimize(() => tf.add(tf.sum(tf.square(tf.sub(w, tf.tensor(target, [R, C])))), tf.sum(tf.pow(b, 4))) as tf.Scalar, false, [w, b]);
      }
      const slots = (opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
      const out = [w, b, ...slots.accumulatedFirstMoment.map((s) => s.variable), ...slots.accumulatedSecondMoment.map((s) => s.variable)].map((t) => tf.clone(t));
      opt.dispose();
      w.dispose();
      b.dispose();
      return out;
    };
    const ref = await runOn('cpu', run(false));
    const got = await runOn(NATIVE_BACKEND_NAME, run(true));
    expect(got.kernels.has(FUSED_ADAM_UPDATE)).to.equal(true);
    ['w', 'b', 'm(w)', 'm(b)', 'v(w)', 'v(b)'].forEach((name, k) => {
      expect(relError(got.vals[k], ref.vals[k]), name).to.be.at.most(1e-5);
    });
    // On a backend without the kernel it is tfjs's Adam, bit for bit.
    const cpuFused = await runOn('cpu', run(true));
    expect(cpuFused.vals).to.deep.equal(ref.vals);
  });
});
