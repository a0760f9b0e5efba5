import { Rng, UserError } from '../../util';

/**
 * Vocabularies of the synthetic data sets. Every rendered image is described by one value of
 * each attribute, written to `attributes.csv`, so that a generator's samples can be classified
 * and mode collapse counted (how many hair colours does the generator still produce?).
 *
 * Anime `hair` and `eye` use the colour words of the real anime-face tags (tags.csv), so a
 * classifier trained on one can be read against the other.
 */
export const SYNTH_ATTRIBUTES = {
  anime: {
    hair: ['black', 'brown', 'blonde', 'orange', 'red', 'pink', 'purple', 'blue', 'aqua', 'green', 'gray', 'white'],
    eye: ['black', 'brown', 'yellow', 'orange', 'red', 'pink', 'purple', 'blue', 'aqua', 'green', 'gray'],
    hairStyle: ['short', 'bob', 'long', 'twintails'],
    faceShape: ['round', 'pointed'],
    background: ['white', 'pink', 'yellow', 'green', 'blue', 'purple', 'gray', 'dark'],
    mouth: ['closed', 'smile', 'open'],
    blush: ['no', 'yes'],
    accessory: ['none', 'ribbon', 'hairband', 'hairclip'],
  },
  face: {
    skin: ['light', 'fair', 'medium', 'tan', 'brown', 'dark'],
    hair: ['black', 'brown', 'blonde', 'red', 'gray'],
    hairLength: ['bald', 'short', 'medium', 'long'],
    eye: ['brown', 'blue', 'green', 'gray'],
    glasses: ['no', 'yes'],
    facialHair: ['none', 'mustache', 'beard'],
    mouth: ['neutral', 'smile'],
    background: ['white', 'gray', 'blue', 'beige', 'green', 'dark'],
  },
} as const;

export type SynthDomain = keyof typeof SYNTH_ATTRIBUTES;
export const SYNTH_DOMAINS: readonly SynthDomain[] = ['anime', 'face'];

type Vocab<D extends SynthDomain> = (typeof SYNTH_ATTRIBUTES)[D];

/**
 * The attributes of one synthetic image: one value per categorical attribute, plus `variant`,
 * a 31-bit integer that seeds the continuous variation (pose, exact tones, hair strands).
 * Rendering is a pure function of these values and the size.
 */
export type SynthAttributes<D extends SynthDomain = SynthDomain> = {
  -readonly [K in keyof Vocab<D>]: Vocab<D>[K] extends readonly (infer V)[] ? V : never;
} & { variant: number };

export type AnimeAttributes = SynthAttributes<'anime'>;
export type FaceAttributes = SynthAttributes<'face'>;

/** The attribute columns of `attributes.csv` for a domain, in order (without `file`). */
export function attributeNames(domain: SynthDomain): string[] {
  checkDomain(domain);
  return [...Object.keys(SYNTH_ATTRIBUTES[domain]), 'variant'];
}

export function checkDomain(domain: string): asserts domain is SynthDomain {
  if (!(SYNTH_DOMAINS as readonly string[]).includes(domain)) {
    throw new UserError(`unknown synthetic domain "${domain}" (expected one of: ${SYNTH_DOMAINS.join(', ')})`);
  }
}

/**
 * Draw one attribute set. Each attribute is uniform over its vocabulary and independent of the
 * others, except a few pairings that a real data set would not show (a bald face has no hair
 * colour shown, so it is still drawn but only changes the eyebrows).
 */
export function sampleAttributes<D extends SynthDomain>(domain: D, rng: Rng): SynthAttributes<D> {
  checkDomain(domain);
  const vocab = SYNTH_ATTRIBUTES[domain] as Record<string, readonly string[]>;
  const out: Record<string, string | number> = {};
  for (const [k, values] of Object.entries(vocab)) out[k] = values[rng.int(values.length)];
  out.variant = rng.seed();
  return out as SynthAttributes<D>;
}

/** Check that every attribute is present and in its vocabulary; UserError naming the first bad one. */
export function validateAttributes(domain: SynthDomain, attrs: Record<string, unknown>): void {
  checkDomain(domain);
  const vocab = SYNTH_ATTRIBUTES[domain] as Record<string, readonly string[]>;
  for (const [k, values] of Object.entries(vocab)) {
    if (!values.includes(attrs[k] as string)) {
      throw new UserError(`synthetic ${domain} attribute ${k}=${String(attrs[k])} is not one of: ${values.join(', ')}`);
    }
  }
  const v = attrs.variant;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new UserError(`synthetic ${domain} attribute variant=${String(v)} must be a non-negative integer`);
  }
}
