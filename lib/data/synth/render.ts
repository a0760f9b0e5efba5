import sharp, { type Sharp } from 'sharp';
import { UserError } from '../../util';
import { animeSvg } from './anime';
import { AnimeAttributes, FaceAttributes, SynthAttributes, SynthDomain, validateAttributes } from './attributes';
import { faceBlurSigma, faceSvg } from './face';

/** The SVG source of one synthetic image (useful to inspect or to render elsewhere). */
export function synthSvg<D extends SynthDomain>(domain: D, attrs: SynthAttributes<D>, size: [number, number]): string {
  const [h, w] = checkSize(size);
  validateAttributes(domain, attrs as Record<string, unknown>);
  return domain === 'anime'
    ? animeSvg(attrs as AnimeAttributes, w, h)
    : faceSvg(attrs as FaceAttributes, w, h);
}

/**
 * Render one synthetic image to PNG (RGB, no alpha). Deterministic: the same attributes and size
 * give the same bytes (librsvg rasterises, libpng encodes with fixed settings).
 */
export async function renderSynth<D extends SynthDomain>(domain: D, attrs: SynthAttributes<D>, size: [number, number]): Promise<Buffer> {
  return rasterise(domain, attrs, size).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

function rasterise<D extends SynthDomain>(domain: D, attrs: SynthAttributes<D>, size: [number, number]): Sharp {
  const svg = synthSvg(domain, attrs, size);
  let img = sharp(Buffer.from(svg));
  const sigma = domain === 'face' ? faceBlurSigma(size[1]) : 0;
  if (sigma > 0) img = img.blur(sigma);
  return img.removeAlpha();
}

/** Render to raw RGB bytes (h·w·3, row-major), skipping PNG encoding. */
export async function renderSynthRaw<D extends SynthDomain>(domain: D, attrs: SynthAttributes<D>, size: [number, number]): Promise<Uint8Array> {
  const buf = await rasterise(domain, attrs, size).raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function checkSize(size: unknown): [number, number] {
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((v) => Number.isInteger(v) && v >= 8 && v <= 4096)
  ) {
    throw new UserError(`image size must be [height, width] with integers in 8..4096, got ${JSON.stringify(size)}`);
  }
  return [size[0], size[1]];
}
