/**
 * Training-throughput benchmark of the workbook's DCGAN (lib/train/recipes/dcgan.ts), set up as
 * the PyTorch peer (scripts/bench/peer_dcgan.py): nz 100, ngf = ndf = 64, Adam(2e-4, 0.5, 0.999),
 * non-saturating BCE, one D step then one G step per iteration, random "real" images in [-1, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../presets';
import { createDcgan } from '../train/recipes/dcgan';
import { dcganLayout } from '../models/dcgan';
import { UserError } from '../util/errors';

export interface DcganBenchOptions {
  /** Image side (32 or 64 as the peer; any size the DCGAN accepts works). */
  size: number;
  batch: number;
  /** Timed steps (after `warmup` untimed ones that create the native primitives). */
  steps: number;
  warmup?: number;
  /** ngf = ndf (64 as the peer; smaller for quick tests). */
  width?: number;
  nz?: number;
  seed?: number;
}

export interface DcganBenchResult {
  backend: string;
  size: number;
  batch: number;
  steps: number;
  width: number;
  ms_per_step: number;
  images_per_s: number;
  /** Convolution FLOPs of one training image as the peer computes them (see dcganTrainFlops). */
  gflop_per_image: number;
  gflops: number;
  d_loss: number;
  g_loss: number;
}

/**
 * Convolution FLOPs (multiply-add = 2) of one DCGAN training image as PyTorch's step does the
 * work: G forward once, D forward three times (real, fake for D, fake for G); weight gradients
 * of D for all three passes and of G once; data gradients of D's layers for all passes except
 * the first layer (its input needs no gradient in the D step), and of G except its first layer.
 * This is the "useful work" both implementations are credited with; the elementwise work is
 * not counted.
 */
export function dcganTrainFlops(size: number, width = 64, nz = 100): number {
  const { doublings: n, start } = dcganLayout([size, size], 'bench');
  const k0 = start[0] * start[1];
  // Per-layer forward FLOPs: conv output pixels * kernel area * in * out * 2.
  const d: number[] = [];
  let ch = 3, s = size;
  for (let i = 0; i < n; i++) {
    const out = width * 2 ** i;
    s /= 2;
    d.push(2 * s * s * 16 * ch * out);
    ch = out;
  }
  d.push(2 * k0 * ch); // last conv: start map -> 1 score
  const g: number[] = [2 * k0 * nz * ch];
  s = start[0];
  for (let i = n - 1; i >= 0; i--) {
    const out = i === 0 ? 3 : width * 2 ** (i - 1);
    s *= 2;
    // A stride-2 transposed conv costs what the conv it transposes does: s x s x out -> s/2 x in.
    g.push(2 * (s / 2) * (s / 2) * 16 * ch * out);
    ch = out;
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const dFwd = sum(d), gFwd = sum(g);
  const dTotal = 3 * dFwd + 3 * dFwd + 3 * (dFwd - d[0]) + d[0];
  const gTotal = gFwd + gFwd + (gFwd - g[0]);
  return dTotal + gTotal;
}

/** Runs the benchmark on the current tf backend. */
export async function benchDcgan(opts: DcganBenchOptions): Promise<DcganBenchResult> {
  const { size, batch, steps } = opts;
  const warmup = opts.warmup ?? 2;
  const width = opts.width ?? 64;
  const nz = opts.nz ?? 100;
  if (!Number.isInteger(batch) || batch < 1) throw new UserError(`bench: --batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(steps) || steps < 1) throw new UserError(`bench: --steps must be a positive integer, got ${steps}`);
  const adam = { name: 'adam' as const, lr: 2e-4, beta1: 0.5, beta2: 0.999 };
  const config = resolveConfig('dcgan', 'quick', {
    size: [size, size], batch, nz, ngf: width, ndf: width, seed: opts.seed ?? 0, optimizerG: adam, optimizerD: adam,
  });
  const model = createDcgan(config);
  const real = tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1), 2), 1)) as tf.Tensor4D;
  const data = { nextA: () => tf.clone(real) };
  let losses: Record<string, number> = {};
  try {
    for (let i = 0; i < warmup; i++) losses = model.trainStep(data, i);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) losses = model.trainStep(data, warmup + i);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
    const flop = dcganTrainFlops(size, width, nz);
    return {
      backend: tf.getBackend(), size, batch, steps, width,
      ms_per_step: round(dt * 1000, 1),
      images_per_s: round(batch / dt, 2),
      gflop_per_image: round(flop / 1e9, 3),
      gflops: round((flop * batch) / dt / 1e9, 1),
      d_loss: losses.d_loss, g_loss: losses.g_loss,
    };
  } finally {
    real.dispose();
    model.dispose();
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
