import * as fs from 'fs';
import * as path from 'path';
import { UserError } from './errors';

/** Temporary siblings are named `<file>.tmp-<pid>-<time>`: a killed writer's leftovers match this. */
export const TEMP_FILE_PATTERN = /\.tmp-(\d+)-\d+$/;

/**
 * Write a file atomically: write a temporary sibling, fsync it, then rename over the target.
 * A crash mid-write leaves the previous file intact (rename is atomic on one file system).
 * A write that stops short (a full disk) is retried until every byte is down or the system
 * refuses; then the temporary file is removed, the previous file is kept, and the error names
 * the file. Nothing is renamed unless all of `data` reached the disk.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new UserError(`${file} is a folder; give a file name`);
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeFully(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw writeError(file, err);
  }
}

/** fs.writeSync may write fewer bytes than asked (ENOSPC on the next call, or 0): loop until done. */
function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (!(n > 0)) {
      const e = new Error('the system accepted no more bytes (disk full?)') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    }
    done += n;
  }
}

/** A write failure that names the file and says the previous version is kept. */
function writeError(file: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof UserError) return e;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  const reason = (e?.code && why[e.code]) || e?.message || String(err);
  // Exit code 1: an environment failure, not a mistake in the command.
  return new UserError(`cannot write ${file}: ${reason}${fs.existsSync(file) ? ' (its previous version is kept)' : ''}`, 1);
}

/** JSON.stringify then writeFileAtomic. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Remove the temporary files killed writers left in `dir` (only call while owning `dir`). */
export function removeTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!TEMP_FILE_PATTERN.test(name)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
