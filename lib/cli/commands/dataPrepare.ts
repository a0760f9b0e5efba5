/**
 * `anime-gan data prepare <folder> --preset celeba|anime --out DIR`: apply the paper's
 * preprocessing (lib/data/preprocess.ts: CelebA 178×218 → centre crop → 128×160; anime at
 * 96×96) once and write the results, so training reads images already at their size.
 */
import { Command, Option } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { listImages } from '../../data/imageFolder';
import { decodeImage, Preprocess } from '../../data/preprocess';
import { progress, UserError, writeFileAtomic, writeJsonAtomic } from '../../util';
import { optionParser, parseIntOption, parseSizeOption } from '../context';

/** The paper's sizes, [height, width] (§5.1). */
export const PREPARE_PRESETS: Record<'celeba' | 'anime', { size: [number, number]; mode: Preprocess }> = {
  celeba: { size: [160, 128], mode: 'celeba' },
  anime: { size: [96, 96], mode: 'anime' },
};

export interface PrepareResult {
  dir: string;
  written: number;
  existing: number;
  skipped: { file: string; reason: string }[];
}

/**
 * Preprocess every image of `src` into `out/images/<name>.<format>` (each written atomically, so
 * an interrupted run is continued by running it again: complete files are kept), and write
 * `out/prepare.json` saying how.
 */
export async function prepareFolder(
  src: string,
  out: string,
  opts: { preset: 'celeba' | 'anime'; size?: [number, number]; format?: 'png' | 'jpg'; concurrency?: number },
): Promise<PrepareResult> {
  const p = PREPARE_PRESETS[opts.preset];
  const size = opts.size ?? p.size;
  const format = opts.format ?? 'png';
  const { root, files } = listImages(src);
  const dir = path.join(out, 'images');
  if (path.resolve(dir) === path.resolve(root)) throw new UserError('--out must differ from the source folder');
  fs.mkdirSync(dir, { recursive: true });
  const stems = files.map((f) => path.parse(f).name);
  const names = new Set(stems).size === stems.length ? stems : files; // a.jpg and a.png: keep both, by full name
  const skipped: PrepareResult['skipped'] = [];
  let written = 0;
  let existing = 0;
  let next = 0;
  let done = 0;
  const bar = progress(`prepare ${opts.preset}`, files.length);
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const target = path.join(dir, `${names[i]}.${format}`);
      if (fs.existsSync(target)) {
        existing++;
      } else {
        try {
          const bytes = await decodeImage(path.join(root, files[i]), size, p.mode);
          const img = sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { raw: { width: size[1], height: size[0], channels: 3 } });
          writeFileAtomic(target, await (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer());
          written++;
        } catch (err) {
          skipped.push({ file: files[i], reason: (err as Error).message.split('\n')[0] });
        }
      }
      if (++done % 50 === 0 || done === files.length) bar.update(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, files.length) }, worker));
  } finally {
    bar.stop();
  }
  skipped.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  writeJsonAtomic(path.join(out, 'prepare.json'), {
    source: path.resolve(root),
    preset: opts.preset,
    preprocess: p.mode,
    size: { height: size[0], width: size[1] },
    format,
    images: written + existing,
    skipped,
  });
  return { dir, written, existing, skipped };
}

export function registerDataPrepareCommand(data: Command): void {
  data
    .command('prepare')
    .description("apply the paper's preprocessing once (celeba: centre crop, 128x160; anime: 96x96) and write the images")
    .argument('<folder>', 'image folder (or one with an images/ subfolder)')
    .addOption(new Option('--preset <name>', 'celeba (178x218 → 128x160) | anime (96x96)').choices(Object.keys(PREPARE_PRESETS)).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output folder (images/ and prepare.json)')
    .option('--size <HxW>', 'another target size, e.g. 64 or 80x64', optionParser(parseSizeOption))
    .addOption(new Option('--format <f>', 'png (lossless) | jpg (quality 95, smaller)').choices(['png', 'jpg']).default('png'))
    .option('--concurrency <n>', 'images processed at once', optionParser(parseIntOption('--concurrency', 1)), 4)
    .action(async (folder: string, o) => {
      const r = await prepareFolder(folder, o.out, { preset: o.preset, size: o.size, format: o.format, concurrency: o.concurrency });
      if (r.skipped.length > 0) {
        process.stderr.write(`warning: skipped ${r.skipped.length} unreadable image(s) (first: ${r.skipped[0].file}: ${r.skipped[0].reason}); all are listed in prepare.json\n`);
      }
      const size = o.size ?? PREPARE_PRESETS[o.preset as 'celeba' | 'anime'].size;
      process.stderr.write(
        `images: ${r.written + r.existing} of ${size[1]}x${size[0]} in ${path.resolve(r.dir)} (${r.written} written${r.existing ? `, ${r.existing} already there` : ''})\n`,
      );
    });
}
