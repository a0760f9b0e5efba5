import { expect } from 'chai';
import * as fs from 'fs';
import { initBackend } from '../../lib/backend';
import * as path from 'path';
import sharp from 'sharp';
import { ensureRun, ensureRunsParallel, experimentConfig, ExperimentOptions, openScoringData, REAL_DATA_DIRS } from '../../lib/paper/experiments';
import { folderSplit, heldOutCount } from '../../lib/data/split';
import { translationFigures } from '../../lib/paper/figures';
import { requestInterrupt, TrainingInterrupted } from '../../lib/train/interrupt';
import { isComplete, readLog, readRunMeta, runPaths } from '../../lib/train/runFolder';
import { tmpDir } from '../train/support';

describe('paper/experiments: run reuse', function () {
  this.timeout(300_000);
  let base: ExperimentOptions;
  before(async () => {
    await initBackend({ quiet: true });
    base = { preset: 'smoke', runsDir: tmpDir('runs') };
    process.env.ANIME_GAN_CACHE = tmpDir('cache');
  });
  after(() => delete process.env.ANIME_GAN_CACHE);

  it('reverting a { steps: 6 } override to {} trains the 4-step run again instead of reusing the 6-step one', async () => {
    const dir = await ensureRun({ ...base, overrides: { steps: 6 } }, 'dcgan', 'anime', 0);
    expect(readRunMeta(dir).step).to.equal(6);
    await ensureRun({ ...base, overrides: {} }, 'dcgan', 'anime', 0);
    const meta = readRunMeta(dir);
    expect([meta.step, meta.config.steps]).to.deep.equal([4, 4]);
    expect(readLog(dir).map((r) => r.step)).to.deep.equal([1, 2, 3, 4]);
  });

  it('an interrupted run is not reused: the next call continues it to the end; a complete one is reused as is', async () => {
    const o = { ...base, overrides: { steps: 6 } };
    let err: unknown;
    try {
      await ensureRun({ ...o, onStep: (s) => s === 3 && requestInterrupt('SIGINT') }, 'dcgan', 'anime', 1);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TrainingInterrupted);
    const dir = await ensureRun(o, 'dcgan', 'anime', 1);
    expect(isComplete(readRunMeta(dir))).to.equal(true);
    expect(readLog(dir).map((r) => r.step)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const mtime = fs.statSync(runPaths(dir).checkpoint).mtimeMs;
    await ensureRun(o, 'dcgan', 'anime', 1);
    expect(fs.statSync(runPaths(dir).checkpoint).mtimeMs).to.equal(mtime);
  });
});

describe('paper/experiments: the held-out split of real folders', function () {
  this.timeout(120_000);
  let dataRoot: string;
  before(async () => {
    await initBackend({ quiet: true });
    process.env.ANIME_GAN_CACHE = tmpDir('cache');
    dataRoot = tmpDir('data');
    // 12 images per folder: heldOutCount(12) = 3, so 9 are trained on and 10.png–12.png held out.
    for (const d of Object.values(REAL_DATA_DIRS)) {
      const dir = path.join(dataRoot, d);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 1; i <= 12; i++) {
        const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 20 * i, g: 0, b: 0 } } }).png().toBuffer();
        fs.writeFileSync(path.join(dir, `${i}.png`), png);
      }
    }
  });
  after(() => delete process.env.ANIME_GAN_CACHE);

  it('holds out the last min(2000, a quarter) images in name order', () => {
    expect([heldOutCount(12), heldOutCount(7), heldOutCount(15000), heldOutCount(8000)]).to.deep.equal([3, 1, 2000, 2000]);
    expect(folderSplit(path.join(dataRoot, REAL_DATA_DIRS.anime))).to.deep.equal({ images: 12, train: 9, heldOut: 3, firstHeldOut: '10.png' });
  });

  it('runs train on the first part and record it; Table 1 scores against the held-out part', async () => {
    const o: ExperimentOptions = { preset: 'smoke', dataRoot, runsDir: tmpDir('runs'), overrides: { steps: 2, batch: 2 }, parallelRuns: 1 };
    const dir = await ensureRun(o, 'proposed', 'anime', 0);
    expect(readRunMeta(dir).data.images).to.deep.equal({ a: 9, b: 9 });
    const scoring = await openScoringData(o, 'anime', experimentConfig(o, 'dcgan', 0));
    expect(scoring.source.files).to.deep.equal(['10.png', '11.png', '12.png']);
    expect(scoring.heldOut).to.equal(true);
    expect(scoring.description).to.contain('the last 3 of 12 images').and.to.contain('from 10.png');
    const embedded = await openScoringData({ preset: 'smoke' }, 'anime', experimentConfig(o, 'dcgan', 0));
    expect(embedded.heldOut).to.equal(false);
    // Figure 5 translates held-out images and says so.
    const fig = await translationFigures(dir, { figures: tmpDir('figures') });
    expect(fig.a2b.caption).to.contain('held-out images');
  });

  it('a worker process trains on the same part', async () => {
    const o: ExperimentOptions = { preset: 'smoke', dataRoot, runsDir: tmpDir('runs'), overrides: { steps: 2, batch: 2 }, parallelRuns: 2 };
    const dirs = await ensureRunsParallel(o, [{ model: 'dcgan', dataset: 'anime', seed: 0 }, { model: 'dcgan', dataset: 'celeba', seed: 0 }]);
    for (const d of dirs) expect(readRunMeta(d).data.images).to.deep.equal({ a: 9 });
  });
});
