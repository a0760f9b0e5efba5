import { Rng } from '../../util';
import type { AnimeAttributes } from './attributes';
import { jitter, mix, shade } from './color';

/**
 * Procedural anime avatar (a bust close-up like the crawled anime-face set): back hair by style,
 * face by shape, large eyes with iris gradient and highlights, bangs with pointed strands, mouth,
 * blush and an accessory. Drawn in a 100-unit box centred in the canvas; the `variant` seeds a
 * small pose (shift, scale, tilt) and the exact tones.
 */

export const ANIME_HAIR_COLORS: Record<AnimeAttributes['hair'], string> = {
  black: '#2a2838', brown: '#7b4a2c', blonde: '#f1d16a', orange: '#f08a32', red: '#c92a36', pink: '#f59ac2',
  purple: '#8d5cc9', blue: '#3569d6', aqua: '#4fd3d8', green: '#45a656', gray: '#9a9aa8', white: '#eeeef6',
};

export const ANIME_EYE_COLORS: Record<AnimeAttributes['eye'], string> = {
  black: '#2b2630', brown: '#8a5230', yellow: '#e8c22a', orange: '#f07f1e', red: '#d8242e', pink: '#ef6fae',
  purple: '#8b48c8', blue: '#2f6ae0', aqua: '#2cc4cc', green: '#34a648', gray: '#8a8d98',
};

const BACKGROUNDS: Record<AnimeAttributes['background'], string> = {
  white: '#f7f6f2', pink: '#f8c8d8', yellow: '#f7e49a', green: '#b8e0a8', blue: '#a8c8f0', purple: '#c8b0e8',
  gray: '#b0b0b4', dark: '#3a3448',
};

const f = (v: number) => (Math.round(v * 100) / 100).toString();

