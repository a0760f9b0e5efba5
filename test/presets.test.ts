import { expect } from 'chai';
import { MODEL_NAMES, ModelName, OptimizerConfig, PRESETS, presetEpochs, presetNames, resolveConfig, stepsForEpochs, TrainConfig } from '../lib/presets';
import { checkResnetSize } from '../lib/models/resnetGenerator';
import { checkPatchGanSize } from '../lib/models/patchgan';
import { dcganLayout } from '../lib/models/dcgan';
import { UserError } from '../lib/util/errors';

/** Every field a training run reads; a preset that leaves one undefined would break a run late. */
const FIELDS: readonly (keyof TrainConfig)[] = [
  'model', 'size', 'batch', 'steps', 'seed', 'nz', 'ngf', 'ndf', 'resnetNgf', 'optimizerG', 'optimizerD', 'nCritic',
  'clip', 'gpWeight', 'lambdaCyc', 'proposedAdversarial', 'sampleEvery', 'checkpointEvery', 'logEvery', 'embeddedCount',
  'tableSeeds', 'evalCount',
];

const isPositiveInt = (v: number) => Number.isInteger(v) && v > 0;

function expectValidOptimizer(o: OptimizerConfig, what: string): void {
  expect(['adam', 'rmsprop', 'sgd'], what).to.include(o.name);
  expect(o.lr, what).to.be.greaterThan(0).and.lessThan(1);
  if (o.beta1 !== undefined) expect(o.beta1, what).to.be.within(0, 1);
  if (o.beta2 !== undefined) expect(o.beta2, what).to.be.within(0, 1);
}

/** The model's networks accept the preset's size (each check throws a UserError otherwise). */
function expectSizeFits(model: ModelName, size: [number, number]): void {
  if (model === 'proposed') {
    checkResnetSize(size);
    checkPatchGanSize(size);
  } else {
    dcganLayout(size);
  }
}

