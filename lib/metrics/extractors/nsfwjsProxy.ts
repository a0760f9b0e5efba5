import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../util/errors';
import { EXTRACTOR_DEFAULTS } from './defaults';
import { extractBatched, globalAvgPool } from './batching';
import { foldBatchNorms } from './foldedLayers';
import { ExtractorOptions, FeatureExtractor } from './types';

/** nsfwjs's five classes, in the order of its softmax output. */
export const NSFWJS_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

/**
 * Folder of the Inception-v3 model that the `nsfwjs` npm package ships inside itself
 * (`dist/models/inception_v3/`: model.min.js with the layers topology and six base64 weight
 * shards as .min.js modules). Nothing is downloaded: these files are read from node_modules.
 */
export function nsfwjsModelDir(): string {
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch {
    throw new UserError('the nsfwjs-proxy extractor needs the npm package nsfwjs (npm install nsfwjs)');
  }
  // entry is <pkg>/dist/cjs/index.js
  return path.resolve(path.dirname(entry), '..', 'models', 'inception_v3');
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Load nsfwjs's bundled Inception-v3 (Keras layers format, uint8-quantised weights) from local files. */
export async function loadNsfwjsModel(): Promise<tf.LayersModel> {
  const dir = nsfwjsModelDir();
  const modelFile = path.join(dir, 'model.min.js');
  if (!fs.existsSync(modelFile)) throw new UserError(`nsfwjs model files not found in ${dir} (reinstall nsfwjs)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const modelJson = require(modelFile) as ModelJson;
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const base64 = require(path.join(dir, `${p}.min.js`)) as string;
      buffers.push(Buffer.from(base64, 'base64'));
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
}

/**
 * "Proxy Inception": nsfwjs's ImageNet Inception-v3 backbone (its head fine-tuned for five
 * classes, weights quantised to uint8). Features are the global average pool of `mixed10`
 * (2048-d, the same layer as Inception's pool3), probabilities are its 5-class softmax.
 * Input rule, as nsfwjs's own `infer`: pixels scaled to [0, 1], bilinear resize with
 * align_corners=true to 299×299. Numbers from it are NOT comparable with published FID/IS.
 */
export async function createNsfwjsProxy(opts: ExtractorOptions = {}): Promise<FeatureExtractor> {
  const full = await loadNsfwjsModel();
  const mixed10 = full.getLayer('mixed10');
  const head = full.getLayer('dense_3');
  // The conv → batch norm → ReLU chains run as single fused convolutions (foldedLayers.ts).
  const net = foldBatchNorms(full, [mixed10.name, head.name]);
  const size = EXTRACTOR_DEFAULTS.nsfwjsSize;
  const batchSize = opts.batchSize ?? EXTRACTOR_DEFAULTS.batchSize;
  let disposed = false;
  return {
    name: 'nsfwjs-proxy',
    dim: 2048,
    classes: NSFWJS_CLASSES.length,
    description: 'proxy Inception (nsfwjs Inception-v3 mixed10, uint8 weights), not comparable with published FID/IS',
    extract(images) {
      if (disposed) throw new Error('nsfwjs-proxy extractor used after dispose()');
      return extractBatched(images, { name: 'nsfwjs-proxy', dim: 2048, classes: NSFWJS_CLASSES.length, batchSize, progress: opts.progress }, (batch) => {
        let x: tf.Tensor4D = tf.add(tf.mul(batch, 0.5), 0.5); // [-1,1] -> [0,1], nsfwjs's input range
        if (x.shape[1] !== size || x.shape[2] !== size) x = tf.image.resizeBilinear(x, [size, size], true);
        const [m, p] = net.predict(x);
        return { features: globalAvgPool(m as tf.Tensor4D), probs: p as tf.Tensor2D };
      });
    },
    dispose() {
      if (!disposed) {
        net.dispose();
        full.dispose();
      }
      disposed = true;
    },
  };
}
