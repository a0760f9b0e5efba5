// Normalisation (native/src/normalisation.cc): FusedBatchNorm and its gradient, and the fused
// training ops of lib/backend/fusedOps.ts (normalisation with the data's own statistics).
import * as tf from '@tensorflow/tfjs';
import {
  FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD, FUSED_INSTANCE_NORM_GRAD_GRAD, type FusedNormAttrs,
  type NormActivation,
} from '../../fusedOps';
import { NATIVE_BN_GRAD } from './names';
import { type KernelContext, type Kernels, type TensorInfo, allF32, backendOf, sizeOf } from './context';

/** The addon's code of the activation that follows a fused normalisation. */
const activationCode = (a: NormActivation | undefined): number => {
  if (a === undefined || a === 'linear') return 0;
  if (a === 'relu') return 1;
  throw new Error(`FusedBatchNormTraining: unknown activation '${String(a)}'`);
};

/** x viewed as [groups, rows, C]: groups = 1 for batch norm, N for instance norm. */
const normGeometry = (x: TensorInfo, perSample: boolean) => {
  const C = x.shape[x.shape.length - 1];
  const groups = perSample ? x.shape[0] : 1;
  return { C, groups, rows: sizeOf(x.shape) / C / Math.max(groups, 1) };
};

export function normalisationKernels(ctx: KernelContext): Kernels {
  const { addon, off, heap, fb } = ctx;
  const k: Kernels = {};

  k.FusedBatchNorm = (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    if (!allF32(x, mean, variance, offset, scale) || x!.shape.length === 0) return fb('FusedBatchNorm', args);
    const C = x!.shape[x!.shape.length - 1];
    const stride = (t: TensorInfo | undefined) => {
      if (t == null) return 0;
      const n = sizeOf(t.shape);
      return n === 1 ? 0 : n === C && t.shape[t.shape.length - 1] === C ? 1 : -1;
    };
    const st = [mean, variance, offset, scale].map(stride);
    if (st.some((s) => s < 0)) return fb('FusedBatchNorm', args);
    const b = backendOf(args);
    const y = b.makeOutput(x!.shape, 'float32');
    const n = sizeOf(x!.shape);
    if (n > 0) {
      addon.batchNorm(heap(b), off(b, x!), off(b, mean!), off(b, variance!), offset ? off(b, offset) : -1,
        scale ? off(b, scale) : -1, off(b, y), n / C, C, varianceEpsilon, st);
    }
    return y;
  };

  // All gradients of FusedBatchNorm in two passes (../gradients.ts).
  k[NATIVE_BN_GRAD] = (args) => {
    const { dy, x, mean, variance, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
    const b = backendOf(args);
    const C = x!.shape[x!.shape.length - 1];
    const n = sizeOf(x!.shape);
    const dx = b.makeOutput(x!.shape, 'float32');
    const outs = [0, 1, 2, 3].map(() => b.makeOutput([C], 'float32'));
    const st = [mean!, variance!, scale].map((t) => (t == null || sizeOf(t.shape) === 1 ? 0 : 1));
    if (n > 0) {
      addon.bnGrad(heap(b), off(b, dy!), off(b, x!), off(b, mean!), off(b, variance!), scale ? off(b, scale) : -1,
        off(b, dx), off(b, outs[0]), off(b, outs[1]), off(b, outs[2]), off(b, outs[3]), n / C, C, varianceEpsilon, st);
    }
    return [dx, ...outs];
  };

  // Fused training ops (lib/backend/fusedOps.ts): float32 only, which fusedOps checks.
  k[FUSED_BATCH_NORM_TRAINING] = (args) => {
    const { x, scale, offset, residual } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon, perSample, activation } = args.attrs as unknown as FusedNormAttrs;
    const b = backendOf(args);
    const { C, groups, rows } = normGeometry(x!, perSample);
    const y = b.makeOutput(x!.shape, 'float32');
    const mean = b.makeOutput([groups, C], 'float32');
    const variance = b.makeOutput([groups, C], 'float32');
    if (rows > 0 && C > 0 && groups > 0) {
      addon.bnTrain(heap(b), off(b, x!), off(b, scale!), off(b, offset!), off(b, y), off(b, mean), off(b, variance), groups,
        rows, C, varianceEpsilon, activationCode(activation), residual ? off(b, residual) : -1);
    }
    return [y, mean, variance];
  };

  k[FUSED_BATCH_NORM_TRAINING_GRAD] = (args) => {
    const { dy, x, scale, mean, variance, dmean, dvariance, y } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon, perSample, activation, hasResidual } = args.attrs as unknown as FusedNormAttrs;
    const b = backendOf(args);
    const { C, groups, rows } = normGeometry(x!, perSample);
    const act = activationCode(activation);
    const dx = b.makeOutput(x!.shape, 'float32');
    const dscale = b.makeOutput([C], 'float32');
    const doffset = b.makeOutput([C], 'float32');
    const dpre = act !== 0 && hasResidual ? b.makeOutput(x!.shape, 'float32') : null;
    if (rows > 0 && C > 0 && groups > 0) {
      addon.bnTrainGrad(heap(b), off(b, dy!), off(b, x!), off(b, mean!), off(b, variance!), off(b, scale!),
        dmean ? off(b, dmean) : -1, dvariance ? off(b, dvariance) : -1, off(b, dx), off(b, dscale), off(b, doffset), groups,
        rows, C, varianceEpsilon, act !== 0 ? off(b, y!) : -1, act, dpre ? off(b, dpre) : -1);
    }
    return dpre ? [dx, dscale, doffset, dpre] : [dx, dscale, doffset];
  };

  // Outputs: the gradients of dy, x, mean, variance, scale, dmean and dvariance.
  k[FUSED_INSTANCE_NORM_GRAD_GRAD] = (args) => {
    const { dy, x, scale, mean, variance, dvariance, g, gscale, goffset } = args.inputs as Record<string, TensorInfo>;
    const { varianceEpsilon } = args.attrs as unknown as FusedNormAttrs;
    const b = backendOf(args);
    const { C, groups, rows } = normGeometry(x, true);
    const outs = [dy, x, mean, variance, scale, mean, variance].map((t) => b.makeOutput(t.shape, 'float32'));
    if (rows > 0 && C > 0 && groups > 0) {
      addon.inGradGrad(heap(b), off(b, dy), off(b, x), off(b, mean), off(b, variance), off(b, scale), off(b, dvariance),
        off(b, g), off(b, gscale), off(b, goffset), ...outs.map((t) => off(b, t)) as [number, number, number, number, number, number, number],
        groups, rows, C, varianceEpsilon);
    }
    return outs;
  };
  return k;
}
