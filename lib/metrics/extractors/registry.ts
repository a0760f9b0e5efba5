import { UserError } from '../../util/errors';
import { ExtractorFactory, ExtractorOptions, FeatureExtractor } from './types';
import { createNsfwjsProxy } from './nsfwjsProxy';
import { createInceptionV3Fid } from './inceptionV3Fid';
import { createDomainClassifierExtractor } from './domainClassifier';

/**
 * Feature extractors by name (torch-fidelity style): adding one is one file plus one line here.
 */
const registry = new Map<string, ExtractorFactory>();

/** Register (or replace) an extractor factory under `name`. */
export function registerExtractor(name: string, factory: ExtractorFactory): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`extractor name "${name}" must be lower-case letters, digits and dashes`);
  registry.set(name, factory);
}

/** Names of the registered extractors, sorted. */
export function listExtractors(): string[] {
  return [...registry.keys()].sort();
}

/** Build the extractor registered as `name`; unknown names are a UserError listing the known ones. */
export async function getExtractor(name: string, opts: ExtractorOptions = {}): Promise<FeatureExtractor> {
  const factory = registry.get(name);
  if (!factory) throw new UserError(`unknown feature extractor "${name}" (known: ${listExtractors().join(', ')})`);
  if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) {
    throw new UserError(`feature extractor batch size must be a positive integer, got ${opts.batchSize}`);
  }
  return factory(opts);
}

registerExtractor('inception-v3-fid', createInceptionV3Fid);
registerExtractor('nsfwjs-proxy', createNsfwjsProxy);
registerExtractor('domain-classifier', createDomainClassifierExtractor);
