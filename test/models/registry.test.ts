import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { NetworkRegistry, networks } from '../../lib/models/registry';
import { UserError } from '../../lib/util/errors';
import { useCpu } from './helpers';

describe('network registry', () => {
  before(useCpu);

  it('lists the networks of the paper', () => {
    expect(networks.names()).to.have.members(['dcgan-generator', 'dcgan-discriminator', 'wgan-critic', 'resnet-generator', 'patchgan']);
    for (const n of networks.names()) expect(networks.entry(n).description).to.be.a('string').that.is.not.empty;
  });

  it('builds each network by name with its options', () => {
    const cases: [string, Record<string, unknown>, number[]][] = [
      ['dcgan-generator', { size: 32, nz: 4, ngf: 2 }, [1, 4]],
      ['dcgan-discriminator', { size: [64, 80], ndf: 2 }, [1, 64, 80, 3]],
      ['wgan-critic', { size: 32, ndf: 2, norm: 'layer' }, [1, 32, 32, 3]],
      ['resnet-generator', { size: 32, ngf: 1 }, [1, 32, 32, 3]],
      ['patchgan', { size: 32, ndf: 2 }, [1, 32, 32, 3]],
    ];
    const outs: Record<string, number[]> = {
      'dcgan-generator': [1, 32, 32, 3], 'dcgan-discriminator': [1, 1], 'wgan-critic': [1, 1],
      'resnet-generator': [1, 32, 32, 3], 'patchgan': [1, 4, 4, 1],
    };
    for (const [name, opts, inShape] of cases) {
      const m = networks.get(name)(opts);
      const shape = tf.tidy(() => (m.predict(tf.zeros(inShape)) as tf.Tensor).shape);
      expect(shape, name).to.deep.equal(outs[name]);
      m.dispose();
    }
    // Typed lookup for the built-in names.
    const G = networks.get('dcgan-generator')({ size: 32, ngf: 1, nz: 2 });
    expect(G.outputs[0].shape).to.deep.equal([null, 32, 32, 3]);
    G.dispose();
  });

  it('unknown networks, unknown options and impossible sizes are one-line UserErrors', () => {
    const oneLine = (f: () => unknown, re: RegExp) => {
      expect(f).to.throw(UserError, re).with.property('message').that.does.not.include('\n');
    };
    oneLine(() => networks.get('stylegan'), /unknown network 'stylegan'.*dcgan-generator/);
    // (Typed callers get these at compile time; the CLI passes names and options as strings.)
    const byName = (n: string) => networks.get(n);
    oneLine(() => byName('dcgan-generator')({ size: 64, nfg: 64 }), /unknown option nfg/);
    oneLine(() => networks.get('dcgan-generator')({ size: 33 }), /cannot take size 33x33/);
    oneLine(() => networks.get('resnet-generator')({ size: [128, 150] }), /divisible by 16/);
    oneLine(() => networks.get('patchgan')({ size: 20 }), /divisible by 8/);
    oneLine(() => byName('wgan-critic')({ norm: 'spectral' }), /unknown norm 'spectral'/);
  });

  it('adding a network is one register call; names are unique', () => {
    const r = new NetworkRegistry();
    r.register<{ units?: number }>('tiny', {
      description: 'a dense layer', input: 'noise', output: 'score', options: ['units'],
      build: (o) => tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: o.units ?? 1 })] }),
    });
    const m = r.get('tiny')({ units: 3 });
    expect(m.outputs[0].shape).to.deep.equal([null, 3]);
    m.dispose();
    expect(() => r.register('tiny', r.entry('tiny'))).to.throw(/already registered/);
  });
});
