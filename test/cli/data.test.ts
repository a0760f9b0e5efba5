import { expect } from 'chai';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import * as tar from 'tar';
import { main } from '../../lib/cli/main';
import { KNOWN_DATASETS } from '../../lib/data/registry';
import { decodeImage } from '../../lib/data/preprocess';
import { ImageFolder } from '../../lib/data/imageFolder';
import { tmpDir } from '../train/support';

/** Run the command line in-process; returns its exit code, stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const k of ['stdout', 'stderr'] as const) {
    (process[k] as { write: unknown }).write = (chunk: string | Uint8Array) => {
      out[k] += chunk.toString();
      return true;
    };
  }
  try {
    return { code: await main(['node', 'anime-gan', ...args]), ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^(anime-gan: |error: )/.test(l));

/** A small RGB image with structure (so crop and resize are visible), as PNG bytes. */
async function testImage(width: number, height: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      px[o] = (x * 255) / width;
      px[o + 1] = (y * 255) / height;
      px[o + 2] = ((x + y + seed * 37) * 13) % 256;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/**
 * A loopback HTTP server for named files with `Range: bytes=N-` support. `cutAfter` > 0 makes
 * every response send that many bytes and then drop the connection.
 */
function startServer(files: Record<string, Buffer>) {
  const state = { cutAfter: 0, ranges: [] as (string | undefined)[] };
  const server = http.createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const range = req.headers.range;
    state.ranges.push(range);
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    const start = m ? Number(m[1]) : 0;
    const type = req.url!.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    if (m) {
      res.writeHead(206, { 'Content-Type': type, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start });
    } else {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
    }
    const rest = body.subarray(start);
    if (state.cutAfter > 0) {
      res.write(rest.subarray(0, state.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(rest);
  });
  return new Promise<{ base: string; state: typeof state; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        base: `http://127.0.0.1:${port}`,
        state,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('cli: anime-gan data download / prepare', function () {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let zip: Buffer;
  let tgz: Buffer;
  before(async () => {
    const images = await Promise.all([0, 1, 2].map((i) => testImage(178, 218, i)));
    // stored padding makes the archive large enough to cut mid-transfer
    zip = Buffer.from(zipSync({
      img_align_celeba: { '000001.png': images[0], '000002.png': images[1], '000003.png': images[2] },
      'README.txt': new TextEncoder().encode('test archive\n'),
      'padding.bin': [randomBytes(200_000), { level: 0 }],
    }));
    const src = tmpDir('data-tar-src');
    fs.mkdirSync(path.join(src, 'anime', 'faces'), { recursive: true });
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(src, 'anime', 'faces', `${i}.png`), await testImage(64, 64, i));
    const tarFile = path.join(src, 'anime.tar.gz');
    await tar.c({ gzip: true, file: tarFile, cwd: src }, ['anime']);
    tgz = fs.readFileSync(tarFile);
    srv = await startServer({
      '/celeba.zip': zip,
      '/anime.tar.gz': tgz,
      '/page.html': Buffer.from('<!DOCTYPE html><html><body>Google Drive can\'t scan this file for viruses</body></html>'),
    });
  });
  after(async () => srv.close());
  beforeEach(() => {
    srv.state.cutAfter = 0;
    srv.state.ranges = [];
  });

  it('`data --help` lists exactly the data commands that exist', async function () {
    const r = await run('data', '--help');
    expect(r.code).to.equal(0);
    // command lines are indented by two spaces; wrapped descriptions by more
    const commands = r.stdout.split('Commands:')[1].split('\n').filter((l) => /^  \S/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(commands).to.deep.equal(['synth', 'download', 'prepare', 'help']);
  });

  it('--list names every data set of the registry', async function () {
    const r = await run('data', 'download', '--list');
    expect(r.code, r.stderr).to.equal(0);
    const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(names).to.deep.equal(Object.keys(KNOWN_DATASETS));
  });

  it('downloads a zip, verifies its checksum, unpacks it and says where the images are', async function () {
    const out = tmpDir('data-zip');
    const r = await run('data', 'download', 'celeba-align', '--out', out, '--url', `${srv.base}/celeba.zip`, '--sha256', sha256(zip));
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(out, 'celeba.zip')).equals(zip)).to.equal(true);
    const dir = path.join(out, 'celeba-align', 'img_align_celeba');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['000001.png', '000002.png', '000003.png']);
    expect(fs.readFileSync(path.join(out, 'celeba-align', 'README.txt'), 'utf8')).to.equal('test archive\n');
    expect(r.stderr).to.include('checksum verified');
    expect(r.stderr).to.include('unpacked 5 files'); // 3 images, README.txt, padding.bin
    const last = r.stderr.trim().split('\n').pop()!;
    expect(last).to.match(new RegExp(`^images: 3 in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    expect(last).to.include('--preset celeba');
    // a second run finds both the file and the unpacked folder, and asks the server nothing
    const again = await run('data', 'download', 'celeba-align', '--out', out, '--url', `${srv.base}/celeba.zip`, '--sha256', sha256(zip));
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include('already complete').and.include('already unpacked');
    expect(srv.state.ranges).to.have.length(1);
  });

  it('unpacks a .tar.gz', async function () {
    const out = tmpDir('data-tgz');
    const r = await run('data', 'download', 'anime-faces-getchu-64', '--out', out, '--url', `${srv.base}/anime.tar.gz`, '--sha256', sha256(tgz));
    expect(r.code, r.stderr).to.equal(0);
    const dir = path.join(out, 'anime-faces-getchu-64', 'anime', 'faces');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['0.png', '1.png']);
    expect(r.stderr).to.include(`unpacked 2 files into ${path.join(out, 'anime-faces-getchu-64')}`);
    expect(r.stderr.trim().split('\n').pop()).to.include(`images: 2 in ${dir}`);
  });

  it('an interrupted download fails with one line, keeps the part file, and the next run resumes it', async function () {
    const out = tmpDir('data-resume');
    srv.state.cutAfter = 20_000; // every response breaks off: the built-in retries run out
    const args = ['data', 'download', 'celeba-align', '--out', out, '--url', `${srv.base}/celeba.zip`, '--sha256', sha256(zip)];
    const r1 = await run(...args);
    expect(r1.code).to.not.equal(0);
    expect(errorLines(r1.stderr)).to.have.length(1);
    expect(errorLines(r1.stderr)[0]).to.match(/interrupted after \d+ bytes .*run again to resume/);
    const part = fs.statSync(path.join(out, 'celeba.zip.part')).size;
    expect(part).to.be.greaterThan(0).and.below(zip.length);
    expect(fs.existsSync(path.join(out, 'celeba.zip'))).to.equal(false);
    srv.state.cutAfter = 0;
    srv.state.ranges = [];
    const r2 = await run(...args);
    expect(r2.code, r2.stderr).to.equal(0);
    expect(srv.state.ranges).to.deep.equal([`bytes=${part}-`]);
    expect(r2.stderr).to.include('resumed');
    expect(fs.readFileSync(path.join(out, 'celeba.zip')).equals(zip)).to.equal(true);
    expect(fs.readdirSync(path.join(out, 'celeba-align', 'img_align_celeba'))).to.have.length(3);
  });

  it('a bad checksum removes the download and fails with one line', async function () {
    const out = tmpDir('data-bad');
    const r = await run('data', 'download', 'celeba-align', '--out', out, '--url', `${srv.base}/celeba.zip`); // the registry's MD5 is CelebA's, not this file's
    expect(r.code).to.not.equal(0);
    expect(errorLines(r.stderr)).to.have.length(1);
    expect(errorLines(r.stderr)[0]).to.match(/checksum mismatch .*expected md5 00d2c5bc6d35e252742224ab0c1e8fcb/);
    expect(fs.readdirSync(out)).to.deep.equal([]);
  });

  for (const [what, args, message] of [
    ['a 404', ['celeba-align', '--url', 'URL/missing.zip'], /download failed: HTTP 404 .*\/missing\.zip/],
    ['an HTML page in place of the file', ['celeba-align', '--url', 'URL/page.html'], /sent an HTML page instead of img_align_celeba\.zip/],
    ['an unknown data set', ['imagenet'], /unknown data set "imagenet"/],
    ['a data set without a public address', ['anime-faces-mlds-96'], /has no public download address/],
    ['a malformed checksum', ['celeba-align', '--url', 'URL/celeba.zip', '--sha256', 'abc'], /--sha256 takes 64 hex digits/],
  ] as const) {
    it(`rejects ${what} with one line and a non-zero exit`, async function () {
      const out = tmpDir('data-err');
      const r = await run('data', 'download', ...args.map((a) => a.replace('URL', srv.base)), '--out', out);
      expect(r.code).to.not.equal(0);
      expect(errorLines(r.stderr), r.stderr).to.have.length(1);
      expect(errorLines(r.stderr)[0]).to.match(message);
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(fs.readdirSync(out).filter((f) => !f.endsWith('.part'))).to.deep.equal([]);
    });
  }

  it('prepare --preset celeba: 178x218 → 128x160 PNGs equal to the loader\'s preprocessing; unreadable files skipped; a rerun keeps what is done', async function () {
    const src = path.join(tmpDir('prep-src'), 'celeba');
    fs.mkdirSync(src, { recursive: true });
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(src, `${String(i + 1).padStart(6, '0')}.jpg`), await sharp(await testImage(178, 218, i)).jpeg().toBuffer());
    fs.writeFileSync(path.join(src, '000004.jpg'), 'not an image');
    const out = tmpDir('prep-out');
    const r = await run('data', 'prepare', src, '--preset', 'celeba', '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/warning: skipped 1 unreadable image\(s\) \(first: 000004\.jpg/);
    expect(r.stderr.trim().split('\n').pop()).to.equal(`images: 3 of 128x160 in ${path.join(out, 'images')} (3 written)`);
    const files = fs.readdirSync(path.join(out, 'images')).sort();
    expect(files).to.deep.equal(['000001.png', '000002.png', '000003.png']);
    for (const f of files) {
      const { data, info } = await sharp(path.join(out, 'images', f)).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).to.deep.equal([128, 160, 3]);
      const want = await decodeImage(path.join(src, f.replace('.png', '.jpg')), [160, 128], 'celeba');
      expect(Buffer.from(want).equals(data), f).to.equal(true);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'prepare.json'), 'utf8'));
    expect(manifest).to.include({ preset: 'celeba', preprocess: 'celeba', images: 3 });
    expect(manifest.skipped.map((s: { file: string }) => s.file)).to.deep.equal(['000004.jpg']);
    expect(fs.readdirSync(path.join(out, 'images')).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
    // the training loader reads them at that size unchanged
    const folder = await ImageFolder.open(out, { size: [160, 128], preprocess: 'celeba' });
    expect(folder.length).to.equal(3);
    const mtime = fs.statSync(path.join(out, 'images', '000001.png')).mtimeMs;
    fs.rmSync(path.join(out, 'images', '000002.png'));
    const again = await run('data', 'prepare', src, '--preset', 'celeba', '--out', out);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr.trim().split('\n').pop()).to.include('(1 written, 2 already there)');
    expect(fs.statSync(path.join(out, 'images', '000001.png')).mtimeMs).to.equal(mtime);
  });

  it('prepare --preset anime writes 96x96 images; bad input is one line', async function () {
    const src = tmpDir('prep-anime');
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(src, `${i}.png`), await testImage(120, 100, i));
    const out = tmpDir('prep-anime-out');
    const r = await run('data', 'prepare', src, '--preset', 'anime', '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    for (const f of fs.readdirSync(path.join(out, 'images'))) {
      const m = await sharp(path.join(out, 'images', f)).metadata();
      expect([m.width, m.height]).to.deep.equal([96, 96]);
    }
    const bad = await run('data', 'prepare', src, '--preset', 'imagenet', '--out', out);
    expect(bad.code).to.not.equal(0);
    expect(errorLines(bad.stderr)).to.have.length(1);
    const missing = await run('data', 'prepare', path.join(src, 'nope'), '--preset', 'anime', '--out', out);
    expect(missing.code).to.not.equal(0);
    expect(errorLines(missing.stderr)[0]).to.match(/image folder not found/);
  });
});
