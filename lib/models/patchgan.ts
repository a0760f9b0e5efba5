/**
 * The 70x70 PatchGAN discriminator of §4.2 (Isola et al. 2017): a fully convolutional critic
 * whose every output unit scores one 70x70 patch of the input, giving a map of scores.
 *
 * The paper's variant has three blocks of two convolutions (64, 128, 256 channels at ndf = 64).
 * Kernels and strides are chosen so the receptive field is exactly 70 (see receptiveField and
 * its test), ending like pix2pix's: a field of 46 before the last 4x4 conv, 70 after it.
 *
 *   block 1: conv 4x4 /2, conv 4x4 /1   (ndf)      receptive field 4, 10
 *   block 2: conv 3x3 /2, conv 3x3 /1   (2 ndf)                    14, 22
 *   block 3: conv 3x3 /2, conv 3x3 /1   (4 ndf)                    30, 46
 *   output:  conv 4x4 /1 -> 1 channel  (linear)                    70
 *
 * Instance norm (not on the first conv, as in pix2pix), LeakyReLU(0.2), no sigmoid: the
 * output is a Wasserstein critic score per patch (eq. (8), eq. (10)).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { gpLeakyReLU } from './activations';
import { ImageSize, NormKind, SeedStream, apply, checkNorm, normLayer, parseSize, positiveInt } from './common';

export interface PatchGanOptions {
  /** Input image size [height, width] (or a square side), both divisible by 8. Default 96. */
  size?: ImageSize;
  /** Width of the first block; blocks have ndf, 2ndf, 4ndf channels. Default 64. */
  ndf?: number;
  /** Normalisation after every conv but the first and the last. Default 'instance'. */
  norm?: NormKind;
  seed?: number;
  name?: string;
}

/** [kernel, stride, channel multiplier] of the six body convolutions. */
const BODY: readonly [number, number, number][] = [
  [4, 2, 1], [4, 1, 1],
  [3, 2, 2], [3, 1, 2],
  [3, 2, 4], [3, 1, 4],
];
const OUTPUT_KERNEL = 4;

export function checkPatchGanSize(size: ImageSize, what = 'patchgan'): [number, number] {
  const [h, w] = parseSize(size, what);
  if (h % 8 !== 0 || w % 8 !== 0) {
    throw new UserError(`${what}: cannot take size ${h}x${w}; height and width must be divisible by 8`);
  }
  return [h, w];
}

/** Image [batch, H, W, 3] -> patch scores [batch, H/8, W/8, 1]. */
export function patchganDiscriminator(opts: PatchGanOptions = {}): tf.LayersModel {
  const what = 'patchgan';
  const [h, w] = checkPatchGanSize(opts.size ?? 96, what);
  const ndf = positiveInt(opts.ndf ?? 64, 'ndf', what);
  const norm = checkNorm(opts.norm ?? 'instance', what);
  const seeds = new SeedStream(opts.seed);
  const init = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seeds.next() });

  const img = tf.input({ shape: [h, w, 3], name: 'image' });
  let x = img;
  BODY.forEach(([k, s, m], i) => {
    const name = `block${(i >> 1) + 1}_conv${(i & 1) + 1}`;
    // Bias only where no normalisation follows.
    const normed = i > 0 && norm !== 'none';
    x = apply(tf.layers.conv2d({
      name, filters: ndf * m, kernelSize: k, strides: s, padding: 'same', useBias: !normed, kernelInitializer: init(),
    }), x);
    if (i > 0) x = apply(normLayer(norm, `${name}_${norm}norm`, seeds, { affine: false }), x);
    x = apply(gpLeakyReLU({ name: `${name}_lrelu`, alpha: 0.2 }), x);
  });
  const out = apply(tf.layers.conv2d({
    name: 'patch_scores', filters: 1, kernelSize: OUTPUT_KERNEL, strides: 1, padding: 'same', useBias: true,
    kernelInitializer: init(),
  }), x);
  return tf.model({ inputs: img, outputs: out, name: opts.name ?? 'patchgan' });
}

