/**
 * A layer table with parameter and FLOP counts, printed by the notebooks next to each model.
 *
 * FLOPs are 2 x multiply-accumulates per image of the layers that dominate the cost:
 * convolutions, transposed convolutions and dense layers. Normalisation, activations, pooling,
 * upsampling and additions are linear in the activation size and are not counted.
 */
import * as tf from '@tensorflow/tfjs';

export interface SummaryRow {
  name: string;
  /** tf.js class name, e.g. Conv2D. */
  type: string;
  /** Output shape without the batch dimension. */
  outputShape: (number | null)[];
  /** All weights of the layer, including batch-norm moving statistics. */
  params: number;
  /** Trainable weights only. */
  trainableParams: number;
  /** 2 x MACs per image (0 for layers that are not counted). */
  flops: number;
}

export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  params: number;
  trainableParams: number;
  flopsPerImage: number;
}

const size = (shape: readonly (number | null)[]): number => shape.reduce<number>((a, b) => a * (b ?? NaN), 1);
const pair = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1] ?? (v as number[])[0]]);
const inputShape = (layer: tf.layers.Layer): tf.Shape => {
  const input = layer.input;
  return (Array.isArray(input) ? input[0] : input).shape;
};
const firstShape = (s: tf.Shape | tf.Shape[]): tf.Shape => (Array.isArray(s[0]) ? (s as tf.Shape[])[0] : (s as tf.Shape));

/** FLOPs per image of one layer (2 x MACs), from its configuration and its input/output shapes. */
export function layerFlops(layer: tf.layers.Layer): number {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Conv2D') {
    // Each output value: kh * kw * C_in multiply-adds.
    const out = firstShape(layer.outputShape);
    const inp = inputShape(layer);
    const [kh, kw] = pair(cfg.kernelSize);
    return 2 * size(out.slice(1)) * kh * kw * (inp[3] as number);
  }
  if (cls === 'Conv2DTranspose') {
    // Each input value is scattered through a kh x kw x C_out kernel.
    const out = firstShape(layer.outputShape);
    const inp = inputShape(layer);
    const [kh, kw] = pair(cfg.kernelSize);
    return 2 * size(inp.slice(1)) * kh * kw * (out[3] as number);
  }
  if (cls === 'Dense') {
    const out = firstShape(layer.outputShape);
    const inp = inputShape(layer);
    // Applied to every position of the leading dims (normally just one).
    return 2 * size(inp.slice(1)) * (out[out.length - 1] as number);
  }
  return 0;
}

export function summarize(model: tf.LayersModel): ModelSummary {
  const rows: SummaryRow[] = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: firstShape(layer.outputShape).slice(1),
    params: layer.countParams(),
    trainableParams: layer.trainableWeights.reduce((a, w) => a + size(w.shape), 0),
    flops: layerFlops(layer),
  }));
  return {
    name: model.name,
    rows,
    params: rows.reduce((a, r) => a + r.params, 0),
    trainableParams: rows.reduce((a, r) => a + r.trainableParams, 0),
    flopsPerImage: rows.reduce((a, r) => a + r.flops, 0),
  };
}

/** 1234567 -> "1.23M". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** A fixed-width text table of a summary, one row per layer, with totals. */
export function formatSummary(summary: ModelSummary): string {
  const header = ['layer', 'type', 'output shape', 'params', 'FLOPs'];
  const body = summary.rows.map((r) => [
    r.name, r.type, `[${r.outputShape.map((d) => (d == null ? '?' : d)).join(', ')}]`,
    r.params ? r.params.toLocaleString('en-US') : '', r.flops ? formatCount(r.flops) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const right = [false, false, false, true, true];
  const fmt = (row: string[]) => row.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const nonTrainable = summary.params - summary.trainableParams;
  return [
    `${summary.name}`,
    fmt(header), rule, ...body.map(fmt), rule,
    `parameters: ${summary.params.toLocaleString('en-US')} (trainable ${summary.trainableParams.toLocaleString('en-US')}` +
      `${nonTrainable ? `, non-trainable ${nonTrainable.toLocaleString('en-US')}` : ''})`,
    `FLOPs per image: ${formatCount(summary.flopsPerImage)} (2 x multiply-adds of conv, transposed conv and dense layers)`,
  ].join('\n');
}
