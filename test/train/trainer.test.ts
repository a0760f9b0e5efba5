import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { resolveConfig, TrainConfig } from '../../lib/presets';
import { train, loadRun } from '../../lib/train/trainer';
import { readLog, runPaths } from '../../lib/train/runFolder';
import { TensorSource, tmpDir } from './support';

describe('trainer', function () {
  let source: TensorSource;
  let sourceB: TensorSource;
  before(async function () {
    await initBackend({ quiet: true });
    source = new TensorSource(16, [32, 32], 1);
    sourceB = new TensorSource(16, [32, 32], 2);
  });
  after(() => {
    source.dispose();
    sourceB.dispose();
  });

  const smoke = (model: string, over: Partial<TrainConfig> = {}) =>
    resolveConfig(model, 'smoke', { steps: 4, checkpointEvery: 2, sampleEvery: 2, nCritic: model === 'wgan-gp' ? 2 : undefined, ...over });
  const run = (config: TrainConfig, out: string, resume = false, withB = false) =>
    train({ config, out, data: source, dataB: withB ? sourceB : undefined, dataPaths: { a: 'mem' }, resume });

  for (const model of ['dcgan', 'wgan', 'wgan-gp', 'proposed']) {
    it(`${model}: N steps straight equal N/2 then --resume to N (same losses at step N)`, async function () {
      const cycle = model === 'proposed';
      const straight = tmpDir(`${model}-straight`);
      const split = tmpDir(`${model}-split`);
      await run(smoke(model), straight, false, cycle);
      await run(smoke(model, { steps: 2 }), split, false, cycle);
      await run(smoke(model), split, true, cycle);
      const a = readLog(straight), b = readLog(split);
      expect(a.map((r) => r.step)).to.deep.equal([1, 2, 3, 4]);
      expect(b.map((r) => r.step)).to.deep.equal([1, 2, 3, 4]);
      const last = a[3], lastB = b[3];
      const lossKeys = Object.keys(last).filter((k) => k.includes('loss'));
      expect(lossKeys.length).to.be.greaterThan(1);
      for (const k of lossKeys) {
        expect(Math.abs(last[k] - lastB[k]), `${k}: ${last[k]} vs ${lastB[k]}`).to.be.at.most(1e-5 * Math.max(1, Math.abs(last[k])));
      }
      expect(fs.existsSync(path.join(runPaths(split).samples, 'step-000004.png'))).to.equal(true);
    });
  }

  it('refuses to overwrite a run folder without --resume, and keeps the checkpoint', async function () {
    const out = tmpDir('refuse');
    await run(smoke('dcgan', { steps: 2 }), out);
    const before = fs.readFileSync(runPaths(out).checkpoint);
    let err: Error | undefined;
    try {
      await run(smoke('dcgan'), out);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).to.equal('UserError');
    expect(err?.message).to.match(/already holds a dcgan run at step 2/);
    expect(fs.readFileSync(runPaths(out).checkpoint).equals(before)).to.equal(true);
  });

  it("refuses to resume another model's checkpoint", async function () {
    const out = tmpDir('other');
    await run(smoke('dcgan', { steps: 2 }), out);
    let err: Error | undefined;
    try {
      await run(smoke('wgan'), out, true);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/holds a dcgan checkpoint, not wgan/);
  });

  it('reports a corrupt checkpoint in one line', async function () {
    const out = tmpDir('corrupt');
    await run(smoke('dcgan', { steps: 2 }), out);
    const file = runPaths(out).checkpoint;
    const buf = fs.readFileSync(file);
    buf[buf.length - 10] ^= 0xff;
    fs.writeFileSync(file, buf);
    expect(() => loadRun(out)).to.throw(/corrupt checkpoint .*checksum/);
  });

  it('leaks no tensors: the count after step 1000 equals the count after step 10', async function () {
    const counts = new Map<number, number>();
    await train({
      config: smoke('dcgan', { steps: 1000, checkpointEvery: 500, sampleEvery: 500, batch: 2 }),
      out: tmpDir('leak'),
      data: source,
      dataPaths: { a: 'mem' },
      onStep: (step) => {
        if (step === 10 || step === 1000) counts.set(step, tf.memory().numTensors);
      },
    });
    expect(counts.get(1000)).to.equal(counts.get(10));
  });
});
