import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { DOMAIN_CLASSIFIER_DEFAULTS, EXTRACTOR_DEFAULTS } from './defaults';
import { DomainClassifier, saveDomainClassifier, trainDomainClassifier, TrainDomainClassifierOptions } from './domainClassifier';
import { loadAnimeTags, loadSynthLabels } from './domainData';

export interface TrainOnDataOptions extends Partial<Omit<TrainDomainClassifierOptions, 'data' | 'labels' | 'classNames'>> {
  /** Attribute to predict ("hair" by default). */
  attribute?: string;
  /** Input side (default EXTRACTOR_DEFAULTS.domainClassifierSize). */
  size?: number;
  /** Use at most this many labelled images. */
  limit?: number;
  /** Drop classes with fewer examples (default 40 for the anime tags, 1 for synthetic data). */
  minCount?: number;
  /** Save the trained classifier here (then `--features domain-classifier` can use it). */
  out?: string;
}

async function trainAndSave(
  load: () => Promise<{ images: tf.Tensor4D; labels: Int32Array; classNames: string[] }>,
  trainedOn: string,
  opts: TrainOnDataOptions,
): Promise<DomainClassifier> {
  const d = await load();
  try {
    const clf = await trainDomainClassifier({ ...DOMAIN_CLASSIFIER_DEFAULTS, ...opts, data: d.images, labels: d.labels, classNames: d.classNames, attribute: opts.attribute ?? 'hair', trainedOn });
    if (opts.out) await saveDomainClassifier(clf, opts.out);
    return clf;
  } finally {
    d.images.dispose();
  }
}

/** Train on the tagged real anime faces (DATA_ROOT/anime-faces-96/tags.csv): hair (default) or eye colour. */
export function trainAnimeTagClassifier(dataRoot: string, opts: TrainOnDataOptions = {}): Promise<DomainClassifier> {
  const attribute = opts.attribute ?? 'hair';
  const size = opts.size ?? EXTRACTOR_DEFAULTS.domainClassifierSize;
  return trainAndSave(
    () => loadAnimeTags(dataRoot, { attribute, size, limit: opts.limit, minCount: opts.minCount ?? 40 }),
    `anime-faces-96 ${attribute} tags`,
    { ...opts, attribute },
  );
}

/** Train on a synthetic data set folder (lib/data/synth) with its known attributes. */
export function trainSynthClassifier(dir: string, opts: TrainOnDataOptions & { vocabulary?: readonly string[] } = {}): Promise<DomainClassifier> {
  const attribute = opts.attribute ?? 'hair';
  const size = opts.size ?? EXTRACTOR_DEFAULTS.domainClassifierSize;
  return trainAndSave(
    () => loadSynthLabels(dir, { attribute, size, limit: opts.limit, minCount: opts.minCount ?? 1, vocabulary: opts.vocabulary }),
    // The folder's name says domain, size, count and seed; the full path is machine-specific.
    `synthetic ${attribute} (${path.basename(dir)})`,
    { ...opts, attribute },
  );
}
