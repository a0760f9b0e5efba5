import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { UserError } from './errors';
import { writeFileAtomic } from './atomicWrite';

export interface ImageGridOptions {
  /** images per row (as torchvision's make_grid); default ceil(sqrt(n)) */
  nrow?: number;
  /** pixels between and around images; default 2 */
  padding?: number;
  /** padding colour, 0..255 grey level; default 255 (white) */
  padValue?: number;
}

/**
 * Tile a batch of images in [-1, 1] (NHWC, 1 or 3 channels) into one PNG. Values outside
 * [-1, 1] are clipped. The tensor is not disposed.
 */
export async function imageGrid(images: tf.Tensor4D, opts: ImageGridOptions = {}): Promise<Buffer> {
  if (images.rank !== 4) throw new UserError(`imageGrid expects a [n, h, w, c] tensor, got shape [${images.shape}]`);
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) throw new UserError(`imageGrid expects 1 or 3 channels, got ${c}`);
  if (n === 0) throw new UserError('imageGrid got an empty batch');
  const nrow = Math.max(1, Math.min(n, opts.nrow ?? Math.ceil(Math.sqrt(n))));
  const pad = Math.max(0, opts.padding ?? 2);
  const padValue = opts.padValue ?? 255;
  const ncol = nrow;
  const rows = Math.ceil(n / ncol);
  const W = ncol * w + (ncol + 1) * pad;
  const H = rows * h + (rows + 1) * pad;

  const pixels = tf.tidy(() =>
    images.clipByValue(-1, 1).add(1).mul(127.5).round().toInt(),
  );
  const src = await pixels.data();
  pixels.dispose();

  const out = new Uint8Array(W * H * 3).fill(padValue);
  for (let k = 0; k < n; k++) {
    const top = pad + Math.floor(k / ncol) * (h + pad);
    const left = pad + (k % ncol) * (w + pad);
    for (let y = 0; y < h; y++) {
      let o = ((top + y) * W + left) * 3;
      let s = ((k * h + y) * w) * c;
      for (let x = 0; x < w; x++, o += 3, s += c) {
        if (c === 3) {
          out[o] = src[s];
          out[o + 1] = src[s + 1];
          out[o + 2] = src[s + 2];
        } else {
          out[o] = out[o + 1] = out[o + 2] = src[s];
        }
      }
    }
  }
  return sharp(Buffer.from(out.buffer), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}

/** imageGrid, then write the PNG atomically (a crash never leaves a truncated figure). */
export async function saveImageGrid(images: tf.Tensor4D, file: string, opts: ImageGridOptions = {}): Promise<string> {
  const png = await imageGrid(images, opts);
  writeFileAtomic(file, png);
  return file;
}
