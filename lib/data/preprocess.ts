import * as fs from 'fs';
import sharp from 'sharp';
import { UserError } from '../util';

/**
 * Preprocessing of real images to the training size (paper §5.1).
 *
 * The paper states only sizes: anime avatars are used at 96×96, and CelebA's aligned faces
 * (178×218) become 128×160. It does not say crop or resize. Our reading keeps the target's
 * aspect (128/160 = 0.8, close to 178/218 ≈ 0.817) without stretching faces:
 *   1. centre-crop the source to the target aspect ratio: 178×218 → 174×218 (2 columns cut on
 *      the left, 2 on the right; rounding: width = round(218·0.8) = 174, left = floor(4/2) = 2);
 *   2. resize the crop to the target size with a Lanczos-3 kernel (sharp's default, which
 *      antialiases when shrinking): 174×218 → 128×160;
 *   3. scale bytes to [-1, 1]: x/127.5 − 1 (the generators end in tanh).
 * The 89×109 half-resolution subset is treated the same way (89×109 → 87×109 → target size).
 * Anime images are already 96×96 and pass through unchanged at 96×96 (at other sizes they are
 * cropped and resized the same way).
 *
 * Modes: 'celeba' and 'anime' name the paper's two data sets and both apply the reading above
 * ('center-crop' is the same operation under its generic name); 'resize' stretches the whole
 * image to the target size without cropping (changes the aspect).
 */
export type Preprocess = 'celeba' | 'anime' | 'center-crop' | 'resize';
export const PREPROCESS_MODES: readonly Preprocess[] = ['celeba', 'anime', 'center-crop', 'resize'];

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function checkPreprocess(mode: string): asserts mode is Preprocess {
  if (!(PREPROCESS_MODES as readonly string[]).includes(mode)) {
    throw new UserError(`unknown preprocess "${mode}" (expected one of: ${PREPROCESS_MODES.join(', ')})`);
  }
}

/** The centred crop of a srcW×srcH image that has the aspect of dstW×dstH (the whole image for 'resize'). */
export function cropBox(srcW: number, srcH: number, dstW: number, dstH: number, mode: Preprocess = 'center-crop'): CropBox {
  if (mode === 'resize') return { left: 0, top: 0, width: srcW, height: srcH };
  const target = dstW / dstH;
  if (srcW / srcH > target) {
    const width = Math.max(1, Math.min(srcW, Math.round(srcH * target)));
    return { left: Math.floor((srcW - width) / 2), top: 0, width, height: srcH };
  }
  const height = Math.max(1, Math.min(srcH, Math.round(srcW / target)));
  return { left: 0, top: Math.floor((srcH - height) / 2), width: srcW, height };
}

/**
 * Decode one image (JPEG, PNG, WebP...; file path or bytes) and preprocess it to [h, w] RGB
 * bytes (h·w·3, row-major). Throws on unreadable input.
 */
export async function decodeImage(
  input: string | Buffer,
  size: [number, number],
  mode: Preprocess = 'center-crop',
): Promise<Uint8Array> {
  const [h, w] = size;
  // read the file once: the header (for the crop box) and the pixels come from the same bytes
  if (typeof input === 'string') input = await fs.promises.readFile(input);
  const meta = await sharp(input, { failOn: 'error' }).metadata();
  if (!meta.width || !meta.height) throw new Error('image has no dimensions');
  const box = cropBox(meta.width, meta.height, w, h, mode);
  let img = sharp(input, { failOn: 'error' });
  if (box.width !== meta.width || box.height !== meta.height) img = img.extract(box);
  if (box.width !== w || box.height !== h) img = img.resize(w, h, { fit: 'fill' });
  const { data, info } = await img
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== 3) {
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${w}×${h}×3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Bytes in [0, 255] to floats in [-1, 1]: x/127.5 − 1. */
export function bytesToUnit(src: Uint8Array, dst = new Float32Array(src.length), offset = 0): Float32Array {
  for (let i = 0; i < src.length; i++) dst[offset + i] = src[i] / 127.5 - 1;
  return dst;
}

export interface PreprocessStep {
  label: string;
  width: number;
  height: number;
  png: Buffer;
}

/**
 * The preprocessing of one image, step by step, for notebook 02: the original, the centre
 * crop (with its box), the resized image, and the [-1, 1] tensor values mapped back to bytes
 * (identical to the resized image up to float rounding, shown to make the last step explicit).
 */
export async function preprocessSteps(
  input: string | Buffer,
  size: [number, number],
  mode: Preprocess = 'center-crop',
): Promise<{ steps: PreprocessStep[]; crop: CropBox; range: { min: number; max: number } }> {
  checkPreprocess(mode);
  const [h, w] = size;
  const meta = await sharp(input, { failOn: 'error' }).metadata();
  if (!meta.width || !meta.height) throw new UserError('image has no dimensions');
  const crop = cropBox(meta.width, meta.height, w, h, mode);
  const steps: PreprocessStep[] = [];
  const original = await sharp(input).removeAlpha().toColourspace('srgb').png().toBuffer();
  steps.push({ label: `original ${meta.width}×${meta.height}`, width: meta.width, height: meta.height, png: original });
  const cropped = await sharp(input).extract(crop).removeAlpha().toColourspace('srgb').png().toBuffer();
  steps.push({
    label:
      mode === 'resize'
        ? `no crop ('resize' mode) ${crop.width}×${crop.height}`
        : `centre crop to aspect ${w}:${h} → ${crop.width}×${crop.height} at (${crop.left}, ${crop.top})`,
    width: crop.width,
    height: crop.height,
    png: cropped,
  });
  const bytes = await decodeImage(input, size, mode);
  steps.push({
    label: `resize → ${w}×${h} (Lanczos-3)`,
    width: w,
    height: h,
    png: await sharp(Buffer.from(bytes), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer(),
  });
  const unit = bytesToUnit(bytes);
  let min = Infinity;
  let max = -Infinity;
  const back = new Uint8Array(unit.length);
  for (let i = 0; i < unit.length; i++) {
    min = Math.min(min, unit[i]);
    max = Math.max(max, unit[i]);
    back[i] = Math.round((unit[i] + 1) * 127.5);
  }
  steps.push({
    label: `scale to [-1, 1] (range ${min.toFixed(3)}..${max.toFixed(3)}), shown mapped back`,
    width: w,
    height: h,
    png: await sharp(Buffer.from(back), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer(),
  });
  return { steps, crop, range: { min, max } };
}