export function animeSvg(a: AnimeAttributes, width: number, height: number): string {
  const rng = new Rng(a.variant);
  const W = 100;
  const H = (100 * height) / width;
  const oy = (H - 100) / 2;

  const hair = jitter(ANIME_HAIR_COLORS[a.hair], rng, 0.05);
  const hairDark = shade(hair, a.hair === 'black' ? -0.3 : -0.35);
  const hairLight = shade(hair, 0.45);
  const eye = jitter(ANIME_EYE_COLORS[a.eye], rng, 0.04);
  const skin = jitter('#ffe4d2', rng, 0.025);
  const skinShadow = mix(skin, '#e89a8a', 0.35);
  const bg = jitter(BACKGROUNDS[a.background], rng, 0.05);
  const bg2 = shade(bg, a.background === 'dark' ? 0.15 : -0.12);
  const cloth = jitter(['#ffffff', '#2b3a67', '#c0392b', '#f2f2f2', '#3d3d3d', '#7fb3d5', '#f5b7b1'][rng.int(7)], rng, 0.04);
  const acc = ['#e8344a', '#ffffff', '#2e5fd0', '#ffd23a', '#ff7ab8'][rng.int(5)];

  // pose: small shift, scale, tilt (degrees)
  const dx = (rng.next() * 2 - 1) * 4;
  const dy = (rng.next() * 2 - 1) * 3;
  const s = 1.12 + rng.next() * 0.14;
  const tilt = (rng.next() * 2 - 1) * 7;
  const lookX = (rng.next() * 2 - 1) * 0.9;

  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${W} ${f(H)}">`);
  p.push('<defs>');
  p.push(`<linearGradient id="bg" x1="0" y1="0" x2="${f(rng.next())}" y2="1"><stop offset="0" stop-color="${bg}"/><stop offset="1" stop-color="${bg2}"/></linearGradient>`);
  p.push(`<linearGradient id="iris" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(eye, -0.55)}"/><stop offset="0.55" stop-color="${eye}"/><stop offset="1" stop-color="${shade(eye, 0.45)}"/></linearGradient>`);
  p.push(`<linearGradient id="hair" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(hair, 0.12)}"/><stop offset="1" stop-color="${shade(hair, -0.18)}"/></linearGradient>`);
  p.push('</defs>');
  p.push(`<rect width="${W}" height="${f(H)}" fill="url(#bg)"/>`);
  // a few soft background blobs so backgrounds are not flat
  for (let i = 0; i < 3; i++) {
    p.push(`<circle cx="${f(rng.next() * 100)}" cy="${f(rng.next() * H)}" r="${f(6 + rng.next() * 14)}" fill="${shade(bg, 0.3)}" opacity="0.35"/>`);
  }
  p.push(`<g transform="translate(${f(50 + dx)} ${f(50 + oy + dy)}) rotate(${f(tilt)}) scale(${f(s)}) translate(-50 -56)">`);

  // back hair
  const hairStroke = `stroke="${hairDark}" stroke-width="0.8" stroke-linejoin="round"`;
  if (a.hairStyle === 'short') {
    p.push(`<path d="M21,64 C15,30 29,7 50,7 C71,7 85,30 79,64 L72,70 L28,70 Z" fill="url(#hair)" ${hairStroke}/>`);
  } else if (a.hairStyle === 'bob') {
    p.push(`<path d="M17,84 C10,30 27,5 50,5 C73,5 90,30 83,84 Q74,88 66,84 Q58,88 50,84 Q42,88 34,84 Q26,88 17,84 Z" fill="url(#hair)" ${hairStroke}/>`);
  } else if (a.hairStyle === 'long') {
    p.push(`<path d="M12,120 C8,40 25,5 50,5 C75,5 92,40 88,120 Z" fill="url(#hair)" ${hairStroke}/>`);
  } else {
    // twin tails hanging beside the face, tied at the temples
    p.push(`<path d="M24,34 C4,42 0,82 9,112 C12,96 18,70 30,44 Z" fill="url(#hair)" ${hairStroke}/>`);
    p.push(`<path d="M76,34 C96,42 100,82 91,112 C88,96 82,70 70,44 Z" fill="url(#hair)" ${hairStroke}/>`);
    p.push(`<path d="M21,62 C15,30 29,7 50,7 C71,7 85,30 79,62 L72,68 L28,68 Z" fill="url(#hair)" ${hairStroke}/>`);
  }

  // neck and clothes
  p.push(`<path d="M43.5,74 L43.5,93 L56.5,93 L56.5,74 Z" fill="${skinShadow}"/>`);
  p.push(`<path d="M10,125 C12,99 28,91 42,90 L50,97 L58,90 C72,91 88,99 90,125 Z" fill="${cloth}" stroke="${shade(cloth, -0.35)}" stroke-width="0.6"/>`);

  // face
  const face =
    a.faceShape === 'round'
      ? 'M27.5,38 C27,62 36,80 50,84 C64,80 73,62 72.5,38 Z'
      : 'M27.5,38 C27.5,56 38,74 50,87 C62,74 72.5,56 72.5,38 Z';
  p.push(`<path d="${face}" fill="${skin}" stroke="${shade(skin, -0.3)}" stroke-width="0.5"/>`);

  // blush
  if (a.blush === 'yes') {
    for (const cx of [35, 65]) {
      p.push(`<ellipse cx="${cx}" cy="70" rx="5" ry="2.4" fill="#ff8aa0" opacity="0.5"/>`);
      for (let i = -1; i <= 1; i++) {
        p.push(`<path d="M${f(cx + i * 2.2 - 0.8)},71.2 L${f(cx + i * 2.2 + 0.8)},68.8" stroke="#e0607a" stroke-width="0.45" opacity="0.7"/>`);
      }
    }
  }

  // eyes: drawn once in local coordinates, mirrored for the right eye
  const eyeOpen = 0.9 + rng.next() * 0.2;
  const eyeGroup = (cx: number, mirror: boolean) => {
    const tr = `translate(${cx} 59.5) scale(${mirror ? -1 : 1} ${f(eyeOpen)})`;
    const lx = mirror ? -lookX : lookX;
    return (
      `<g transform="${tr}">` +
      `<path d="M-7,-3 Q0,-9 7,-3.5 L6.5,5 Q0,9 -6.5,5 Z" fill="#ffffff"/>` +
      `<ellipse cx="${f(0.6 + lx)}" cy="0.8" rx="5" ry="6.6" fill="url(#iris)" stroke="${shade(eye, -0.6)}" stroke-width="0.5"/>` +
      `<ellipse cx="${f(0.6 + lx)}" cy="0.2" rx="2.3" ry="3.4" fill="${shade(eye, -0.75)}"/>` +
      `<circle cx="${f(-1.6 + lx)}" cy="-2.4" r="1.8" fill="#ffffff"/>` +
      `<circle cx="${f(2.6 + lx)}" cy="3.6" r="0.9" fill="#ffffff" opacity="0.9"/>` +
      `<path d="M-8.5,-1 Q-7.5,-4.5 -6.5,-4.5 Q0,-10 7.6,-4.2" fill="none" stroke="#231c24" stroke-width="2.3" stroke-linecap="round"/>` +
      `<path d="M-8.5,-1 L-10,0.8" stroke="#231c24" stroke-width="1" stroke-linecap="round"/>` +
      `<path d="M-5,7 Q0,8.6 4.5,7" fill="none" stroke="#6b3f3a" stroke-width="0.6" opacity="0.7"/>` +
      `</g>`
    );
  };
  p.push(eyeGroup(39, false));
  p.push(eyeGroup(61, true));

  // nose and mouth
  p.push(`<path d="M50.2,68.2 L49.4,70" stroke="${shade(skin, -0.35)}" stroke-width="0.6" stroke-linecap="round"/>`);
  if (a.mouth === 'closed') {
    p.push(`<path d="M47.5,76 Q50,76.8 52.5,75.8" fill="none" stroke="#8a3a3a" stroke-width="0.7" stroke-linecap="round"/>`);
  } else if (a.mouth === 'smile') {
    p.push(`<path d="M45.5,74.8 Q50,79 54.5,74.8" fill="none" stroke="#8a3a3a" stroke-width="0.8" stroke-linecap="round"/>`);
  } else {
    p.push(`<path d="M46,74.5 Q50,75.5 54,74.5 Q53,80.5 50,80.5 Q47,80.5 46,74.5 Z" fill="#9b2f3a" stroke="#6a1e26" stroke-width="0.5"/>`);
    p.push(`<path d="M47.4,78.6 Q50,77 52.6,78.6 Q51.5,80.3 50,80.3 Q48.5,80.3 47.4,78.6 Z" fill="#f08a98"/>`);
  }

  // bangs: hair cap with pointed strands over the forehead and side locks by the cheeks
  const sweep = (rng.next() * 2 - 1) * 3;
  const nStrands = 5 + rng.int(3);
  const left = 30;
  const right = 70;
  const lockY = 70 + rng.next() * 8;
  let d = `M24.5,${f(lockY)} C17,30 31,12 50,12 C69,12 83,30 75.5,${f(lockY)} Q72.5,58 ${right},45`;
  for (let i = 0; i < nStrands; i++) {
    const x0 = right - ((right - left) * i) / nStrands;
    const x1 = right - ((right - left) * (i + 1)) / nStrands;
    const xt = (x0 + x1) / 2 + sweep + (rng.next() - 0.5) * 2;
    const yt = 49 + rng.next() * 5 + (i === 0 || i === nStrands - 1 ? -3 : 0);
    const yn = 34 + rng.next() * 6;
    d += ` Q${f(x0 - 0.5)},${f((45 + yt) / 2)} ${f(xt)},${f(yt)} Q${f(x1 + 0.3)},${f((yt + yn) / 2 + 2)} ${f(x1)},${f(i === nStrands - 1 ? 45 : yn)}`;
  }
  d += ` Q27.5,58 24.5,${f(lockY)} Z`;
  p.push(`<path d="${d}" fill="url(#hair)" ${hairStroke}/>`);
  // shine on the hair
  p.push(`<path d="M32,24 Q50,15 68,24 Q50,19.5 32,26 Z" fill="${hairLight}" opacity="0.55"/>`);
  // eyebrows over the bangs, as anime art draws them
  p.push(`<path d="M33,44.6 Q38,42.2 44,43.4" fill="none" stroke="${hairDark}" stroke-width="0.9" stroke-linecap="round" opacity="0.8"/>`);
  p.push(`<path d="M67,44.6 Q62,42.2 56,43.4" fill="none" stroke="${hairDark}" stroke-width="0.9" stroke-linecap="round" opacity="0.8"/>`);

  // tails' ties and accessories
  if (a.hairStyle === 'twintails') {
    p.push(`<circle cx="24" cy="35" r="2.6" fill="${acc}" stroke="${shade(acc, -0.4)}" stroke-width="0.5"/>`);
    p.push(`<circle cx="76" cy="35" r="2.6" fill="${acc}" stroke="${shade(acc, -0.4)}" stroke-width="0.5"/>`);
  }
  if (a.accessory === 'ribbon') {
    const rx = 66;
    const ry = 19;
    p.push(`<path d="M${rx},${ry} L${rx - 10},${ry - 8} L${rx - 9},${ry + 7} Z M${rx},${ry} L${rx + 10},${ry - 8} L${rx + 9},${ry + 7} Z" fill="${acc}" stroke="${shade(acc, -0.45)}" stroke-width="0.6" stroke-linejoin="round"/>`);
    p.push(`<circle cx="${rx}" cy="${ry}" r="2.4" fill="${shade(acc, -0.15)}" stroke="${shade(acc, -0.45)}" stroke-width="0.5"/>`);
  } else if (a.accessory === 'hairband') {
    p.push(`<path d="M25,36 C28,12 72,12 75,36" fill="none" stroke="${acc}" stroke-width="3.2"/>`);
    p.push(`<path d="M25,36 C28,12 72,12 75,36" fill="none" stroke="${shade(acc, -0.4)}" stroke-width="0.5" transform="translate(0 1.6)"/>`);
  } else if (a.accessory === 'hairclip') {
    p.push(`<path d="M31,37 L38,33 L39,35 L32,39 Z M32,34 L39,38" fill="${acc}" stroke="${shade(acc, -0.45)}" stroke-width="0.6"/>`);
  }
  p.push('</g></svg>');
  return p.join('');
}
