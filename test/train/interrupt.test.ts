import { expect } from 'chai';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { resolveConfig, TrainConfig } from '../../lib/presets';
import { train } from '../../lib/train/trainer';
import { isComplete, readLog, readRunMeta } from '../../lib/train/runFolder';
import { requestInterrupt, TrainingInterrupted } from '../../lib/train/interrupt';
import { TensorSource, tmpDir } from './support';

/**
 * The library path of Ctrl-C, SIGTERM and Jupyter's Kernel › Interrupt (all arrive as a signal
 * whose handler calls requestInterrupt): the loop stops after the current step with a
 * checkpoint, throws TrainingInterrupted and leaves the run marked incomplete; --resume then
 * continues it exactly. test/cli/interrupt.test.ts sends real signals to the command line.
 */
describe('train/interrupt', function () {
  let source: TensorSource;
  before(async () => {
    await initBackend({ quiet: true });
    source = new TensorSource(16, [32, 32], 1);
  });
  after(() => source.dispose());

  // No checkpoint before the end unless interrupted: the one at step 3 can only come from the interrupt.
  const config = (over: Partial<TrainConfig> = {}) =>
    resolveConfig('dcgan', 'smoke', { steps: 6, checkpointEvery: 100, sampleEvery: 100, logEvery: 1, ...over });

  it('an interrupt at step 3 writes a checkpoint at step 3, throws, and the run is incomplete; --resume gives the straight losses', async () => {
    const dir = path.join(tmpDir('interrupt'), 'run');
    let err: unknown;
    try {
      await train({
        config: config(),
        out: dir,
        data: source,
        dataPaths: { a: 'mem' },
        onStep: (step) => step === 3 && requestInterrupt('SIGINT'),
      });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TrainingInterrupted);
    const i = err as TrainingInterrupted;
    expect(i.exitCode).to.equal(130);
    expect(i.step).to.equal(3);
    expect(i.message).to.match(/interrupted \(SIGINT\) at step 3 of 6; checkpoint saved in .*: continue with `anime-gan train dcgan --out .* --resume`/);
    const meta = readRunMeta(dir);
    expect(meta.step).to.equal(3);
    expect(isComplete(meta)).to.equal(false);
    expect(readLog(dir).map((r) => r.step)).to.deep.equal([1, 2, 3]);

    await train({ config: config(), out: dir, data: source, dataPaths: { a: 'mem' }, resume: true });
    const straight = path.join(tmpDir('interrupt'), 'straight');
    await train({ config: config(), out: straight, data: source, dataPaths: { a: 'mem' } });
    const a = readLog(dir);
    const b = readLog(straight);
    expect(a.map((r) => r.step)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    for (const k of Object.keys(b[5]).filter((k) => k.includes('loss'))) expect(a[5][k], k).to.equal(b[5][k]);
    expect(isComplete(readRunMeta(dir))).to.equal(true);
  });

  it('tells the caller at once, inside the signal handler, which step it stops after', async () => {
    const dir = path.join(tmpDir('interrupt'), 'told');
    const told: [string, number][] = [];
    let told2At = -1;
    await train({
      config: config(),
      out: dir,
      data: source,
      dataPaths: { a: 'mem' },
      onStep: (step) => {
        if (step === 2) {
          requestInterrupt('SIGINT');
          told2At = told.length;
        }
      },
      onInterruptRequested: (signal, step) => told.push([signal, step]),
    }).catch((e) => expect(e).to.be.instanceOf(TrainingInterrupted));
    expect(told).to.deep.equal([['SIGINT', 2]]);
    expect(told2At, 'called synchronously by requestInterrupt').to.equal(1);
  });

  it('SIGTERM exits 143; an interrupt outside a training does nothing', async () => {
    requestInterrupt('SIGTERM'); // no training running: must not stop the next one
    const dir = path.join(tmpDir('interrupt'), 'term');
    let err: unknown;
    try {
      await train({ config: config(), out: dir, data: source, dataPaths: { a: 'mem' }, onStep: (s) => s === 2 && requestInterrupt('SIGTERM') });
    } catch (e) {
      err = e;
    }
    expect((err as TrainingInterrupted).exitCode).to.equal(143);
    expect(readRunMeta(dir).step).to.equal(2);
  });
});
