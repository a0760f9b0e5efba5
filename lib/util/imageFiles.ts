import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { UserError } from './errors';
import { writeFileAtomic } from './atomicWrite';

/**
 * Images NHWC in [-1, 1] to bytes: clipped, mapped to [0, 255] and rounded, as imageGrid and
 * every PNG the workbook writes. Returns [n, h, w, 3] row-major. Does not dispose `images`.
 */
export async function imagesToBytes(images: tf.Tensor4D): Promise<Uint8Array> {
  if (images.rank !== 4 || images.shape[3] !== 3) throw new UserError(`expected RGB images [n, h, w, 3], got shape [${images.shape}]`);
  const bytes = tf.tidy(() => images.clipByValue(-1, 1).add(1).mul(127.5).round().toInt());
  const data = await bytes.data();
  bytes.dispose();
  return Uint8Array.from(data);
}

/**
 * Write each image of a batch (NHWC in [-1, 1]) as its own PNG, `dir/<names[i]>.png`, each
 * atomically, so a folder of samples can be scored by other tools (pytorch-fid, clean-fid,
 * torch-fidelity read folders of images). Returns the paths written.
 */
export async function saveImagePngs(images: tf.Tensor4D, dir: string, names: readonly string[]): Promise<string[]> {
  const [n, h, w] = images.shape;
  if (names.length !== n) throw new Error(`saveImagePngs: ${n} images but ${names.length} names`);
  const bytes = await imagesToBytes(images);
  const per = h * w * 3;
  return Promise.all(
    names.map(async (name, i) => {
      const file = path.join(dir, `${name}.png`);
      const png = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset + i * per, per), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer();
      writeFileAtomic(file, png);
      return file;
    }),
  );
}
