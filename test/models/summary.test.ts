import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { formatSummary, layerFlops, summarize } from '../../lib/models/summary';
import { dcganGenerator } from '../../lib/models/dcgan';
import { resnetGenerator } from '../../lib/models/resnetGenerator';
import { trainableParams, useCpu } from './helpers';

describe('model summary', () => {
  before(useCpu);

  function small(): tf.LayersModel {
    const x = tf.input({ shape: [8, 8, 3] });
    let y = tf.layers.conv2d({ name: 'c3', filters: 5, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    y = tf.layers.conv2d({ name: 'c4s2', filters: 4, kernelSize: 4, strides: 2, padding: 'same', useBias: false }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.conv2dTranspose({ name: 't', filters: 3, kernelSize: [4, 2], strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization({ name: 'bn' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.flatten({ name: 'f' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ name: 'd', units: 7 }).apply(y) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: y, name: 'small' });
  }

  it('counts conv, transposed conv and dense FLOPs as 2 x multiply-adds (hand count)', () => {
    const m = small();
    // c3: 8x8 outputs x 5 filters, each 3x3x3 multiply-adds.
    expect(layerFlops(m.getLayer('c3'))).to.equal(2 * 8 * 8 * 5 * (3 * 3 * 3));
    // c4s2: 4x4 outputs x 4 filters, each 4x4x5.
    expect(layerFlops(m.getLayer('c4s2'))).to.equal(2 * 4 * 4 * 4 * (4 * 4 * 5));
    // t: each of the 4x4x4 inputs scatters through a 4x2 kernel into 3 channels.
    expect(layerFlops(m.getLayer('t'))).to.equal(2 * 4 * 4 * 4 * (4 * 2 * 3));
    // d: 8*8*3 = 192 inputs x 7 units.
    expect(layerFlops(m.getLayer('d'))).to.equal(2 * 192 * 7);
    expect(layerFlops(m.getLayer('bn'))).to.equal(0);
    const s = summarize(m);
    expect(s.flopsPerImage).to.equal(2 * (8 * 8 * 5 * 27 + 4 * 4 * 4 * 80 + 4 * 4 * 4 * 24 + 192 * 7));
    expect(s.params).to.equal(m.countParams());
    expect(s.trainableParams).to.equal(trainableParams(m));
    expect(s.rows.map((r) => r.name)).to.deep.equal(m.layers.map((l) => l.name));
    expect(s.rows.find((r) => r.name === 't')!.outputShape).to.deep.equal([8, 8, 3]);
    m.dispose();
  });

  it('DCGAN 64 generator: 209.26M FLOPs per image, summed by hand over its five transposed convs', () => {
    const G = dcganGenerator({ size: 64 });
    const macs = 100 * 4 * 4 * 512 + 4 * 4 * 512 * 16 * 256 + 8 * 8 * 256 * 16 * 128 + 16 * 16 * 128 * 16 * 64 + 32 * 32 * 64 * 16 * 3;
    expect(summarize(G).flopsPerImage).to.equal(2 * macs);
    G.dispose();
  });

  it('formats a table with every layer and the totals', () => {
    const m = small();
    const text = formatSummary(summarize(m));
    for (const l of m.layers) expect(text).to.include(l.name);
    expect(text).to.match(/layer\s+type\s+output shape\s+params\s+FLOPs/);
    expect(text).to.include(`parameters: ${m.countParams().toLocaleString('en-US')}`);
    expect(text).to.include('non-trainable 6'); // batch-norm moving mean and variance of 3 channels
    m.dispose();
  });

  it('summarises the proposed generator (graph with skips) without error', () => {
    const G = resnetGenerator({ size: 32, ngf: 2 });
    const s = summarize(G);
    expect(s.params).to.equal(G.countParams());
    expect(s.flopsPerImage).to.be.greaterThan(0);
    expect(formatSummary(s).split('\n').length).to.equal(G.layers.length + 6);
    G.dispose();
  });
});
