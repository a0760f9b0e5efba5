/**
 * Throughput of the other hot paths the issue asks `npm run bench` to report: one training step
 * of the proposed model (ResNet-18 generators + 70x70 PatchGANs, cycle loss) and the Inception
 * feature pass behind FID/IS, ours only; all.ts runs each beside its PyTorch peer
 * (scripts/bench/peer_cycle.py, peer_inception.py).
 */
import * as tf from '@tensorflow/tfjs';
import { resolveConfig, TrainConfig } from '../presets';
import { createModel } from '../train/recipes/registry';
import { getExtractor } from '../metrics/extractors/registry';
import { EXTRACTOR_DEFAULTS } from '../metrics/extractors/defaults';

export interface ThroughputResult {
  what: string;
  backend: string;
  batch: number;
  images_per_s: number;
  ms_per_batch: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function randomImages(n: number, size: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([n, size, size, 3], 0, 1, 'float32', seed), 2), 1)) as tf.Tensor4D;
}

/**
 * Forward FLOPs of one image through a network's convolutions and dense layers (2 per
 * multiply-add), counted from the layer shapes. Norms, activations and resizes are left out: they
 * are memory-bound and small beside the convolutions.
 */
export function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose' && cls !== 'Dense') continue;
    const cfg = layer.getConfig() as { kernelSize?: number | number[]; filters?: number; units?: number };
    const inShape = (layer.input as tf.SymbolicTensor).shape;
    const outShape = layer.outputShape as number[];
    if (cls === 'Dense') {
      flops += 2 * (inShape[inShape.length - 1] as number) * (cfg.units as number);
      continue;
    }
    const k = Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize as number, cfg.kernelSize as number];
    const cin = inShape[3] as number, cout = cfg.filters as number;
    // A transposed convolution costs what the convolution it transposes does (its input's pixels).
    const pixels = cls === 'Conv2D' ? (outShape[1] as number) * (outShape[2] as number) : (inShape[1] as number) * (inShape[2] as number);
    flops += 2 * pixels * k[0] * k[1] * cin * cout;
  }
  return flops;
}

/**
 * Convolution FLOPs of one training pair of the proposed model, as its step computes them (and as
 * the PyTorch peer does): the generator step runs G and F twice each (translation and cycle back)
 * forward and backward (weights and inputs: 3 forward passes' worth) and the critics once each on
 * the fakes, backward to their inputs only (2); the critic step runs each critic on a real and a
 * fake image, forward and backward to its weights (3). With a gradient penalty each critic also
 * runs on the interpolates forward and back to them (2), and both of those are differentiated
 * for the weights (4): 6 more per critic.
 */
export function proposedStepFlops(generator: tf.LayersModel, critic: tf.LayersModel, penalty = false): number {
  const g = forwardFlops(generator), d = forwardFlops(critic);
  return 4 * 3 * g + 2 * 2 * d + 4 * 3 * d + (penalty ? 2 * 6 * d : 0);
}

export interface ProposedStepResult extends ThroughputResult {
  size: number;
  ngf: number;
  ndf: number;
  /** The critics' Lipschitz constraint: weight clipping or a gradient penalty (of weight gp_weight). */
  lipschitz: 'clip' | 'penalty';
  gp_weight?: number;
  /** Adam's learning rate (both players). */
  lr: number;
  /** Convolution GFLOP/s (proposedStepFlops). */
  gflops: number;
  /** Each timed step, ms (images_per_s and ms_per_batch: their mean here, their median once pooled: bench/all.ts). */
  step_ms: number[];
  /** Untimed steps before them (see ProposedStepOptions.warmupSeconds). */
  warmup_steps: number;
}

/** What the PyTorch peer runs: Adam(2e-4, β1 0.5) for both players, as CycleGAN. */
const PEER_ADAM = { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 } as const;

export interface ProposedStepOptions {
  size?: number;
  batch?: number;
  steps?: number;
  ngf?: number;
  ndf?: number;
  /**
   * 'quick' (also the workstation preset's cycle model): that preset's step as it trains (its
   * widths, size and batch unless given, gradient penalty, Adam 1e-3). Otherwise the paper's model
   * (full width unless given, weight clipping) with the peer's Adam(2e-4, 0.5).
   */
  preset?: 'quick';
  /**
   * Untimed steps first, for at least this long (default 10 s; at least 2 steps, at most 60). The
   * first creates the oneDNN primitives and Adam's slots, and the heap grows during the second;
   * after those the quick preset's step still sped up for about 40 steps (median 242 ms over
   * steps 1–10, 163–191 ms over 61–100, 2026-12-06): a training run's speed is that of the
   * steps after.
   */
  warmupSeconds?: number;
  /** Exactly this many untimed steps instead (the peer is given ours). */
  warmup?: number;
}

