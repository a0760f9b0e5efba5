import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  CheckpointHeader, NamedArray, modelArrays, optimizerArrays, readCheckpoint, readCheckpointMeta, restoreModel,
  restoreOptimizer, writeCheckpoint,
} from '../../lib/train/checkpoint';
import { UserError } from '../../lib/util/errors';
import { tmpDir } from './support';

interface Meta {
  step: number;
  config: { model: string; size: [number, number] };
  rngState: { s: number[] };
}

const META: Meta = { step: 42, config: { model: 'dcgan', size: [32, 32] }, rngState: { s: [1, 2, 3, 4] } };

/** Three arrays: float32, int32, and a float32 view that starts 8 bytes into its buffer. */
function sampleArrays(): NamedArray[] {
  const backing = new Float32Array([9, 9, 0.5, -1.25, 3e-8, 1e9]);
  return [
    { name: 'net/g/0', shape: [2, 3], dtype: 'float32', data: new Float32Array([0.1, -2, 3.5, Math.PI, -0, 1e-30]) },
    { name: 'opt/g/0', shape: [], dtype: 'int32', data: new Int32Array([7]) },
    { name: 'net/d/1', shape: [4], dtype: 'float32', data: backing.subarray(2) },
  ];
}

/** The exact bytes of an array, as a Buffer (what the file should hold for it). */
const bytesOf = (a: NamedArray) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

/** A small layers model with trainable weights and batch norm's non-trainable moving statistics. */
function smallModel(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, kernelInitializer: init(seed), biasInitializer: init(seed + 1) }),
      tf.layers.batchNormalization({
        movingMeanInitializer: init(seed + 2), movingVarianceInitializer: tf.initializers.constant({ value: 1 + seed / 10 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelInitializer: init(seed + 3) }),
    ],
  });
}

