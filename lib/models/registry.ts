/**
 * Every network by name, so the trainer, the CLI and the notebooks look them up in one place:
 *
 *   const G = networks.get('dcgan-generator')({ size: 64, ngf: 64 });
 *
 * Adding a network is one `networks.register(...)` call. Options are checked before building:
 * an unknown option or a size the network cannot take is a UserError with one line.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { DcganDiscriminatorOptions, DcganGeneratorOptions, dcganDiscriminator, dcganGenerator } from './dcgan';
import { PatchGanOptions, patchganDiscriminator } from './patchgan';
import { ResnetGeneratorOptions, resnetGenerator } from './resnetGenerator';
import { WganCriticOptions, wganCritic } from './wgan';

export interface NetworkEntry<O extends object = object> {
  /** One line for `--help` and the notebooks. */
  description: string;
  /** What the network takes: a noise vector or an image. */
  input: 'noise' | 'image';
  /** What it gives: an image, one score per image, or a map of patch scores. */
  output: 'image' | 'score' | 'patch-scores';
  /** The option names it accepts (anything else is rejected). */
  options: readonly (keyof O & string)[];
  build(opts: O): tf.LayersModel;
}

/** The built-in networks and their options. */
export interface NetworkOptionsMap {
  'dcgan-generator': DcganGeneratorOptions;
  'dcgan-discriminator': DcganDiscriminatorOptions;
  'wgan-critic': WganCriticOptions;
  'resnet-generator': ResnetGeneratorOptions;
  'patchgan': PatchGanOptions;
}

export class NetworkRegistry {
  private readonly entries = new Map<string, NetworkEntry<any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any

  register<O extends object>(name: string, entry: NetworkEntry<O>): void {
    if (this.entries.has(name)) throw new Error(`network '${name}' is already registered`);
    this.entries.set(name, entry);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): NetworkEntry<object> {
    const e = this.entries.get(name);
    if (!e) throw new UserError(`unknown network '${name}' (known: ${this.names().join(', ')})`);
    return e;
  }

  /** The builder of a network; it validates its options and returns a fresh model. */
  get<K extends keyof NetworkOptionsMap>(name: K): (opts?: NetworkOptionsMap[K]) => tf.LayersModel;
  get(name: string): (opts?: Record<string, unknown>) => tf.LayersModel;
  get(name: string): (opts?: Record<string, unknown>) => tf.LayersModel {
    const e = this.entry(name);
    return (opts = {}) => {
      if (opts === null || typeof opts !== 'object') throw new UserError(`${name}: options must be an object`);
      const unknown = Object.keys(opts).filter((k) => opts[k] !== undefined && !(e.options as readonly string[]).includes(k));
      if (unknown.length) {
        throw new UserError(`${name}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (accepted: ${e.options.join(', ')})`);
      }
      return e.build(opts);
    };
  }
}

export const networks = new NetworkRegistry();

networks.register<DcganGeneratorOptions>('dcgan-generator', {
  description: 'DCGAN generator (Radford et al. 2015): noise z -> image in [-1, 1]',
  input: 'noise', output: 'image', options: ['size', 'nz', 'ngf', 'seed', 'name'],
  build: dcganGenerator,
});
networks.register<DcganDiscriminatorOptions>('dcgan-discriminator', {
  description: 'DCGAN discriminator: image -> logit (real when positive)',
  input: 'image', output: 'score', options: ['size', 'ndf', 'seed', 'name'],
  build: dcganDiscriminator,
});
networks.register<WganCriticOptions>('wgan-critic', {
  description: 'WGAN critic (eq. (8)): DCGAN body, linear score, norm batch/layer/instance/none',
  input: 'image', output: 'score', options: ['size', 'ndf', 'norm', 'seed', 'name'],
  build: wganCritic,
});
networks.register<ResnetGeneratorOptions>('resnet-generator', {
  description: 'proposed generator (§4.2, Fig. 1): ResNet-18 encoder + additive skip decoder, image -> image',
  input: 'image', output: 'image', options: ['size', 'ngf', 'decoderWidth', 'seed', 'name'],
  build: resnetGenerator,
});
networks.register<PatchGanOptions>('patchgan', {
  description: '70x70 PatchGAN critic (§4.2): image -> map of patch scores',
  input: 'image', output: 'patch-scores', options: ['size', 'ndf', 'norm', 'seed', 'name'],
  build: patchganDiscriminator,
});
