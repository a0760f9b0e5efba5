import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { dcganDiscriminator, dcganGenerator, dcganLayout } from '../../lib/models/dcgan';
import { UserError } from '../../lib/util/errors';
import { EncodedArray, decode, loadLayerWeights, readFixture } from './fixtures';
import { expectNoLeak, gradientStep, trainableParams, useCpu } from './helpers';

const SIZES: [number, number][] = [[32, 32], [64, 64], [96, 96], [64, 80], [128, 160]];

interface PeerFixture {
  size: number; nz: number; ngf: number; ndf: number;
  generatorParams: number; discriminatorParams: number;
  generator: { name: string; weights: EncodedArray[] }[];
  discriminator: { name: string; weights: EncodedArray[] }[];
  z: EncodedArray; generatorOut: EncodedArray; discriminatorOut: EncodedArray;
}

describe('DCGAN', () => {
  before(useCpu);

  describe('matches the peer (PyTorch DCGAN example, scripts/bench/peer_dcgan.py)', () => {
    // Reference counts: sum(p.numel() for p in m.parameters()) of the peer's generator(size) and
    // discriminator(size) at nz=100, ngf=ndf=64 (torch 1.13, Debian python3-torch), printed by
    //   /usr/bin/python3 -c "import torch.nn as nn; ns={'nn':nn,'nz':100,'ngf':64,'ndf':64}; s=open('scripts/bench/peer_dcgan.py').read(); exec(s[s.index('def generator('):s.index('G, D = generator')], ns); print([sum(p.numel() for p in f(n).parameters()) for n in (64,32) for f in (ns['generator'], ns['discriminator'])])"
    //   -> [3576704, 2765568, 1068928, 663296]
    // Buffers (BN running mean + var): sum of b.numel() over named_buffers() without num_batches_tracked.
    const PEER = {
      64: { G: 3_576_704, D: 2_765_568, Gbuffers: 1_920, Dbuffers: 1_792 },
      32: { G: 1_068_928, D: 663_296, Gbuffers: 896, Dbuffers: 768 },
    } as const;

    for (const size of [64, 32] as const) {
      it(`size ${size}, nz 100, ngf = ndf = 64: same parameter counts`, () => {
        const G = dcganGenerator({ size, seed: 1 });
        const D = dcganDiscriminator({ size, seed: 2 });
        expect(trainableParams(G)).to.equal(PEER[size].G);
        expect(trainableParams(D)).to.equal(PEER[size].D);
        // tf.js counts the batch-norm moving statistics as (non-trainable) weights.
        expect(G.countParams() - trainableParams(G)).to.equal(PEER[size].Gbuffers);
        expect(D.countParams() - trainableParams(D)).to.equal(PEER[size].Dbuffers);
        G.dispose();
        D.dispose();
      });
    }

    it('size 64: same layers and, given the peer\'s weights, the same outputs (fixture from make_peer_dcgan.py)', () => {
      const fx = readFixture<PeerFixture>('peer_dcgan_tiny.json');
      const G = dcganGenerator({ size: fx.size, nz: fx.nz, ngf: fx.ngf });
      const D = dcganDiscriminator({ size: fx.size, ndf: fx.ndf });
      expect(trainableParams(G)).to.equal(fx.generatorParams);
      expect(trainableParams(D)).to.equal(fx.discriminatorParams);
      // Every weighted layer of ours is one of the peer's, with the same shapes, and vice versa.
      const weighted = (m: tf.LayersModel) => m.layers.filter((l) => l.weights.length).map((l) => [l.name, l.weights.map((w) => w.shape)]);
      const peer = (ls: PeerFixture['generator']) => ls.map((l) => [l.name, l.weights.map((w) => w.shape)]);
      expect(weighted(G)).to.deep.equal(peer(fx.generator));
      expect(weighted(D)).to.deep.equal(peer(fx.discriminator));

      loadLayerWeights(G, fx.generator);
      loadLayerWeights(D, fx.discriminator);
      const diffs = tf.tidy(() => {
        const g = G.apply(decode(fx.z), { training: true }) as tf.Tensor; // batch statistics, as the peer in train()
        const [b, h, w] = [2, fx.size, fx.size];
        const img = tf.tensor4d(Array.from({ length: b * h * w * 3 }, (_, i) => {
          const c = i % 3, x = Math.floor(i / 3) % w, y = Math.floor(i / (3 * w)) % h, n = Math.floor(i / (3 * w * h));
          return Math.sin(0.3 * x * (c + 1) + 0.17 * y * (n + 1));
        }), [b, h, w, 3]);
        const d = D.apply(img, { training: true }) as tf.Tensor;
        return [
          tf.max(tf.abs(tf.sub(g, decode(fx.generatorOut)))).dataSync()[0],
          tf.max(tf.abs(tf.sub(d, decode(fx.discriminatorOut)))).dataSync()[0],
          tf.max(tf.abs(decode(fx.discriminatorOut))).dataSync()[0],
        ];
      });
      expect(diffs[0], 'generator max |difference|').to.be.lessThan(1e-4);
      expect(diffs[2], 'discriminator output scale').to.be.greaterThan(1e-2);
      expect(diffs[1], 'discriminator max |difference|').to.be.lessThan(1e-4 * Math.max(1, diffs[2]));
      G.dispose();
      D.dispose();
    });

    it('initialisation: conv weights ~ N(0, 0.02), batch-norm gamma ~ N(1, 0.02), beta = 0', () => {
      const G = dcganGenerator({ size: 64, seed: 3 });
      const stats = (name: string, idx: number) => tf.tidy(() => {
        const { mean, variance } = tf.moments(G.getLayer(name).getWeights()[idx]);
        return [mean.dataSync()[0], Math.sqrt(variance.dataSync()[0])];
      });
      const [m, s] = stats('convT1', 0); // 2M weights
      expect(m).to.be.closeTo(0, 1e-3);
      expect(s).to.be.closeTo(0.02, 5e-4);
      const [gm, gs] = stats('bn0', 0); // 512 gammas
      expect(gm).to.be.closeTo(1, 5e-3);
      expect(gs).to.be.within(0.015, 0.025);
      expect(tf.tidy(() => tf.max(tf.abs(G.getLayer('bn0').getWeights()[1])).dataSync()[0])).to.equal(0);
      G.dispose();
    });
  });

  describe('sizes', () => {
    it('lays out 32, 64, 96, 64x80, 128x160 with a 4x4, 3x3 or 4x5 start', () => {
      expect(dcganLayout(32)).to.deep.equal({ doublings: 3, start: [4, 4] });
      expect(dcganLayout(64)).to.deep.equal({ doublings: 4, start: [4, 4] });
      expect(dcganLayout(96)).to.deep.equal({ doublings: 5, start: [3, 3] });
      expect(dcganLayout([64, 80])).to.deep.equal({ doublings: 4, start: [4, 5] });
      expect(dcganLayout([128, 160])).to.deep.equal({ doublings: 5, start: [4, 5] });
    });

    for (const [h, w] of SIZES) {
      it(`${h}x${w}: z [2, nz] -> image [2, ${h}, ${w}, 3] in [-1, 1] -> logits [2, 1]`, () => {
        const G = dcganGenerator({ size: [h, w], nz: 6, ngf: 2, seed: 1 });
        const D = dcganDiscriminator({ size: [h, w], ndf: 2, seed: 2 });
        expectNoLeak(() => tf.tidy(() => {
          const img = G.apply(tf.randomNormal([2, 6], 0, 1, 'float32', 3), { training: true }) as tf.Tensor;
          expect(img.shape).to.deep.equal([2, h, w, 3]);
          expect(tf.max(tf.abs(img)).dataSync()[0]).to.be.at.most(1);
          expect(tf.moments(img).variance.dataSync()[0]).to.be.greaterThan(0);
          const logits = D.apply(img, { training: true }) as tf.Tensor;
          expect(logits.shape).to.deep.equal([2, 1]);
        }));
        G.dispose();
        D.dispose();
      });
    }

    it('rejects sizes it cannot take with a one-line UserError', () => {
      for (const size of [33, [64, 63], 4, 0, [32, 2.5]] as const) {
        expect(() => dcganGenerator({ size: size as number })).to.throw(UserError).with.property('message').that.does.not.include('\n');
        expect(() => dcganDiscriminator({ size: size as number })).to.throw(UserError);
      }
      expect(() => dcganGenerator({ nz: 0 })).to.throw(UserError, /nz/);
      expect(() => dcganDiscriminator({ ndf: 1.5 })).to.throw(UserError, /ndf/);
    });
  });

  it('the same seed gives the same weights; another seed, others', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => dcganGenerator({ size: 32, nz: 4, ngf: 2, seed }));
    const flat = (m: tf.LayersModel) => tf.tidy(() => tf.concat(m.getWeights().map((w) => w.flatten())).arraySync() as number[]);
    expect(flat(a)).to.deep.equal(flat(b));
    expect(flat(a)).to.not.deep.equal(flat(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('a training step runs on both networks, every weight moves, no tensors leak', () => {
    const G = dcganGenerator({ size: 32, nz: 4, ngf: 2, seed: 1 });
    const D = dcganDiscriminator({ size: 32, ndf: 2, seed: 2 });
    const z = tf.randomNormal([4, 4], 0, 1, 'float32', 5);
    const real = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 6);
    const before = tf.memory().numTensors;
    const w0 = tf.tidy(() => G.getWeights().map((w) => w.clone()));
    // BCE-like objectives straight from logits (the losses module is tested on its own).
    gradientStep(D, () => tf.tidy(() => tf.add(
      tf.mean(tf.softplus(tf.neg(D.apply(real, { training: true }) as tf.Tensor))),
      tf.mean(tf.softplus(D.apply(G.apply(z, { training: true }) as tf.Tensor, { training: true }) as tf.Tensor)),
    ) as tf.Scalar));
    gradientStep(G, () => tf.tidy(() => tf.mean(tf.softplus(tf.neg(D.apply(G.apply(z, { training: true }) as tf.Tensor, { training: true }) as tf.Tensor))) as tf.Scalar));
    const moved = tf.tidy(() => G.getWeights().filter((w, i) => w.shape.length > 1 && tf.any(tf.notEqual(w, w0[i])).dataSync()[0]).length);
    expect(moved).to.equal(G.getWeights().filter((w) => w.shape.length > 1).length);
    tf.dispose(w0);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([z, real]);
    G.dispose();
    D.dispose();
  });

  it('round-trips through tf.io (save/load gives the same function)', async () => {
    const G = dcganGenerator({ size: [64, 80], nz: 4, ngf: 2, seed: 1 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await G.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const L = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const z = tf.randomNormal([2, 4], 0, 1, 'float32', 7);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(G.predict(z) as tf.Tensor, L.predict(z) as tf.Tensor))).dataSync()[0])).to.equal(0);
    z.dispose();
    G.dispose();
    L.dispose();
  });
});
