import { expect } from 'chai';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { parseParams } from '../../lib/cli/params';
import { resolveConfig } from '../../lib/presets';
import { readLog, readRunMeta } from '../../lib/train/runFolder';
import { tmpDir } from '../train/support';

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  (process.stderr as { write: unknown }).write = (c: string | Uint8Array) => ((stderr += c.toString()), true);
  try {
    return { code: await main(['node', 'anime-gan', ...args]), stderr };
  } finally {
    (process.stderr as { write: unknown }).write = write;
  }
}

describe('cli: -p name=value', function () {
  const smoke = resolveConfig('dcgan', 'smoke');

  it('parses a setting by the type the preset gives it', function () {
    expect(parseParams(['ngf=8', 'size=64x80', 'tableSeeds=0, 1,2', 'proposedAdversarial=wgan-gp', 'clip=1e-2'], smoke)).to.deep.equal({
      ngf: 8, size: [64, 80], tableSeeds: [0, 1, 2], proposedAdversarial: 'wgan-gp', clip: 0.01,
    });
    for (const [bad, msg] of [['ngf', /name=value/], ['=3', /name=value/], ['ngf=', /name=value/], ['ngf=wide', /takes a number/], ['size=big', /-p size/], ['model=wgan', /cannot change the model/]] as const) {
      expect(() => parseParams([bad], smoke), bad).to.throw(msg);
    }
  });

  it('sets an optimizer\'s fields by a dotted name, keeping the others, and refuses what no optimizer has', function () {
    const p = parseParams(['optimizerG.lr=1e-3', 'optimizerD.name=rmsprop', 'optimizerD.lr=5e-5'], smoke);
    expect(p.optimizerG).to.deep.equal({ ...smoke.optimizerG, lr: 1e-3 });
    expect(p.optimizerD).to.deep.equal({ ...smoke.optimizerD, name: 'rmsprop', lr: 5e-5 });
    expect(p).to.not.have.property('optimizerG.lr');
    for (const [bad, msg] of [['optimizerG.lr=0', /must be positive/], ['optimizerG.speed=1', /an optimizer has/], ['optimizerG.name=lion', /one of adam, rmsprop, sgd/],
      ['ngf.lr=1', /only the optimizers/], ['optimizerG={}', /set its fields/]] as const) {
      expect(() => parseParams([bad], smoke), bad).to.throw(msg);
    }
  });

  it('`train -p` (or --set) sets the run\'s config; explicit options still win', async function () {
    const out = path.join(tmpDir('cli-params'), 'run');
    const r = await run('train', 'dcgan', '--preset', 'smoke', '-p', 'steps=9', '--set', 'checkpointEvery=1', '-p', 'ngf=2', '--steps', '3',
      '-p', 'optimizerG.lr=1e-3', '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    const config = readRunMeta(out).config;
    expect([config.steps, config.checkpointEvery, config.ngf, config.optimizerG.lr]).to.deep.equal([3, 1, 2, 1e-3]);
    expect(readLog(out).map((x) => x.step)).to.deep.equal([1, 2, 3]);
    const bad = await run('train', 'dcgan', '--preset', 'smoke', '-p', 'nope=1', '--out', out);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/anime-gan: -p nope: no such setting/);
  });
});
