/**
 * Every training default in one place (torch-fidelity keeps its defaults in one module; so do we).
 * The command line, the notebooks and the tests read presets from here.
 *
 * - `smoke`: seconds, for tests; tiny networks, a handful of steps.
 * - `quick`: minutes on a 2-core laptop CPU; small networks at 32×32 so the whole paper reruns
 *   in under half an hour.
 * - `workstation`: the real data sets over lunch (about 100 minutes for the grid on 2 cores);
 *   32×32, full-width DCGAN and WGAN, a twice-as-wide cycle model.
 * - `paper`: what §5.2 states (SGD, lr 0.002, 200 epochs; 96×96 anime, 128×160 CelebA); for a GPU.
 * - `dcgan-original`, `wgan-original`, `cyclegan-original`: the original papers' settings
 *   (Radford et al. 2015; Arjovsky et al. 2017; Zhu et al. 2017), full width.
 */
import { UserError } from './util/errors';
import type { NormKind } from './models/common';

export type ModelName = 'dcgan' | 'wgan' | 'wgan-gp' | 'proposed';
export const MODEL_NAMES: readonly ModelName[] = ['dcgan', 'wgan', 'wgan-gp', 'proposed'];

export interface OptimizerConfig {
  name: 'adam' | 'rmsprop' | 'sgd';
  lr: number;
  beta1?: number;
  beta2?: number;
  momentum?: number;
}

/** Everything one training run needs besides its data; saved in the run folder and checkpoint. */
export interface TrainConfig {
  model: ModelName;
  /** Image size [height, width]. */
  size: [number, number];
  batch: number;
  steps: number;
  seed: number;
  /** Noise dimension of the unconditional generators. */
  nz: number;
  /** Base channel width of generators (ngf) and discriminators (ndf): 64 in the papers. */
  ngf: number;
  ndf: number;
  /** Stem width of the proposed ResNet-18 generator (64 = ResNet-18's widths 64, 128, 256, 512). */
  resnetNgf: number;
  optimizerG: OptimizerConfig;
  optimizerD: OptimizerConfig;
  /** Critic steps per generator step (WGAN: 5). */
  nCritic: number;
  /** Weight-clipping bound c of WGAN (eq. (8)'s Lipschitz constraint). */
  clip: number;
  /** Gradient-penalty weight of WGAN-GP. */
  gpWeight: number;
  /** λ of eq. (10), the cycle-consistency weight (the paper does not give it; CycleGAN uses 10). */
  lambdaCyc: number;
  /** The proposed model's adversarial loss: the paper's Wasserstein + clipping, or WGAN-GP. */
  proposedAdversarial: 'wgan-clip' | 'wgan-gp';
  /** Normalisation inside the proposed model's PatchGAN critics (pix2pix/CycleGAN: instance). */
  criticNorm: NormKind;
  sampleEvery: number;
  checkpointEvery: number;
  logEvery: number;
  /** Images of the embedded data set generated when no --data is given. */
  embeddedCount: number;
  /** Seeds over which Table 1 reports mean ± std. */
  tableSeeds: number[];
  /** Generated images per FID/IS evaluation. */
  evalCount: number;
}

export interface Preset {
  name: string;
  description: string;
  /** Defaults shared by all models, then per-model overrides. */
  base: Omit<TrainConfig, 'model'>;
  perModel?: Partial<Record<ModelName, Partial<TrainConfig>>>;
  /** Length in epochs over domain A, for presets whose `steps` is 0 (it depends on the data set's size). */
  epochs?: number;
}

const adamDcgan: OptimizerConfig = { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 };
const rmspropWgan: OptimizerConfig = { name: 'rmsprop', lr: 5e-5 };
const adamWganGp: OptimizerConfig = { name: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.9 };
const sgdPaper: OptimizerConfig = { name: 'sgd', lr: 0.002 };
/** Adam at 5× DCGAN's rate: what lets the cycle model learn in a CPU budget (docs/cycle-experiments.md). */
const adamFast: OptimizerConfig = { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 };

