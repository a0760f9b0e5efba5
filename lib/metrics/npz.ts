/**
 * NumPy `.npy` / `.npz` reading and writing, so statistics files are interchangeable with
 * pytorch-fid (`np.savez(path, mu=mu, sigma=sigma)`, read with `np.load(path)['mu']`).
 *
 * `.npy` layout (NumPy's format spec, numpy/lib/format.py): magic "\x93NUMPY", version byte
 * pair, little-endian header length (uint16 for v1.0, uint32 for v2.0/3.0), an ASCII Python
 * dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (d,), } padded with spaces and
 * ending in '\n' so the data starts on a 64-byte boundary, then the raw data.
 * `.npz` is a zip of such files named `<key>.npy` (stored by np.savez, deflated by
 * np.savez_compressed, zip64 extra fields since NumPy writes with force_zip64); the zip layer is
 * fflate's.
 */
import * as fs from 'fs';
import { unzipSync, zipSync, Zippable } from 'fflate';
import { UserError } from '../util/errors';
import { writeFileAtomic } from '../util/atomicWrite';
import { ActivationStatistics } from './statistics';

export interface NpyArray {
  /** NumPy dtype string as stored, e.g. '<f8'. */
  descr: string;
  shape: number[];
  /** Values in C (row-major) order, converted to float64. */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parse one .npy file (numeric dtypes; object arrays, which need pickle, are refused). */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new UserError(`${name}: not a NumPy .npy array`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new UserError(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else {
    throw new UserError(`${name}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (offset + headerLen > bytes.length) throw new UserError(`${name}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new UserError(`${name}: malformed .npy header`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new UserError(`${name}: malformed shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const reader = elementReader(descr, view, name);
  const dataStart = offset + headerLen;
  if (dataStart + count * reader.size > bytes.length) {
    throw new UserError(`${name}: data truncated (${bytes.length - dataStart} bytes for ${count} values of ${descr})`);
  }
  let data: Float64Array = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(dataStart + i * reader.size);
  if (fortran === 'True' && shape.length > 1) data = fortranToC(data, shape);
  return { descr, shape, data };
}

function elementReader(descr: string, view: DataView, name: string): { size: number; read(o: number): number } {
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) throw new UserError(`${name}: unsupported dtype '${descr}' (only numeric arrays; object arrays need pickle)`);
  const little = m[1] !== '>';
  const kind = m[2];
  const size = Number(m[3]);
  const readers: Record<string, (o: number) => number> = {
    f8: (o) => view.getFloat64(o, little),
    f4: (o) => view.getFloat32(o, little),
    i8: (o) => Number(view.getBigInt64(o, little)),
    i4: (o) => view.getInt32(o, little),
    i2: (o) => view.getInt16(o, little),
    i1: (o) => view.getInt8(o),
    u8: (o) => Number(view.getBigUint64(o, little)),
    u4: (o) => view.getUint32(o, little),
    u2: (o) => view.getUint16(o, little),
    u1: (o) => view.getUint8(o),
    b1: (o) => view.getUint8(o),
  };
  const read = readers[`${kind}${size}`];
  if (!read) throw new UserError(`${name}: unsupported dtype '${descr}'`);
  return { size, read };
}

/** Reorder column-major data of the given shape into row-major. */
function fortranToC(data: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(data.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < data.length; c++) {
    // c walks row-major order; find the column-major offset of the same index
    let f = 0;
    let stride = 1;
    for (let k = 0; k < nd; k++) {
      f += idx[k] * stride;
      stride *= shape[k];
    }
    out[c] = data[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Encode an array as a .npy v1.0 file (C order): float64 ('<f8', the default) or uint8 ('|u1', images). */
export function encodeNpy(data: ArrayLike<number>, shape: number[], dtype: '<f8' | '|u1' = '<f8'): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape (${shape.join(', ')}) holds ${count} values, got ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // pad with spaces so that magic(6) + version(2) + length(2) + header ends on a 64-byte boundary
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 65535) throw new Error('encodeNpy: header too long for format 1.0');
  const itemSize = dtype === '|u1' ? 1 : 8;
  const out = new Uint8Array(10 + header.length + count * itemSize);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  if (dtype === '|u1') out.set(data, start);
  else for (let i = 0; i < count; i++) view.setFloat64(start + i * 8, data[i], true);
  return out;
}

/** Parse an .npz archive into its arrays, keyed without the '.npy' suffix. */
export function parseNpz(bytes: Uint8Array, name = 'npz'): Record<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new UserError(`${name}: not a valid .npz (zip) file (${(e as Error).message})`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [entry, content] of Object.entries(files)) {
    if (!entry.endsWith('.npy')) continue;
    const key = entry.slice(0, -4);
    out[key] = parseNpy(content, `${name}:${key}`);
  }
  return out;
}

/** Read an .npz file from disk. */
export function readNpz(file: string): Record<string, NpyArray> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseNpz(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

/** Build .npz bytes from named float64 arrays; stored (as np.savez) or deflated (as np.savez_compressed). */
export function encodeNpz(arrays: Record<string, { data: ArrayLike<number>; shape: number[] }>, opts: { compressed?: boolean } = {}): Uint8Array {
  const z: Zippable = {};
  for (const [key, a] of Object.entries(arrays)) z[`${key}.npy`] = [encodeNpy(a.data, a.shape), { level: opts.compressed ? 6 : 0 }];
  return zipSync(z);
}

/** Write an .npz file atomically. */
export function writeNpz(
  file: string,
  arrays: Record<string, { data: ArrayLike<number>; shape: number[] }>,
  opts: { compressed?: boolean } = {},
): void {
  writeFileAtomic(file, encodeNpz(arrays, opts));
}

/** Read pytorch-fid statistics (`mu` of shape (d,), `sigma` of shape (d, d)) from an .npz file. */
export function readStatistics(file: string): ActivationStatistics {
  return statisticsFromNpz(readNpz(file), file);
}

export function statisticsFromNpz(arrays: Record<string, NpyArray>, name: string): ActivationStatistics {
  const { mu, sigma } = arrays;
  if (!mu || !sigma) {
    throw new UserError(`${name}: expected arrays 'mu' and 'sigma' (pytorch-fid statistics), found ${Object.keys(arrays).join(', ') || 'none'}`);
  }
  const d = mu.shape.length === 1 ? mu.shape[0] : -1;
  if (d < 1) throw new UserError(`${name}: 'mu' must be a vector, has shape (${mu.shape.join(', ')})`);
  if (sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new UserError(`${name}: 'sigma' must be ${d}x${d} to match 'mu', has shape (${sigma.shape.join(', ')})`);
  }
  return { mu: mu.data, sigma: sigma.data, dim: d };
}

/** Write statistics as pytorch-fid does (np.savez: stored, float64 'mu' and 'sigma'). */
export function writeStatistics(file: string, stats: ActivationStatistics, opts: { compressed?: boolean } = {}): void {
  writeNpz(file, { mu: { data: stats.mu, shape: [stats.dim] }, sigma: { data: stats.sigma, shape: [stats.dim, stats.dim] } }, opts);
}
