import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { ImageFolder } from '../../lib/data/imageFolder';
import { writeSynthDataset } from '../../lib/data/synth';
import { Rng, UserError } from '../../lib/util';

/** A w×h PNG whose pixels all equal `v` (grey level), optionally with alpha. */
function solid(w: number, h: number, v: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: v, g: v, b: v } } })
    [format]()
    .toBuffer();
}

describe('data/imageFolder', () => {
  let tmp: string;
  let warn: typeof console.warn;
  let warnings: string[];
  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imagefolder-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    warnings = [];
    warn = console.warn;
    console.warn = (...a: unknown[]) => warnings.push(a.join(' '));
  });
  afterEach(() => (console.warn = warn));

  it('reads JPEG, PNG and WebP, resizes, and scales to [-1, 1]', async () => {
    const dir = path.join(tmp, 'mixed');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.png'), await solid(20, 30, 0));
    fs.writeFileSync(path.join(dir, 'b.jpg'), await solid(50, 40, 255, 'jpeg'));
    fs.writeFileSync(path.join(dir, 'c.webp'), await solid(16, 16, 128, 'webp'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const ds = await ImageFolder.open(dir, { size: [8, 6] });
    expect(ds.length).to.equal(3);
    expect(ds.skipped).to.equal(0);
    expect(ds.files).to.deep.equal(['a.png', 'b.jpg', 'c.webp']);
    const before = tf.memory().numTensors;
    const x = ds.batchAt([0, 1, 2]);
    expect(x.shape).to.deep.equal([3, 8, 6, 3]);
    const v = await x.data();
    const per = 8 * 6 * 3;
    expect(Math.max(...v.slice(0, per))).to.equal(-1);
    expect(Math.min(...v.slice(per, 2 * per))).to.be.closeTo(1, 0.02);
    expect(v[2 * per]).to.be.closeTo(128 / 127.5 - 1, 0.03);
    x.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('uses dir/images when present and reads synthetic attributes beside it', async () => {
    const out = path.join(tmp, 'synth');
    await writeSynthDataset({ domain: 'face', n: 10, size: [20, 16], seed: 0, out });
    const ds = await ImageFolder.open(out, { size: [20, 16] });
    expect(ds.length).to.equal(10);
    expect(ds.root).to.equal(path.join(out, 'images'));
    expect(ds.attributes).to.have.length(10);
    expect(ds.attributes![3].file).to.equal('000003.png');
    // decoded bytes equal the PNG's pixels (no resize at the same size)
    const { data } = await sharp(path.join(out, 'images', '000003.png')).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.from(ds.image(3)).equals(data)).to.equal(true);
  });

  it('batches: shapes, dropLast, every image once per epoch, seeded shuffle, no leaks', async () => {
    const out = path.join(tmp, 'synth10');
    await writeSynthDataset({ domain: 'anime', n: 10, size: [12, 12], seed: 1, out });
    const ds = await ImageFolder.open(out, { size: [12, 12] });
    const before = tf.memory().numTensors;
    const shapes: number[][] = [];
    for (const b of ds.batches(4, new Rng(3))) {
      shapes.push(b.shape);
      const v = await b.data();
      expect(Math.min(...v)).to.be.at.least(-1);
      expect(Math.max(...v)).to.be.at.most(1);
      b.dispose();
    }
    expect(shapes).to.deep.equal([[4, 12, 12, 3], [4, 12, 12, 3], [2, 12, 12, 3]]);
    expect([...ds.batches(4, new Rng(3), { dropLast: true })].map((b) => (b.dispose(), b.shape[0]))).to.deep.equal([4, 4]);
    expect(ds.numBatches(4)).to.equal(3);
    expect(ds.numBatches(4, { dropLast: true })).to.equal(2);
    expect(tf.memory().numTensors).to.equal(before);

    const e1 = ds.batchIndices(4, new Rng(3));
    expect(e1).to.deep.equal(ds.batchIndices(4, new Rng(3)));
    expect(e1.flat().sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1.flat()).to.not.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ds.batchIndices(4, new Rng(4)).flat()).to.not.deep.equal(e1.flat());
    expect(ds.batchIndices(4).flat()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    // the same indices give the same tensor values
    const a = ds.batchAt(e1[0]);
    const b = [...ds.batches(4, new Rng(3))];
    expect(Array.from(await a.data())).to.deep.equal(Array.from(await b[0].data()));
    tf.dispose([a, ...b]);

    const s1 = ds.sample(5, new Rng(9));
    const s2 = ds.sample(5, new Rng(9));
    expect(s1.shape).to.deep.equal([5, 12, 12, 3]);
    expect(Array.from(await s1.data())).to.deep.equal(Array.from(await s2.data()));
    const big = ds.sample(25, new Rng(1));
    expect(big.shape[0]).to.equal(25);
    tf.dispose([s1, s2, big]);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('skips corrupt and truncated files with a count and one warning line', async () => {
    const dir = path.join(tmp, 'corrupt');
    fs.mkdirSync(dir);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `${i}.png`), await solid(10, 10, 40 * i));
    fs.writeFileSync(path.join(dir, '4.jpg'), Buffer.from('this is not a jpeg at all'));
    const good = await solid(10, 10, 200);
    fs.writeFileSync(path.join(dir, '5.png'), good.subarray(0, Math.floor(good.length / 2)));
    fs.writeFileSync(path.join(dir, '6.webp'), Buffer.alloc(0));
    const ds = await ImageFolder.open(dir, { size: [10, 10] });
    expect(ds.length).to.equal(4);
    expect(ds.skipped).to.equal(3);
    expect(ds.skippedFiles.map((s) => s.file)).to.deep.equal(['4.jpg', '5.png', '6.webp']);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/skipped 3 unreadable image\(s\)/);
    // the kept images are the right ones, in order
    expect(ds.files).to.deep.equal(['0.png', '1.png', '2.png', '3.png']);
    expect(ds.image(3)[0]).to.equal(120);
    const x = ds.batchAt([0, 1, 2, 3]);
    x.dispose();
  });

  it('diskCache: a second open reads the decoded bytes from the cache until a file changes', async () => {
    const prev = process.env.ANIME_GAN_CACHE;
    process.env.ANIME_GAN_CACHE = path.join(tmp, 'cache');
    try {
      const dir = path.join(tmp, 'cached');
      fs.mkdirSync(dir);
      for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dir, `${i}.png`), await solid(6, 6, 50 * i));
      fs.writeFileSync(path.join(dir, 'bad.png'), 'garbage');
      const first = await ImageFolder.open(dir, { size: [6, 6], diskCache: true, quiet: true });
      const cacheDir = path.join(tmp, 'cache', 'decoded');
      const bin = fs.readdirSync(cacheDir).find((f) => f.endsWith('.u8'))!;
      expect(fs.statSync(path.join(cacheDir, bin)).size).to.equal(3 * 6 * 6 * 3);
      // tamper with the cached bytes: a cache hit returns them
      fs.writeFileSync(path.join(cacheDir, bin), Buffer.alloc(3 * 6 * 6 * 3, 7));
      const second = await ImageFolder.open(dir, { size: [6, 6], diskCache: true, quiet: true });
      expect(second.files).to.deep.equal(first.files);
      expect(second.skipped).to.equal(1);
      expect(second.image(2)[0]).to.equal(7);
      // a changed file changes the key: decoded again
      const t = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(dir, '2.png'), t, t);
      const third = await ImageFolder.open(dir, { size: [6, 6], diskCache: true, quiet: true });
      expect(third.image(2)[0]).to.equal(100);
    } finally {
      if (prev === undefined) delete process.env.ANIME_GAN_CACHE;
      else process.env.ANIME_GAN_CACHE = prev;
    }
  });

  it('limit reads only the first files in natural order', async () => {
    const dir = path.join(tmp, 'order');
    fs.mkdirSync(dir);
    for (const i of [1, 2, 10, 11]) fs.writeFileSync(path.join(dir, `${i}.png`), await solid(4, 4, i));
    const ds = await ImageFolder.open(dir, { size: [4, 4], limit: 3 });
    expect(ds.files).to.deep.equal(['1.png', '2.png', '10.png']);
    // `from` skips the first files: a split's held-out part.
    expect((await ImageFolder.open(dir, { size: [4, 4], from: 2 })).files).to.deep.equal(['10.png', '11.png']);
    expect((await ImageFolder.open(dir, { size: [4, 4], from: 1, limit: 2 })).files).to.deep.equal(['2.png', '10.png']);
    await expectUserError(ImageFolder.open(dir, { size: [4, 4], from: 4 }), 'from 4 leaves none of the 4 images');
  });

  it('missing, empty or unreadable folders give a UserError naming the path', async () => {
    const missing = path.join(tmp, 'nope');
    await expectUserError(ImageFolder.open(missing, { size: [8, 8] }), missing);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'readme.md'), '#');
    await expectUserError(ImageFolder.open(empty, { size: [8, 8] }), empty);
    const bad = path.join(tmp, 'allbad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'x.png'), 'garbage');
    await expectUserError(ImageFolder.open(bad, { size: [8, 8] }), bad);
    await expectUserError(ImageFolder.open(empty, { size: [8, 8], preprocess: 'zoom' as any }), 'zoom');
  });

  describe('real data (DATA_ROOT)', () => {
    before(function () {
      if (!process.env.DATA_ROOT) {
        console.log('      skipped: DATA_ROOT not set');
        this.skip();
      }
    });

    it('reads anime faces at 96×96 and CelebA 178×218 at 128×160', async () => {
      const root = process.env.DATA_ROOT!;
      const anime = await ImageFolder.open(path.join(root, 'anime-faces-96'), { size: [96, 96], preprocess: 'anime', limit: 64 });
      expect(anime.length).to.equal(64);
      expect(anime.skipped).to.equal(0);
      const celeba = await ImageFolder.open(path.join(root, 'celeba-178x218'), { size: [160, 128], preprocess: 'celeba' });
      expect(celeba.length).to.equal(32);
      const half = await ImageFolder.open(path.join(root, 'celeba-89x109'), { size: [80, 64], preprocess: 'celeba', limit: 16 });
      const x = half.batchAt([0, 1]);
      expect(x.shape).to.deep.equal([2, 80, 64, 3]);
      const v = await x.data();
      // real photos span most of the range
      expect(Math.min(...v)).to.be.below(-0.5);
      expect(Math.max(...v)).to.be.above(0.5);
      x.dispose();
    });
  });
});

async function expectUserError(p: Promise<unknown>, mention: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.include(mention);
    return;
  }
  expect.fail('expected a UserError');
}
