import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../backend/fusedOps';

type BatchNormalizationArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type LayerCtor = new (args: BatchNormalizationArgs) => tf.layers.Layer;

/** tfjs-layers registers its BatchNormalization class for deserialisation but does not export it. */
const TfBatchNormalization = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization[0] as unknown as LayerCtor;

/** The private fields of tfjs-layers' BatchNormalization that the fused path reads. */
interface BatchNormalizationFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/**
 * tfjs-layers' BatchNormalization, except that in training, on a backend with the fused kernel
 * (lib/backend/fusedOps.ts), the batch statistics, the normalisation and their gradient are one
 * kernel each instead of tf.moments + tf.batchNorm. Same weights, same moving-average update,
 * same results (to float rounding); it serialises as a plain BatchNormalization.
 */
export class FusedBatchNormalization extends TfBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const fused = kwargs.training === true && x ? this.fusedTraining(x) : null;
    return fused ?? super.call(inputs, kwargs);
  }

  private fusedTraining(x: tf.Tensor): tf.Tensor | null {
    const f = this as unknown as BatchNormalizationFields;
    const lastAxis = f.axis === -1 || f.axis === x.rank - 1;
    if (!lastAxis || !f.gamma || !f.beta) return null;
    const [y, mean, variance]: (tf.Tensor | undefined)[] = tf.tidy(() => {
      const r = batchNormTraining(x, f.gamma!.read(), f.beta!.read(), f.epsilon);
      return r ? [r.y, r.mean, r.variance] : [];
    });
    if (!y || !mean || !variance) return null;
    // As tfjs-layers does: moving = moving − (moving − batch)·(1 − momentum).
    tf.tidy(() => {
      for (const [variable, value] of [[f.movingMean, mean], [f.movingVariance, variance]] as const) {
        const orig = variable.read();
        variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - f.momentum)));
      }
    });
    tf.dispose([mean, variance]);
    return y;
  }
}

/** Like tf.layers.batchNormalization, with the fused training path. */
export function batchNormalization(args: BatchNormalizationArgs): FusedBatchNormalization {
  return new FusedBatchNormalization(args);
}