/** Per-model optimizer and loss settings of the original papers, reused by the small presets. */
const originalPerModel: Partial<Record<ModelName, Partial<TrainConfig>>> = {
  dcgan: { optimizerG: adamDcgan, optimizerD: adamDcgan, nCritic: 1 },
  wgan: { optimizerG: rmspropWgan, optimizerD: rmspropWgan, nCritic: 5, clip: 0.01 },
  'wgan-gp': { optimizerG: adamWganGp, optimizerD: adamWganGp, nCritic: 5, gpWeight: 10 },
  proposed: { optimizerG: adamDcgan, optimizerD: adamDcgan, nCritic: 1 },
};

const common: Omit<TrainConfig, 'model' | 'size' | 'batch' | 'steps'> = {
  seed: 0,
  nz: 100,
  ngf: 64,
  ndf: 64,
  resnetNgf: 64,
  optimizerG: adamDcgan,
  optimizerD: adamDcgan,
  nCritic: 1,
  clip: 0.01,
  gpWeight: 10,
  lambdaCyc: 10,
  proposedAdversarial: 'wgan-clip',
  criticNorm: 'instance',
  sampleEvery: 500,
  checkpointEvery: 500,
  logEvery: 1,
  embeddedCount: 2000,
  tableSeeds: [0, 1, 2],
  evalCount: 1000,
};

