import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { resolveConfig, TrainConfig } from '../../lib/presets';
import { train } from '../../lib/train/trainer';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { readLog, readRunMeta, runPaths } from '../../lib/train/runFolder';
import { UserError } from '../../lib/util/errors';
import { TensorSource, tmpDir } from './support';

describe('train/runFolder: a run never overwrites what it did not write', function () {
  let source: TensorSource;
  before(async () => {
    await initBackend({ quiet: true });
    source = new TensorSource(16, [32, 32], 1);
  });
  after(() => source.dispose());

  const config = (over: Partial<TrainConfig> = {}) => resolveConfig('dcgan', 'smoke', { steps: 4, checkpointEvery: 2, sampleEvery: 2, ...over });
  const run = (c: TrainConfig, out: string, resume = false) => train({ config: c, out, data: source, dataPaths: { a: 'mem' }, resume });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    return undefined;
  };

  it("refuses a folder holding the user's own config.json, log.jsonl and samples, and leaves them as they were", async () => {
    const dir = tmpDir('userfiles');
    const files: Record<string, string> = {
      'config.json': '{"mine": true}\n',
      'log.jsonl': '{"step": 1, "note": "my notes"}\n',
      'samples/step-000002.png': 'not a png of ours',
    };
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
    const err = await failure(run(config(), dir));
    expect(err).to.be.instanceOf(UserError);
    expect(err!.message).to.match(/already holds files that are not a run of this tool/);
    for (const [f, text] of Object.entries(files)) expect(fs.readFileSync(path.join(dir, f), 'utf8')).to.equal(text);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['config.json', 'log.jsonl', 'samples']);
  });

  it('a file as --out is one clear error', async () => {
    const file = path.join(tmpDir('outfile'), 'x');
    fs.writeFileSync(file, 'mine');
    const err = await failure(run(config(), file));
    expect(err).to.be.instanceOf(UserError);
    expect(err!.message).to.match(/is a file, not a folder/);
  });

  it('two trainings started together into one folder: one runs, the other stops at once; config and checkpoint agree', async () => {
    const dir = path.join(tmpDir('concurrent'), 'run');
    const results = await Promise.allSettled([run(config({ seed: 1 }), dir), run(config({ seed: 0 }), dir)]);
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(failed).to.have.length(1);
    expect(String(failed[0].reason.message)).to.match(/in use by another training/);
    const winner = results[0].status === 'fulfilled' ? 1 : 0;
    expect(readRunMeta(dir).config.seed).to.equal(winner);
    expect(JSON.parse(fs.readFileSync(runPaths(dir).config, 'utf8')).config.seed).to.equal(winner);
    expect(readLog(dir).map((r) => r.step)).to.deep.equal([1, 2, 3, 4]);
  });

  it('resume refuses another size or batch, and a --steps behind the checkpoint; the run stays as it was', async () => {
    const dir = path.join(tmpDir('resume'), 'run');
    await run(config(), dir);
    const before = fs.readFileSync(runPaths(dir).checkpoint);
    const configBefore = fs.readFileSync(runPaths(dir).config, 'utf8');
    let err = await failure(run(config({ steps: 6, batch: 2 }), dir, true));
    expect(err!.message).to.match(/was trained with batch 4; resuming with batch 2 would not continue it/);
    err = await failure(run(config({ steps: 2 }), dir, true));
    expect(err!.message).to.match(/already at step 4; --steps 2 is behind it/);
    const r = await run(config(), dir, true);
    expect(r.steps).to.equal(0);
    expect(fs.readFileSync(runPaths(dir).checkpoint).equals(before)).to.equal(true);
    expect(fs.readFileSync(runPaths(dir).config, 'utf8')).to.equal(configBefore);
  });

  it('images of another size than the run\'s model are refused before training', async () => {
    const big = new TensorSource(16, [64, 64], 3);
    try {
      const dir = path.join(tmpDir('size'), 'run');
      const err = await failure(train({ config: config(), out: dir, data: big, dataPaths: { a: 'mem' } }));
      expect(err!.message).to.match(/gives 64x64 images but the run's model takes 32x32/);
      expect(fs.existsSync(dir)).to.equal(false);
    } finally {
      big.dispose();
    }
  });

  it("a killed writer's temporary files are removed when the run continues", async () => {
    const dir = path.join(tmpDir('tmpfiles'), 'run');
    await run(config({ steps: 2 }), dir);
    const stale = path.join(dir, 'checkpoint.ckpt.tmp-999999-1700000000000');
    fs.writeFileSync(stale, 'partial');
    await run(config(), dir, true);
    expect(fs.existsSync(stale)).to.equal(false);
    expect(readCheckpoint(runPaths(dir).checkpoint)).to.be.an('object');
  });
});