/** One spatial layer for {@link receptiveField}: kernel, stride and dilation per axis. */
export interface SpatialLayerSpec {
  kernel: number | [number, number];
  stride?: number | [number, number];
  dilation?: number | [number, number];
}

export interface ReceptiveField {
  /** Input pixels one output unit sees, per axis. */
  height: number;
  width: number;
  /** Input pixels between neighbouring output units, per axis. */
  jump: [number, number];
}

const pair = (v: number | number[] | undefined, dflt: number): [number, number] => {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
};

/** Layers that do not look at neighbouring pixels. Normalisation layers count as such: see below. */
const POINTWISE = new Set([
  'InputLayer', 'Activation', 'ReLU', 'LeakyReLU', 'GpLeakyReLU', 'PReLU', 'ELU', 'Softmax', 'ThresholdedReLU',
  'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'Dropout', 'SpatialDropout2D',
  'GaussianNoise', 'GaussianDropout', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate',
]);

/**
 * Receptive field of the output units, computed from the actual layers: going forward, each
 * layer of kernel k, stride s and dilation d grows the field by d (k - 1) times the current
 * jump and multiplies the jump by s. For a graph, the widest path counts.
 *
 * Convention (as in pix2pix's "70x70"): the field is that of the convolution path. Normalisation
 * statistics (instance, layer norm) are computed over the whole image, so with them every input
 * pixel has some (small) influence on every output; they are counted as pointwise here.
 *
 * Accepts a LayersModel (conv, pooling, zero-padding, pointwise and merge layers; a layer
 * whose neighbourhood is unknown throws) or a list of layer specs.
 */
export function receptiveField(source: tf.LayersModel | readonly SpatialLayerSpec[]): ReceptiveField {
  type State = { r: [number, number]; j: [number, number] };
  const step = (st: State, k: [number, number], s: [number, number], d: [number, number]): State => ({
    r: [st.r[0] + d[0] * (k[0] - 1) * st.j[0], st.r[1] + d[1] * (k[1] - 1) * st.j[1]],
    j: [st.j[0] * s[0], st.j[1] * s[1]],
  });
  let last: State;
  if (Array.isArray(source)) {
    last = { r: [1, 1], j: [1, 1] };
    for (const spec of source as readonly SpatialLayerSpec[]) {
      last = step(last, pair(spec.kernel, 1), pair(spec.stride, 1), pair(spec.dilation, 1));
    }
  } else {
    const model = source as tf.LayersModel;
    const states = new Map<tf.layers.Layer, State>();
    for (const layer of model.layers) {
      const inbound = layer.inboundNodes.length ? layer.inboundNodes[0].inboundLayers : [];
      let st: State = { r: [1, 1], j: [1, 1] };
      for (const prev of inbound) {
        const ps = states.get(prev);
        if (!ps) throw new UserError(`receptiveField: layer ${layer.name} comes before its input ${prev.name}`);
        st = { r: [Math.max(st.r[0], ps.r[0]), Math.max(st.r[1], ps.r[1])], j: [Math.max(st.j[0], ps.j[0]), Math.max(st.j[1], ps.j[1])] };
      }
      const cls = layer.getClassName();
      const cfg = layer.getConfig() as Record<string, unknown>;
      if (cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D') {
        st = step(st, pair(cfg.kernelSize as number | number[], 1), pair(cfg.strides as number | number[], 1), pair(cfg.dilationRate as number | number[], 1));
      } else if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
        const k = pair(cfg.poolSize as number | number[], 2);
        st = step(st, k, pair((cfg.strides as number | number[] | null) ?? k, 1), [1, 1]);
      } else if (cls === 'ZeroPadding2D' || cls === 'Reshape' || cls === 'Flatten') {
        // Padding adds no field; reshaping to scores keeps the last state.
      } else if (!POINTWISE.has(cls)) {
        throw new UserError(`receptiveField: cannot handle layer ${layer.name} of type ${cls}`);
      }
      states.set(layer, st);
    }
    last = states.get(model.layers[model.layers.length - 1]) ?? { r: [1, 1], j: [1, 1] };
  }
  return { height: last.r[0], width: last.r[1], jump: last.j };
}
