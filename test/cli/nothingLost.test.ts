import { expect } from 'chai';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { projectRoot } from '../../lib/util/projectRoot';
import { readLog, readRunMeta } from '../../lib/train/runFolder';
import { tmpDir } from '../train/support';
import { mountTinyTmpfs } from '../util/tinyTmpfs';
import { runCli } from './support';

/** Run the command line in-process; returns its exit code and what it wrote to stderr. */
const run = runCli;

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^(anime-gan: |error: )/.test(l) && !l.includes('using the'));

/** The built command line in a child process, sent `signal` once `afterSteps` steps are logged. */
function trainAndSignal(args: string[], out: string, afterSteps: number, signal: NodeJS.Signals, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const cli = path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const poll = setInterval(() => {
    if (readLog(out).length >= afterSteps) {
      clearInterval(poll);
      child.kill(signal);
    }
  }, 50);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearInterval(poll);
    resolve({ code, stderr });
  }));
}

describe('cli: nothing already saved is lost', function () {
  this.timeout(300_000);
  let cache: string;
  before(() => {
    cache = tmpDir('cli-cache');
    process.env.ANIME_GAN_CACHE = cache;
  });
  after(() => {
    delete process.env.ANIME_GAN_CACHE;
  });

  it('Ctrl-C (SIGINT) saves a checkpoint at the current step, says how to resume and exits 130; SIGTERM likewise with 143', async function () {
    if (!fs.existsSync(path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js'))) {
      console.log('      SKIPPED: the library is not built (dist/ missing); `npm test` builds it');
      this.skip();
    }
    const out = path.join(tmpDir('cli-sigint'), 'run');
    const args = ['train', 'dcgan', '--preset', 'smoke', '--steps', '100000', '--out', out];
    const first = await trainAndSignal(args, out, 3, 'SIGINT', { ANIME_GAN_CACHE: cache });
    expect(first.code, first.stderr).to.equal(130);
    const lines = errorLines(first.stderr);
    expect(lines, first.stderr).to.have.length(1);
    expect(lines[0]).to.match(/training interrupted \(SIGINT\) at step (\d+) of 100000; checkpoint saved in .*--resume`$/);
    const step = readRunMeta(out).step;
    expect(step).to.equal(Number(/at step (\d+)/.exec(lines[0])![1]));
    expect(readLog(out).map((r) => r.step)).to.deep.equal(Array.from({ length: step }, (_, i) => i + 1));
    expect(fs.existsSync(path.join(out, 'run.lock'))).to.equal(false);

    const second = await trainAndSignal([...args, '--resume'], out, step + 2, 'SIGTERM', { ANIME_GAN_CACHE: cache });
    expect(second.code, second.stderr).to.equal(143);
    const step2 = readRunMeta(out).step;
    expect(step2).to.be.above(step);
    // Every step logged exactly once across the interrupted and the resumed run.
    expect(readLog(out).map((r) => r.step)).to.deep.equal(Array.from({ length: step2 }, (_, i) => i + 1));
  });

  it('a full disk ends with one line naming the file and keeps the last checkpoint; after freeing space --resume continues', async function () {
    const m = mountTinyTmpfs('2m');
    if (typeof m === 'string') {
      console.log(`      SKIPPED: ${m}`);
      this.skip();
      return;
    }
    try {
      const out = path.join(m.dir, 'run');
      let r = await run('train', 'dcgan', '--preset', 'smoke', '--steps', '2', '--out', out);
      expect(r.code, r.stderr).to.equal(0);
      const filler = path.join(m.dir, 'filler');
      const fd = fs.openSync(filler, 'w');
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(4096));
      } catch {
        // full
      } finally {
        fs.closeSync(fd);
      }
      // Leave room for the lock, config and log, and for part of the checkpoint (not all of it).
      const ckptBytes = fs.statSync(path.join(out, 'checkpoint.ckpt')).size;
      fs.truncateSync(filler, fs.statSync(filler).size - 16384 - Math.floor(ckptBytes / 2));
      r = await run('train', 'dcgan', '--out', out, '--resume', '--steps', '4');
      expect(r.code, r.stderr).to.equal(1);
      const lines = errorLines(r.stderr);
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/cannot write .*run\/checkpoint\.ckpt: no space left on the device \(its previous version is kept\)/);
      expect(readRunMeta(out).step).to.equal(2); // the checkpoint still reads (checksum ok)
      fs.rmSync(filler);
      r = await run('train', 'dcgan', '--out', out, '--resume', '--steps', '4');
      expect(r.code, r.stderr).to.equal(0);
      expect(readRunMeta(out).step).to.equal(4);
      expect(readLog(out).map((x) => x.step)).to.deep.equal([1, 2, 3, 4]);
      expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
    } finally {
      await new Promise((r) => setTimeout(r, 100));
      require('child_process').execFileSync('umount', [m.dir]);
      fs.rmdirSync(m.dir);
    }
  });

  describe('unclear input ends with one clear line and the right exit code', () => {
    let trained: string;
    before(async () => {
      trained = path.join(tmpDir('cli-trained'), 'run');
      const r = await run('train', 'dcgan', '--preset', 'smoke', '--out', trained);
      expect(r.code, r.stderr).to.equal(0);
    });

    for (const [what, args, code, message] of [
      ['--steps 0', ['train', 'dcgan', '--preset', 'smoke', '--steps', '0', '--out', 'NEW'], 2, /--steps takes a positive whole number, got '0'/],
      ['--batch 0', ['train', 'dcgan', '--preset', 'smoke', '--batch', '0', '--out', 'NEW'], 2, /--batch takes a positive whole number, got '0'/],
      ['--size 100000', ['train', 'dcgan', '--preset', 'smoke', '--size', '100000', '--out', 'NEW'], 2, /--size takes sides from 1 to 4096 pixels/],
      ['--batch larger than the data', ['train', 'dcgan', '--preset', 'smoke', '--batch', '64', '--out', 'NEW'], 2, /smaller than one batch of 64: lower --batch/],
      ['--resume with fewer --steps than done', ['train', 'dcgan', '--out', 'RUN', '--resume', '--steps', '2'], 2, /already at step 4; --steps 2 is behind it/],
      ['--resume with another --size', ['train', 'dcgan', '--out', 'RUN', '--resume', '--size', '64', '--steps', '6'], 2, /was trained with --size 32x32, not --size 64x64/],
      ['--out naming a file', ['train', 'dcgan', '--preset', 'smoke', '--out', 'FILE'], 2, /is a file, not a folder/],
      ['sample --out a folder', ['sample', '--run', 'RUN', '--out', 'DIR'], 2, /is a folder; give a \.png file name/],
      ['sample --out s.jpg', ['sample', '--run', 'RUN', '--out', 'DIR/s.jpg'], 2, /--out must name a \.png file/],
      ['sample --n 100000', ['sample', '--run', 'RUN', '--n', '100000', '--out', 'DIR/s.png'], 2, /--n 100000 is more than one grid holds/],
    ] as const) {
      it(what, async () => {
        const scratch = tmpDir('cli-unclear');
        fs.writeFileSync(path.join(scratch, 'file'), 'mine');
        const configBefore = fs.readFileSync(path.join(trained, 'config.json'), 'utf8');
        const a = (args as readonly string[]).map((x) =>
          x === 'NEW' ? path.join(scratch, 'new') : x === 'RUN' ? trained : x === 'FILE' ? path.join(scratch, 'file') : x.replace('DIR', scratch),
        );
        const r = await run(...a);
        expect(r.code, r.stderr).to.equal(code);
        const lines = errorLines(r.stderr);
        expect(lines, r.stderr).to.have.length(1);
        expect(lines[0]).to.match(message as RegExp);
        expect(r.stderr).to.not.match(/\n\s+at /);
        expect(fs.existsSync(path.join(scratch, 'new')), 'no run folder left behind').to.equal(false);
        expect(fs.readdirSync(scratch).sort()).to.deep.equal(['file']);
        expect(fs.readFileSync(path.join(trained, 'config.json'), 'utf8')).to.equal(configBefore);
      });
    }

    it('--resume at the run\'s own length says there is nothing to train and exits 0', async () => {
      const r = await run('train', 'dcgan', '--out', trained, '--resume');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/nothing to train: .* is already at step 4/);
    });
  });
});
