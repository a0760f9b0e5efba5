import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { ensureRun, ensureRunsParallel, ExperimentOptions } from '../../lib/paper/experiments';
import { TrainingInterrupted } from '../../lib/train/interrupt';
import { isComplete, readLog, readRunMeta } from '../../lib/train/runFolder';
import { UserError } from '../../lib/util/errors';
import { tmpDir } from './support';

describe('train/parallel: missing runs trained side by side in worker processes', function () {
  this.timeout(300_000);
  let base: ExperimentOptions;
  before(async () => {
    await initBackend({ quiet: true });
    base = { preset: 'smoke', runsDir: tmpDir('runs'), parallelRuns: 2 };
    process.env.ANIME_GAN_CACHE = tmpDir('cache');
  });
  after(() => delete process.env.ANIME_GAN_CACHE);

  it('trains three runs two at a time; each is complete, logged once per step, and matches the same run trained in this process', async () => {
    const specs = [
      { model: 'dcgan', dataset: 'anime', seed: 0 },
      { model: 'wgan', dataset: 'celeba', seed: 0 },
      { model: 'proposed', dataset: 'anime', seed: 0 },
    ] as const;
    const dirs = await ensureRunsParallel(base, specs);
    for (const dir of dirs) {
      const meta = readRunMeta(dir);
      expect(isComplete(meta), dir).to.equal(true);
      expect(readLog(dir).map((r) => r.step)).to.deep.equal([1, 2, 3, 4]);
    }
    // The DCGAN run again, in this process: the same losses (threads change only rounding).
    const inProcess = await ensureRun({ ...base, runsDir: tmpDir('runs-inprocess') }, 'dcgan', 'anime', 0);
    const a = readLog(dirs[0]), b = readLog(inProcess);
    for (let i = 0; i < a.length; i++) {
      for (const k of Object.keys(a[i]).filter((k) => k.includes('loss'))) {
        expect(a[i][k] as number, `step ${i + 1} ${k}`).to.be.closeTo(b[i][k] as number, 1e-3 * Math.max(1, Math.abs(b[i][k] as number)));
      }
    }
    // Finished runs are reused, not trained again.
    const mtimes = dirs.map((d) => fs.statSync(path.join(d, 'checkpoint.ckpt')).mtimeMs);
    await ensureRunsParallel(base, specs);
    expect(dirs.map((d) => fs.statSync(path.join(d, 'checkpoint.ckpt')).mtimeMs)).to.deep.equal(mtimes);
  });

  it('SIGINT stops every worker with a checkpoint; the next call continues each run to the end', async () => {
    const o = { ...base, runsDir: tmpDir('runs-interrupt'), overrides: { steps: 150, checkpointEvery: 1000 } };
    const specs = [
      { model: 'dcgan', dataset: 'anime', seed: 1 },
      { model: 'dcgan', dataset: 'celeba', seed: 1 },
    ] as const;
    // SIGINT to this process once both workers have logged a step (as Kernel › Interrupt would).
    const logs = ['anime', 'celeba'].map((d) => path.join(o.runsDir, 'smoke', `dcgan-${d}-embedded-s1`, 'log.jsonl'));
    const timer = setInterval(() => {
      if (logs.every((f) => fs.existsSync(f) && fs.statSync(f).size > 0)) {
        clearInterval(timer);
        process.kill(process.pid, 'SIGINT');
      }
    }, 100);
    let err: unknown;
    try {
      await ensureRunsParallel(o, specs);
    } catch (e) {
      err = e;
    } finally {
      clearInterval(timer);
    }
    expect(err).to.be.instanceOf(TrainingInterrupted);
    expect((err as Error).message).to.match(/checkpoints saved in .*dcgan-anime-embedded-s1/);
    for (const f of logs) expect(readLog(path.dirname(f)).length).to.be.within(1, 149);
    const dirs = await ensureRunsParallel(o, specs);
    for (const dir of dirs) {
      expect(isComplete(readRunMeta(dir))).to.equal(true);
      expect(readLog(dir).map((r) => r.step)).to.deep.equal(Array.from({ length: 150 }, (_, i) => i + 1));
    }
  });

  it('a worker that fails is reported with its run and reason', async () => {
    const o = { ...base, runsDir: tmpDir('runs-fail') };
    // A file where the run folder should be: train refuses it in the worker.
    const bad = path.join(o.runsDir!, 'smoke', 'dcgan-anime-embedded-s2');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, 'not a run');
    let err: unknown;
    try {
      await ensureRunsParallel(o, [
        { model: 'dcgan', dataset: 'anime', seed: 2 },
        { model: 'dcgan', dataset: 'celeba', seed: 2 },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.match(/dcgan-anime-embedded-s2: .*is a file/);
  });
});
