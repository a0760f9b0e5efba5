/**
 * Figure 1 redrawn: the proposed generator (§4.2) as a diagram, drawn from the built model's
 * own layers (shapes and parameter counts come from `summarize`, not from a hand-made list),
 * so the picture always matches the network the notebooks train.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { formatSummary, summarize, SummaryRow } from '../models/summary';
import { resnetGenerator } from '../models/resnetGenerator';
import { writeFileAtomic } from '../util/atomicWrite';

interface Box {
  label: string;
  detail: string;
  shape: (number | null)[];
  params: number;
}

function group(rows: SummaryRow[], prefix: string): SummaryRow[] {
  return rows.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}_`));
}

function box(rows: SummaryRow[], label: string, detail: string): Box {
  const last = rows[rows.length - 1];
  return { label, detail, shape: last?.outputShape ?? [], params: rows.reduce((a, r) => a + r.params, 0) };
}

const fmtShape = (s: (number | null)[]) => s.filter((v) => v !== null).join('×');
const fmtParams = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An SVG of the ResNet-18-based generator built by `resnetGenerator`. */
export function generatorDiagramSvg(model: tf.LayersModel): string {
  const rows = summarize(model).rows;
  const input = rows[0];
  const encoder: Box[] = [
    { label: 'input image', detail: '', shape: input.outputShape, params: 0 },
    box(group(rows, 'stem'), 'stem', 'conv 7×7 · IN · ReLU · max-pool /2'),
    ...[1, 2, 3, 4].map((k) =>
      box(group(rows, `layer${k}`), `reslayer-${k}`, `2 res. blocks (3×3 convs, IN), concat + conv${k > 1 ? ', stride 2' : ''}`),
    ),
  ];
  const dec = (name: string) => rows.filter((r) => r.name.startsWith(`dec_${name}`));
  const decoder: Box[] = [
    box(dec('top'), '1×1 conv', 'on reslayer-4'),
    box([...dec('up3'), ...dec('lateral3'), ...dec('add3')], 'up ×2, ⊕ reslayer-3', '1×1 lateral conv'),
    box([...dec('up2'), ...dec('lateral2'), ...dec('add2')], 'up ×2, ⊕ reslayer-2', '1×1 lateral conv'),
    box([...dec('up1'), ...dec('lateral1'), ...dec('add1')], 'up ×2, ⊕ reslayer-1', '1×1 lateral conv'),
    box(rows.filter((r) => /^dec_(conv1x1|in|relu)_/.test(r.name)), 'two 1×1 convs', 'IN · ReLU each'),
    box([...dec('up_full'), ...dec('conv7'), ...rows.filter((r) => r.name === 'tanh')], 'up ×2, conv 7×7, tanh', 'output image'),
  ];

  // The decoder runs bottom-up in its own column: its j-th box sits level with encoder box 5 − j,
  // so each skip connection (reslayer-k → "⊕ reslayer-k") is a horizontal arrow.
  const W = 900, bw = 350, bh = 54, gap = 22, x1 = 30, x2 = W - bw - 30;
  const y = (i: number) => 50 + i * (bh + gap);
  const yDec = (j: number) => y(encoder.length - 1 - j);
  const shapes: string[] = [];
  const rect = (x: number, top: number, b: Box, fill: string) =>
    `<rect x="${x}" y="${top}" width="${bw}" height="${bh}" rx="8" fill="${fill}" stroke="#345" stroke-width="1.2"/>` +
    `<text x="${x + 10}" y="${top + 20}" font-size="14" font-weight="bold">${esc(b.label)}</text>` +
    `<text x="${x + bw - 10}" y="${top + 20}" font-size="12" text-anchor="end">${esc(fmtShape(b.shape))}${b.params ? ` · ${fmtParams(b.params)} params` : ''}</text>` +
    `<text x="${x + 10}" y="${top + 40}" font-size="11" fill="#345">${esc(b.detail)}</text>`;
  const arrow = (xa: number, ya: number, xb: number, yb: number, dash = false) =>
    `<line x1="${xa}" y1="${ya}" x2="${xb}" y2="${yb}" stroke="#345" stroke-width="1.5" marker-end="url(#a)"${dash ? ' stroke-dasharray="5,4"' : ''}/>`;
  encoder.forEach((b, i) => {
    shapes.push(rect(x1, y(i), b, i === 0 ? '#eef' : '#dfe9f7'));
    if (i > 0) shapes.push(arrow(x1 + bw / 2, y(i - 1) + bh, x1 + bw / 2, y(i) - 2));
  });
  decoder.forEach((b, j) => {
    shapes.push(rect(x2, yDec(j), b, '#f7eadf'));
    if (j > 0) shapes.push(arrow(x2 + bw / 2, yDec(j - 1), x2 + bw / 2, yDec(j) + bh + 2));
  });
  // reslayer-4 feeds the decoder's top; reslayers 3..1 are added in on the way up (dashed).
  for (let k = 4; k >= 1; k--) {
    const row = y(1 + k) + bh / 2;
    shapes.push(arrow(x1 + bw, row, x2 - 2, row, k < 4));
  }
  const height = y(Math.max(encoder.length, decoder.length)) + 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="Helvetica, Arial, sans-serif">` +
    `<defs><marker id="a" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#345"/></marker></defs>` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${x1}" y="32" font-size="16" font-weight="bold">Encoder (ResNet-18)</text>` +
    `<text x="${x2}" y="32" font-size="16" font-weight="bold">Decoder (upsample and add)</text>` +
    shapes.join('') +
    `</svg>`
  );
}

/**
 * Figure 1: the generator at the paper's anime size (96×96) and full ResNet-18 width, written as
 * `figure1.svg` and `figure1.png` in `figures`. Returns the PNG and the layer table.
 */
export async function drawFigure1(opts: { figures: string }): Promise<{ svgFile: string; pngFile: string; png: Buffer; summary: string }> {
  const g = resnetGenerator({ size: 96, ngf: 64 });
  try {
    const svg = generatorDiagramSvg(g);
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    const svgFile = path.join(opts.figures, 'figure1.svg');
    const pngFile = path.join(opts.figures, 'figure1.png');
    writeFileAtomic(svgFile, svg);
    writeFileAtomic(pngFile, png);
    return { svgFile, pngFile, png, summary: formatSummary(summarize(g)) };
  } finally {
    g.dispose();
  }
}
