import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { removeTempFiles, writeFileAtomic } from '../../lib/util/atomicWrite';
import { UserError } from '../../lib/util/errors';
import { mountTinyTmpfs } from './tinyTmpfs';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'agw-atomic-'));
const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));

// The module object itself (the `import * as` namespace above only has getters onto it).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const fsModule: typeof fs = require('fs');

/** Make fs.writeSync behave as on a nearly full disk: short writes, then ENOSPC. */
function withShortWrites<T>(opts: { perCall: number; budget: number }, f: () => T): T {
  const real = fsModule.writeSync;
  let left = opts.budget;
  (fsModule as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset) => {
    if (left <= 0) {
      const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    }
    const n = Math.min(length, opts.perCall, left);
    left -= n;
    return real(fd, buf, offset, n);
  };
  try {
    return f();
  } finally {
    (fsModule as { writeSync: unknown }).writeSync = real;
  }
}

describe('util/atomicWrite', () => {
  it('a write that stops short (full disk) keeps the previous file, removes the temporary one and names the file', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.ckpt');
    const good = Buffer.alloc(50_000, 7);
    writeFileAtomic(file, good);
    let err: unknown;
    try {
      withShortWrites({ perCall: 20_480, budget: 20_480 }, () => writeFileAtomic(file, Buffer.alloc(50_000, 9)));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.include(file).and.match(/no space left/).and.match(/previous version is kept/);
    expect(fs.readFileSync(file).equals(good)).to.equal(true);
    expect(leftovers(dir)).to.deep.equal([]);
  });

  it('retries short writes until every byte is written', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'a.bin');
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    withShortWrites({ perCall: 999, budget: Infinity }, () => writeFileAtomic(file, data));
    expect(fs.readFileSync(file).equals(data)).to.equal(true);
  });

  it('a folder as the target is one clear error and leaves no temporary file', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'out.png'));
    expect(() => writeFileAtomic(path.join(dir, 'out.png'), 'x')).to.throw(UserError, /is a folder/);
    expect(leftovers(dir)).to.deep.equal([]);
  });

  it("removes a killed writer's temporary files", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'checkpoint.ckpt.tmp-12345-1700000000000'), 'partial');
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    expect(removeTempFiles(dir)).to.deep.equal(['checkpoint.ckpt.tmp-12345-1700000000000']);
    expect(fs.readdirSync(dir)).to.deep.equal(['keep.txt']);
  });

  describe('on a real full file system (a 64 KB tmpfs)', () => {
    let mnt = '';
    before(function () {
      const why = mountTinyTmpfs();
      if (typeof why === 'string') {
        console.log(`      SKIPPED: ${why}`);
        this.skip();
      }
      mnt = why.dir;
    });
    after(() => {
      if (mnt) {
        execFileSync('umount', [mnt]);
        fs.rmdirSync(mnt);
      }
    });

    it('ENOSPC keeps the previous file intact and leaves no temporary file', () => {
      const file = path.join(mnt, 'checkpoint.ckpt');
      const good = Buffer.alloc(16_000, 1);
      writeFileAtomic(file, good);
      // Fill the rest of the file system.
      const fill = fs.openSync(path.join(mnt, 'filler'), 'w');
      try {
        for (;;) fs.writeSync(fill, Buffer.alloc(4096));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).to.equal('ENOSPC');
      } finally {
        fs.closeSync(fill);
      }
      fs.truncateSync(path.join(mnt, 'filler'), fs.statSync(path.join(mnt, 'filler')).size - 8192); // room for a partial write
      expect(() => writeFileAtomic(file, Buffer.alloc(40_000, 2))).to.throw(UserError, /cannot write .*checkpoint\.ckpt: no space left/);
      expect(fs.readFileSync(file).equals(good)).to.equal(true);
      expect(leftovers(mnt)).to.deep.equal([]);
    });
  });
});
