/**
 * DCGAN (Radford, Metz & Chintala 2015), the paper's first baseline (§5, Fig. 3), built as in
 * PyTorch's DCGAN example and the benchmark's peer (scripts/bench/peer_dcgan.py): 4x4 kernels
 * with stride 2, batch norm, ReLU in the generator and LeakyReLU(0.2) in the discriminator, tanh
 * output, no biases, weights ~ N(0, 0.02) and batch-norm gamma ~ N(1, 0.02).
 *
 * Size: the generator starts from an h0 x w0 map (a transposed conv of kernel h0 x w0 on the
 * 1x1 noise) and doubles it n times; the discriminator mirrors this and ends with an h0 x w0
 * conv. For 64x64, h0 = w0 = 4 and n = 4, exactly the reference; 96x96 starts at 3x3,
 * 64x80 and 128x160 at 4x5.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { gpLeakyReLU } from './activations';
import {
  ImageSize, NormKind, SeedStream, apply, checkNorm, dcganKernelInit, normLayer, parseSize, positiveInt,
} from './common';

export interface DcganLayout {
  /** Number of stride-2 (transposed) convolutions. */
  doublings: number;
  /** Size of the first generator map / the last discriminator conv kernel. */
  start: [number, number];
}

/**
 * Chooses the most doublings n such that H and W are divisible by 2^n and the start map is at
 * least 3 pixels on its short side (4x4 for 32 and 64, 3x3 for 96, 4x5 for 64x80 and 128x160).
 */
export function dcganLayout(size: ImageSize, what = 'dcgan'): DcganLayout {
  const [h, w] = parseSize(size, what);
  let n = 0;
  while (h % 2 ** (n + 1) === 0 && w % 2 ** (n + 1) === 0 && Math.min(h, w) / 2 ** (n + 1) >= 3) n++;
  if (n < 1) {
    throw new UserError(`${what}: cannot take size ${h}x${w}; height and width must both be even with a short side of at least 6 (e.g. 32, 64, 96, 64x80, 128x160)`);
  }
  return { doublings: n, start: [h / 2 ** n, w / 2 ** n] };
}

export interface DcganGeneratorOptions {
  /** Output image size [height, width] (or a square side). Default 64. */
  size?: ImageSize;
  /** Length of the noise vector z. Default 100. */
  nz?: number;
  /** Width of the last hidden layer; the first has ngf * 2^(n-1) channels. Default 64. */
  ngf?: number;
  /** Seed of the weight initialisation. */
  seed?: number;
  name?: string;
}

/** Noise z [batch, nz] -> image [batch, H, W, 3] in [-1, 1]. */
export function dcganGenerator(opts: DcganGeneratorOptions = {}): tf.LayersModel {
  const what = 'dcgan-generator';
  const [h, w] = parseSize(opts.size ?? 64, what);
  const nz = positiveInt(opts.nz ?? 100, 'nz', what);
  const ngf = positiveInt(opts.ngf ?? 64, 'ngf', what);
  const { doublings: n, start } = dcganLayout([h, w], what);
  const seeds = new SeedStream(opts.seed);

  const z = tf.input({ shape: [nz], name: 'z' });
  let x = apply(tf.layers.reshape({ targetShape: [1, 1, nz], name: 'z_as_map' }), z);
  let ch = ngf * 2 ** (n - 1);
  // Project and reshape: 1x1 -> h0 x w0.
  x = apply(tf.layers.conv2dTranspose({
    name: 'convT0', filters: ch, kernelSize: start, strides: 1, padding: 'valid', useBias: false,
    kernelInitializer: dcganKernelInit(seeds),
  }), x);
  x = apply(normLayer('batch', 'bn0', seeds, { dcganInit: true }), x);
  x = apply(tf.layers.reLU({ name: 'relu0' }), x);
  for (let i = 1; i < n; i++) {
    ch /= 2;
    // 'same' with kernel 4, stride 2 pads 1 on each side: PyTorch's ConvTranspose2d(4, 2, 1).
    x = apply(tf.layers.conv2dTranspose({
      name: `convT${i}`, filters: ch, kernelSize: 4, strides: 2, padding: 'same', useBias: false,
      kernelInitializer: dcganKernelInit(seeds),
    }), x);
    x = apply(normLayer('batch', `bn${i}`, seeds, { dcganInit: true }), x);
    x = apply(tf.layers.reLU({ name: `relu${i}` }), x);
  }
  x = apply(tf.layers.conv2dTranspose({
    name: `convT${n}`, filters: 3, kernelSize: 4, strides: 2, padding: 'same', useBias: false,
    kernelInitializer: dcganKernelInit(seeds),
  }), x);
  const out = apply(tf.layers.activation({ name: 'tanh', activation: 'tanh' }), x);
  return tf.model({ inputs: z, outputs: out, name: opts.name ?? 'dcgan_generator' });
}

export interface DcganDiscriminatorOptions {
  /** Input image size [height, width] (or a square side). Default 64. */
  size?: ImageSize;
  /** Width of the first layer; layer i has ndf * 2^i channels. Default 64. */
  ndf?: number;
  seed?: number;
  name?: string;
}

/**
 * The convolutional body shared by the DCGAN discriminator and the WGAN critic: image
 * [batch, H, W, 3] -> one linear score per image [batch, 1] (a logit; the loss applies the sigmoid).
 * The first layer is never normalised, as in DCGAN. `gpActivation` swaps in {@link GpLeakyReLU}
 * (same function) so that a gradient penalty can be differentiated.
 */
export function downsamplingCritic(
  opts: DcganDiscriminatorOptions & { norm: NormKind; gpActivation?: boolean }, what: string, defaultName: string,
): tf.LayersModel {
  const [h, w] = parseSize(opts.size ?? 64, what);
  const ndf = positiveInt(opts.ndf ?? 64, 'ndf', what);
  const norm = checkNorm(opts.norm, what);
  const { doublings: n, start } = dcganLayout([h, w], what);
  const seeds = new SeedStream(opts.seed);

  const img = tf.input({ shape: [h, w, 3], name: 'image' });
  let x = img;
  let ch = ndf;
  for (let i = 0; i < n; i++) {
    x = apply(tf.layers.conv2d({
      name: `conv${i}`, filters: ch, kernelSize: 4, strides: 2, padding: 'same', useBias: false,
      kernelInitializer: dcganKernelInit(seeds),
    }), x);
    if (i > 0) x = apply(normLayer(norm, `${norm}norm${i}`, seeds, { dcganInit: true, affine: true }), x);
    x = apply(opts.gpActivation ? gpLeakyReLU({ name: `lrelu${i}`, alpha: 0.2 }) : tf.layers.leakyReLU({ name: `lrelu${i}`, alpha: 0.2 }), x);
    ch *= 2;
  }
  // The h0 x w0 map -> 1x1 score.
  x = apply(tf.layers.conv2d({
    name: `conv${n}`, filters: 1, kernelSize: start, strides: 1, padding: 'valid', useBias: false,
    kernelInitializer: dcganKernelInit(seeds),
  }), x);
  const out = apply(tf.layers.flatten({ name: 'score' }), x);
  return tf.model({ inputs: img, outputs: out, name: opts.name ?? defaultName });
}

/** Image [batch, H, W, 3] in [-1, 1] -> logits [batch, 1] ("real" when positive). */
export function dcganDiscriminator(opts: DcganDiscriminatorOptions = {}): tf.LayersModel {
  return downsamplingCritic({ ...opts, norm: 'batch' }, 'dcgan-discriminator', 'dcgan_discriminator');
}
