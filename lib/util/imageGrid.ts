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
  /**
   * Smallest side, in pixels, of each image in the grid: smaller images are enlarged by the
   * smallest whole factor that reaches it, nearest-neighbour (each pixel becomes a k×k block, so
   * nothing is invented). Default 0: images at their own size.
   */
  minCell?: number;
}

/** A readable side for one image of a grid: 32-pixel samples become 96 (×3). */
export const READABLE_CELL = 96;

/** The whole factor that brings a side of `side` pixels to at least `minCell`. */
export function cellScale(side: number, minCell = 0): number {
  return Math.max(1, Math.ceil(minCell / side));
}

/**
 * Tile a batch of images in [-1, 1] (NHWC, 1 or 3 channels) into one PNG. Values outside
 * [-1, 1] are clipped. The tensor is not disposed.
 */
export async function imageGrid(images: tf.Tensor4D, opts: ImageGridOptions = {}): Promise<Buffer> {
  if (images.rank !== 4) throw new UserError(`imageGrid expects a [n, h, w, c] tensor, got shape [${images.shape}]`);
  const [n, h0, w0, c] = images.shape;
  if (c !== 1 && c !== 3) throw new UserError(`imageGrid expects 1 or 3 channels, got ${c}`);
  if (n === 0) throw new UserError('imageGrid got an empty batch');
  const k = cellScale(Math.min(h0, w0), opts.minCell);
  const [h, w] = [h0 * k, w0 * k];
  const nrow = Math.max(1, Math.min(n, opts.nrow ?? Math.ceil(Math.sqrt(n))));
  const pad = Math.max(0, opts.padding ?? 2);
  const padValue = opts.padValue ?? 255;
  const ncol = nrow;
  const rows = Math.ceil(n / ncol);
  const W = ncol * w + (ncol + 1) * pad;
  const H = rows * h + (rows + 1) * pad;

  const pixels = tf.tidy(() => {
    const big = k > 1 ? tf.image.resizeNearestNeighbor(images, [h, w]) : images;
    return big.clipByValue(-1, 1).add(1).mul(127.5).round().toInt();
  });
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
