import { Rng } from '../../util';
import type { FaceAttributes } from './attributes';
import { jitter, mix, shade } from './color';

/**
 * Procedural photo-style face, laid out like an aligned CelebA crop (eyes near mid-height,
 * face filling about half the width): shaded skin (radial gradient plus side light), ears,
 * neck and shoulders, hair by length, realistic small eyes with brows, nose, lips, optional
 * glasses and facial hair, on a soft studio background. A light blur after rasterising
 * (faceBlurSigma; three times cheaper than an SVG filter) removes vector-sharp edges. The
 * `variant` seeds pose, exact tones and lighting.
 */

/** Gaussian sigma in pixels applied after rasterising a face of this width (0: none). */
export function faceBlurSigma(width: number): number {
  const sigma = 0.0035 * width; // 0.35 drawing units of the 100-unit box
  return sigma >= 0.3 ? sigma : 0; // libvips' smallest sigma; smaller images are soft enough
}

export const FACE_SKIN_COLORS: Record<FaceAttributes['skin'], string> = {
  light: '#f6dccb', fair: '#eac4a6', medium: '#d4a07a', tan: '#b98158', brown: '#8d5a3b', dark: '#5e3a26',
};

export const FACE_HAIR_COLORS: Record<FaceAttributes['hair'], string> = {
  black: '#1f1a17', brown: '#5b3a22', blonde: '#d6b36c', red: '#9c4426', gray: '#aaa6a2',
};

export const FACE_EYE_COLORS: Record<FaceAttributes['eye'], string> = {
  brown: '#5a3520', blue: '#4f7fb0', green: '#5d8a52', gray: '#7d8790',
};

const BACKGROUNDS: Record<FaceAttributes['background'], string> = {
  white: '#eeeeec', gray: '#9a9a9c', blue: '#6f8fb8', beige: '#d8c8a8', green: '#7f9a72', dark: '#2e2c30',
};

const f = (v: number) => (Math.round(v * 100) / 100).toString();

