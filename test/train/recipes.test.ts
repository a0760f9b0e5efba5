import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { MODEL_NAMES, resolveConfig, TrainConfig } from '../../lib/presets';
import { createModel, RECIPES, recipeOf, validateConfig } from '../../lib/train/recipes/registry';
import type { GanModel, StepData } from '../../lib/train/ganModel';
import { UserError } from '../../lib/util/errors';
import { TensorSource } from './support';
import { twice } from '../../lib/train/recipes/proposed';
import { resnetGenerator } from '../../lib/models/resnetGenerator';

describe('train/recipes', function () {
  let a: TensorSource;
  let b: TensorSource;
  before(async function () {
    await initBackend({ quiet: true });
    a = new TensorSource(4, [32, 32], 1);
    b = new TensorSource(4, [32, 32], 2);
  });
  after(() => {
    a.dispose();
    b.dispose();
  });

  // Two critic steps keep WGAN-GP's step short; batch 2 keeps every step short.
  const smoke = (model: string, over: Partial<TrainConfig> = {}) => resolveConfig(model, 'smoke', { batch: 2, nCritic: 2, ...over });
  const data = (): StepData => ({ nextA: () => a.batchAt([0, 1]), nextB: () => b.batchAt([2, 3]) });

  describe('traits', () => {
    it('has one recipe per model name, under its own name', () => {
      expect(Object.keys(RECIPES).sort()).to.deep.equal([...MODEL_NAMES].sort());
      for (const name of MODEL_NAMES) expect(recipeOf(name).name).to.equal(name);
    });

    it('only the proposed model translates, between faces (A) and anime (B)', () => {
      for (const name of MODEL_NAMES) {
        const r = recipeOf(name);
        expect(r.conditional, name).to.equal(name === 'proposed');
        if (r.conditional) expect(r.domains).to.deep.equal({ a: 'face', b: 'anime' });
      }
    });

    it('WGANs count nCritic critic steps and read that many batches per step; DCGAN and the proposed model one', () => {
      const c = (model: string) => smoke(model, { nCritic: 3, batch: 4 });
      const of = (f: (m: (typeof MODEL_NAMES)[number]) => number) => Object.fromEntries(MODEL_NAMES.map((m) => [m, f(m)]));
      expect(of((m) => recipeOf(m).criticSteps(c(m)))).to.deep.equal({ dcgan: 1, wgan: 3, 'wgan-gp': 3, proposed: 1 });
      expect(of((m) => recipeOf(m).imagesPerStep(c(m)))).to.deep.equal({ dcgan: 4, wgan: 12, 'wgan-gp': 12, proposed: 4 });
    });

    it('names how each critic is kept Lipschitz', () => {
      expect(recipeOf('dcgan').lipschitz(smoke('dcgan'))).to.equal('none');
      expect(recipeOf('wgan').lipschitz(smoke('wgan'))).to.equal('clip');
      expect(recipeOf('wgan-gp').lipschitz(smoke('wgan-gp'))).to.equal('penalty');
      expect(recipeOf('proposed').lipschitz(smoke('proposed'))).to.equal('clip');
      expect(recipeOf('proposed').lipschitz(smoke('proposed', { proposedAdversarial: 'wgan-gp' }))).to.equal('penalty');
    });

    it('rejects a size the networks cannot take with a UserError naming the model, before building anything', () => {
      const before = tf.memory().numTensors;
      // 40 is fine for the DCGAN layout (even, short side >= 6) but not divisible by 16 (ResNet generator).
      expect(() => validateConfig(smoke('dcgan', { size: [40, 40] }))).not.to.throw();
      expect(() => validateConfig(smoke('proposed', { size: [40, 40] }))).to.throw(UserError, /proposed \(resnet generator\)/);
      expect(() => createModel(smoke('proposed', { size: [40, 40] }))).to.throw(UserError);
      for (const m of ['dcgan', 'wgan', 'wgan-gp'] as const) {
        expect(() => createModel(smoke(m, { size: [5, 5] }))).to.throw(UserError, new RegExp(`^${m}: cannot take size 5x5`));
      }
      expect(tf.memory().numTensors).to.equal(before);
    });
  });

  describe('twice: one network call on two batches stacked', () => {
    // y = net(x) and the gradient of a loss that weighs the two halves differently.
    const outputsAndGrads = (net: tf.LayersModel, stacked: boolean) => tf.tidy(() => {
      // Two batches of different sizes, one odd (at ngf 4 an odd batch once corrupted the
      // addon's heap: native/README.md, "oneDNN's strided 1×1 filter gradient").
      const x = a.batchAt([0, 1]), y = b.batchAt([2, 3, 1]);
      const run = (t: tf.Tensor) => net.apply(t, { training: true }) as tf.Tensor4D;
      const [fx, fy] = stacked ? twice(run, x, y) : [run(x), run(y)];
      const loss = () => {
        const [p, q] = stacked ? twice(run, x, y) : [run(x), run(y)];
        return tf.add(tf.sum(tf.sin(p)), tf.sum(tf.square(q))) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(loss, net.trainableWeights.map((w) => w.read() as tf.Variable));
      return [fx, fy, ...Object.values(grads)];
    });
    // Largest difference relative to the largest value of the set: the affine shifts of the
    // norms before a fuse norm have gradients that are zero but for rounding.
    const worst = (p: tf.Tensor[], q: tf.Tensor[]) => tf.tidy(() => {
      const scale = Math.max(...q.map((t) => tf.max(tf.abs(t)).dataSync()[0]));
      return Math.max(...p.map((t, i) => tf.max(tf.abs(tf.sub(t, q[i]))).dataSync()[0])) / scale;
    });

    it('gives the generator\'s two outputs and its gradients as two calls do (instance norm is per image)', () => {
      const G = resnetGenerator({ size: 32, ngf: 4, seed: 3 });
      const before = tf.memory().numTensors;
      try {
        const sep = outputsAndGrads(G, false), both = outputsAndGrads(G, true);
        expect(both[0].shape).to.deep.equal([2, 32, 32, 3]);
        expect(both[1].shape).to.deep.equal([3, 32, 32, 3]);
        expect(worst(both.slice(0, 2), sep.slice(0, 2)), 'outputs: largest difference, relative').to.be.below(1e-5);
        expect(worst(both.slice(2), sep.slice(2)), 'gradients: largest difference, relative').to.be.below(1e-4);
        expect(both.length).to.equal(2 + G.trainableWeights.length);
        tf.dispose([...sep, ...both]);
        expect(tf.memory().numTensors).to.equal(before);
      } finally {
        G.dispose();
      }
    });

    it('differs for a network with batch norm (the batches\' statistics mix): only networks that treat each image alone may be stacked', () => {
      const net = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
        tf.layers.batchNormalization(),
      ] });
      try {
        const sep = outputsAndGrads(net, false), both = outputsAndGrads(net, true);
        expect(worst(both.slice(0, 2), sep.slice(0, 2))).to.be.above(1e-2);
        tf.dispose([...sep, ...both]);
      } finally {
        net.dispose();
      }
    });
  });

  it('the proposed step calls G twice and F once (b and G(a) stacked), each critic twice (real and fake stacked), a batch-norm critic three times', () => {
    for (const [norm, criticCalls] of [['instance', 2], ['batch', 3]] as const) {
      const model = createModel(smoke('proposed', { criticNorm: norm }));
      try {
        const calls: Record<string, number> = {};
        for (const [name, net] of Object.entries(model.networks)) {
          const apply = net.apply.bind(net);
          calls[name] = 0;
          net.apply = ((...args: Parameters<typeof apply>) => (calls[name]++, apply(...args))) as typeof net.apply;
        }
        model.trainStep(data(), 0);
        expect(calls, `critic norm ${norm}`).to.deep.equal({ G: 2, F: 1, Dx: criticCalls, Dy: criticCalls });
      } finally {
        model.dispose();
      }
    }
  });

  const configs: [string, TrainConfig][] = [
    ...MODEL_NAMES.map((m): [string, TrainConfig] => [m, smoke(m)]),
    ['proposed (gradient penalty)', smoke('proposed', { proposedAdversarial: 'wgan-gp' })],
  ];
  for (const [label, config] of configs) {
    describe(label, () => {
      let model: GanModel;
      before(() => {
        model = createModel(config);
      });
      after(() => model?.dispose());

      it('one step returns finite losses and, once the optimizers hold their slots, leaks no tensor', () => {
        const first = model.trainStep(data(), 0);
        const before = tf.memory().numTensors;
        const second = model.trainStep(data(), 1);
        expect(tf.memory().numTensors, 'tensors after a second step').to.equal(before);
        for (const losses of [first, second]) {
          const names = Object.keys(losses).filter((k) => k.includes('loss'));
          expect(names.length, JSON.stringify(losses)).to.be.greaterThan(1);
          for (const [k, v] of Object.entries(losses)) expect(Number.isFinite(v), `${k} = ${v}`).to.equal(true);
        }
        expect(second, 'the second step moved the losses').not.to.deep.equal(first);
      });

      if (recipeOf(config.model).conditional) {
        it('translates A→B with G and B→A with F, image for image, without leaking', () => {
          if (!model.conditional) throw new Error('the recipe says conditional, the model does not');
          const x = a.batchAt([0, 1, 2]);
          const before = tf.memory().numTensors;
          const ab = model.translate(x, 'a2b');
          const ba = model.translate(x, 'b2a');
          expect(ab.shape).to.deep.equal([3, 32, 32, 3]);
          expect(ba.shape).to.deep.equal([3, 32, 32, 3]);
          expect(tf.memory().numTensors - before).to.equal(2);
          const [g, f] = [model.networks.G, model.networks.F].map((n) => tf.tidy(() => n.predict(x) as tf.Tensor));
          expect(Array.from(ab.dataSync())).to.deep.equal(Array.from(g.dataSync()));
          expect(Array.from(ba.dataSync())).to.deep.equal(Array.from(f.dataSync()));
          expect(Array.from(ab.dataSync())).not.to.deep.equal(Array.from(ba.dataSync()));
          tf.dispose([x, ab, ba, g, f]);
          expect(model.domains).to.deep.equal({ a: 'face', b: 'anime' });
        });
      } else {
        it('samples n images from seeded noise: the same seed gives the same images, without leaking', () => {
          if (model.conditional) throw new Error('the recipe says unconditional, the model does not');
          const before = tf.memory().numTensors;
          const s1 = model.sample(3, 7);
          const s2 = model.sample(3, 7);
          const s3 = model.sample(3, 8);
          expect(s1.shape).to.deep.equal([3, 32, 32, 3]);
          expect(tf.memory().numTensors - before).to.equal(3);
          expect(Array.from(s1.dataSync())).to.deep.equal(Array.from(s2.dataSync()));
          expect(Array.from(s1.dataSync())).not.to.deep.equal(Array.from(s3.dataSync()));
          const [lo, hi] = [tf.min(s1), tf.max(s1)].map((t) => {
            const v = t.dataSync()[0];
            t.dispose();
            return v;
          });
          expect(lo).to.be.at.least(-1);
          expect(hi).to.be.at.most(1);
          tf.dispose([s1, s2, s3]);
        });
      }
    });
  }

  it('the translation model refuses a step without domain B', () => {
    const model = createModel(smoke('proposed'));
    try {
      expect(() => model.trainStep({ nextA: () => a.batchAt([0, 1]) }, 0)).to.throw(/two domains/);
    } finally {
      model.dispose();
    }
  });
});
