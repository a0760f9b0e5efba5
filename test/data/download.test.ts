import { expect } from 'chai';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { download } from '../../lib/data/download';
import { KNOWN_DATASETS, knownDataset } from '../../lib/data/registry';
import { UserError } from '../../lib/util';

/**
 * A local HTTP server for one payload, supporting `Range: bytes=N-`. `cutOnce` makes the next
 * response send that many bytes and then drop the connection; `ignoreRange` answers 200 always.
 */
function startServer(payload: Buffer) {
  const state = { cutOnce: 0, ignoreRange: false, ranges: [] as (string | undefined)[] };
  const server = http.createServer((req, res) => {
    if (req.url !== '/data.bin') {
      res.writeHead(404).end('not found');
      return;
    }
    const range = req.headers.range;
    state.ranges.push(range);
    let start = 0;
    const m = range && !state.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= payload.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${payload.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${payload.length - 1}/${payload.length}`,
        'Content-Length': payload.length - start,
        'Accept-Ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'Content-Length': payload.length, 'Accept-Ranges': 'bytes' });
    }
    const body = payload.subarray(start);
    if (state.cutOnce > 0) {
      const n = state.cutOnce;
      state.cutOnce = 0;
      res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  return new Promise<{ url: string; state: typeof state; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/data.bin`,
        state,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

describe('data/download', () => {
  const payload = randomBytes(300_000);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  let srv: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  before(async () => {
    srv = await startServer(payload);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'download-test-'));
  });
  after(async () => {
    await srv.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    srv.state.cutOnce = 0;
    srv.state.ignoreRange = false;
    srv.state.ranges = [];
  });

  it('downloads, reports progress, verifies sha256 and renames atomically', async () => {
    const dest = path.join(tmp, 'a', 'data.bin');
    const seen: number[] = [];
    const res = await download(srv.url, dest, { sha256, onProgress: (r, t) => { seen.push(r); expect(t).to.equal(payload.length); } });
    expect(res).to.include({ bytes: payload.length, sha256, resumed: false, existing: false });
    expect(fs.readFileSync(dest).equals(payload)).to.equal(true);
    expect(fs.existsSync(`${dest}.part`)).to.equal(false);
    expect(seen[seen.length - 1]).to.equal(payload.length);
    // second call finds the finished file and does not ask the server again
    const again = await download(srv.url, dest, { sha256 });
    expect(again.existing).to.equal(true);
    expect(srv.state.ranges).to.have.length(1);
  });

  it('an interrupted transfer leaves dest.part; the next call resumes with Range', async () => {
    const dest = path.join(tmp, 'b.bin');
    srv.state.cutOnce = 100_000;
    let failed: unknown;
    try {
      await download(srv.url, dest, { sha256, retries: 0, onProgress: () => {} });
    } catch (err) {
      failed = err;
    }
    expect(failed).to.be.instanceOf(UserError);
    expect((failed as Error).message).to.match(/interrupted after \d+ bytes/);
    expect(fs.existsSync(dest)).to.equal(false);
    const have = fs.statSync(`${dest}.part`).size;
    expect(have).to.be.greaterThan(0);
    expect(have).to.be.below(payload.length);
    const res = await download(srv.url, dest, { sha256, onProgress: () => {} });
    expect(res.resumed).to.equal(true);
    expect(srv.state.ranges).to.deep.equal([undefined, `bytes=${have}-`]);
    expect(fs.readFileSync(dest).equals(payload)).to.equal(true);
    expect(fs.existsSync(`${dest}.part`)).to.equal(false);
  });

  it('resumes automatically within one call when retries allow', async () => {
    const dest = path.join(tmp, 'c.bin');
    srv.state.cutOnce = 50_000;
    const res = await download(srv.url, dest, { sha256, onProgress: () => {} });
    expect(res.resumed).to.equal(true);
    expect(srv.state.ranges).to.have.length(2);
    expect(srv.state.ranges[1]).to.match(/^bytes=\d+-$/);
    expect(fs.readFileSync(dest).equals(payload)).to.equal(true);
  });

  it('restarts cleanly when the server ignores Range', async () => {
    const dest = path.join(tmp, 'd.bin');
    fs.writeFileSync(`${dest}.part`, payload.subarray(0, 1000));
    srv.state.ignoreRange = true;
    const res = await download(srv.url, dest, { sha256, onProgress: () => {} });
    expect(res.resumed).to.equal(false);
    expect(fs.readFileSync(dest).equals(payload)).to.equal(true);
  });

  it('a complete part file is finished without downloading again (416)', async () => {
    const dest = path.join(tmp, 'e.bin');
    fs.writeFileSync(`${dest}.part`, payload);
    const res = await download(srv.url, dest, { sha256, onProgress: () => {} });
    expect(fs.readFileSync(dest).equals(payload)).to.equal(true);
    expect(res.bytes).to.equal(payload.length);
  });

  it('a bad checksum removes the part file and throws UserError', async () => {
    const dest = path.join(tmp, 'f.bin');
    try {
      await download(srv.url, dest, { sha256: '0'.repeat(64), onProgress: () => {} });
      expect.fail('expected a UserError');
    } catch (err) {
      expect(err).to.be.instanceOf(UserError);
      expect((err as Error).message).to.match(/checksum mismatch/);
    }
    expect(fs.existsSync(dest)).to.equal(false);
    expect(fs.existsSync(`${dest}.part`)).to.equal(false);
    // md5 is checked too
    const md5 = createHash('md5').update(payload).digest('hex');
    const ok = await download(srv.url, dest, { md5, onProgress: () => {} });
    expect(ok.bytes).to.equal(payload.length);
  });

  it('HTTP errors are a UserError naming the URL', async () => {
    const url = srv.url.replace('data.bin', 'missing.bin');
    try {
      await download(url, path.join(tmp, 'g.bin'), { onProgress: () => {} });
      expect.fail('expected a UserError');
    } catch (err) {
      expect(err).to.be.instanceOf(UserError);
      expect((err as Error).message).to.include('HTTP 404').and.include(url);
    }
  });

  it('the registry names its data sets with URL, licence and checksum status', () => {
    expect(Object.keys(KNOWN_DATASETS)).to.include.members(['celeba-align']);
    for (const d of Object.values(KNOWN_DATASETS)) {
      expect(d.licence).to.be.a('string').and.not.equal('');
      expect(d.checksumVerified).to.be.a('boolean');
      if (d.url) expect(d.url).to.match(/^https:\/\//);
    }
    expect(() => knownDataset('imagenet')).to.throw(UserError, /unknown data set/);
  });
});
