/**
 * One writer per run folder. `run.lock` holds its owner's pid, host and start time; it is created
 * with O_EXCL, so of two trainings started together into one folder exactly one gets it and the
 * other stops with one line. An owner killed with -9 leaves its lock behind: a successor sees
 * that the pid is gone and takes the lock over. Trainings in the same process (a notebook kernel
 * whose interrupted cell is still stopping) are kept apart by the set of folders held here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../util/errors';

export const LOCK_FILE = 'run.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

/** Folders this process holds (by resolved path). */
const held = new Set<string>();

export interface RunLock {
  readonly dir: string;
  release(): void;
}

/** Take the run folder `dir` (created if missing) for writing, or throw a UserError naming the owner. */
export function acquireRunLock(dir: string): RunLock {
  const key = path.resolve(dir);
  if (held.has(key)) {
    throw new UserError(`${dir} is in use by another training in this process (an interrupted one still stopping?); wait for it, or choose another --out`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      if (owner === 'unreadable') {
        // Just created by another process that has not written its pid yet: look again.
        sleepMs(20);
        continue;
      }
      if (owner && isAlive(owner)) {
        throw new UserError(
          `${dir} is in use by another training (pid ${owner.pid} on ${owner.host}, since ${owner.started}); wait for it to finish, or choose another --out`,
        );
      }
      takeOver(file, owner);
      continue;
    }
    try {
      const bytes = Buffer.from(JSON.stringify(me));
      if (fs.writeSync(fd, bytes) !== bytes.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(`cannot write ${file}: ${code === 'ENOSPC' ? 'no space left on the device' : (err as Error).message}`, 1);
    }
    fs.closeSync(fd);
    held.add(key);
    let released = false;
    return {
      dir,
      release() {
        if (released) return;
        released = true;
        held.delete(key);
        const owner = readOwner(file);
        if (owner && owner !== 'unreadable' && owner.pid === me.pid && owner.started === me.started) fs.rmSync(file, { force: true });
      },
    };
  }
  throw new UserError(`cannot take ${file}: other processes keep creating it; is another training starting in ${dir}?`);
}

/** Whether `dir` is held by a live training (this process's included). */
export function runLockOwner(dir: string): LockOwner | null {
  if (held.has(path.resolve(dir))) return { pid: process.pid, host: os.hostname(), started: '' };
  const owner = readOwner(path.join(dir, LOCK_FILE));
  return owner && owner !== 'unreadable' && isAlive(owner) ? owner : null;
}

/** null: no lock file; 'unreadable': being written (or garbage, see takeOver). */
function readOwner(file: string): LockOwner | null | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (Number.isInteger(o.pid) && o.pid > 0) return o;
  } catch {
    // fall through
  }
  // A lock file that never became readable (its writer died between open and write) is stale
  // once it is a few seconds old.
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > 5000) return { pid: 0, host: os.hostname(), started: 'unknown' };
  } catch {
    return null;
  }
  return 'unreadable';
}

function isAlive(o: LockOwner): boolean {
  // Another machine's pid cannot be checked from here (a shared file system): treat it as alive.
  if (o.host !== os.hostname()) return true;
  if (o.pid === 0) return false;
  if (o.pid === process.pid) return false; // not in `held`: a lock this process left (or a reused pid)
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Move a dead owner's lock aside, then check that what was moved is that dead owner's: if a
 * successor replaced it in between, put the successor's lock back (and the caller looks again).
 */
function takeOver(file: string, dead: LockOwner | null): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over
    throw err;
  }
  const moved = readOwner(aside);
  const same = moved && moved !== 'unreadable' && dead && moved.pid === dead.pid && moved.started === dead.started;
  if (!same && moved !== null) {
    try {
      fs.linkSync(aside, file); // fails if a third process already holds it: then theirs stays
    } catch {
      // keep theirs
    }
  }
  fs.rmSync(aside, { force: true });
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
