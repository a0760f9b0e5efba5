/**
 * Checkpoints: every network's weights (trainable and not, e.g. batch-norm moving statistics),
 * every optimizer's state, the step, the RNG state and the config, in one file written
 * atomically (temporary file, then rename), so a crash never leaves a half-written checkpoint.
 *
 * File layout (version 2): magic `AGWCKPT2`, a little-endian uint32 header length, a JSON header,
 * the raw tensor bytes, then a SHA-256 of everything before it. The checksum covers the header
 * (config, step, RNG state) as well as the tensors, so one flipped bit anywhere is detected.
 * Version 1 files (`AGWCKPT1`: a SHA-256 of the tensors only, kept in the header) are still read.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';

const MAGIC_V1 = Buffer.from('AGWCKPT1');
const MAGIC = Buffer.from('AGWCKPT2');
const DIGEST_BYTES = 32;

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}

export interface CheckpointHeader<Meta> {
  version: 1 | 2;
  meta: Meta;
  tensors: TensorEntry[];
  /** Version 1 only: SHA-256 of the payload (version 2 checks the whole file instead). */
  sha256?: string;
}

export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Write `meta` and the named arrays to `file`, atomically. */
export function writeCheckpoint<Meta>(file: string, meta: Meta, arrays: NamedArray[]): void {
  const tensors: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const a of arrays) {
    const buf = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    tensors.push({ name: a.name, shape: a.shape, dtype: a.dtype, offset, bytes: buf.length });
    chunks.push(buf);
    offset += buf.length;
  }
  const payload = Buffer.concat(chunks);
  const header: CheckpointHeader<Meta> = { version: 2, meta, tensors };
  const headerBuf = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBuf.length, 0);
  const body = Buffer.concat([MAGIC, len, headerBuf, payload]);
  const digest = crypto.createHash('sha256').update(body).digest();
  writeFileAtomic(file, Buffer.concat([body, digest]));
}

/** Read a checkpoint; a truncated, altered or foreign file is a UserError naming it. */
export function readCheckpoint<Meta>(file: string): { meta: Meta; arrays: Map<string, NamedArray> } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new UserError(`cannot read checkpoint ${file}`);
  }
  const corrupt = (why: string) => new UserError(`corrupt checkpoint ${file}: ${why}`);
  const magic = buf.subarray(0, 8);
  const v2 = magic.equals(MAGIC);
  if (buf.length < 12 || !(v2 || magic.equals(MAGIC_V1))) throw corrupt('not a workbook checkpoint');
  let body = buf;
  if (v2) {
    // Check the whole file before trusting any field of the header.
    if (buf.length < 12 + DIGEST_BYTES) throw corrupt('truncated');
    body = buf.subarray(0, buf.length - DIGEST_BYTES);
    if (!crypto.createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - DIGEST_BYTES))) {
      throw corrupt('checksum mismatch (truncated or altered)');
    }
  }
  const headerLen = body.readUInt32LE(8);
  if (12 + headerLen > body.length) throw corrupt('truncated header');
  let header: CheckpointHeader<Meta>;
  try {
    header = JSON.parse(body.subarray(12, 12 + headerLen).toString('utf8'));
  } catch {
    throw corrupt('unreadable header');
  }
  const payload = body.subarray(12 + headerLen);
  if (!v2 && crypto.createHash('sha256').update(payload).digest('hex') !== header.sha256) {
    throw corrupt('checksum mismatch (truncated or altered)');
  }
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    const bytes = new Uint8Array(payload.subarray(t.offset, t.offset + t.bytes)).slice().buffer;
    const data = t.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    arrays.set(t.name, { name: t.name, shape: t.shape, dtype: t.dtype, data });
  }
  return { meta: header.meta, arrays };
}

/** Read only the header's metadata (cheap check of what a run folder holds). */
export function readCheckpointMeta<Meta>(file: string): Meta {
  return readCheckpoint<Meta>(file).meta;
}

/** Weights of a layers model, in order, under `prefix/<index>` (names are not stable across processes). */
export function modelArrays(prefix: string, model: tf.LayersModel): NamedArray[] {
  return model.weights.map((w, i) => tensorToArray(`${prefix}/${i}`, w.read()));
}

export function restoreModel(prefix: string, model: tf.LayersModel, arrays: Map<string, NamedArray>): void {
  const values = model.weights.map((w, i) => {
    const a = arrays.get(`${prefix}/${i}`);
    if (!a) throw new UserError(`checkpoint lacks weight ${prefix}/${i} (${w.originalName}): another model's checkpoint?`);
    if (a.shape.join('x') !== w.shape.join('x')) {
      throw new UserError(
        `checkpoint weight ${prefix}/${i} has shape [${a.shape}] but the model's ${w.originalName} is [${w.shape}]: another configuration's checkpoint?`,
      );
    }
    return tf.tensor(a.data, a.shape, a.dtype);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/**
 * Optimizer state (tfjs keeps Adam/RMSProp slots positionally, in the order of the variable
 * list given to minimize), saved under `prefix/<index>`; index 0 is the iteration count.
 */
export async function optimizerArrays(prefix: string, opt: tf.Optimizer): Promise<NamedArray[]> {
  const weights = await opt.getWeights();
  const out = weights.map((w, i) => tensorToArray(`${prefix}/${i}`, w.tensor));
  // getWeights returns the live slot variables and a fresh scalar for the iteration count.
  if (weights.length > 0) weights[0].tensor.dispose();
  for (const slot of EXACT_SLOTS) {
    const v = (opt as unknown as Record<string, tf.Variable | undefined>)[slot];
    if (v instanceof tf.Variable) out.push(tensorToArray(`${prefix}/${slot}`, v));
  }
  return out;
}

export async function restoreOptimizer(
  prefix: string,
  opt: tf.Optimizer,
  arrays: Map<string, NamedArray>,
): Promise<void> {
  const values: { name: string; tensor: tf.Tensor }[] = [];
  for (let i = 0; arrays.has(`${prefix}/${i}`); i++) {
    const a = arrays.get(`${prefix}/${i}`)!;
    values.push({ name: `${prefix}/${i}`, tensor: tf.tensor(a.data, a.shape, a.dtype) });
  }
  if (values.length === 0) return;
  await opt.setWeights(values);
  // setWeights copies each slot into a new variable; the iteration scalar is read and dropped.
  tf.dispose(values.map((v) => v.tensor));
  for (const slot of EXACT_SLOTS) {
    const v = (opt as unknown as Record<string, tf.Variable | undefined>)[slot];
    const a = arrays.get(`${prefix}/${slot}`);
    if (v instanceof tf.Variable && a) tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, a.dtype)));
  }
}

/**
 * Adam keeps β1^t and β2^t as running products; its setWeights recomputes them with pow, which
 * differs in the last bits. Saving the products themselves makes a resumed run bit-identical.
 */
const EXACT_SLOTS = ['accBeta1', 'accBeta2'];

function tensorToArray(name: string, t: tf.Tensor): NamedArray {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const data = dtype === 'int32' ? (t.dataSync() as Int32Array).slice() : Float32Array.from(t.dataSync() as Float32Array);
  return { name, shape: t.shape.slice(), dtype, data };
}
