/**
 * Inference of a Keras-style layers model with every Conv2D → BatchNormalization → ReLU chain
 * folded into one convolution with bias and ReLU.
 *
 * Why: in the proxy Inception (94 such chains) the separate batch norms and ReLUs were 11% of
 * the feature pass's kernel time on the native backend, which fuses bias and ReLU into the
 * convolution. Folding is exact up to rounding: BN(conv(x, W)) = conv(x, W·s) + (β − μ·s) with
 * s = γ / √(σ² + ε) per output channel (γ = 1 where the layer has no scale).
 * Every other layer runs as the model's own layer (`layer.apply`), in the model's order.
 */
import * as tf from '@tensorflow/tfjs';

/** Weights of a folded chain, and the layer whose output it stands for (the ReLU, or the BN). */
interface FoldedConv {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  relu: boolean;
  strides: [number, number];
  padding: 'valid' | 'same';
  dilations: [number, number];
  /** The layer name the chain's output is stored under. */
  output: string;
}

type SymbolicLayer = tf.layers.Layer;

function inbound(l: SymbolicLayer): SymbolicLayer[] {
  return (l as unknown as { inboundNodes: { inboundLayers: SymbolicLayer[] }[] }).inboundNodes[0]?.inboundLayers ?? [];
}

function consumers(l: SymbolicLayer, all: SymbolicLayer[]): SymbolicLayer[] {
  return all.filter((o) => inbound(o).includes(l));
}

function pair(v: number | number[]): [number, number] {
  return Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
}

export interface FoldedModel {
  /** Run the model on x; returns the outputs of the named layers (new tensors). */
  predict(x: tf.Tensor4D): tf.Tensor[];
  /** Frees the folded weights (not the model's own). */
  dispose(): void;
  /** Chains folded. */
  folded: number;
}

/** Fold the conv → BN (→ ReLU) chains of `model` and run it up to the `outputs` layers. */
export function foldBatchNorms(model: tf.LayersModel, outputs: string[]): FoldedModel {
  const layers = model.layers as SymbolicLayer[];
  const folds = new Map<string, FoldedConv>(); // by conv name
  const skip = new Set<string>(); // BN and ReLU layers a fold stands for
  for (const conv of layers) {
    if (conv.getClassName() !== 'Conv2D') continue;
    const next = consumers(conv, layers);
    if (next.length !== 1 || next[0].getClassName() !== 'BatchNormalization') continue;
    const bn = next[0];
    const cc = conv.getConfig() as Record<string, unknown>;
    const bc = bn.getConfig() as Record<string, unknown>;
    if (cc.dataFormat !== 'channelsLast' || (cc.activation !== 'linear' && cc.activation != null) || (bc.axis !== 3 && bc.axis !== -1)) continue;
    const after = consumers(bn, layers);
    const relu = after.length === 1 && after[0].getClassName() === 'Activation' && (after[0].getConfig() as { activation: string }).activation === 'relu';
    const [kernel, convBias] = conv.getWeights() as tf.Tensor[];
    const w = bn.getWeights() as tf.Tensor1D[];
    // BN weights in Keras order: [gamma if scale], [beta if center], moving mean, moving variance.
    let i = 0;
    const gamma = bc.scale ? w[i++] : undefined;
    const beta = bc.center ? w[i++] : undefined;
    const mean = w[i++], variance = w[i++];
    const eps = Number(bc.epsilon ?? 1e-3);
    const fold = tf.tidy(() => {
      let s = tf.rsqrt(tf.add(variance, eps));
      if (gamma) s = tf.mul(s, gamma);
      const b = tf.sub(beta ?? tf.zerosLike(mean), tf.mul(mean, s));
      return {
        kernel: tf.mul(kernel, s) as tf.Tensor4D,
        bias: (convBias ? tf.add(b, tf.mul(convBias, s)) : b) as tf.Tensor1D,
      };
    });
    folds.set(conv.name, {
      ...fold, relu,
      strides: pair(cc.strides as number | number[]),
      padding: cc.padding as 'valid' | 'same',
      dilations: pair((cc.dilationRate as number | number[]) ?? 1),
      output: relu ? after[0].name : bn.name,
    });
    skip.add(bn.name);
    if (relu) skip.add(after[0].name);
  }
  const inputName = model.inputLayers[0].name;
  // Where each value is read last, so intermediate activations are freed as the pass goes.
  const order = layers.filter((l) => l.name !== inputName && !skip.has(l.name));
  const lastUse = new Map<string, number>();
  order.forEach((l, i) => inbound(l).forEach((p) => lastUse.set(p.name, i)));
  return {
    folded: folds.size,
    predict(x) {
      return tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[inputName, x]]);
        order.forEach((l, i) => {
          const ins = inbound(l).map((p) => values.get(p.name)!);
          const f = folds.get(l.name);
          if (f) {
            values.set(f.output, tf.fused.conv2d({
              x: ins[0] as tf.Tensor4D, filter: f.kernel, strides: f.strides, pad: f.padding, dilations: f.dilations,
              bias: f.bias, activation: f.relu ? 'relu' : 'linear',
            }));
          } else {
            values.set(l.name, l.apply(ins.length === 1 ? ins[0] : ins) as tf.Tensor);
          }
          for (const p of inbound(l)) {
            if (lastUse.get(p.name) === i && p.name !== inputName && !outputs.includes(p.name)) {
              values.get(p.name)!.dispose();
              values.delete(p.name);
            }
          }
        });
        return outputs.map((n) => values.get(n)!);
      });
    },
    dispose() {
      for (const f of folds.values()) tf.dispose([f.kernel, f.bias]);
      folds.clear();
    },
  };
}