describe('presets', () => {
  it('lists the documented presets', () => {
    expect(presetNames()).to.have.members(['smoke', 'quick', 'workstation', 'paper', 'dcgan-original', 'wgan-original', 'cyclegan-original']);
  });

  for (const preset of presetNames()) {
    it(`${preset}: resolves for every model to a complete, valid configuration its networks can take`, () => {
      for (const model of MODEL_NAMES) {
        const c = resolveConfig(model, preset);
        const what = `${preset}/${model}`;
        for (const f of FIELDS) expect(c[f], `${what}: ${f}`).to.not.equal(undefined);
        expect(c.model).to.equal(model);
        expect(c.size.length, what).to.equal(2);
        expect(c.size.every(isPositiveInt), what).to.equal(true);
        expectSizeFits(model, c.size);
        for (const k of ['batch', 'nz', 'ngf', 'ndf', 'resnetNgf', 'nCritic', 'sampleEvery', 'checkpointEvery', 'logEvery', 'embeddedCount', 'evalCount'] as const) {
          expect(isPositiveInt(c[k]), `${what}: ${k} = ${c[k]}`).to.equal(true);
        }
        // 0 only where the step count comes from --epochs (the paper preset).
        expect(Number.isInteger(c.steps) && c.steps >= (preset === 'paper' ? 0 : 1), `${what}: steps = ${c.steps}`).to.equal(true);
        expectValidOptimizer(c.optimizerG, `${what}: optimizerG`);
        expectValidOptimizer(c.optimizerD, `${what}: optimizerD`);
        expect(c.clip, what).to.be.greaterThan(0);
        expect(c.lambdaCyc, what).to.be.at.least(0);
        expect(['wgan-clip', 'wgan-gp'], what).to.include(c.proposedAdversarial);
        expect(c.tableSeeds.length, what).to.be.at.least(1);
        expect(new Set(c.tableSeeds).size, `${what}: distinct seeds`).to.equal(c.tableSeeds.length);
      }
    });
  }

  describe('precedence: preset base < per-model values < overrides', () => {
    it('per-model values win over the base (quick: the proposed model and WGAN set their own batch and steps)', () => {
      const { base, perModel } = PRESETS.quick;
      expect(perModel?.proposed?.batch).to.not.equal(base.batch);
      expect(resolveConfig('proposed', 'quick').batch).to.equal(perModel?.proposed?.batch);
      expect(resolveConfig('dcgan', 'quick').batch).to.equal(base.batch);
      expect(perModel?.wgan?.steps).to.not.equal(base.steps);
      expect(resolveConfig('wgan', 'quick').steps).to.equal(perModel?.wgan?.steps);
      expect(resolveConfig('dcgan', 'quick').steps).to.equal(base.steps);
    });

    it('overrides win over both, field by field', () => {
      const sgd: OptimizerConfig = { name: 'sgd', lr: 0.1, momentum: 0.9 };
      const c = resolveConfig('proposed', 'quick', { batch: 3, steps: 7, size: [64, 64], optimizerG: sgd, lambdaCyc: 2.5 });
      expect(c).to.deep.include({ batch: 3, steps: 7, size: [64, 64], optimizerG: sgd, lambdaCyc: 2.5 });
      // Fields not overridden keep the preset's values.
      expect(c.optimizerD).to.deep.equal(resolveConfig('proposed', 'quick').optimizerD);
      expect(c.resnetNgf).to.equal(PRESETS.quick.base.resnetNgf);
    });

    it('an override given as undefined (an option not set on the command line) keeps the preset value', () => {
      const c = resolveConfig('wgan', 'quick', { steps: undefined, batch: undefined });
      expect(c.steps).to.equal(PRESETS.quick.perModel?.wgan?.steps);
      expect(c.batch).to.equal(PRESETS.quick.perModel?.wgan?.batch);
    });

    it('the model named in the call wins over a model in the overrides', () => {
      expect(resolveConfig('dcgan', 'quick', { model: 'wgan' }).model).to.equal('dcgan');
    });

    it('resolving with overrides leaves the presets unchanged', () => {
      const before = JSON.stringify(PRESETS);
      resolveConfig('wgan', 'smoke', { steps: 99, clip: 0.5, optimizerD: { name: 'sgd', lr: 0.3 } });
      expect(JSON.stringify(PRESETS)).to.equal(before);
    });
  });

  describe('bad names', () => {
    it('an unknown model is a UserError listing the known ones', () => {
      expect(() => resolveConfig('stylegan', 'quick')).to.throw(UserError, /unknown model 'stylegan' \(known: dcgan, wgan, wgan-gp, proposed\)/);
    });

    it('an unknown preset is a UserError listing the known ones', () => {
      expect(() => resolveConfig('dcgan', 'fast')).to.throw(UserError, /unknown preset 'fast' \(known: smoke, quick, workstation, paper/);
    });

    it('the default preset is quick', () => {
      expect(resolveConfig('dcgan')).to.deep.equal(resolveConfig('dcgan', 'quick'));
    });
  });

  describe('the paper preset keeps §5 of the paper', () => {
    for (const model of MODEL_NAMES) {
      it(`${model}: SGD at lr 0.002 (no momentum) for generator and critic, 96×96, steps from --epochs`, () => {
        const c = resolveConfig(model, 'paper');
        expect(c.optimizerG).to.deep.equal({ name: 'sgd', lr: 0.002 });
        expect(c.optimizerD).to.deep.equal({ name: 'sgd', lr: 0.002 });
        expect(c.size).to.deep.equal([96, 96]);
        expect(c.steps).to.equal(0);
        expect(c.ngf).to.equal(64);
        expect(c.ndf).to.equal(64);
        expect(c.resnetNgf).to.equal(64);
      });
    }

    it("WGAN keeps Arjovsky et al.'s 5 critic steps and clip ±0.01 (§5.2 gives none); the proposed model clips at 0.01 with λ = 10", () => {
      expect(resolveConfig('wgan', 'paper')).to.deep.include({ nCritic: 5, clip: 0.01 });
      expect(resolveConfig('proposed', 'paper')).to.deep.include({ nCritic: 1, clip: 0.01, lambdaCyc: 10, proposedAdversarial: 'wgan-clip' });
    });
  });

  describe("the original papers' presets", () => {
    it('dcgan-original: Adam 2e-4, β1 0.5, batch 128, 64×64 (Radford et al.)', () => {
      expect(resolveConfig('dcgan', 'dcgan-original')).to.deep.include({
        optimizerG: { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 }, batch: 128, size: [64, 64],
      });
    });

    it('wgan-original: RMSProp 5e-5, clip 0.01, 5 critic steps, batch 64, 64×64 (Arjovsky et al.)', () => {
      expect(resolveConfig('wgan', 'wgan-original')).to.deep.include({
        optimizerG: { name: 'rmsprop', lr: 5e-5 }, optimizerD: { name: 'rmsprop', lr: 5e-5 }, clip: 0.01, nCritic: 5, batch: 64, size: [64, 64],
      });
    });

    it('cyclegan-original: Adam 2e-4, β1 0.5, batch 1, λ 10 (Zhu et al.)', () => {
      expect(resolveConfig('proposed', 'cyclegan-original')).to.deep.include({
        optimizerG: { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 }, batch: 1, lambdaCyc: 10,
      });
    });
  });

  it('a preset without a step count gives its length in epochs (the paper: 200), turned into steps by the data set\'s size', () => {
    for (const name of presetNames()) {
      const steps = resolveConfig('dcgan', name).steps;
      if (steps < 1) expect(presetEpochs(name), name).to.be.a('number').above(0);
    }
    expect(presetEpochs('paper')).to.equal(200);
    expect(presetEpochs('quick')).to.equal(undefined);
    // 200 epochs of 15,000 images at batch 64: 234 whole batches each.
    expect(stepsForEpochs(200, 15000, 64)).to.equal(200 * 234);
  });
});
