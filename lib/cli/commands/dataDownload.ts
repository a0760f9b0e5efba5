/**
 * `anime-gan data download <name> --out DIR`: fetch a data set of the registry
 * (lib/data/registry.ts), resuming an interrupted transfer, verifying its checksum, unpacking
 * the archive, and saying where the images are.
 */
import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { download } from '../../data/download';
import { KNOWN_DATASETS, knownDataset, KnownDataset } from '../../data/registry';
import { archiveKind, findImageFolder, unpackArchive } from '../../data/unpack';
import { UserError } from '../../util/errors';

export function registerDataDownloadCommand(data: Command): void {
  data
    .command('download')
    .description('download a known data set (--list names them), resume, verify its checksum, unpack it')
    .argument('[name]', `data set: ${Object.keys(KNOWN_DATASETS).join(' | ')}`)
    .option('--out <dir>', 'folder for the archive and the unpacked images')
    .option('--list', 'list the known data sets and exit')
    .option('--url <url>', 'download from this address instead (a mirror of the same file); the file keeps its name')
    .option('--sha256 <hex>', 'expected SHA-256 of the file (instead of the registry\'s)')
    .option('--md5 <hex>', 'expected MD5 of the file (instead of the registry\'s)')
    .option('--no-unpack', 'keep the archive as downloaded')
    .action(async (name: string | undefined, o) => {
      const say = (line: string) => process.stderr.write(`${line}\n`);
      if (o.list) {
        for (const d of Object.values(KNOWN_DATASETS)) process.stdout.write(`${describeDataset(d)}\n`);
        return;
      }
      if (!name) throw new UserError('name a data set (see `anime-gan data download --list`)');
      if (!o.out) throw new UserError('give --out DIR, the folder to download into');
      const d = knownDataset(name);
      const url: string | null = o.url ?? d.url;
      if (!url) throw new UserError(`${d.name} has no public download address: ${d.note ?? 'download it by hand'}`);
      if (!/^https?:\/\//.test(url)) throw new UserError(`--url must be an http(s) address, got ${url}`);
      const fileName = o.url ? path.basename(new URL(url).pathname) || d.filename : d.filename;
      const sha256: string | undefined = o.sha256 ?? (o.md5 ? undefined : d.sha256);
      const md5: string | undefined = o.md5 ?? (o.sha256 ? undefined : d.md5);
      for (const [k, v, len] of [['--sha256', sha256, 64], ['--md5', md5, 32]] as const) {
        if (v !== undefined && !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v)) throw new UserError(`${k} takes ${len} hex digits, got '${v}'`);
      }
      say(`${d.name}: ${d.description}`);
      say(`licence: ${d.licence}`);
      if (!sha256 && !md5) say('note: no checksum is known for this file; it is downloaded unverified');
      else if (!o.sha256 && !o.md5 && !d.checksumVerified) say(`note: the registry's checksum was copied from the data set's source, not verified by this project`);

      const dest = path.join(o.out, fileName);
      const r = await download(url, dest, { sha256, md5, checkContent: refuseHtml(d) });
      say(
        r.existing
          ? `${dest} is already complete${sha256 || md5 ? ' (checksum verified)' : ''}`
          : `downloaded ${dest} (${r.bytes} bytes${r.resumed ? ', resumed' : ''}${sha256 || md5 ? ', checksum verified' : ''})`,
      );
      let root = dest;
      if (o.unpack && archiveKind(dest)) {
        const u = await unpackArchive(dest, path.join(o.out, d.name));
        say(u.existing ? `${u.dir} is already unpacked (delete it to unpack again)` : `unpacked ${u.files} files into ${u.dir}`);
        root = u.dir;
      }
      if (fs.statSync(root).isDirectory()) {
        const found = findImageFolder(root);
        if (found.count === 0) throw new UserError(`no images (.jpg, .png, .webp) found in ${root}`);
        say(`images: ${found.count} in ${found.dir}  (train with --data ${found.dir}, or: anime-gan data prepare ${found.dir} --preset ${d.preprocess} --out DIR)`);
      } else {
        say(`file: ${root} (not an archive, kept as is)`);
      }
    });
}

/** One line per data set for --list. */
function describeDataset(d: KnownDataset): string {
  const size = d.sizeBytes ? `, ${(d.sizeBytes / 1e9).toFixed(2)} GB` : '';
  const where = d.url ? (d.note ? `; ${d.note}` : '') : `; no direct download: ${d.note ?? 'download by hand'}`;
  return `${d.name}  ${d.description}${size}${where}`;
}

/**
 * Google Drive (and other hosts) answer large or shared files with an HTML page, not the file:
 * refuse it with a line that says what to do rather than a checksum mismatch.
 */
function refuseHtml(d: KnownDataset) {
  return (file: string) => {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const text = head.toString('latin1', 0, n).trimStart().toLowerCase();
    if (text.startsWith('<!doctype html') || text.startsWith('<html')) {
      throw new UserError(
        `the server sent an HTML page instead of ${d.filename} (a confirmation or sharing page?); download it in a browser${d.homepage ? ` (${d.homepage})` : ''} and pass its folder with --data`,
      );
    }
  };
}
