import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { initBackend, originalKernel, registerKernelFixes } from '../../lib/backend';
import { intRng, on, onWasmWithoutLeaks, relError, seeded } from './helpers';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Random conv geometries: strides 1-3, filters 1-7, 'same', 'valid' and explicit padding. */
function convCases(count: number, seed: number) {
  const r = intRng(seed);
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: Pad }[] = [];
  while (cases.length < count) {
    const s = r(1, 3);
    const fh = r(1, 5) + (cases.length % 5 === 4 ? 2 : 0);
    const fw = r(1, 5);
    const h = r(fh, 11);
    const w = r(fw, 11);
    const kind = cases.length % 3;
    const pad: Pad =
      kind === 0 ? 'same' : kind === 1 ? 'valid' : [[0, 0], [r(0, 2), r(0, 2)], [r(0, 2), r(0, 2)], [0, 0]];
    cases.push({ x: [r(1, 3), h, w, r(1, 4)], f: [fh, fw, 0, r(1, 4)], s, pad });
    cases[cases.length - 1].f[2] = cases[cases.length - 1].x[3];
  }
  return cases;
}

describe('backend/kernels: registered kernels agree with the cpu backend', function () {
  this.timeout(120000);
  onWasmWithoutLeaks();

  const cases = convCases(24, 7);

  it('Conv2DBackpropFilter on wasm (missing upstream): 24 random geometries, rel. error <= 1e-4', async () => {
    for (const [k, c] of cases.entries()) {
      const run = () => {
        const x = tf.tensor(seeded(c.x.reduce((a, b) => a * b), k + 1), c.x) as tf.Tensor4D;
        const y = tf.conv2d(x, tf.zeros(c.f) as tf.Tensor4D, c.s, c.pad);
        const dy = tf.tensor(seeded(y.size, k + 100), y.shape);
        return tf.engine().runKernel<tf.Tensor>('Conv2DBackpropFilter', { x, dy }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f });
      };
      const got = await on('wasm', run);
      const want = await on('cpu', run);
      expect(got.shape, JSON.stringify(c)).to.deep.equal(c.f);
      expect(relError(got.values, want.values), JSON.stringify(c)).to.be.at.most(1e-4);
    }
  });

  it('Conv2DBackpropInput on wasm (phase split): 24 random geometries, rel. error <= 1e-4', async () => {
    for (const [k, c] of cases.entries()) {
      const run = () => {
        const filter = tf.tensor(seeded(c.f.reduce((a, b) => a * b), k + 1), c.f) as tf.Tensor4D;
        const y = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, filter, c.s, c.pad);
        const dy = tf.tensor(seeded(y.size, k + 100), y.shape);
        return tf.engine().runKernel<tf.Tensor>('Conv2DBackpropInput', { dy, filter }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x });
      };
      const got = await on('wasm', run);
      const want = await on('cpu', run);
      expect(got.shape).to.deep.equal(c.x);
      expect(relError(got.values, want.values), JSON.stringify(c)).to.be.at.most(1e-4);
    }
  });

  it('conv2dTranspose with unequal strides still works (falls back to tfjs-wasm kernel)', async () => {
    const run = () =>
      tf.conv2dTranspose(tf.tensor(seeded(2 * 3 * 4 * 3, 1), [2, 3, 4, 3]) as tf.Tensor4D, tf.tensor(seeded(3 * 3 * 2 * 3, 2), [3, 3, 2, 3]) as tf.Tensor4D, [2, 6, 4, 2], [2, 1], 'same');
    expect(relError((await on('wasm', run)).values, (await on('cpu', run)).values)).to.be.at.most(1e-4);
  });

  it('MaxPoolGrad on wasm: random windows, strides and paddings, rel. error <= 1e-4', async () => {
    const r = intRng(11);
    for (let k = 0; k < 16; k++) {
      const f = r(1, 4);
      const s = r(1, 3);
      const shape = [r(1, 3), r(f, 9), r(f, 9), r(1, 4)];
      const pad = k % 2 === 0 ? 'same' : 'valid';
      const run = () => {
        // Rounded values make ties (as after a ReLU): the first maximum in scan order wins.
        const x = tf.round(tf.mul(tf.tensor(seeded(shape.reduce((a, b) => a * b), k + 3), shape), 3)) as tf.Tensor4D;
        const y = tf.maxPool(x, f, s, pad);
        const dy = tf.tensor(seeded(y.size, k + 50), y.shape);
        return tf.engine().runKernel<tf.Tensor>('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: f, strides: s, pad });
      };
      const got = await on('wasm', run);
      const want = await on('cpu', run);
      expect(relError(got.values, want.values), JSON.stringify({ f, s, shape, pad })).to.be.at.most(1e-4);
    }
  });

  it("tfjs-backend-wasm's own MaxPoolGrad is wrong with several channels (why we replace it)", async () => {
    const original = originalKernel('wasm', 'MaxPoolGrad');
    expect(original).to.not.equal(undefined);
    const shape: [number, number, number, number] = [1, 8, 8, 3];
    const make = () => {
      const x = tf.tensor(seeded(192, 5), shape) as tf.Tensor4D;
      const y = tf.maxPool(x, 2, 2, 'valid');
      return { x, y, dy: tf.tensor(seeded(y.size, 9), y.shape) };
    };
    await initBackend({ backend: 'wasm', quiet: true });
    const theirs = tf.tidy(() => {
      const { x, y, dy } = make();
      const out = original!.kernelFunc({ inputs: { dy, input: x, output: y }, attrs: { filterSize: 2, strides: 2, pad: 'valid' }, backend: tf.backend() }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(out);
    });
    const bad = theirs.dataSync().slice();
    theirs.dispose();
    const want = await on('cpu', () => {
      const { x, y, dy } = make();
      return tf.engine().runKernel<tf.Tensor>('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
    });
    expect(relError(bad, want.values)).to.be.above(0.1);
  });

  it('ResizeNearestNeighborGrad: cpu (fixed) and wasm equal the hand-computed sums for a batch of 2', async () => {
    const dyv = seeded(2 * 8 * 6 * 2, 3);
    // Upsampling 4x3 -> 8x6: dx sums each 2x2 block of dy.
    const want = new Float32Array(2 * 4 * 3 * 2);
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 3; x++)
          for (let c = 0; c < 2; c++)
            for (let a = 0; a < 2; a++)
              for (let b = 0; b < 2; b++) want[((n * 4 + y) * 3 + x) * 2 + c] += dyv[((n * 8 + 2 * y + a) * 6 + 2 * x + b) * 2 + c];
    for (const backend of ['cpu', 'wasm']) {
      const got = await on(backend, () =>
        tf.engine().runKernel<tf.Tensor>('ResizeNearestNeighborGrad', { images: tf.zeros([2, 4, 3, 2]), dy: tf.tensor(dyv, [2, 8, 6, 2]) }, { alignCorners: false, halfPixelCenters: false }),
      );
      expect(relError(got.values, want), backend).to.be.at.most(1e-6);
    }
  });

  /**
   * <resize(x), dy> = <x, grad(dy)> for every x, dy exactly when the gradient kernel is the
   * forward's adjoint; random shapes (non-square, non-integer scales), every flag combination.
   */
  async function expectAdjoint(kernel: 'ResizeNearestNeighborGrad' | 'ResizeBilinearGrad', backends: string[], seed: number): Promise<void> {
    const r = intRng(seed);
    const forward = kernel === 'ResizeBilinearGrad' ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor;
    for (let k = 0; k < 12; k++) {
      const shape: [number, number, number, number] = [r(1, 3), r(1, 6), r(1, 6), r(1, 3)];
      const size: [number, number] = [r(1, 13), r(1, 13)];
      const alignCorners = k % 3 === 1;
      const halfPixelCenters = k % 3 === 2;
      for (const backend of backends) {
        const both = await on(backend, () => {
          const x = tf.tensor(seeded(shape.reduce((a, b) => a * b), k + 1), shape) as tf.Tensor4D;
          const y = forward(x, size, alignCorners, halfPixelCenters);
          const dy = tf.tensor(seeded(y.size, k + 7), y.shape);
          const g = tf.engine().runKernel<tf.Tensor>(kernel, { images: x, dy }, { alignCorners, halfPixelCenters });
          expect(g.shape).to.deep.equal(shape);
          return tf.stack([tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(x, g))]);
        });
        const [lhs, rhs] = both.values;
        expect(Math.abs(lhs - rhs) / Math.max(1, Math.abs(lhs)), JSON.stringify({ kernel, backend, shape, size, k })).to.be.at.most(1e-5);
      }
    }
  }

  it('ResizeNearestNeighborGrad is the adjoint of the forward resize on cpu and wasm (non-integer scales, alignCorners, halfPixelCenters)', async () => {
    await expectAdjoint('ResizeNearestNeighborGrad', ['cpu', 'wasm'], 5);
  });

  it('ResizeBilinearGrad on cpu (fixed) has the input\'s shape and is the adjoint of the forward, non-square and halfPixelCenters included', async () => {
    await expectAdjoint('ResizeBilinearGrad', ['cpu'], 9);
  });

  it('UnsortedSegmentSum on wasm (missing upstream; the gradient of gather): random shapes, rel. error <= 1e-4', async () => {
    const r = intRng(17);
    for (let k = 0; k < 10; k++) {
      const len = r(1, 9);
      const rest = Array.from({ length: r(0, 2) }, () => r(1, 4));
      const num = r(1, 6);
      const ids = Array.from({ length: len }, () => r(0, num - 1));
      const run = () =>
        tf.unsortedSegmentSum(tf.tensor(seeded(len * rest.reduce((a, b) => a * b, 1), k + 1), [len, ...rest]), tf.tensor1d(ids, 'int32'), num);
      const got = await on('wasm', run);
      const want = await on('cpu', run);
      expect(got.shape).to.deep.equal([num, ...rest]);
      expect(relError(got.values, want.values), JSON.stringify({ len, rest, num, ids })).to.be.at.most(1e-4);
    }
  });
});