/** The configuration whose step benchProposedStep times (and scripts/ab-steps.js compares). */
export function proposedBenchConfig(opts: Pick<ProposedStepOptions, 'size' | 'batch' | 'ngf' | 'ndf' | 'preset'> = {}): TrainConfig {
  const given = {
    ...(opts.size ? { size: [opts.size, opts.size] as [number, number] } : {}),
    ...(opts.batch ? { batch: opts.batch } : {}),
    ...(opts.ngf ? { resnetNgf: opts.ngf } : {}),
    ...(opts.ndf ? { ndf: opts.ndf } : {}),
  };
  return opts.preset === 'quick'
    ? resolveConfig('proposed', 'quick', { seed: 1, ...given })
    : resolveConfig('proposed', 'paper', { size: [64, 64], batch: 8, resnetNgf: 64, ndf: 64, ...given, seed: 1, optimizerG: PEER_ADAM, optimizerD: PEER_ADAM });
}

/** The proposed model's training step on random images: training pairs (images of domain A) per second. */
export async function benchProposedStep(opts: ProposedStepOptions = {}): Promise<ProposedStepResult> {
  const steps = opts.steps ?? 2;
  const config = proposedBenchConfig(opts);
  const [size] = config.size as [number, number];
  const { batch } = config;
  const model = createModel(config);
  const a = randomImages(batch, size, 1), b = randomImages(batch, size, 2);
  const data = { nextA: () => tf.clone(a), nextB: () => tf.clone(b) };
  const penalty = config.proposedAdversarial === 'wgan-gp';
  try {
    // Untimed steps (ProposedStepOptions.warmupSeconds). After a single untimed step, one timed
    // step measured 3.9 pairs/s where three after two untimed ones measured 6.5 (same run).
    let warmup = 0;
    const t0 = process.hrtime.bigint(), limit = (opts.warmupSeconds ?? 10) * 1e9;
    while (opts.warmup != null ? warmup < opts.warmup
      : warmup < 2 || (warmup < 60 && Number(process.hrtime.bigint() - t0) < limit)) model.trainStep(data, warmup++);
    const stepMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = process.hrtime.bigint();
      model.trainStep(data, warmup + i);
      stepMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const dt = stepMs.reduce((x, y) => x + y, 0) / 1000 / steps;
    const flops = proposedStepFlops(model.networks.G, model.networks.Dy, penalty) * batch;
    return {
      what: `proposed model step ${size}x${size}`, backend: tf.getBackend(), batch, size,
      ngf: config.resnetNgf as number, ndf: config.ndf as number, lipschitz: penalty ? 'penalty' : 'clip',
      ...(penalty ? { gp_weight: config.gpWeight } : {}), lr: config.optimizerG.lr,
      images_per_s: round(batch / dt, 2), ms_per_batch: round(dt * 1000, 1), gflops: round(flops / dt / 1e9, 1),
      step_ms: stepMs.map((t) => round(t, 1)), warmup_steps: warmup,
    };
  } finally {
    a.dispose();
    b.dispose();
    model.dispose();
  }
}

/** The default feature extractor's forward pass (Inception-v3 at 299x299), images per second. */
export async function benchInception(opts: { batch?: number; batches?: number } = {}): Promise<ThroughputResult> {
  const batch = opts.batch ?? EXTRACTOR_DEFAULTS.batchSize, batches = opts.batches ?? 2;
  const ex = await getExtractor(EXTRACTOR_DEFAULTS.extractor, { batchSize: batch, progress: false });
  const imgs = randomImages(batch, 64, 3);
  try {
    await ex.extract(imgs);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await ex.extract(imgs);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / batches;
    return { what: `Inception features (${ex.name})`, backend: tf.getBackend(), batch, images_per_s: round(batch / dt, 2), ms_per_batch: round(dt * 1000, 1) };
  } finally {
    imgs.dispose();
    ex.dispose();
  }
}
