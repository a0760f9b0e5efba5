import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../util/errors';
import { EXTRACTOR_DEFAULTS } from './defaults';
import { extractBatched, globalAvgPool } from './batching';
import { ExtractorOptions, FeatureExtractor } from './types';

/**
 * Inception-v3 as used for FID (eq. (12)): the TensorFlow "inception-2015-12-05" graph in the
 * form pytorch-fid ports it (`fid_inception_v3()`), written with TF.js ops.
 *
 * Differences from torchvision's / Keras's Inception-v3, all followed here:
 * - 1008 logits (not 1000), no auxiliary head;
 * - Mixed_5b-d, Mixed_6b-e, Mixed_7b (FIDInceptionA/C/E_1): the 3×3 average pool of the pool
 *   branch does not count the zero padding (count_include_pad=False; TF's SAME average pool);
 * - Mixed_7c (FIDInceptionE_2): that pool is a 3×3 *max* pool (stride 1, padding 1).
 *
 * Resize rule: pytorch-fid's — every image is resized to 299×299 by bilinear interpolation with
 * align_corners=False (half-pixel centres, no antialiasing), then scaled to [-1, 1]. Our images
 * are already in [-1, 1]; since bilinear resize is linear, resizing them equals resizing
 * (x+1)/2 and mapping back. (The original TF FID code resized inside the graph with TF1's
 * legacy bilinear resize; pytorch-fid documents that its numbers differ slightly from it.)
 *
 * Features: pool3 (global average of Mixed_7c), 2048-d. Probabilities (for IS, eq. (11)) as the
 * original Inception Score code: softmax(pool3 · W) over 1008 classes, without the fc bias.
 *
 * Weights: a folder written by scripts/convert_inception/convert.py (TF.js weights manifest,
 * PyTorch state-dict names, TF layouts). BatchNorm (eps 1e-3) is folded into the convolutions
 * at load time.
 */

/** A conv + folded BatchNorm: relu(conv(x, kernel) + bias). */
interface FoldedConv {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
}

type Pad = 'valid' | 'same';

const BN_EPS = 1e-3;

