import { UserError } from '../util';

/**
 * Known public data sets the workbook can use. The machine that built this list had no network
 * access: URLs are the ones the data sets' authors or torchvision publish, and a checksum is
 * marked `verified: false` unless it was computed here. Google Drive serves large files behind
 * a confirmation page, which a plain HTTP download cannot pass: such entries say so in `note`,
 * and the file is downloaded by hand and pointed to with a path.
 */
export interface KnownDataset {
  name: string;
  description: string;
  /** direct URL of the archive, or null when there is no stable public one */
  url: string | null;
  /** file name of the downloaded archive */
  filename: string;
  /** expected checksums (hex) */
  sha256?: string;
  md5?: string;
  /** whether the checksum above was verified by this project (false: copied from its source) */
  checksumVerified: boolean;
  /** approximate size in bytes, when known */
  sizeBytes?: number;
  /** paper resolution and how the loader reads it */
  preprocess: 'celeba' | 'anime';
  licence: string;
  homepage?: string;
  note?: string;
}

export const KNOWN_DATASETS: Record<string, KnownDataset> = {
  'celeba-align': {
    name: 'celeba-align',
    description: 'CelebA aligned and cropped faces, 202,599 JPEGs of 178×218 (img_align_celeba.zip)',
    url: 'https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pZjFTYXZWM3FlRnM',
    filename: 'img_align_celeba.zip',
    md5: '00d2c5bc6d35e252742224ab0c1e8fcb',
    checksumVerified: false,
    sizeBytes: 1_443_490_838,
    preprocess: 'celeba',
    licence:
      'CelebA: non-commercial research and educational use only (Liu et al., "Deep Learning Face Attributes in the Wild", ICCV 2015); see the homepage agreement',
    homepage: 'https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html',
    note:
      'Google Drive file (the ID torchvision.datasets.CelebA uses, with its MD5). Drive asks for a confirmation for files this large, so download it in a browser if the command receives an HTML page; then unzip and pass the img_align_celeba folder.',
  },
  'anime-faces-getchu-64': {
    name: 'anime-faces-getchu-64',
    description: 'Anime faces scraped from getchu.com and cropped with lbpcascade_animeface, 21,551 images of 64×64 (no tags)',
    url: 'https://drive.google.com/file/d/1jdJXkQIWVGOeb0XJIXE3YuZQeiEPd8rM/view?usp=sharing',
    filename: 'anime-faces.zip',
    checksumVerified: false,
    preprocess: 'anime',
    licence: 'educational use only (per the dataset README); images are copyrighted by their artists',
    homepage: 'https://github.com/bchao1/Anime-Face-Dataset',
    note:
      'A Google Drive sharing page, not a direct file: download in a browser. 64×64, smaller than the paper\'s 96×96; the loader resizes (upsampling).',
  },
  'anime-faces-mlds-96': {
    name: 'anime-faces-mlds-96',
    description:
      'The crawled 96×96 anime-face set with hair/eye colour tags used in a 2018 deep-learning course (the one the paper\'s 96×96 matches; DATA_ROOT/anime-faces-96 is a subset)',
    url: null,
    filename: 'anime-faces-96.zip',
    checksumVerified: false,
    preprocess: 'anime',
    licence: 'research/educational use; images are copyrighted by their artists',
    note: 'No stable public URL is known to this project; it was distributed through course pages. Point the loader at a local copy.',
  },
};

export function knownDataset(name: string): KnownDataset {
  const d = KNOWN_DATASETS[name];
  if (!d) throw new UserError(`unknown data set "${name}" (known: ${Object.keys(KNOWN_DATASETS).join(', ')})`);
  return d;
}
