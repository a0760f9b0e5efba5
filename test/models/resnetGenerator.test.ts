import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { resnetGenerator } from '../../lib/models/resnetGenerator';
import { InstanceNormalization } from '../../lib/models/instanceNorm';
import { UserError } from '../../lib/util/errors';
import { expectNoLeak, gradientStep, useCpu } from './helpers';

const SIZES: [number, number][] = [[32, 32], [64, 64], [96, 96], [64, 80], [128, 160]];
const inbound = (m: tf.LayersModel, name: string) => m.getLayer(name).inboundNodes[0].inboundLayers.map((l) => l.name);
const outShape = (m: tf.LayersModel, name: string) => (m.getLayer(name).outputShape as number[]).slice(1);

describe('ResNet-18 generator (§4.2, Fig. 1)', () => {
  before(useCpu);

  for (const [h, w] of SIZES) {
    it(`${h}x${w}: image -> image of the same size in [-1, 1]`, () => {
      const G = resnetGenerator({ size: [h, w], ngf: 2, seed: 1 });
      expectNoLeak(() => tf.tidy(() => {
        const y = G.predict(tf.randomUniform([2, h, w, 3], -1, 1, 'float32', 2)) as tf.Tensor;
        expect(y.shape).to.deep.equal([2, h, w, 3]);
        expect(tf.max(tf.abs(y)).dataSync()[0]).to.be.at.most(1);
        expect(tf.moments(y).variance.dataSync()[0]).to.be.greaterThan(0);
      }));
      G.dispose();
    });
  }

  it('encoder: stem to 1/2, then four residual layers at 1/2, 1/4, 1/8, 1/16 with widths 1, 2, 4, 8 x ngf', () => {
    const ngf = 4;
    const G = resnetGenerator({ size: [64, 80], ngf });
    expect(G.getLayer('stem_conv7').getConfig().kernelSize).to.deep.equal([7, 7]);
    expect(G.getLayer('stem_conv7').getConfig().strides).to.deep.equal([1, 1]);
    expect(G.getLayer('stem_in_relu')).to.be.instanceOf(InstanceNormalization);
    expect(G.getLayer('stem_in_relu').getConfig().activation).to.equal('relu');
    expect(outShape(G, 'stem_maxpool')).to.deep.equal([32, 40, ngf]);
    expect(outShape(G, 'layer1_block2_fuse_in_add_relu')).to.deep.equal([32, 40, ngf]);
    expect(outShape(G, 'layer2_block2_fuse_in_add_relu')).to.deep.equal([16, 20, 2 * ngf]);
    expect(outShape(G, 'layer3_block2_fuse_in_add_relu')).to.deep.equal([8, 10, 4 * ngf]);
    expect(outShape(G, 'layer4_block2_fuse_in_add_relu')).to.deep.equal([4, 5, 8 * ngf]);
    // Two blocks per layer, each with two 3x3 convs, one concat + fuse conv, one shortcut add (in
    // the fuse conv's IN + ReLU layer).
    const count = (re: RegExp) => G.layers.filter((l) => re.test(l.name)).length;
    expect(count(/^layer\d_block\d_conv[12]$/)).to.equal(16);
    expect(count(/^layer\d_block\d_concat$/)).to.equal(8);
    expect(count(/^layer\d_block\d_fuse_in_add_relu$/)).to.equal(8);
    G.dispose();
  });

  it('each block concatenates its output with the residual layer\'s input and fuses them with one more conv', () => {
    const G = resnetGenerator({ size: 32, ngf: 2 });
    // Layer 1 (no downsampling): the layer input itself, i.e. the stem output.
    expect(inbound(G, 'layer1_block1_concat')).to.deep.equal(['layer1_block1_in2', 'stem_maxpool']);
    expect(inbound(G, 'layer1_block2_concat')).to.deep.equal(['layer1_block2_in2', 'stem_maxpool']);
    // Layers 2-4: the layer input carried to the block resolution by the shortcut projection.
    for (const k of [2, 3, 4]) {
      expect(inbound(G, `layer${k}_block1_proj`)).to.deep.equal([k === 2 ? 'layer1_block2_fuse_in_add_relu' : `layer${k - 1}_block2_fuse_in_add_relu`]);
      expect(inbound(G, `layer${k}_block2_concat`)).to.deep.equal([`layer${k}_block2_in2`, `layer${k}_block1_proj_in`]);
    }
    expect(inbound(G, 'layer3_block1_fuse')).to.deep.equal(['layer3_block1_concat']);
    // Shortcut: the block input is added (identity in block 2), in the fuse conv's IN + ReLU layer.
    expect(inbound(G, 'layer3_block2_fuse_in_add_relu')).to.deep.equal(['layer3_block2_fuse', 'layer3_block1_fuse_in_add_relu']);
    expect(inbound(G, 'layer3_block1_fuse_in_add_relu')).to.deep.equal(['layer3_block1_fuse', 'layer3_block1_proj_in']);
    G.dispose();
  });

  it('decoder: 1x1 lateral convs, upsample x2 and add down to 1/2, two 1x1 convs, upsample, 7x7 conv to 3, tanh', () => {
    const G = resnetGenerator({ size: 64, ngf: 2, decoderWidth: 6 });
    for (const k of [3, 2, 1]) {
      expect(G.getLayer(`dec_lateral${k}`).getConfig().kernelSize).to.deep.equal([1, 1]);
      expect(inbound(G, `dec_lateral${k}`)).to.deep.equal([`layer${k}_block2_fuse_in_add_relu`]);
      expect(inbound(G, `dec_add${k}`)).to.deep.equal([`dec_up${k}`, `dec_lateral${k}`]);
    }
    expect(outShape(G, 'dec_top')).to.deep.equal([4, 4, 6]);
    expect(outShape(G, 'dec_add1')).to.deep.equal([32, 32, 6]);
    expect(G.getLayer('dec_conv1x1_a').getConfig().kernelSize).to.deep.equal([1, 1]);
    expect(G.getLayer('dec_conv1x1_b').getConfig().kernelSize).to.deep.equal([1, 1]);
    expect(outShape(G, 'dec_up_full')).to.deep.equal([64, 64, 2]);
    expect(G.getLayer('dec_conv7').getConfig().kernelSize).to.deep.equal([7, 7]);
    expect(outShape(G, 'dec_conv7')).to.deep.equal([64, 64, 3]);
    expect(G.layers[G.layers.length - 1].getConfig().activation).to.equal('tanh');
    G.dispose();
  });

  it('rejects sizes not divisible by 16 with a one-line UserError', () => {
    for (const size of [[96, 100], 40, [128, 150]] as [number, number][]) {
      expect(() => resnetGenerator({ size })).to.throw(UserError, /divisible by 16/).with.property('message').that.does.not.include('\n');
    }
    expect(() => resnetGenerator({ ngf: 0 })).to.throw(UserError, /ngf/);
  });

  it('a gradient step runs, every weight gets a gradient, no tensors leak', () => {
    const G = resnetGenerator({ size: 32, ngf: 2, seed: 1 });
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 3);
    const target = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 4);
    const before = tf.memory().numTensors;
    const l0 = gradientStep(G, () => tf.tidy(() => tf.mean(tf.abs(tf.sub(G.apply(x) as tf.Tensor, target))) as tf.Scalar), 0.1);
    const l1 = tf.tidy(() => tf.mean(tf.abs(tf.sub(G.predict(x) as tf.Tensor, target))).dataSync()[0]);
    expect(l1).to.be.lessThan(l0);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([x, target]);
    G.dispose();
  });

  it('round-trips through tf.io, custom layers included', async () => {
    const G = resnetGenerator({ size: 32, ngf: 2, seed: 1 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await G.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const L = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 5);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(G.predict(x) as tf.Tensor, L.predict(x) as tf.Tensor))).dataSync()[0])).to.equal(0);
    x.dispose();
    G.dispose();
    L.dispose();
  });
});
