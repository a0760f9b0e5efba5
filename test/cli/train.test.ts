import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { readLog } from '../../lib/train/runFolder';
import { tmpDir } from '../train/support';
import { runCli } from './support';

/** Run the command line in-process; returns its exit code and what it wrote to stderr. */
const run = runCli;

describe('cli: anime-gan train / sample', function () {
  let cache: string;
  before(() => {
    cache = tmpDir('cli-cache');
    process.env.ANIME_GAN_CACHE = cache;
  });
  after(() => {
    delete process.env.ANIME_GAN_CACHE;
  });

  it('trains dcgan on the embedded data with the smoke preset, then --resume continues to --steps', async function () {
    const out = path.join(tmpDir('cli-run'), 'run');
    let r = await run('train', 'dcgan', '--preset', 'smoke', '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    expect(readLog(out).map((x) => x.step)).to.deep.equal([1, 2, 3, 4]);
    r = await run('train', 'dcgan', '--preset', 'smoke', '--out', out, '--resume', '--steps', '6');
    expect(r.code, r.stderr).to.equal(0);
    expect(readLog(out).map((x) => x.step)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    r = await run('sample', '--run', out, '--n', '4', '--out', path.join(out, 'grid.png'));
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.statSync(path.join(out, 'grid.png')).size).to.be.greaterThan(100);
  });

  const oneLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('anime-gan: ') && !l.includes('using the'));

  for (const [what, args, message] of [
    ['an unknown model', ['train', 'gan9000', '--out', 'x'], /unknown model 'gan9000'/],
    ['an unknown preset', ['train', 'dcgan', '--preset', 'huge', '--out', 'x'], /unknown preset 'huge'/],
    ['a missing data folder', ['train', 'dcgan', '--preset', 'smoke', '--data', '/nonexistent/faces', '--out', 'x'], /\/nonexistent\/faces/],
    ['a size the model cannot take', ['train', 'dcgan', '--preset', 'smoke', '--size', '5', '--out', 'x'], /cannot take size 5x5/],
    ['a run folder without a checkpoint', ['sample', '--run', '/nonexistent/run', '--out', 'x.png'], /run folder \/nonexistent\/run does not exist/],
  ] as const) {
    it(`rejects ${what} with one line and a non-zero exit, no stack trace`, async function () {
      const out = path.join(tmpDir('cli-bad'), 'run');
      const a = (args as readonly string[]).map((x) => (x === 'x' ? out : x));
      const r = await run(...a);
      expect(r.code).to.not.equal(0);
      const lines = oneLine(r.stderr);
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(message as RegExp);
      expect(r.stderr).to.not.match(/\n\s+at /);
    });
  }
});
