/**
 * Unpacking downloaded archives. Zip (CelebA's img_align_celeba.zip, the anime-face sets) goes
 * through yauzl, which reads the central directory (the zip's authoritative index) and streams one
 * entry at a time to disk, so a 1.4 GB archive never sits in memory (fflate's unzipSync, which the
 * workbook uses for small .npz files, takes the whole archive as one buffer); it handles zip64 and
 * refuses entry names that escape the target folder.
 * .tar.gz / .tgz / .tar go through `tar` (npm's own), streamed, which strips absolute paths and
 * `..` the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import * as yauzl from 'yauzl';
import * as tar from 'tar';
import { IMAGE_EXTENSIONS } from './imageFolder';
import { progress, UserError } from '../util';

export type ArchiveKind = 'zip' | 'tar.gz' | 'tar';

/** What an archive is, from its first bytes (a mirror's file name may not say): null if not one we unpack. */
export function archiveKind(file: string): ArchiveKind | null {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(262);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip'; // "PK\3\4"
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (n >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return null;
}

export interface UnpackResult {
  dir: string;
  /** files written (0 when `dir` already existed and was kept) */
  files: number;
  existing: boolean;
}

/**
 * Unpack `archive` into `dir`. The files go to a temporary sibling folder that is renamed to
 * `dir` at the end, so `dir` exists only when the whole archive was unpacked; an existing `dir`
 * is taken as done (delete it to unpack again).
 */
export async function unpackArchive(archive: string, dir: string, opts: { quiet?: boolean } = {}): Promise<UnpackResult> {
  if (fs.existsSync(dir)) return { dir, files: 0, existing: true };
  const kind = archiveKind(archive);
  if (!kind) throw new UserError(`${archive} is not a zip or tar archive`);
  const tmp = `${dir}.unpacking-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const files = kind === 'zip' ? await unzip(archive, tmp, opts.quiet) : await untar(archive, tmp, opts.quiet);
    fs.renameSync(tmp, dir);
    return { dir, files, existing: false };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot unpack ${archive}: ${(err as Error).message}`);
  }
}

async function unzip(archive: string, dir: string, quiet?: boolean): Promise<number> {
  const zip = await yauzl.openPromise(archive, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  const bar = quiet ? undefined : progress(`unpack ${path.basename(archive)}`, zip.entryCount);
  let files = 0;
  let seen = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      // yauzl has already refused absolute names and names with '..' (decodeStrings)
      const target = path.join(dir, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        fs.mkdirSync(target, { recursive: true });
      } else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(target));
        files++;
      }
      if (++seen % 200 === 0 || seen === zip.entryCount) bar?.update(seen);
    }
  } finally {
    bar?.stop();
    zip.close();
  }
  return files;
}

async function untar(archive: string, dir: string, quiet?: boolean): Promise<number> {
  const total = fs.statSync(archive).size;
  const bar = quiet ? undefined : progress(`unpack ${path.basename(archive)}`, total);
  let read = 0;
  let files = 0;
  const input = fs.createReadStream(archive);
  input.on('data', (chunk) => {
    read += chunk.length;
    bar?.update(read);
  });
  try {
    // strict: a corrupt archive is an error, not a warning; gzip is detected by tar itself
    await pipeline(input, tar.x({ cwd: dir, strict: true, onReadEntry: (e) => { if (e.type === 'File') files++; } }));
  } finally {
    bar?.stop();
  }
  return files;
}

/** The folder under `dir` (itself included) that holds the most images, and how many. */
export function findImageFolder(dir: string): { dir: string; count: number } {
  let best = { dir, count: 0 };
  const walk = (d: string) => {
    let count = 0;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) count++;
    }
    if (count > best.count) best = { dir: d, count };
  };
  walk(dir);
  return best;
}
