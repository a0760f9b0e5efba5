import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { patchganDiscriminator, receptiveField } from '../../lib/models/patchgan';
import { resnetGenerator } from '../../lib/models/resnetGenerator';
import { InstanceNormalization } from '../../lib/models/instanceNorm';
import { UserError } from '../../lib/util/errors';
import { expectNoLeak, gradientStep, useCpu } from './helpers';

/**
 * |d out[0, oy, ox, 0] / d image| summed over channels, as an [H, W] array, for one output unit.
 */
function inputSensitivity(model: tf.LayersModel, size: number, oy: number, ox: number): number[][] {
  return tf.tidy(() => {
    const x = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 11);
    const g = tf.grad((t: tf.Tensor) => tf.slice(model.apply(t) as tf.Tensor, [0, oy, ox, 0], [1, 1, 1, 1]).sum())(x);
    return tf.sum(tf.abs(g), [0, 3]).arraySync() as number[][];
  });
}

describe('70x70 PatchGAN (§4.2)', () => {
  before(useCpu);

  describe('receptive field', () => {
    it('computed from the layers: 70 x 70, one score every 8 pixels', () => {
      for (const [size, ndf] of [[96, 64], [32, 2], [[128, 160], 4]] as [number | [number, number], number][]) {
        const D = patchganDiscriminator({ size, ndf });
        expect(receptiveField(D)).to.deep.equal({ height: 70, width: 70, jump: [8, 8] });
        D.dispose();
      }
    });

    it('agrees with known fields for layer specs (pix2pix n_layers=3 is 70; dilation)', () => {
      const pix2pix = [{ kernel: 4, stride: 2 }, { kernel: 4, stride: 2 }, { kernel: 4, stride: 2 }, { kernel: 4 }, { kernel: 4 }];
      expect(receptiveField(pix2pix).height).to.equal(70);
      expect(receptiveField(pix2pix.slice(0, 3)).height).to.equal(22); // three 4x4 stride-2 convs: 4, 10, 22
      expect(receptiveField([{ kernel: 3, dilation: 2 }])).to.deep.equal({ height: 5, width: 5, jump: [1, 1] });
      expect(receptiveField([{ kernel: [3, 5], stride: [1, 2] }, { kernel: 3 }])).to.deep.equal({ height: 5, width: 9, jump: [1, 2] });
    });

    it('refuses layers whose neighbourhood it does not know', () => {
      const G = resnetGenerator({ size: 32, ngf: 1 }); // has upsampling
      expect(() => receptiveField(G)).to.throw(UserError, /UpSampling2D/);
      G.dispose();
    });

    it('measured: one output unit\'s input gradient is non-zero exactly on a 70 x 70 window (no norm)', () => {
      // Instance-norm statistics span the whole image, so the conv path is measured without them.
      const D = patchganDiscriminator({ size: 128, ndf: 2, norm: 'none', seed: 1 });
      const s = expectNoLeak(() => inputSensitivity(D, 128, 8, 8));
      const rows: number[] = [];
      const cols: number[] = [];
      let count = 0;
      s.forEach((row, y) => row.forEach((v, x) => { if (v > 0) { rows.push(y); cols.push(x); count++; } }));
      const height = Math.max(...rows) - Math.min(...rows) + 1;
      const width = Math.max(...cols) - Math.min(...cols) + 1;
      expect([height, width]).to.deep.equal([70, 70]);
      expect(count).to.equal(70 * 70); // every pixel of the window, none outside
      // The window is where the strides put it: centred near the unit's position (8 * 8 = 64).
      expect(Math.min(...rows)).to.be.within(64 - 40, 64);
      D.dispose();
    });

    it('with instance norm the conv window still carries most of the sensitivity', () => {
      const D = patchganDiscriminator({ size: 128, ndf: 2, seed: 1 });
      const plain = patchganDiscriminator({ size: 128, ndf: 2, norm: 'none', seed: 1 });
      const sNone = inputSensitivity(plain, 128, 8, 8);
      plain.dispose();
      const s = expectNoLeak(() => inputSensitivity(D, 128, 8, 8));
      let inside = 0;
      let outside = 0;
      s.forEach((row, y) => row.forEach((v, x) => { if (sNone[y][x] > 0) inside += v; else outside += v; }));
      expect(outside).to.be.greaterThan(0); // the statistics reach every pixel...
      expect(inside / (inside + outside)).to.be.greaterThan(0.5); // ...but the 70x70 window dominates
      D.dispose();
    });
  });

  describe('architecture', () => {
    it('three blocks of two convs (ndf, 2 ndf, 4 ndf), instance norm, LeakyReLU 0.2, 1-channel linear output', () => {
      const D = patchganDiscriminator({ size: 64, ndf: 3 });
      const convs = D.layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convs.map((l) => (l.getConfig().filters as number))).to.deep.equal([3, 3, 6, 6, 12, 12, 1]);
      expect(D.layers.filter((l) => l instanceof InstanceNormalization).length).to.equal(5);
      expect(D.layers.filter((l) => l.getClassName() === 'GpLeakyReLU').map((l) => l.getConfig().alpha)).to.deep.equal([0.2, 0.2, 0.2, 0.2, 0.2, 0.2]);
      const last = D.layers[D.layers.length - 1];
      expect(last.name).to.equal('patch_scores');
      expect(last.getConfig().activation).to.equal('linear');
      D.dispose();
    });

    for (const [h, w] of [[32, 32], [64, 64], [96, 96], [64, 80], [128, 160]] as [number, number][]) {
      it(`${h}x${w}: a map of patch scores [batch, ${h / 8}, ${w / 8}, 1]`, () => {
        const D = patchganDiscriminator({ size: [h, w], ndf: 2 });
        expectNoLeak(() => tf.tidy(() => {
          const y = D.predict(tf.randomUniform([2, h, w, 3], -1, 1, 'float32', 1)) as tf.Tensor;
          expect(y.shape).to.deep.equal([2, h / 8, w / 8, 1]);
        }));
        D.dispose();
      });
    }

    it('rejects sizes not divisible by 8', () => {
      expect(() => patchganDiscriminator({ size: [96, 100] })).to.throw(UserError, /divisible by 8/);
    });
  });

  it('a critic step runs (Wasserstein loss on the patch maps), no tensors leak', () => {
    const D = patchganDiscriminator({ size: 32, ndf: 2, seed: 1 });
    const real = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1);
    const fake = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    // The output bias shifts real and fake scores alike, so the Wasserstein loss does not depend on it.
    gradientStep(D, () => tf.tidy(() => tf.sub(tf.mean(D.apply(fake) as tf.Tensor), tf.mean(D.apply(real) as tf.Tensor)) as tf.Scalar),
      1e-2, (name) => name.startsWith('patch_scores/bias'));
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([real, fake]);
    D.dispose();
  });

  it('round-trips through tf.io, custom layers included', async () => {
    const D = patchganDiscriminator({ size: 32, ndf: 2, seed: 1 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await D.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const L = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 5);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(D.predict(x) as tf.Tensor, L.predict(x) as tf.Tensor))).dataSync()[0])).to.equal(0);
    x.dispose();
    D.dispose();
    L.dispose();
  });
});
