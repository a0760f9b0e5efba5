// Loading the compiled oneDNN addon (native/build/Release/animegan_native.node).
import * as fs from 'fs';
import * as path from 'path';
import { findPackageRoot } from '../../util/projectRoot';

/**
 * The operation codes the addon exports as `ops` (native/src/ops.h): for each family, the name
 * of each operation and the code its `op` (or `mode`, or dtype) argument takes. Unary, binary,
 * comparison, reduction and pooling names are tfjs kernel names; eltGrad names the op whose
 * gradient it computes.
 */
export interface NativeOpTable {
  conv: Readonly<Record<'forward' | 'backwardInput' | 'backwardFilter', number>>;
  unary: Readonly<Record<string, number>>;
  /** Binary ops with a float32 result. */
  binary: Readonly<Record<string, number>>;
  /** Comparisons: a bool result (one byte per element), through `binary`. */
  compare: Readonly<Record<string, number>>;
  reduce: Readonly<Record<'Sum' | 'Mean' | 'Max' | 'Min', number>>;
  pool: Readonly<Record<'MaxPool' | 'AvgPool', number>>;
  eltGrad: Readonly<Record<string, number>>;
  dtype: Readonly<Record<'float32' | 'int32' | 'bool', number>>;
}

/**
 * The functions the C++ addon exports (native/src/). Offsets are byte offsets into `heap`; each
 * is checked against the heap's length with the size the operation reads or writes, and a
 * violation throws a RangeError naming the operation and argument.
 */
export interface NativeAddon {
  ops: NativeOpTable;
  /** weightsId: the same id promises the same weights (their reordered copy is reused); 0 = unknown. */
  conv(heap: ArrayBuffer, mode: number, x: number, w: number, y: number, dims: number[], weightsId?: number): void;
  convImpl(dims: number[]): string[];
  matmul(heap: ArrayBuffer, a: number, b: number, c: number, dims: number[]): void;
  unary(heap: ArrayBuffer, op: number, x: number, y: number, n: number, alpha: number): void;
  binary(heap: ArrayBuffer, op: number, a: number, b: number, y: number, shape: number[], sa: number[], sb: number[]): void;
  select(heap: ArrayBuffer, c: number, a: number, b: number, y: number, shape: number[], sc: number[], sa: number[], sb: number[]): void;
  reduce(heap: ArrayBuffer, op: number, x: number, y: number, outer: number, red: number, inner: number): void;
  batchNorm(heap: ArrayBuffer, x: number, mean: number, variance: number, offset: number, scale: number, y: number,
    rows: number, c: number, eps: number, strides: number[]): void;
  addN(heap: ArrayBuffer, xs: number[], y: number, n: number): void;
  cast(heap: ArrayBuffer, x: number, xType: number, y: number, yType: number, n: number): void;
  fill(heap: ArrayBuffer, y: number, n: number, value: number): void;
  tile(heap: ArrayBuffer, x: number, y: number, inShape: number[], outShape: number[], bytesPerElement: number): void;
  bcastScale(heap: ArrayBuffer, x: number, y: number, shape: number[], sx: number[], scale: number): void;
  eltGrad(heap: ArrayBuffer, op: number, dy: number, x: number, dx: number, n: number, alpha: number): void;
  bnGrad(heap: ArrayBuffer, dy: number, x: number, mean: number, variance: number, scale: number, dx: number,
    dmean: number, dvar: number, dscale: number, doffset: number, rows: number, c: number, eps: number, strides: number[]): void;
  /** activation: 0 linear, 1 relu, applied after adding residual (-1: none). */
  bnTrain(heap: ArrayBuffer, x: number, scale: number, offset: number, y: number, mean: number, variance: number,
    groups: number, rows: number, c: number, eps: number, activation?: number, residual?: number): void;
  /** y: the forward pass's output (-1 with a linear activation); dpre: the residual's gradient (-1: none). */
  bnTrainGrad(heap: ArrayBuffer, dy: number, x: number, mean: number, variance: number, scale: number, dmeanIn: number,
    dvarIn: number, dx: number, dscale: number, doffset: number, groups: number, rows: number, c: number, eps: number,
    y?: number, activation?: number, dpre?: number): void;
  /** The gradient of bnTrainGrad for instance norm without activation or residual (fusedOps.ts). */
  inGradGrad(heap: ArrayBuffer, dy: number, x: number, mean: number, variance: number, scale: number, dvarIn: number,
    g: number, gscale: number, goffset: number, ddy: number, dx: number, dmean: number, dvariance: number, dscale: number,
    ddmean: number, ddvariance: number, groups: number, rows: number, c: number, eps: number): void;
  adam(heap: ArrayBuffer, g: number, m: number, v: number, w: number, accBeta1: number, accBeta2: number, mOut: number,
    vOut: number, wOut: number, n: number, lr: number, beta1: number, beta2: number, eps: number): void;
  maxPoolGrad(heap: ArrayBuffer, dy: number, x: number, y: number, dx: number, dims: number[]): void;
  pool(heap: ArrayBuffer, op: number, x: number, y: number, dims: number[]): void;
  concat(heap: ArrayBuffer, xs: number[], innerBytes: number[], y: number, outer: number): void;
  split(heap: ArrayBuffer, x: number, ys: number[], innerBytes: number[], outer: number): void;
  /** mode 0 nearest, 1 bilinear; dims [N, H, W, C, OH, OW]. */
  resize(heap: ArrayBuffer, mode: number, x: number, y: number, dims: number[], alignCorners: number, halfPixelCenters: number): void;
  resizeGrad(heap: ArrayBuffer, mode: number, dy: number, dx: number, dims: number[], alignCorners: number, halfPixelCenters: number): void;
  peakGflops(seconds: number): number;
  info(): string;
  clearCache(): void;
}

/** Set to any non-empty value to behave as if the addon were absent (tests the wasm fallback). */
export const DISABLE_ENV = 'ANIME_GAN_NO_NATIVE';

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

let cached: AddonLoad | undefined;

/** Loads the addon once; never throws: on failure says why in one line. */
export function loadNativeAddon(): AddonLoad {
  if (process.env[DISABLE_ENV]) return { ok: false, reason: `disabled by ${DISABLE_ENV}` };
  if (cached) return cached;
  const root = findPackageRoot();
  const file = root && path.join(root, 'native', 'build', 'Release', 'animegan_native.node');
  if (!file || !fs.existsSync(file)) {
    cached = { ok: false, reason: 'native addon not built (needs g++ and libdnnl-dev, then `npm run build:native`)' };
    return cached;
  }
  try {
    // OpenMP threads that spin while waiting collapse when the cores are shared (10x slower
    // measured with other processes running); sleeping waits cost little here. Must be set
    // before libgomp loads with the addon; an explicit user setting wins.
    if (!process.env.OMP_WAIT_POLICY) {
      process.env.OMP_WAIT_POLICY = 'PASSIVE';
      process.env.ANIME_GAN_SET_OMP_WAIT = '1'; // so the benchmark can run its peer as a user would
    }
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(file) as NativeAddon;
    addon.info();
    // A build from before the operation table: the kernels could not find their codes.
    if (typeof addon.ops !== 'object' || addon.ops == null || typeof addon.ops.unary !== 'object') {
      cached = { ok: false, reason: 'native addon is out of date (no operation table): run `npm run build:native`' };
      return cached;
    }
    cached = { ok: true, addon, path: file };
  } catch (e) {
    cached = { ok: false, reason: `native addon failed to load: ${String((e as Error).message).split('\n')[0]}` };
  }
  return cached;
}