describe('train/checkpoint', () => {
  let previousBackend = '';
  let dir = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
    dir = tmpDir('checkpoint');
  });
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  describe('writeCheckpoint / readCheckpoint', () => {
    it('round trip: the metadata and every array (name, shape, dtype, exact bits) come back', () => {
      const file = path.join(dir, 'roundtrip.ckpt');
      const arrays = sampleArrays();
      writeCheckpoint(file, META, arrays);
      const { meta, arrays: back } = readCheckpoint<Meta>(file);
      expect(meta).to.deep.equal(META);
      expect([...back.keys()]).to.deep.equal(arrays.map((a) => a.name));
      for (const a of arrays) {
        const b = back.get(a.name)!;
        expect(b.shape, a.name).to.deep.equal(a.shape);
        expect(b.dtype, a.name).to.equal(a.dtype);
        expect(b.data, a.name).to.be.instanceOf(a.dtype === 'int32' ? Int32Array : Float32Array);
        // Bit-exact, including -0 and denormal-adjacent values.
        expect(bytesOf(b).equals(bytesOf(a)), a.name).to.equal(true);
      }
      expect(readCheckpointMeta<Meta>(file)).to.deep.equal(META);
    });

    it('writes atomically: no temporary file is left beside it, and a rewrite replaces the whole file', () => {
      const sub = path.join(dir, 'atomic');
      const file = path.join(sub, 'run.ckpt');
      writeCheckpoint(file, META, sampleArrays());
      writeCheckpoint(file, { ...META, step: 43 }, sampleArrays().slice(0, 1));
      expect(fs.readdirSync(sub)).to.deep.equal(['run.ckpt']);
      const { meta, arrays } = readCheckpoint<Meta>(file);
      expect(meta.step).to.equal(43);
      expect(arrays.size).to.equal(1);
    });

    describe('damage is a UserError naming the file', () => {
      const damaged = (name: string, change: (buf: Buffer) => Buffer): string => {
        const file = path.join(dir, name);
        writeCheckpoint(file, META, sampleArrays());
        fs.writeFileSync(file, change(fs.readFileSync(file)));
        return file;
      };
      const expectUserError = (file: string, why: RegExp) => {
        let err: unknown;
        try {
          readCheckpoint(file);
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(UserError);
        expect((err as Error).message).to.include(file);
        expect((err as Error).message).to.match(why);
      };

      it('one flipped bit in any payload byte fails the checksum', () => {
        const n = sampleArrays().reduce((s, a) => s + a.data.byteLength, 0);
        for (let k = 1; k <= n; k++) {
          const file = damaged(`flip-${k}.ckpt`, (b) => {
            b[b.length - k] ^= 0x01;
            return b;
          });
          expectUserError(file, /corrupt checkpoint .*checksum mismatch/);
        }
      });

      it('a truncated payload or header fails the checksum', () => {
        expectUserError(damaged('short-payload.ckpt', (b) => b.subarray(0, b.length - 4)), /checksum mismatch/);
        expectUserError(damaged('short-header.ckpt', (b) => b.subarray(0, 40)), /checksum mismatch|truncated/);
      });

      it('an altered header, a foreign file and a missing file', () => {
        expectUserError(damaged('bad-json.ckpt', (b) => {
          b[12] = 0x7b ^ 0xff; // the header's opening brace
          return b;
        }), /checksum mismatch/); // the checksum covers the header too (format v2)
        expectUserError(damaged('foreign.ckpt', () => Buffer.from('PK\x03\x04 not a checkpoint at all')), /not a workbook checkpoint/);
        expectUserError(path.join(dir, 'absent.ckpt'), /cannot read checkpoint/);
      });
    });
  });

  describe('modelArrays / restoreModel', () => {
    it('stores every weight, trainable and not (batch-norm moving statistics), and restores a fresh model to the same outputs', () => {
      const a = smallModel(1);
      const b = smallModel(100);
      const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 7);
      try {
        const arrays = modelArrays('net/G', a);
        expect(a.nonTrainableWeights.length).to.equal(2);
        expect(arrays.map((w) => w.name)).to.deep.equal(a.weights.map((_, i) => `net/G/${i}`));
        const file = path.join(dir, 'model.ckpt');
        writeCheckpoint(file, META, arrays);
        const before = tf.tidy(() => (b.predict(x) as tf.Tensor).arraySync());
        const want = tf.tidy(() => (a.predict(x) as tf.Tensor).arraySync());
        expect(before).to.not.deep.equal(want);

        const tensorsBefore = tf.memory().numTensors;
        restoreModel('net/G', b, readCheckpoint(file).arrays);
        expect(tf.memory().numTensors, 'tensors leaked by restoreModel').to.equal(tensorsBefore);

        // Inference mode uses the moving statistics, so equal outputs need them restored too.
        expect(tf.tidy(() => (b.predict(x) as tf.Tensor).arraySync())).to.deep.equal(want);
        a.weights.forEach((w, i) => expect(Array.from(b.weights[i].read().dataSync()), w.name).to.deep.equal(Array.from(w.read().dataSync())));
      } finally {
        tf.dispose([x]);
        a.dispose();
        b.dispose();
      }
    });

    it("refuses another model's weights (missing or of another shape) with a UserError", () => {
      const a = smallModel(1);
      const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 5 })] });
      try {
        const arrays = new Map(modelArrays('net/G', a).map((w) => [w.name, w]));
        expect(() => restoreModel('net/F', a, arrays)).to.throw(UserError, /lacks weight net\/F\/0/);
        expect(() => restoreModel('net/G', other, arrays)).to.throw(UserError, /has shape \[3,3,2,3\] but the model's/);
      } finally {
        a.dispose();
        other.dispose();
      }
    });
  });

  describe('optimizerArrays / restoreOptimizer', () => {
    /** Adam(β1 0.5) steps on a small quadratic; returns the variable's values. */
    const steps = (opt: tf.Optimizer, v: tf.Variable, n: number, from: number) => {
      for (let k = from; k < from + n; k++) {
        tf.tidy(() => {
          opt.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(v, k + 1), tf.tensor1d([1, -2, 3])))) as tf.Scalar, false, [v]);
        });
      }
      return Array.from(v.dataSync());
    };

    it("stores Adam's slots and exact β products: 5 steps, save, 2 more equals restore into a fresh optimizer, 2 more (bit for bit)", async () => {
      const v = tf.variable(tf.tensor1d([0.3, 0.1, -0.2]), true, 'ckpt_v1');
      const opt = tf.train.adam(0.05, 0.5, 0.999);
      const v2 = tf.variable(tf.zeros([3]), true, 'ckpt_v2');
      const opt2 = tf.train.adam(0.05, 0.5, 0.999);
      try {
        // After 5 steps tfjs's running product β2^5 differs from pow(β2, 5) in the last bit: without the
        // saved products, a resumed run drifts (checked by removing their restore).
        steps(opt, v, 5, 0);
        const arrays = [...(await optimizerArrays('opt/g', opt)), { name: 'v', shape: [3], dtype: 'float32' as const, data: v.dataSync().slice() as Float32Array }];
        const names = arrays.map((a) => a.name);
        // Index 0 is the iteration count, then one first and one second moment per variable.
        expect(names).to.include.members(['opt/g/0', 'opt/g/1', 'opt/g/2', 'opt/g/accBeta1', 'opt/g/accBeta2']);
        const file = path.join(dir, 'adam.ckpt');
        writeCheckpoint(file, META, arrays);
        const want = steps(opt, v, 2, 5);

        const back = readCheckpoint(file).arrays;
        v2.assign(tf.tensor(back.get('v')!.data, [3]));
        await restoreOptimizer('opt/g', opt2, back);
        const got = steps(opt2, v2, 2, 5);
        expect(Float32Array.from(got)).to.deep.equal(Float32Array.from(want));
      } finally {
        opt.dispose();
        opt2.dispose();
        v.dispose();
        v2.dispose();
      }
    });
  });
});
