import { Rng } from '../../util';

/** Small colour helpers for the synthetic renderers (hex strings in, hex strings out). */

export type RGB = [number, number, number];

export function hexToRgb(hex: string): RGB {
  const h = hex.replace('#', '');
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

export function rgbToHex([r, g, b]: RGB): string {
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** Linear mix of two colours: t = 0 gives a, t = 1 gives b. */
export function mix(a: string, b: string, t: number): string {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return rgbToHex([x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t]);
}

/** Darken (amount < 0, towards black) or lighten (amount > 0, towards white). */
export function shade(hex: string, amount: number): string {
  return amount >= 0 ? mix(hex, '#ffffff', amount) : mix(hex, '#000000', -amount);
}

/**
 * A colour near `hex`: each channel moves by at most `amount`·255, brightness moves together,
 * so the category stays recognisable while no two images share the exact tone.
 */
export function jitter(hex: string, rng: Rng, amount = 0.06): string {
  const [r, g, b] = hexToRgb(hex);
  const common = (rng.next() * 2 - 1) * amount * 255;
  const d = () => (rng.next() * 2 - 1) * amount * 0.4 * 255;
  return rgbToHex([r + common + d(), g + common + d(), b + common + d()]);
}
