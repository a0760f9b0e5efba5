import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { Command } from 'commander';
import { registerMetricsCommands } from '../../lib/cli/commands/metrics';
import { computeFid as fidCommand, computeInceptionScore as isCommand, computeKid as kidCommand, computeStatistics as statsCommand } from '../../lib/metrics/evaluate';
import { readStatistics, writeStatistics } from '../../lib/metrics/npz';
import { registerExtractor } from '../../lib/metrics/extractors/registry';
import { disposeExtractors } from '../../lib/metrics/folderFeatures';
import { UserError } from '../../lib/util/errors';
import { FIXTURES, reference, relErr } from './helpers';

/** Run the metrics subcommands as the command line would, capturing their output lines. */
async function run(args: string[], cacheDir: string | false = false): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command('anime-gan').exitOverride();
  registerMetricsCommands(program, { out: (l) => lines.push(l), initBackend: async () => undefined, cacheDir });
  await program.parseAsync(['node', 'anime-gan', ...args]);
  return lines;
}

/**
 * A tiny deterministic extractor for the folder path: per-image channel means and standard
 * deviations (6-d features) and a softmax over the channel means (3 classes). It counts its
 * calls so the tests can see the cache working.
 */
let fakeCalls = 0;
registerExtractor('test-channel-stats', async () => ({
  name: 'test-channel-stats',
  dim: 6,
  classes: 3,
  description: 'channel statistics (test only)',
  async extract(images: tf.Tensor4D) {
    fakeCalls++;
    const { features, probs } = tf.tidy(() => {
      const m = tf.moments(images, [1, 2]);
      const f = tf.concat([m.mean, tf.sqrt(m.variance)], 1);
      return { features: f.dataSync() as Float32Array, probs: tf.softmax(m.mean.mul(4)).dataSync() as Float32Array };
    });
    return { features: Float32Array.from(features), probs: Float32Array.from(probs) };
  },
  dispose() {},
}));

async function writeImages(dir: string, n: number, size: number, seed: number, bright: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(size * size * 3);
    const base = [rnd(), rnd(), rnd()].map((v) => v * 255 * bright);
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.min(255, base[c] + rnd() * 60);
    await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(path.join(dir, `img${String(i).padStart(3, '0')}.png`));
  }
}