/** Module names of every BasicConv2d, in network order, as in pytorch-fid's state dict. */
export function fidInceptionConvNames(): string[] {
  const names = ['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3'];
  const a = ['branch1x1', 'branch5x5_1', 'branch5x5_2', 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3', 'branch_pool'];
  const b = ['branch3x3', 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'];
  const c = ['branch1x1', 'branch7x7_1', 'branch7x7_2', 'branch7x7_3', 'branch7x7dbl_1', 'branch7x7dbl_2', 'branch7x7dbl_3', 'branch7x7dbl_4', 'branch7x7dbl_5', 'branch_pool'];
  const d = ['branch3x3_1', 'branch3x3_2', 'branch7x7x3_1', 'branch7x7x3_2', 'branch7x7x3_3', 'branch7x7x3_4'];
  const e = ['branch1x1', 'branch3x3_1', 'branch3x3_2a', 'branch3x3_2b', 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3a', 'branch3x3dbl_3b', 'branch_pool'];
  const blocks: [string, string[]][] = [
    ['Mixed_5b', a], ['Mixed_5c', a], ['Mixed_5d', a], ['Mixed_6a', b],
    ['Mixed_6b', c], ['Mixed_6c', c], ['Mixed_6d', c], ['Mixed_6e', c],
    ['Mixed_7a', d], ['Mixed_7b', e], ['Mixed_7c', e],
  ];
  for (const [blk, convs] of blocks) for (const cv of convs) names.push(`${blk}.${cv}`);
  return names;
}

/** Read a TF.js weights-manifest folder (weights_manifest.json + shards) into named tensors. */
export function readWeightsFolder(dir: string, manifestName: string = EXTRACTOR_DEFAULTS.inceptionManifest): tf.NamedTensorMap {
  const manifestFile = path.join(dir, manifestName);
  if (!fs.existsSync(manifestFile)) {
    throw new UserError(`no ${manifestName} in ${dir}: convert the FID Inception weights first (see scripts/convert_inception/README.md)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as tf.io.WeightsManifestConfig;
  const out: tf.NamedTensorMap = {};
  for (const group of manifest) {
    const buf = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    Object.assign(out, tf.io.decodeWeights(ab, group.weights));
  }
  return out;
}

/** Resolve the weights folder: option, then $ANIME_GAN_INCEPTION_DIR; missing -> UserError with the conversion recipe. */
export function inceptionWeightsDir(dir?: string): string {
  const d = dir ?? process.env[EXTRACTOR_DEFAULTS.inceptionDirEnv];
  const how =
    'download pytorch-fid\'s pt_inception-2015-12-05-6726825d.pth, run `/usr/bin/python3 scripts/convert_inception/convert.py <file.pth> <dir>` ' +
    `and set ${EXTRACTOR_DEFAULTS.inceptionDirEnv}=<dir> (or use --features nsfwjs-proxy offline)`;
  if (!d) throw new UserError(`the inception-v3-fid extractor needs converted weights: ${how}`);
  if (!fs.existsSync(path.join(d, EXTRACTOR_DEFAULTS.inceptionManifest))) {
    throw new UserError(`no FID Inception weights in ${d} (${EXTRACTOR_DEFAULTS.inceptionManifest} missing): ${how}`);
  }
  return d;
}

/** The FID Inception network with loaded weights; `pool3` and `probs` run inside the caller's tidy. */
export class FidInceptionNet {
  private readonly convs = new Map<string, FoldedConv>();
  private readonly fcW: tf.Tensor2D;

  constructor(weights: tf.NamedTensorMap) {
    const take = (name: string, rank: number): tf.Tensor => {
      const t = weights[name];
      if (!t) throw new UserError(`FID Inception weights: tensor ${name} missing (not a converted pt_inception state dict?)`);
      if (t.rank !== rank) throw new UserError(`FID Inception weights: ${name} has rank ${t.rank}, expected ${rank}`);
      return t;
    };
    try {
      for (const n of fidInceptionConvNames()) {
        const w = take(`${n}.conv.weight`, 4) as tf.Tensor4D;
        const gamma = take(`${n}.bn.weight`, 1), beta = take(`${n}.bn.bias`, 1);
        const mean = take(`${n}.bn.running_mean`, 1), variance = take(`${n}.bn.running_var`, 1);
        this.convs.set(n, tf.tidy(() => {
          // Fold BatchNorm (inference): y = gamma (conv - mean)/sqrt(var+eps) + beta.
          const scale = tf.div(gamma, tf.sqrt(tf.add(variance, BN_EPS)));
          return { kernel: tf.mul(w, scale) as tf.Tensor4D, bias: tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D };
        }));
      }
      const fc = take('fc.weight', 2) as tf.Tensor2D;
      if (fc.shape[0] !== 2048) throw new UserError(`FID Inception weights: fc.weight has shape [${fc.shape}], expected [2048, 1008]`);
      this.fcW = tf.keep(fc.clone());
    } finally {
      for (const t of Object.values(weights)) t.dispose();
    }
  }

  get classes(): number {
    return this.fcW.shape[1];
  }

  private conv(x: tf.Tensor4D, name: string, stride = 1, pad: Pad = 'same'): tf.Tensor4D {
    const c = this.convs.get(name)!;
    return tf.relu(tf.add(tf.conv2d(x, c.kernel, stride, pad), c.bias)) as tf.Tensor4D;
  }

  private blockA(x: tf.Tensor4D, p: string): tf.Tensor4D {
    const b1 = this.conv(x, `${p}.branch1x1`);
    const b5 = this.conv(this.conv(x, `${p}.branch5x5_1`), `${p}.branch5x5_2`);
    const bd = this.conv(this.conv(this.conv(x, `${p}.branch3x3dbl_1`), `${p}.branch3x3dbl_2`), `${p}.branch3x3dbl_3`);
    const bp = this.conv(tf.avgPool(x, 3, 1, 'same'), `${p}.branch_pool`); // SAME avg pool excludes padding
    return tf.concat([b1, b5, bd, bp], 3);
  }

  private blockB(x: tf.Tensor4D, p: string): tf.Tensor4D {
    const b3 = this.conv(x, `${p}.branch3x3`, 2, 'valid');
    const bd = this.conv(this.conv(this.conv(x, `${p}.branch3x3dbl_1`), `${p}.branch3x3dbl_2`), `${p}.branch3x3dbl_3`, 2, 'valid');
    return tf.concat([b3, bd, tf.maxPool(x, 3, 2, 'valid')], 3);
  }

  private blockC(x: tf.Tensor4D, p: string): tf.Tensor4D {
    const b1 = this.conv(x, `${p}.branch1x1`);
    let b7 = x;
    for (const i of [1, 2, 3]) b7 = this.conv(b7, `${p}.branch7x7_${i}`);
    let bd = x;
    for (const i of [1, 2, 3, 4, 5]) bd = this.conv(bd, `${p}.branch7x7dbl_${i}`);
    const bp = this.conv(tf.avgPool(x, 3, 1, 'same'), `${p}.branch_pool`);
    return tf.concat([b1, b7, bd, bp], 3);
  }

  private blockD(x: tf.Tensor4D, p: string): tf.Tensor4D {
    const b3 = this.conv(this.conv(x, `${p}.branch3x3_1`), `${p}.branch3x3_2`, 2, 'valid');
    let b7 = x;
    for (const i of [1, 2, 3]) b7 = this.conv(b7, `${p}.branch7x7x3_${i}`);
    b7 = this.conv(b7, `${p}.branch7x7x3_4`, 2, 'valid');
    return tf.concat([b3, b7, tf.maxPool(x, 3, 2, 'valid')], 3);
  }

  private blockE(x: tf.Tensor4D, p: string, maxPool: boolean): tf.Tensor4D {
    const b1 = this.conv(x, `${p}.branch1x1`);
    const t = this.conv(x, `${p}.branch3x3_1`);
    const b3 = tf.concat([this.conv(t, `${p}.branch3x3_2a`), this.conv(t, `${p}.branch3x3_2b`)], 3);
    const u = this.conv(this.conv(x, `${p}.branch3x3dbl_1`), `${p}.branch3x3dbl_2`);
    const bd = tf.concat([this.conv(u, `${p}.branch3x3dbl_3a`), this.conv(u, `${p}.branch3x3dbl_3b`)], 3);
    // FIDInceptionE_2 (Mixed_7c) max-pools here; FIDInceptionE_1 average-pools without padding.
    const pooled = maxPool ? tf.maxPool(x, 3, 1, 'same') : tf.avgPool(x, 3, 1, 'same');
    return tf.concat([b1, b3, bd, this.conv(pooled, `${p}.branch_pool`)], 3);
  }

  /** Images NHWC in [-1, 1] -> pool3 [n, 2048], with pytorch-fid's resize (bilinear, align_corners=False) to `size`. */
  pool3(images: tf.Tensor4D, size: number = EXTRACTOR_DEFAULTS.inceptionSize): tf.Tensor2D {
    let x = images;
    if (x.shape[1] !== size || x.shape[2] !== size) x = tf.image.resizeBilinear(x, [size, size], false, true);
    x = this.conv(x, 'Conv2d_1a_3x3', 2, 'valid');
    x = this.conv(x, 'Conv2d_2a_3x3', 1, 'valid');
    x = this.conv(x, 'Conv2d_2b_3x3', 1, 'same');
    x = tf.maxPool(x, 3, 2, 'valid');
    x = this.conv(x, 'Conv2d_3b_1x1', 1, 'valid');
    x = this.conv(x, 'Conv2d_4a_3x3', 1, 'valid');
    x = tf.maxPool(x, 3, 2, 'valid');
    x = this.blockA(x, 'Mixed_5b');
    x = this.blockA(x, 'Mixed_5c');
    x = this.blockA(x, 'Mixed_5d');
    x = this.blockB(x, 'Mixed_6a');
    for (const p of ['Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e']) x = this.blockC(x, p);
    x = this.blockD(x, 'Mixed_7a');
    x = this.blockE(x, 'Mixed_7b', false);
    x = this.blockE(x, 'Mixed_7c', true);
    return globalAvgPool(x);
  }

  /** IS probabilities as the original Inception Score code: softmax(pool3 · W), no bias. */
  probs(pool3: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(tf.matMul(pool3, this.fcW)) as tf.Tensor2D;
  }

  dispose(): void {
    for (const c of this.convs.values()) {
      c.kernel.dispose();
      c.bias.dispose();
    }
    this.convs.clear();
    this.fcW.dispose();
  }
}

/** Options of inception-v3-fid beyond the common ones. */
export interface InceptionV3FidOptions extends ExtractorOptions {
  /** Network input side; FID requires the default 299. Smaller values only make tests faster. */
  inputSize?: number;
}

/** Factory registered as "inception-v3-fid". */
export async function createInceptionV3Fid(opts: InceptionV3FidOptions = {}): Promise<FeatureExtractor> {
  const dir = inceptionWeightsDir(opts.dir);
  const net = new FidInceptionNet(readWeightsFolder(dir));
  const size = opts.inputSize ?? EXTRACTOR_DEFAULTS.inceptionSize;
  if (!(Number.isInteger(size) && size >= 75)) throw new UserError(`inception-v3-fid input size must be an integer >= 75, got ${size}`);
  const batchSize = opts.batchSize ?? EXTRACTOR_DEFAULTS.batchSize;
  const classes = net.classes;
  let disposed = false;
  return {
    name: 'inception-v3-fid',
    dim: EXTRACTOR_DEFAULTS.inceptionDim,
    classes,
    description:
      size === EXTRACTOR_DEFAULTS.inceptionSize
        ? `FID Inception-v3 (pool3, pytorch-fid weights from ${path.basename(path.resolve(dir))}, bilinear resize to 299)`
        : `FID Inception-v3 at ${size}x${size} input (NOT the FID protocol)`,
    extract(images) {
      if (disposed) throw new Error('inception-v3-fid extractor used after dispose()');
      return extractBatched(images, { name: 'inception-v3-fid', dim: 2048, classes, batchSize, progress: opts.progress }, (batch) => {
        const f = net.pool3(batch, size);
        return { features: f, probs: net.probs(f) };
      });
    },
    dispose() {
      if (!disposed) net.dispose();
      disposed = true;
    },
  };
}
