import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { acquireRunLock, LOCK_FILE } from '../../lib/train/runLock';
import { UserError } from '../../lib/util/errors';
import { tmpDir } from './support';

/** A second process that takes the lock and holds it until killed. */
function holder(dir: string): Promise<ChildProcess> {
  const root = path.resolve(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', `require(${JSON.stringify(path.join(root, 'lib/train/runLock'))}).acquireRunLock(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve(child));
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
}

describe('train/runLock: one writer per run folder', function () {
  this.timeout(60_000);

  it('refuses a second writer in this process until the first releases', () => {
    const dir = tmpDir('lock');
    const a = acquireRunLock(dir);
    expect(() => acquireRunLock(dir)).to.throw(UserError, /in use by another training in this process/);
    a.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false);
    acquireRunLock(dir).release();
  });

  it('refuses while another process holds the folder, and takes over once that process is killed (-9)', async () => {
    const dir = tmpDir('lock');
    const child = await holder(dir);
    try {
      expect(() => acquireRunLock(dir)).to.throw(UserError, new RegExp(`in use by another training \\(pid ${child.pid} `));
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    // The dead owner's lock file is still there; a successor takes it over.
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(true);
    const lock = acquireRunLock(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).to.equal(process.pid);
    lock.release();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });
});
