import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../lib/cli/main';
import { writeSynthDataset } from '../../lib/data/synth';
import { loadRun } from '../../lib/train/trainer';
import { chunkSeed } from '../../lib/train/sampling';
import { tmpDir } from '../train/support';
import { runCli } from './support';

/** Run the command line in-process; returns its exit code and what it wrote to stderr. */
const run = runCli;

/** Every PNG of a folder: its size, channels and pixel range. */
async function readPngs(dir: string) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  return Promise.all(
    files.map(async (f) => {
      const { data, info } = await sharp(path.join(dir, f)).raw().toBuffer({ resolveWithObject: true });
      let min = 255, max = 0;
      for (const v of data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      return { file: f, width: info.width, height: info.height, channels: info.channels, min, max };
    }),
  );
}

describe('cli: anime-gan sample --out-dir', function () {
  let cache: string;
  let dcgan: string;
  let cycle: string;
  before(async () => {
    cache = tmpDir('sample-cache');
    process.env.ANIME_GAN_CACHE = cache;
    dcgan = path.join(tmpDir('sample-dcgan'), 'run');
    cycle = path.join(tmpDir('sample-cycle'), 'run');
    let r = await run('train', 'dcgan', '--preset', 'smoke', '--out', dcgan);
    expect(r.code, r.stderr).to.equal(0);
    r = await run('train', 'proposed', '--preset', 'smoke', '--out', cycle);
    expect(r.code, r.stderr).to.equal(0);
  });
  after(() => {
    delete process.env.ANIME_GAN_CACHE;
  });

  it('writes N individual 32x32 RGB PNGs from noise, with real pixel variation, and the grid beside them', async function () {
    const before = tf.memory().numTensors;
    const dir = path.join(tmpDir('sample-out'), 'pngs');
    const grid = path.join(dir, '..', 'grid.png');
    const r = await run('sample', '--run', dcgan, '--n', '7', '--out-dir', dir, '--out', grid);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`wrote 7 PNGs to ${path.resolve(dir)}`);
    const pngs = await readPngs(dir);
    expect(pngs.map((p) => p.file)).to.deep.equal(['000000', '000001', '000002', '000003', '000004', '000005', '000006'].map((s) => `${s}.png`));
    for (const p of pngs) expect(p).to.include({ width: 32, height: 32, channels: 3 });
    // each PNG holds the model's sample mapped from [-1, 1] to bytes: round((clip(x) + 1) * 127.5)
    const { model } = loadRun(dcgan);
    if (model.conditional) throw new Error('expected a noise model');
    const x = model.sample(7, chunkSeed(0, 0));
    const bytes = tf.tidy(() => x.clipByValue(-1, 1).add(1).mul(127.5).round());
    const want = await bytes.data();
    bytes.dispose();
    const values = await x.data();
    tf.dispose(x);
    model.dispose();
    const per = 32 * 32 * 3;
    for (let i = 0; i < 7; i++) {
      const { data } = await sharp(path.join(dir, pngs[i].file)).raw().toBuffer({ resolveWithObject: true });
      expect(Array.from(data)).to.deep.equal(Array.from(want.subarray(i * per, (i + 1) * per)));
    }
    expect(Math.min(...values)).to.be.at.least(-1);
    expect(Math.max(...values)).to.be.at.most(1);
    expect(Math.max(...values) - Math.min(...values)).to.be.greaterThan(0);
    const g = await sharp(grid).metadata();
    expect(g.width).to.equal(3 * 32 + 4 * 2); // ceil(sqrt(7)) = 3 per row, padding 2
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('more than one noise chunk: --n 150 gives 150 files; the first ones match a smaller --n to within one grey level; the default seed is reproducible', async function () {
    const a = path.join(tmpDir('sample-many'), 'a');
    const b = path.join(tmpDir('sample-few'), 'b');
    expect((await run('sample', '--run', dcgan, '--n', '150', '--out-dir', a)).code).to.equal(0);
    expect((await run('sample', '--run', dcgan, '--n', '3', '--out-dir', b)).code).to.equal(0);
    expect(fs.readdirSync(a).filter((f) => f.endsWith('.png'))).to.have.length(150);
    expect(fs.readdirSync(a).sort()[149]).to.equal('000149.png');
    const c = path.join(tmpDir('sample-again'), 'c');
    expect((await run('sample', '--run', dcgan, '--n', '3', '--out-dir', c)).code).to.equal(0);
    for (const f of fs.readdirSync(b)) expect(fs.readFileSync(path.join(b, f)).equals(fs.readFileSync(path.join(c, f))), f).to.equal(true);
    // the same noise; a batch of 100 and one of 3 may round differently in the last bit
    for (const f of fs.readdirSync(b)) {
      const [pa, pb] = await Promise.all([a, b].map((d) => sharp(path.join(d, f)).raw().toBuffer()));
      let diff = 0;
      for (let i = 0; i < pa.length; i++) diff = Math.max(diff, Math.abs(pa[i] - pb[i]));
      expect(diff, f).to.be.at.most(1);
    }
  });

  it('translates the images of a folder with the cycle model, in both directions, keeping their names', async function () {
    const input = path.join(tmpDir('sample-input'), 'faces');
    await writeSynthDataset({ domain: 'face', n: 5, size: [48, 40], seed: 3, out: input });
    // names unlike the index names, so keeping them is visible
    for (const f of fs.readdirSync(path.join(input, 'images'))) fs.renameSync(path.join(input, 'images', f), path.join(input, 'images', `face-${f}`));
    const dirs: string[] = [];
    for (const direction of ['a2b', 'b2a']) {
      const dir = path.join(tmpDir(`sample-${direction}`), 'out');
      dirs.push(dir);
      const grid = path.join(dir, '..', 'grid.png');
      const r = await run('sample', '--run', cycle, '--input', input, '--direction', direction, '--out-dir', dir, '--out', grid);
      expect(r.code, r.stderr).to.equal(0);
      const pngs = await readPngs(dir);
      const names = fs.readdirSync(path.join(input, 'images')).map((f) => `${path.parse(f).name}.png`).sort();
      expect(pngs.map((p) => p.file)).to.deep.equal(names);
      for (const p of pngs) expect(p).to.include({ width: 32, height: 32, channels: 3 });
      expect(pngs.some((p) => p.max - p.min > 10)).to.equal(true);
      const g = await sharp(grid).metadata();
      expect([g.width, g.height]).to.deep.equal([5 * 32 + 6 * 2, 2 * 32 + 3 * 2]); // inputs over translations
    }
    // the two directions use different generators (G and F)
    const first = fs.readdirSync(dirs[0])[0];
    expect(fs.readFileSync(path.join(dirs[0], first)).equals(fs.readFileSync(path.join(dirs[1], first)))).to.equal(false);
    const r = await run('sample', '--run', cycle, '--input', input, '--n', '2', '--out-dir', path.join(tmpDir('sample-n'), 'o'));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include('wrote 2 PNGs');
  });

  for (const [what, args, message] of [
    ['neither --out nor --out-dir', ['sample', '--run', 'DCGAN'], /give --out FILE.png \(a grid\) and\/or --out-dir DIR/],
    ['--input for a noise model', ['sample', '--run', 'DCGAN', '--input', '.', '--out-dir', 'x'], /--input and --direction translate images with the cycle model/],
    ['an unknown direction', ['sample', '--run', 'CYCLE', '--direction', 'sideways', '--out-dir', 'x'], /argument 'sideways' is invalid/],
  ] as const) {
    it(`rejects ${what} with one line and a non-zero exit`, async function () {
      const a = (args as readonly string[]).map((x) => (x === 'DCGAN' ? dcgan : x === 'CYCLE' ? cycle : x === 'x' ? path.join(tmpDir('bad'), 'x') : x));
      const r = await run(...a);
      expect(r.code).to.not.equal(0);
      const lines = r.stderr.split('\n').filter((l) => /^(anime-gan: |error: )/.test(l));
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(message as RegExp);
    });
  }
});
