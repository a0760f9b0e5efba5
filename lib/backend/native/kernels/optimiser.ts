// Optimisers (native/src/optimiser.cc): FusedAdamUpdate of lib/backend/fusedOps.ts.
import { FUSED_ADAM_UPDATE } from '../../fusedOps';
import { type KernelContext, type Kernels, type TensorInfo, backendOf, sizeOf } from './context';

export function optimiserKernels(ctx: KernelContext): Kernels {
  const { addon, off, heap } = ctx;
  const k: Kernels = {};

  k[FUSED_ADAM_UPDATE] = (args) => {
    const { g, m, v, w, accBeta1, accBeta2 } = args.inputs as Record<string, TensorInfo>;
    const { learningRate, beta1, beta2, epsilon } = args.attrs as Record<string, number>;
    const b = backendOf(args);
    const outs = [m, v, w].map((t) => b.makeOutput(t.shape, 'float32'));
    const n = sizeOf(w.shape);
    if (n > 0) {
      addon.adam(heap(b), off(b, g), off(b, m), off(b, v), off(b, w), off(b, accBeta1), off(b, accBeta2), off(b, outs[0]),
        off(b, outs[1]), off(b, outs[2]), n, learningRate, beta1, beta2, epsilon);
    }
    return outs;
  };
  return k;
}
