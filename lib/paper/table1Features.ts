/**
 * The feature extractors Table 1 is scored with, chosen for what this machine has:
 * - FID/KID: the FID Inception-v3 when its weights are in ANIME_GAN_INCEPTION_DIR (comparable
 *   with published FID), else the offline nsfwjs proxy Inception (not comparable: a proxy);
 * - IS: a domain classifier of hair colour per data set, trained here (on the embedded data's
 *   known attributes, or the real anime tags); for real CelebA, which ships no labels here, the
 *   proxy's class probabilities. ImageNet's IS says little about faces and avatars either way.
 * Classifiers are cached under `<runsDir>/classifiers/` and reused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { getExtractor } from '../metrics/extractors/registry';
import type { FeatureExtractor } from '../metrics/extractors/types';
import { EXTRACTOR_DEFAULTS } from '../metrics/extractors/defaults';
import { DOMAIN_CLASSIFIER_META, domainClassifierExtractor, loadDomainClassifier, saveDomainClassifier, DomainClassifier } from '../metrics/extractors/domainClassifier';
import { trainAnimeTagClassifier, trainSynthClassifier } from '../metrics/extractors/domainTraining';
import { embeddedDataset } from '../data/synth/dataset';
import { PaperDataset, runsRoot } from './experiments';

/** How many labelled images and epochs train the IS classifiers, by preset (quick for others). */
export const IS_CLASSIFIER_TRAINING: Readonly<Record<string, { images: number; epochs: number }>> = {
  smoke: { images: 64, epochs: 1 },
  quick: { images: 2000, epochs: 8 },
  paper: { images: 5000, epochs: 12 },
};

export function isClassifierTraining(preset: string): { images: number; epochs: number } {
  return IS_CLASSIFIER_TRAINING[preset] ?? IS_CLASSIFIER_TRAINING.quick;
}

export interface Table1Features {
  fid: FeatureExtractor;
  is: Record<PaperDataset, FeatureExtractor>;
  /** Class names of each IS classifier (undefined where the proxy's ImageNet classes stand in). */
  classNames: Record<PaperDataset, string[] | undefined>;
  /** Held-out accuracy of each trained classifier (NaN where none was trained). */
  classifierAccuracy: Record<PaperDataset, number>;
  dispose(): void;
}

export interface Table1FeatureOptions {
  dataRoot?: string;
  runsDir?: string;
  /** Labelled images for each classifier (embedded data is rendered at this count). */
  classifierImages: number;
  classifierEpochs: number;
}

export async function table1Features(o: Table1FeatureOptions): Promise<Table1Features> {
  const inceptionDir = process.env[EXTRACTOR_DEFAULTS.inceptionDirEnv];
  const fid = await getExtractor(inceptionDir ? 'inception-v3-fid' : 'nsfwjs-proxy', { dir: inceptionDir });
  const cache = path.join(runsRoot(o), 'classifiers');
  const train = async (name: string, make: () => Promise<DomainClassifier>): Promise<DomainClassifier> => {
    const dir = path.join(cache, `${name}-n${o.classifierImages}-e${o.classifierEpochs}`);
    if (fs.existsSync(path.join(dir, DOMAIN_CLASSIFIER_META))) return loadDomainClassifier(dir);
    const clf = await make();
    await saveDomainClassifier(clf, dir);
    return clf;
  };
  const common = { limit: o.classifierImages, epochs: o.classifierEpochs };
  const size = EXTRACTOR_DEFAULTS.domainClassifierSize;
  let celeba: DomainClassifier | undefined;
  let anime: DomainClassifier;
  if (o.dataRoot) {
    anime = await train('anime-tags-hair', () => trainAnimeTagClassifier(o.dataRoot!, common));
  } else {
    const seed = 1; // not the training runs' seed 0: the classifier sees other images than the GANs
    const faceDir = await embeddedDataset('face', { n: o.classifierImages, size: [size, size], seed });
    const animeDir = await embeddedDataset('anime', { n: o.classifierImages, size: [size, size], seed });
    celeba = await train('synth-face-hair', () => trainSynthClassifier(faceDir, common));
    anime = await train('synth-anime-hair', () => trainSynthClassifier(animeDir, common));
  }
  const is: Record<PaperDataset, FeatureExtractor> = {
    celeba: celeba ? domainClassifierExtractor(celeba) : fid,
    anime: domainClassifierExtractor(anime),
  };
  return {
    fid,
    is,
    classNames: { celeba: celeba?.classNames, anime: anime.classNames },
    classifierAccuracy: { celeba: celeba?.heldOutAccuracy ?? NaN, anime: anime.heldOutAccuracy },
    dispose() {
      for (const e of new Set([fid, is.celeba, is.anime])) e.dispose();
    },
  };
}