export const PRESETS: Record<string, Preset> = {
  smoke: {
    name: 'smoke',
    description: 'seconds, for tests: 32×32 images, tiny networks, a few steps',
    base: {
      ...common,
      size: [32, 32],
      batch: 4,
      steps: 4,
      nz: 8,
      ngf: 4,
      ndf: 4,
      resnetNgf: 4,
      sampleEvery: 2,
      checkpointEvery: 2,
      embeddedCount: 32,
      tableSeeds: [0, 1],
      evalCount: 16,
    },
    perModel: originalPerModel,
  },
  quick: {
    name: 'quick',
    description: 'minutes on a 2-core laptop CPU: 32×32 images, narrow networks',
    base: {
      ...common,
      size: [32, 32],
      // DCGAN's (the others set their own): 1600 steps of batch 32 cost about what 800 of 64 did
      // and draw more varied, less muted avatars (docs/cycle-experiments.md, "DCGAN and WGAN").
      batch: 32,
      steps: 1600,
      // Half the papers' widths: at 16 the samples stayed blurry (docs/cycle-experiments.md).
      ngf: 32,
      ndf: 32,
      // The cycle model's stem (only it uses one): 16, better than 8 on every measure (E7).
      resnetNgf: 16,
      sampleEvery: 300,
      checkpointEvery: 300,
      embeddedCount: 2000,
      tableSeeds: [0, 1],
      evalCount: 500,
    },
    perModel: {
      ...originalPerModel,
      // RMSProp at 5e-5 barely moves in a few hundred steps; WGAN's own paper trains for 100k.
      // Five critic steps per generator step: 400 WGAN steps at batch 32 cost about what 1000
      // DCGAN steps at 64 do.
      wgan: { ...originalPerModel.wgan, steps: 400, batch: 32, optimizerG: { name: 'rmsprop', lr: 2e-4 }, optimizerD: { name: 'rmsprop', lr: 2e-4 } },
      // The paper's model departs from §4.2's objective here, for reasons measured in
      // docs/cycle-experiments.md: weight clipping does not bound an instance-normalised critic
      // (its loss sits at the clip bound from step 150 on) and without normalisation the clipped
      // critic's scores are too small to move the generators, so the critics keep their
      // Lipschitz constraint by a gradient penalty (the paper's own "future work"); and at Adam's
      // 2e-4 the cycle loss had not moved after 500 steps even with the critics switched off.
      proposed: {
        ...originalPerModel.proposed,
        // 1600: better than 800 on all four of notebook 05's measures (E6 in docs/cycle-experiments.md);
        // critics of width 32 with the stem of 16: better again on all of them than 16 with 8 (E7).
        steps: 1600,
        batch: 8,
        ndf: 32,
        proposedAdversarial: 'wgan-gp',
        optimizerG: adamFast,
        optimizerD: adamFast,
        sampleEvery: 200,
        checkpointEvery: 200,
      },
    },
  },
  workstation: {
    name: 'workstation',
    description: 'the real data over lunch: the whole grid in about 100 minutes on a 2-core CPU; 32×32, full-width DCGAN and WGAN',
    base: {
      ...common,
      // 32×32: at 64×64 one full-width DCGAN step costs four times as much, and the grid
      // (4 DCGAN, 4 WGAN, 2 cycle runs) would not fit in 100 minutes on 2 cores.
      size: [32, 32],
      batch: 64,
      // 2000 steps of full-width DCGAN: the parity run's length, whose samples are anime faces.
      steps: 2000,
      sampleEvery: 500,
      checkpointEvery: 500,
      tableSeeds: [0, 1],
      evalCount: 1000,
    },
    perModel: {
      ...originalPerModel,
      // One WGAN generator step costs about six DCGAN steps (five critic steps); RMSProp at 2e-4
      // as in quick, since 5e-5 barely moves in a few hundred steps.
      wgan: { ...originalPerModel.wgan, steps: 500, optimizerG: { name: 'rmsprop', lr: 2e-4 }, optimizerD: { name: 'rmsprop', lr: 2e-4 } },
      // Quick's recipe (docs/cycle-experiments.md), twice as wide and longer: 330 ms a step on one thread.
      proposed: {
        ...originalPerModel.proposed,
        steps: 3600,
        batch: 8,
        resnetNgf: 16,
        ndf: 32,
        proposedAdversarial: 'wgan-gp',
        optimizerG: adamFast,
        optimizerD: adamFast,
        sampleEvery: 600,
        checkpointEvery: 600,
      },
    },
  },
  paper: {
    name: 'paper',
    description: '§5.2 exactly: SGD lr 0.002, 200 epochs, 96×96 anime / 128×160 CelebA; for a GPU',
    epochs: 200,
    base: {
      ...common,
      size: [96, 96],
      batch: 64,
      steps: 0, // set from `epochs` (or --epochs) and the data set's size
      optimizerG: sgdPaper,
      optimizerD: sgdPaper,
      sampleEvery: 1000,
      checkpointEvery: 1000,
      embeddedCount: 20000,
      tableSeeds: [0, 1, 2],
      evalCount: 10000,
    },
    perModel: {
      wgan: { nCritic: 5, clip: 0.01 },
      'wgan-gp': { nCritic: 5, gpWeight: 10 },
    },
  },
  'dcgan-original': {
    name: 'dcgan-original',
    description: 'Radford et al. (2015): Adam 2e-4 β1 0.5, batch 128, 64×64',
    base: { ...common, size: [64, 64], batch: 128, steps: 20000 },
    perModel: originalPerModel,
  },
  'wgan-original': {
    name: 'wgan-original',
    description: 'Arjovsky et al. (2017): RMSProp 5e-5, clip ±0.01, 5 critic steps, batch 64, 64×64',
    base: { ...common, size: [64, 64], batch: 64, steps: 100000, ...originalPerModel.wgan },
    perModel: originalPerModel,
  },
  'cyclegan-original': {
    name: 'cyclegan-original',
    description: 'Zhu et al. (2017): Adam 2e-4 β1 0.5, batch 1, λ 10',
    base: { ...common, size: [128, 128], batch: 1, steps: 200000, lambdaCyc: 10 },
    perModel: originalPerModel,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** The full configuration of `model` under `preset`, with explicit overrides applied last. */
export function resolveConfig(
  model: string,
  presetName = 'quick',
  overrides: Partial<TrainConfig> = {},
): TrainConfig {
  if (!(MODEL_NAMES as readonly string[]).includes(model)) {
    throw new UserError(`unknown model '${model}' (known: ${MODEL_NAMES.join(', ')})`);
  }
  const preset = PRESETS[presetName];
  if (!preset) throw new UserError(`unknown preset '${presetName}' (known: ${presetNames().join(', ')})`);
  const m = model as ModelName;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...preset.base, ...(preset.perModel?.[m] ?? {}), ...defined, model: m } as TrainConfig;
}

/** The preset's length in epochs, when it gives one instead of steps. */
export function presetEpochs(presetName: string): number | undefined {
  return PRESETS[presetName]?.epochs;
}

/** Generator steps of `epochs` passes over `images` images in whole batches. */
export function stepsForEpochs(epochs: number, images: number, batch: number): number {
  return epochs * Math.floor(images / batch);
}
