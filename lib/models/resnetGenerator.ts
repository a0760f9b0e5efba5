/**
 * The proposed generator of §4.2 (Fig. 1): a ResNet-18 encoder with an additive skip decoder,
 * image -> image, read as in docs/paper-reading.md (Generator):
 *
 * - stem: Conv 7x7 (stride 1) - InstanceNorm - ReLU - MaxPool 3x3 stride 2            -> 1/2
 * - reslayer-1..4: two residual blocks each, widths ngf, 2ngf, 4ngf, 8ngf (64..512 at
 *   ngf = 64, i.e. ResNet-18 times a width multiplier ngf/64), at 1/2, 1/4, 1/8, 1/16; layers 2-4
 *   downsample with stride 2 in their first block.
 *   Block: y = IN(Conv3x3(ReLU(IN(Conv3x3(x)))));
 *          the block output y is concatenated with the residual layer's input and fused by one
 *          more convolution (1x1, then IN); a ResNet shortcut adds the block input (a 1x1 stride-2
 *          projection + IN where the shape changes); ReLU.
 *          In a downsampling layer the layer input is carried to the block's resolution by that
 *          same projection, so the concatenation needs no extra weights.
 * - decoder (top-down, additive, as in a feature pyramid): 1x1 conv on reslayer-4, upsample x2
 *   (nearest) and add reslayer-3 through a 1x1 lateral conv, and so on down to reslayer-1 at 1/2;
 *   two 1x1 convs (IN, ReLU); bilinear upsample x2 to full size; 7x7 conv to 3 channels; tanh.
 *
 * Convolutions followed by instance norm have no bias (the norm removes it); the norm is affine,
 * standing in for ResNet's affine batch norm. Weights ~ N(0, 0.02) as in CycleGAN.
 * Any H, W divisible by 16.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { ImageSize, SeedStream, apply, parseSize, positiveInt } from './common';
import { instanceNormalization } from './instanceNorm';

export interface ResnetGeneratorOptions {
  /** Image size [height, width] (or a square side), both divisible by 16. Default 96. */
  size?: ImageSize;
  /** Width of the stem and reslayer-1; the widths are ngf x (1, 2, 4, 8). Default 64 (ResNet-18). */
  ngf?: number;
  /** Channels of the top-down decoder. Default 2 * ngf. */
  decoderWidth?: number;
  seed?: number;
  name?: string;
}

/** Checks that a size can go through four halvings (1/16) and back. */
export function checkResnetSize(size: ImageSize, what = 'resnet-generator'): [number, number] {
  const [h, w] = parseSize(size, what);
  if (h % 16 !== 0 || w % 16 !== 0) {
    throw new UserError(`${what}: cannot take size ${h}x${w}; height and width must be divisible by 16 (e.g. 32, 64, 96, 128x160)`);
  }
  return [h, w];
}

/** Image [batch, H, W, 3] in [-1, 1] -> image [batch, H, W, 3] in [-1, 1]. */
export function resnetGenerator(opts: ResnetGeneratorOptions = {}): tf.LayersModel {
  const what = 'resnet-generator';
  const [h, w] = checkResnetSize(opts.size ?? 96, what);
  const ngf = positiveInt(opts.ngf ?? 64, 'ngf', what);
  const dw = positiveInt(opts.decoderWidth ?? 2 * ngf, 'decoderWidth', what);
  const seeds = new SeedStream(opts.seed);
  const init = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seeds.next() });
  const conv = (name: string, filters: number, kernelSize: number, strides = 1, useBias = false) =>
    tf.layers.conv2d({ name, filters, kernelSize, strides, padding: 'same', useBias, kernelInitializer: init() });
  const norm = (name: string) => instanceNormalization({ name, affine: true });
  // IN then ReLU (and IN, shortcut, ReLU) as one layer: one kernel on the native backend.
  const normRelu = (name: string) => instanceNormalization({ name, affine: true, activation: 'relu' });

  const img = tf.input({ shape: [h, w, 3], name: 'image' });

  // Stem -> 1/2.
  let x = apply(conv('stem_conv7', ngf, 7), img);
  x = apply(normRelu('stem_in_relu'), x);
  x = apply(tf.layers.maxPooling2d({ name: 'stem_maxpool', poolSize: 3, strides: 2, padding: 'same' }), x);

  const residualLayer = (input: tf.SymbolicTensor, k: number, width: number, stride: number): tf.SymbolicTensor => {
    const inCh = input.shape[3] as number;
    let context = input; // the layer input, at the blocks' resolution
    let out = input;
    for (let b = 1; b <= 2; b++) {
      const p = `layer${k}_block${b}`;
      const s = b === 1 ? stride : 1;
      const blockIn = out;
      let shortcut = blockIn;
      if (b === 1 && (s !== 1 || inCh !== width)) {
        shortcut = apply(conv(`${p}_proj`, width, 1, s), blockIn);
        shortcut = apply(norm(`${p}_proj_in`), shortcut);
        context = shortcut;
      }
      let y = apply(conv(`${p}_conv1`, width, 3, s), blockIn);
      y = apply(normRelu(`${p}_in1_relu`), y);
      y = apply(conv(`${p}_conv2`, width, 3), y);
      y = apply(norm(`${p}_in2`), y);
      y = tf.layers.concatenate({ name: `${p}_concat`, axis: -1 }).apply([y, context]) as tf.SymbolicTensor;
      y = apply(conv(`${p}_fuse`, width, 1), y);
      // ReLU(IN(fuse) + shortcut).
      out = normRelu(`${p}_fuse_in_add_relu`).apply([y, shortcut]) as tf.SymbolicTensor;
    }
    return out;
  };

  const r1 = residualLayer(x, 1, ngf, 1); // 1/2
  const r2 = residualLayer(r1, 2, 2 * ngf, 2); // 1/4
  const r3 = residualLayer(r2, 3, 4 * ngf, 2); // 1/8
  const r4 = residualLayer(r3, 4, 8 * ngf, 2); // 1/16

  // Top-down decoder with additive skips.
  let d = apply(conv('dec_top', dw, 1, 1, true), r4);
  const lateral: [number, tf.SymbolicTensor][] = [[3, r3], [2, r2], [1, r1]];
  for (const [k, r] of lateral) {
    d = apply(tf.layers.upSampling2d({ name: `dec_up${k}`, size: [2, 2], interpolation: 'nearest' }), d);
    const lat = apply(conv(`dec_lateral${k}`, dw, 1, 1, true), r);
    d = tf.layers.add({ name: `dec_add${k}` }).apply([d, lat]) as tf.SymbolicTensor;
  }
  d = apply(conv('dec_conv1x1_a', dw, 1), d);
  d = apply(normRelu('dec_in_relu_a'), d);
  d = apply(conv('dec_conv1x1_b', ngf, 1), d);
  d = apply(normRelu('dec_in_relu_b'), d);
  d = apply(tf.layers.upSampling2d({ name: 'dec_up_full', size: [2, 2], interpolation: 'bilinear' }), d);
  d = apply(conv('dec_conv7', 3, 7, 1, true), d);
  const out = apply(tf.layers.activation({ name: 'tanh', activation: 'tanh' }), d);
  return tf.model({ inputs: img, outputs: out, name: opts.name ?? 'resnet_generator' });
}