export function faceSvg(a: FaceAttributes, width: number, height: number): string {
  const rng = new Rng(a.variant);
  const W = 100;
  const H = (100 * height) / width;
  const oy = (H - 100) / 2;

  const skin = jitter(FACE_SKIN_COLORS[a.skin], rng, 0.03);
  const skinLight = shade(skin, 0.14);
  const skinDark = shade(skin, -0.22);
  const hair = jitter(FACE_HAIR_COLORS[a.hair], rng, 0.04);
  const hairDark = shade(hair, -0.3);
  const brow = a.hair === 'gray' || a.hair === 'blonde' ? mix(hair, '#5a4030', 0.5) : shade(hair, -0.1);
  const iris = jitter(FACE_EYE_COLORS[a.eye], rng, 0.04);
  const lip = mix(skin, '#b8484a', 0.45);
  const bg = jitter(BACKGROUNDS[a.background], rng, 0.05);
  const cloth = jitter(['#2b2b30', '#e8e8e8', '#33466e', '#7a2a2a', '#4a5a3a', '#8a7a6a', '#c8c0d8'][rng.int(7)], rng, 0.04);

  const dx = (rng.next() * 2 - 1) * 3;
  const dy = (rng.next() * 2 - 1) * 2.5;
  const s = 1.12 + rng.next() * 0.12;
  const tilt = (rng.next() * 2 - 1) * 5;
  const light = rng.next() < 0.5 ? 0 : 1; // which side the light comes from
  const lookX = (rng.next() * 2 - 1) * 0.7;
  const part = (rng.next() * 2 - 1) * 8;

  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${W} ${f(H)}">`);
  p.push('<defs>');
  p.push(`<linearGradient id="bg" x1="0" y1="0" x2="${f(rng.next())}" y2="1"><stop offset="0" stop-color="${shade(bg, 0.12)}"/><stop offset="1" stop-color="${shade(bg, -0.15)}"/></linearGradient>`);
  p.push(`<radialGradient id="blob"><stop offset="0" stop-color="${shade(bg, 0.35)}" stop-opacity="0.6"/><stop offset="1" stop-color="${shade(bg, 0.35)}" stop-opacity="0"/></radialGradient>`);
  p.push(`<radialGradient id="skin" cx="0.45" cy="0.42" r="0.62"><stop offset="0" stop-color="${skinLight}"/><stop offset="0.7" stop-color="${skin}"/><stop offset="1" stop-color="${skinDark}"/></radialGradient>`);
  p.push(`<linearGradient id="side" x1="${light}" y1="0" x2="${1 - light}" y2="0"><stop offset="0.45" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.28"/></linearGradient>`);
  p.push(`<linearGradient id="neck" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(skin, -0.35)}"/><stop offset="0.5" stop-color="${skinDark}"/></linearGradient>`);
  p.push(`<linearGradient id="hair" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(hair, 0.15)}"/><stop offset="1" stop-color="${shade(hair, -0.2)}"/></linearGradient>`);
  p.push(`<linearGradient id="cloth" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${cloth}"/><stop offset="1" stop-color="${shade(cloth, -0.3)}"/></linearGradient>`);
  p.push(`<clipPath id="eyeL"><path d="M-4.4,0 Q0,-2.9 4.4,0 Q0,2.3 -4.4,0 Z"/></clipPath>`);
  p.push('</defs>');
  p.push(`<rect width="${W}" height="${f(H)}" fill="url(#bg)"/>`);
  for (let i = 0; i < 2; i++) {
    p.push(`<circle cx="${f(rng.next() * 100)}" cy="${f(rng.next() * H)}" r="${f(20 + rng.next() * 25)}" fill="url(#blob)"/>`);
  }
  p.push(`<g transform="translate(${f(50 + dx)} ${f(50 + oy + dy)}) rotate(${f(tilt)}) scale(${f(s)}) translate(-50 -50)">`);

  // hair behind the head
  if (a.hairLength === 'medium') {
    p.push(`<path d="M24,76 C17,40 27,9 50,9 C73,9 83,40 76,76 Q70,80 66,73 L34,73 Q30,80 24,76 Z" fill="url(#hair)"/>`);
  } else if (a.hairLength === 'long') {
    p.push(`<path d="M18,124 C12,50 23,8 50,8 C77,8 88,50 82,124 Q66,118 50,120 Q34,118 18,124 Z" fill="url(#hair)"/>`);
  }

  // neck, shoulders, ears, head
  p.push(`<path d="M41,72 L39.5,97 L60.5,97 L59,72 Z" fill="url(#neck)"/>`);
  p.push(`<path d="M2,135 C4,106 20,97 39,94 Q50,101 61,94 C80,97 96,106 98,135 Z" fill="url(#cloth)"/>`);
  for (const [cx, sgn] of [[28.8, -1], [71.2, 1]] as const) {
    p.push(`<ellipse cx="${cx}" cy="51" rx="3.2" ry="6.2" fill="${skinDark}"/>`);
    p.push(`<ellipse cx="${f(cx + sgn * 0.5)}" cy="51" rx="1.6" ry="4" fill="${shade(skin, -0.35)}" opacity="0.5"/>`);
  }
  const head = 'M50,17 C63.5,17 72,29 72,46 C72,62 66,77 50,83 C34,77 28,62 28,46 C28,29 36.5,17 50,17 Z';
  p.push(`<path d="${head}" fill="url(#skin)"/>`);
  p.push(`<path d="${head}" fill="url(#side)"/>`);

  // eyes, brows
  const browLift = (rng.next() * 2 - 1) * 0.8;
  for (const [cx, mirror] of [[41, false], [59, true]] as const) {
    const sx = mirror ? -1 : 1;
    const lx = lookX * sx;
    p.push(`<ellipse cx="${cx}" cy="47.4" rx="5.6" ry="3.1" fill="${shade(skin, -0.3)}" opacity="0.35"/>`);
    p.push(
      `<g transform="translate(${cx} 48) scale(${sx} 1)">` +
        `<path d="M-4.4,0 Q0,-2.9 4.4,0 Q0,2.3 -4.4,0 Z" fill="#efe9e2"/>` +
        `<g clip-path="url(#eyeL)"><circle cx="${f(lx)}" cy="0" r="1.75" fill="${iris}"/><circle cx="${f(lx)}" cy="0" r="0.75" fill="#140f0d"/></g>` +
        `<circle cx="${f(lx - 0.5)}" cy="-0.6" r="0.35" fill="#ffffff" opacity="0.9"/>` +
        `<path d="M-4.6,0.1 Q0,-3.1 4.6,-0.1" fill="none" stroke="#3a2820" stroke-width="0.7"/>` +
        `<path d="M-5,${f(-4.6 + browLift)} Q-1,${f(-6.6 + browLift)} 5,${f(-5.4 + browLift)}" fill="none" stroke="${brow}" stroke-width="1.4" stroke-linecap="round"/>` +
        `</g>`,
    );
  }

  // nose
  p.push(`<path d="M48.8,51 Q47.8,57.5 46.6,60.2 Q48.2,62 50,61.4 Q51.8,62 53.4,60.2" fill="none" stroke="${shade(skin, -0.32)}" stroke-width="0.55" stroke-linecap="round"/>`);
  p.push(`<ellipse cx="${light ? 52 : 48}" cy="57" rx="1.5" ry="4" fill="${shade(skin, -0.25)}" opacity="0.3"/>`);

  // facial hair under the lips
  if (a.facialHair === 'beard') {
    p.push(`<path d="M29.5,56 C31,70 38,82 50,84.5 C62,82 69,70 70.5,56 C68,64 65,72.5 57,73 Q50,71.5 43,73 C35,72.5 32,64 29.5,56 Z" fill="${hair}" opacity="0.85"/>`);
  }

  // mouth
  if (a.mouth === 'neutral') {
    p.push(`<path d="M43.8,68.6 Q47,67.2 50,68 Q53,67.2 56.2,68.6 Q50,69.4 43.8,68.6 Z" fill="${shade(lip, -0.1)}"/>`);
    p.push(`<path d="M43.8,68.6 Q50,69.4 56.2,68.6 Q50,72.4 43.8,68.6 Z" fill="${lip}"/>`);
    p.push(`<path d="M43.8,68.6 Q50,69.4 56.2,68.6" fill="none" stroke="${shade(lip, -0.4)}" stroke-width="0.4"/>`);
  } else {
    p.push(`<path d="M42.8,67.4 Q50,68.9 57.2,67.4 Q50,75 42.8,67.4 Z" fill="${shade(lip, -0.45)}"/>`);
    p.push(`<path d="M43.8,68 Q50,69.3 56.2,68 Q50,71.4 43.8,68 Z" fill="#f2eee6"/>`);
    p.push(`<path d="M42.8,67.4 Q50,68.9 57.2,67.4 Q50,75 42.8,67.4" fill="none" stroke="${lip}" stroke-width="0.9"/>`);
    p.push(`<path d="M39.5,66 Q40.5,70 43,71" fill="none" stroke="${shade(skin, -0.25)}" stroke-width="0.5" opacity="0.6"/>`);
    p.push(`<path d="M60.5,66 Q59.5,70 57,71" fill="none" stroke="${shade(skin, -0.25)}" stroke-width="0.5" opacity="0.6"/>`);
  }
  if (a.facialHair !== 'none') {
    p.push(`<path d="M43,66.8 Q50,63.4 57,66.8 Q50,65.6 43,66.8 Z" fill="${hair}" stroke="${hair}" stroke-width="1.1" stroke-linejoin="round" opacity="0.9"/>`);
  }

  // hair in front: cap with a parting, side hair over the cheeks for long hair
  if (a.hairLength !== 'bald') {
    const sideY = a.hairLength === 'long' ? 80 : a.hairLength === 'medium' ? 64 : 46;
    const cap =
      `M27.2,${sideY} C23,28 35,10 50,10 C65,10 77,28 72.8,${sideY} ` +
      `C71,44 70,35 ${f(64 + part * 0.2)},29.5 Q${f(57 + part)},34 ${f(50 + part)},28 Q${f(42 + part * 0.6)},32 ${f(35.5 + part * 0.2)},30 ` +
      `C30,36 29,44 27.2,${sideY} Z`;
    p.push(`<path d="${cap}" fill="url(#hair)"/>`);
    for (let i = 0; i < 6; i++) {
      const x = 34 + i * 6 + rng.next() * 2;
      p.push(`<path d="M${f(50 + part)},13 Q${f(x)},18 ${f(x + (x - 50 - part) * 0.3)},29" fill="none" stroke="${hairDark}" stroke-width="0.5" opacity="0.35"/>`);
    }
  } else {
    p.push(`<ellipse cx="${light ? 44 : 56}" cy="24" rx="9" ry="4" fill="#ffffff" opacity="0.15"/>`);
  }

  // glasses
  if (a.glasses === 'yes') {
    const frame = ['#1a1a1a', '#5a3a22', '#8a8a90'][rng.int(3)];
    p.push(
      `<g fill="#ffffff" fill-opacity="0.08" stroke="${frame}" stroke-width="1.1">` +
        `<rect x="34" y="43.5" width="13" height="9" rx="2.6"/><rect x="53" y="43.5" width="13" height="9" rx="2.6"/></g>`,
    );
    p.push(`<path d="M47,46.5 Q50,45 53,46.5 M34,46 L28.8,47.5 M66,46 L71.2,47.5" fill="none" stroke="${frame}" stroke-width="1"/>`);
  }
  p.push('</g></svg>');
  return p.join('');
}
