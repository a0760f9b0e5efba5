// What every family of native kernels shares: the addon, its operation table, and access to the
// wasm backend's heap, where the tensors live.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeOpTable } from '../addon';

export type TensorInfo = tf.TensorInfo;
export type KernelFunc = tf.KernelFunc;
export type KernelArgs = Parameters<KernelFunc>[0];
export type Kernels = Record<string, KernelFunc>;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

/** Fallback kernel lookup: the wasm kernel this one replaces (undefined if wasm has none). */
export type Fallback = (name: string) => KernelFunc | undefined;

export interface KernelContext {
  addon: NativeAddon;
  ops: NativeOpTable;
  /** A tensor's byte offset in the heap. */
  off(b: WasmLike, t: TensorInfo): number;
  /** The heap; its ArrayBuffer changes when wasm memory grows, so read it after every allocation. */
  heap(b: WasmLike): ArrayBuffer;
  /** Run the wasm kernel `name` (for the cases a native kernel does not cover). */
  fb(name: string, args: KernelArgs): TensorInfo | TensorInfo[];
}

export function makeContext(addon: NativeAddon, fallback: Fallback): KernelContext {
  return {
    addon,
    ops: addon.ops,
    off: (b, t) => b.dataIdMap.get(t.dataId).memoryOffset,
    heap: (b) => b.wasm.HEAPU8.buffer as ArrayBuffer,
    fb: (name, args) => {
      const f = fallback(name);
      if (!f) throw new Error(`native backend: no fallback for ${name}`);
      return f(args) as TensorInfo | TensorInfo[];
    },
  };
}

export const backendOf = (args: KernelArgs) => args.backend as unknown as WasmLike;
export const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
export const allF32 = (...ts: (TensorInfo | undefined)[]) => ts.every((t) => t == null || t.dtype === 'float32');

/** The operation code of `name` in one of the addon's tables; throws if the addon lacks it. */
export function opCode(table: Readonly<Record<string, number>>, name: string, family: string): number {
  const code = table[name];
  if (typeof code !== 'number') throw new Error(`native addon has no ${family} op '${name}' (rebuild it: npm run build:native)`);
  return code;
}
