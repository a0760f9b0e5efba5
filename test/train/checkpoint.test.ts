import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readCheckpoint, writeCheckpoint } from '../../lib/train/checkpoint';
import { UserError } from '../../lib/util/errors';
import { tmpDir } from './support';

const arrays = () => [{ name: 'w', shape: [4], dtype: 'float32' as const, data: Float32Array.from([1, 2, 3, 4]) }];
const meta = { config: { lr: 0.0002 }, step: 400 };

describe('train/checkpoint', () => {
  it('round-trips meta and arrays', () => {
    const file = path.join(tmpDir('ckpt'), 'c.ckpt');
    writeCheckpoint(file, meta, arrays());
    const r = readCheckpoint<typeof meta>(file);
    expect(r.meta).to.deep.equal(meta);
    expect(Array.from(r.arrays.get('w')!.data)).to.deep.equal([1, 2, 3, 4]);
  });

  for (const [what, from, to] of [
    ['the learning rate', '"lr":0.0002', '"lr":0.0003'],
    ['the step', '"step":400', '"step":500'],
  ] as const) {
    it(`detects ${what} altered in the header (the checksum covers header and tensors)`, () => {
      const file = path.join(tmpDir('ckpt'), 'c.ckpt');
      writeCheckpoint(file, meta, arrays());
      const bytes = fs.readFileSync(file);
      const at = bytes.indexOf(from);
      expect(at).to.be.above(0);
      bytes.write(to, at, 'latin1'); // same length: one digit changed
      fs.writeFileSync(file, bytes);
      expect(() => readCheckpoint(file)).to.throw(UserError, /checksum mismatch/);
    });
  }

  it('detects a truncated file', () => {
    const file = path.join(tmpDir('ckpt'), 'c.ckpt');
    writeCheckpoint(file, meta, arrays());
    fs.truncateSync(file, fs.statSync(file).size - 3);
    expect(() => readCheckpoint(file)).to.throw(UserError, /corrupt checkpoint/);
  });

  it('still reads version 1 files (checksum of the tensors in the header)', () => {
    const file = path.join(tmpDir('ckpt'), 'v1.ckpt');
    const payload = Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer);
    const header = Buffer.from(
      JSON.stringify({
        version: 1,
        meta,
        tensors: [{ name: 'w', shape: [4], dtype: 'float32', offset: 0, bytes: 16 }],
        sha256: crypto.createHash('sha256').update(payload).digest('hex'),
      }),
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length, 0);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('AGWCKPT1'), len, header, payload]));
    expect(readCheckpoint<typeof meta>(file).meta.step).to.equal(400);
  });
});
