// The bias and activation that tfjs fuses into a convolution or matmul (FusedConv2D,
// _FusedMatMul), applied in place on the native product's output.
import { broadcastStrides } from './shapes';
import { type KernelContext, type TensorInfo, type WasmLike, opCode, sizeOf } from './context';

/** tfjs's fused activations the addon computes, as the unary kernel of each (null: none). */
const ACTIVATIONS = new Map<string, string | null>([
  ['linear', null], ['relu', 'Relu'], ['leakyrelu', 'LeakyRelu'], ['elu', 'Elu'], ['relu6', 'Relu6'], ['sigmoid', 'Sigmoid'],
]);

/** Whether the addon computes this fused activation (else the wasm kernel runs). */
export const activationOk = (a: string | undefined) => a == null || ACTIVATIONS.has(a);

export function epilogue(ctx: KernelContext, b: WasmLike, y: TensorInfo, bias: TensorInfo | undefined, activation: string, alpha: number) {
  const { addon, ops, heap, off } = ctx;
  if (bias) {
    const { sa, sb, outShape } = broadcastStrides(y.shape, bias.shape, y.shape);
    addon.binary(heap(b), opCode(ops.binary, 'Add', 'binary'), off(b, y), off(b, bias), off(b, y), outShape, sa, sb);
  }
  const unary = ACTIVATIONS.get(activation);
  if (unary) addon.unary(heap(b), opCode(ops.unary, unary, 'unary'), off(b, y), off(b, y), sizeOf(y.shape), alpha);
}
