import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ImageSource } from '../../lib/train/batchStream';

/** A small in-memory image set: smooth random blobs in [-1, 1], deterministic from a seed. */
export class TensorSource implements ImageSource {
  private readonly images: tf.Tensor4D;
  constructor(readonly length: number, size: [number, number], seed: number) {
    this.images = tf.tidy(() => {
      const low = tf.randomUniform([length, size[0] / 4, size[1] / 4, 3], -1, 1, 'float32', seed);
      return tf.image.resizeBilinear(low as tf.Tensor4D, size);
    });
  }
  batchAt(indices: number[]): tf.Tensor4D {
    return tf.tidy(() => tf.gather(this.images, tf.tensor1d(indices, 'int32')));
  }
  dispose(): void {
    this.images.dispose();
  }
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `agw-${prefix}-`));
}
