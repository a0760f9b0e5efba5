import { expect } from 'chai';
import * as fs from 'fs';
import { initBackend } from '../../lib/backend';
import { ensureRun, ExperimentOptions } from '../../lib/paper/experiments';
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
