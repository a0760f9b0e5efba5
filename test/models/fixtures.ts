import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export interface EncodedArray { shape: number[]; b64: string }

/** A float32 array stored by a Python fixture script (little-endian, base64). */
export function decode(a: EncodedArray): tf.Tensor {
  const buf = Buffer.from(a.b64, 'base64');
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return tf.tensor(data, a.shape, 'float32');
}

export function readFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')) as T;
}

/** Copies fixture weights into the layers of `model` by layer name. */
export function loadLayerWeights(model: tf.LayersModel, layers: { name: string; weights: EncodedArray[] }[]): void {
  for (const l of layers) {
    const ws = l.weights.map(decode);
    model.getLayer(l.name).setWeights(ws);
    tf.dispose(ws);
  }
}
