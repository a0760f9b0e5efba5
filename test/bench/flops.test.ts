import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { BenchAllResult, formatBenchTable, pooledOurs, pooledPeer } from '../../lib/bench/all';
import { benchProposedStep, forwardFlops, proposedBenchConfig, proposedStepFlops } from '../../lib/bench/model';
import { patchganDiscriminator } from '../../lib/models/patchgan';
import { resnetGenerator } from '../../lib/models/resnetGenerator';

describe('bench: FLOP counts and the table', () => {
  it('forwardFlops counts 2 per multiply-add of each convolution and dense layer, from the layer shapes', () => {
    const x = tf.input({ shape: [16, 16, 3] });
    const c1 = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor; // 16·16·9·3·8
    const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' }).apply(c1) as tf.SymbolicTensor; // 8·8·16·8·4
    const t = tf.layers.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }).apply(c2) as tf.SymbolicTensor; // 8·8·16·4·2
    const d = tf.layers.dense({ units: 5 }).apply(tf.layers.flatten().apply(t)) as tf.SymbolicTensor; // 16·16·2·5
    const m = tf.model({ inputs: x, outputs: d });
    expect(forwardFlops(m)).to.equal(2 * (16 * 16 * 9 * 3 * 8 + 8 * 8 * 16 * 8 * 4 + 8 * 8 * 16 * 4 * 2 + 16 * 16 * 2 * 5));
    m.dispose();
  });

  it('proposedStepFlops: 12 generator and 16 critic passes a pair, 12 more critic passes with a gradient penalty', () => {
    const g = resnetGenerator({ size: 16, ngf: 4 }), d = patchganDiscriminator({ size: 16, ndf: 4 });
    const fg = forwardFlops(g), fd = forwardFlops(d);
    expect(proposedStepFlops(g, d)).to.equal(12 * fg + 16 * fd);
    expect(proposedStepFlops(g, d, true) - proposedStepFlops(g, d)).to.equal(12 * fd);
    g.dispose();
    d.dispose();
  });

  it('benchProposedStep runs the paper model with the peer\'s Adam(2e-4) and clipping, or the quick preset as it trains (penalty, Adam 1e-3)', async function () {
    this.timeout(120000);
    const before = tf.memory().numTensors;
    // Unless given: the paper's widths at 64×64, batch 8 (the bench's main row).
    const d = proposedBenchConfig();
    expect([d.size, d.batch, d.resnetNgf, d.ndf, d.optimizerG, d.optimizerD]).to.deep.equal([
      [64, 64], 8, 64, 64, { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 }, { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 }]);
    const paper = await benchProposedStep({ size: 16, batch: 2, ngf: 4, ndf: 4, steps: 1, warmupSeconds: 0 });
    expect([paper.size, paper.batch, paper.ngf, paper.ndf, paper.lipschitz, paper.lr]).to.deep.equal([16, 2, 4, 4, 'clip', 2e-4]);
    expect(paper.gp_weight).to.equal(undefined);
    // At least two untimed steps, however short the warm-up time; or as many as asked.
    expect([paper.warmup_steps, paper.step_ms.length]).to.deep.equal([2, 1]);
    // The preset's widths (16, 32) give way to those given, as the command's options do.
    const quick = await benchProposedStep({ preset: 'quick', size: 16, batch: 2, ngf: 4, ndf: 4, steps: 2, warmup: 3 });
    expect([quick.size, quick.batch, quick.ngf, quick.ndf, quick.lipschitz, quick.gp_weight, quick.lr]).to.deep.equal([16, 2, 4, 4, 'penalty', 10, 1e-3]);
    expect(quick.images_per_s).to.be.above(0);
    expect([quick.warmup_steps, quick.step_ms.length]).to.deep.equal([3, 2]);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('pools each side\'s timed steps over the rounds and counts the median step (a slow burst on one round does not decide)', () => {
    const ours = (step_ms: number[]) => ({
      what: 'p', backend: 'native', batch: 8, size: 64, ngf: 64, ndf: 64, lipschitz: 'clip' as const, lr: 2e-4,
      ms_per_batch: step_ms.reduce((a, b) => a + b) / step_ms.length, images_per_s: 0, gflops: 200, step_ms, warmup_steps: 30,
    });
    // Round 1: 206.7 GFLOP a step (200 GFLOP/s over its mean step); round 2 slowed down. Median: 1050 ms.
    const o = pooledOurs([ours([1000, 1000, 1100]), ours([2000, 1000, 2000])]);
    if ('error' in o) throw new Error(o.error);
    expect(o.step_ms).to.deep.equal([1000, 1000, 1100, 2000, 1000, 2000]);
    expect([o.ms_per_batch, o.images_per_s, o.gflops]).to.deep.equal([1050, 7.62, 196.8]);
    expect(pooledOurs([ours([1000]), { error: 'out of memory' }])).to.deep.equal({ error: 'out of memory' });
    const p = pooledPeer([
      { peer: 'pytorch-cpu', batch: 8, images_per_s: 4, step_ms: [2000, 2100] },
      { peer: 'pytorch-cpu', batch: 8, images_per_s: 2, step_ms: [4000] },
    ]);
    if ('error' in p) throw new Error(p.error);
    expect([p.ms_per_step, p.images_per_s]).to.deep.equal([2100, 3.81]);
    expect(pooledPeer([{ error: 'peer failed: No module named torch' }])).to.deep.equal({ error: 'peer failed: No module named torch' });
  });

  it('the table has a row per hot path with the ratio, and says n/a with the reason when a peer could not run', () => {
    const r: BenchAllResult = {
      backend: 'native', peak_gflops: 400, rows: [],
      extra: [{
        what: 'proposed model step 64x64, batch 8, ngf = ndf = 64',
        ours: { what: 'p', backend: 'native', batch: 8, size: 64, ngf: 64, ndf: 64, lipschitz: 'clip', lr: 2e-4, images_per_s: 6, ms_per_batch: 1333, gflops: 120, step_ms: [1333], warmup_steps: 2 },
        peer: { peer: 'pytorch-cpu', batch: 8, images_per_s: 3 }, ratio: 2, peer_gflops: 60,
      }],
      scaling: [{
        what: 'proposed model step 32x32, batch 1, ngf = ndf = 64',
        ours: { what: 'p', backend: 'native', batch: 1, size: 32, ngf: 64, ndf: 64, lipschitz: 'clip', lr: 2e-4, images_per_s: 9, ms_per_batch: 111, gflops: 40, step_ms: [111], warmup_steps: 2 },
        peer: { error: 'peer failed: No module named torch' },
      }],
    };
    const md = formatBenchTable(r);
    expect(md).to.contain('| proposed model step 64x64, batch 8, ngf = ndf = 64 | 3 | 6 | 2 | 60 (15%) | 120 (30%) |');
    expect(md).to.contain('| proposed model step 32x32, batch 1, ngf = ndf = 64 | n/a (peer failed: No module named torch) | 9 | n/a |');
  });
});