describe('metrics command line (fid, is, kid, stats)', () => {
  let tmp: string;
  const npzA = path.join(FIXTURES, reference.npz.a);
  const npzB = path.join(FIXTURES, reference.npz.b);
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-cli-'));
    // initBackend is stubbed in run(): pick one here so the file also runs on its own.
    await tf.setBackend('cpu');
  });
  after(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await disposeExtractors();
  });

  it('`fid a.npz b.npz --json` on NumPy-written files gives scipy\'s answer', async () => {
    const [line, ...rest] = await run(['fid', npzA, npzB, '--json']);
    expect(rest).to.have.length(0);
    const r = JSON.parse(line);
    expect(relErr(r.fid, reference.npz.fid)).to.be.below(1e-6);
    expect(relErr(r.fid, reference.npz.fid)).to.be.below(1e-12); // in fact to rounding
    expect(r).to.include({ n1: null, n2: null, features: null });
  });

  it('prints one human-readable line without --json', async () => {
    const lines = await run(['fid', npzA, npzB]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^FID \d+\.\d{4} /);
  });

  it('bad inputs are one-line UserErrors', async () => {
    const bad = async (p: Promise<unknown>, re: RegExp) => {
      let err: unknown;
      try {
        await p;
      } catch (e) {
        err = e;
      }
      expect(err, `expected a UserError matching ${re}`).to.be.instanceOf(UserError);
      expect((err as Error).message).to.match(re);
      expect((err as Error).message).to.not.include('\n');
    };
    await bad(fidCommand(path.join(tmp, 'nope.npz'), npzB), /not found/);
    const corrupt = path.join(tmp, 'corrupt.npz');
    fs.writeFileSync(corrupt, Buffer.from('PK\u0003\u0004 definitely not a zip'));
    await bad(fidCommand(corrupt, npzB), /not a valid .npz/);
    const small = path.join(tmp, 'small.npz');
    writeStatistics(small, { mu: new Float64Array(3), sigma: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), dim: 3 });
    await bad(fidCommand(small, npzB), /dimensions differ/);
    const text = path.join(tmp, 'notes.txt');
    fs.writeFileSync(text, 'hi');
    await bad(fidCommand(text, npzB), /not a .npz/);
    await bad(kidCommand(npzA, npzB), /KID needs features/);
    await bad(isCommand(npzA), /needs class probabilities/);
    await bad(statsCommand(npzA, path.join(tmp, 'x.npz')), /already holds statistics/);
  });

  describe('on image folders (through the extractor registry)', () => {
    let real: string;
    let other: string;
    before(async () => {
      real = path.join(tmp, 'real');
      other = path.join(tmp, 'other');
      await writeImages(real, 30, 8, 1, 0.7);
      await writeImages(other, 30, 8, 2, 0.3);
    });

    it('fid of a folder with itself is ~0 and with a different folder is larger; features are cached', async () => {
      const cache = path.join(tmp, 'cache');
      const before = fakeCalls;
      const [same] = await run(['fid', real, real, '--features', 'test-channel-stats', '--json'], cache);
      const callsForFirst = fakeCalls - before;
      expect(callsForFirst).to.equal(1); // the second read of `real` came from the cache
      const s = JSON.parse(same);
      expect(Math.abs(s.fid)).to.be.below(1e-9);
      expect(s).to.include({ n1: 30, n2: 30, features: 'test-channel-stats' });
      const [diff] = await run(['fid', real, other, '--features', 'test-channel-stats', '--json'], cache);
      expect(JSON.parse(diff).fid).to.be.above(0.01);
      expect(fs.readdirSync(cache).filter((f) => f.endsWith('.f32'))).to.have.length(2);
      // the cache returns the same numbers as a fresh extraction
      const fresh = await fidCommand(real, other, { features: 'test-channel-stats' }, { cacheDir: false });
      expect(fresh.fid).to.equal(JSON.parse(diff).fid);
    });

    it('--n takes the first n images; stats writes pytorch-fid .npz usable by fid', async () => {
      const out = path.join(tmp, 'real.npz');
      const [line] = await run(['stats', real, '--out', out, '--features', 'test-channel-stats', '--n', '20', '--json']);
      expect(JSON.parse(line)).to.include({ n: 20, dim: 6 });
      const st = readStatistics(out);
      expect(st.dim).to.equal(6);
      const r = await fidCommand(out, real, { features: 'test-channel-stats', n: 20 }, { cacheDir: false });
      expect(Math.abs(r.fid)).to.be.below(1e-9);
      expect(r).to.include({ n1: null, n2: 20 });
    });

    it('is and kid run on folders', async () => {
      const [isLine] = await run(['is', real, '--features', 'test-channel-stats', '--splits', '3', '--json']);
      const is = JSON.parse(isLine);
      expect(is.is).to.be.at.least(1).and.at.most(3);
      expect(is).to.include({ n: 30, splits: 3, classes: 3 });
      const [kidLine] = await run(['kid', real, other, '--features', 'test-channel-stats', '--subsets', '10', '--json']);
      const kid = JSON.parse(kidLine);
      expect(kid).to.include({ n1: 30, n2: 30, subsets: 10, subsetSize: 30 });
      expect(kid.kid).to.be.above(0);
    });

    it('warns that fid and kid are unreliable with fewer images than feature dimensions (3 images, 6-d features)', async () => {
      const write = process.stderr.write.bind(process.stderr);
      let stderr = '';
      (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => ((stderr += chunk.toString()), true);
      let fid: string;
      let kid: string;
      try {
        [fid] = await run(['fid', real, other, '--features', 'test-channel-stats', '--n', '3', '--json']);
        [kid] = await run(['kid', real, other, '--features', 'test-channel-stats', '--n', '3', '--json']);
      } finally {
        (process.stderr as { write: unknown }).write = write;
      }
      expect(JSON.parse(fid).warnings).to.have.length(1);
      expect(stderr).to.match(/anime-gan: warning: FID from 3 images with 6-d features is unreliable/);
      expect(stderr).to.match(/anime-gan: warning: KID from 3 images with 6-d features is unreliable/);
      expect(stderr).to.match(/all 100 KID subsets hold the same 3 images/);
      const enough = await fidCommand(real, other, { features: 'test-channel-stats' }, { cacheDir: false });
      expect(enough.warnings).to.deep.equal([]);
    });

    it('images of different sizes are a UserError', async () => {
      const mixed = path.join(tmp, 'mixed');
      await writeImages(mixed, 2, 8, 3, 0.5);
      await sharp(Buffer.alloc(10 * 10 * 3), { raw: { width: 10, height: 10, channels: 3 } }).png().toFile(path.join(mixed, 'zz.png'));
      let err: unknown;
      try {
        await fidCommand(mixed, real, { features: 'test-channel-stats' }, { cacheDir: false });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UserError);
      expect((err as Error).message).to.match(/differ in size/);
    });

    it('samples a run folder (an untrained DCGAN) and scores it against a folder', async function () {
      this.timeout(300_000);
      const { initBackend } = await import('../../lib/backend');
      const { resolveConfig } = await import('../../lib/presets');
      const { train } = await import('../../lib/train/trainer');
      await initBackend({ quiet: true });
      const runDir = path.join(tmp, 'run');
      const src = {
        length: 8,
        batchAt: (idx: number[]) => tf.zeros([idx.length, 32, 32, 3]) as tf.Tensor4D,
      };
      const config = resolveConfig('dcgan', 'smoke', { steps: 1, checkpointEvery: 1, sampleEvery: 1 });
      await train({ config, out: runDir, data: src, dataPaths: { a: 'mem' } });
      const n0 = tf.memory().numTensors;
      const [line] = await run(['fid', runDir, real, '--features', 'test-channel-stats', '--n', '12', '--json']);
      const r = JSON.parse(line);
      expect(r).to.include({ n1: 12, n2: 12, features: 'test-channel-stats' });
      expect(r.fid).to.be.above(0);
      // the same seed draws the same samples (up to the backend's float32 reduction order)
      const again = await fidCommand(runDir, real, { features: 'test-channel-stats', n: 12 }, { cacheDir: false });
      expect(relErr(again.fid, r.fid)).to.be.below(1e-4);
      expect(tf.memory().numTensors).to.equal(n0);
      // Features themselves: the default seed (0, which tf.js reads as "unseeded" when passed as
      // is) draws the same samples every call; another seed draws others.
      const { runFeatures } = await import('../../lib/metrics/folderFeatures');
      const feats = (seed?: number) => runFeatures(runDir, { extractor: 'test-channel-stats', n: 12, seed }).then((f) => Array.from(f.features));
      const first = await feats();
      expect(await feats(), 'default seed, twice').to.deep.equal(first);
      expect(await feats(0), 'seed 0 is the default').to.deep.equal(first);
      expect(await feats(5), 'another seed').to.not.deep.equal(first);
    });

    it('does not leak tensors', async () => {
      const n0 = tf.memory().numTensors;
      await fidCommand(real, other, { features: 'test-channel-stats' }, { cacheDir: false });
      expect(tf.memory().numTensors).to.equal(n0);
    });
  });
});
