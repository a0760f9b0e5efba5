/**
 * A run folder: `config.json`, `checkpoint.ckpt`, `log.jsonl` (one JSON object per step) and
 * `samples/step-NNNNNN.png`. Everything a notebook needs to plot or resume a run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TrainConfig } from '../presets';
import { UserError } from '../util/errors';
import { readCheckpointMeta } from './checkpoint';
import { removeTempFiles, TEMP_FILE_PATTERN, writeFileAtomic } from '../util/atomicWrite';
import { acquireRunLock, LOCK_FILE } from './runLock';

/** Marks config.json and checkpoints as this tool's, so a folder of the user's own files is never taken for a run. */
export const RUN_KIND = 'anime-gan-workbook-run';

/** The folders a run reads, and how many images of each it trains on (the first n in name order). */
export interface RunData {
  a: string;
  b?: string;
  images?: { a: number; b?: number };
}

export interface RunInfo {
  config: TrainConfig;
  data: RunData;
  backend: string;
  /** Steps completed (from the checkpoint), 0 when none. */
  step?: number;
  seconds?: number;
}

export interface CheckpointMeta {
  kind: typeof RUN_KIND;
  config: TrainConfig;
  data: RunData;
  step: number;
  drawnA: number;
  drawnB: number;
  rngState: unknown;
  backend: string;
  seconds: number;
  networks: string[];
  optimizers: string[];
}

export const runPaths = (dir: string) => ({
  config: path.join(dir, 'config.json'),
  checkpoint: path.join(dir, 'checkpoint.ckpt'),
  log: path.join(dir, 'log.jsonl'),
  samples: path.join(dir, 'samples'),
});

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(runPaths(dir).checkpoint);
}

/** The checkpoint's metadata, or a UserError if the folder holds no run. */
export function readRunMeta(dir: string): CheckpointMeta {
  const p = runPaths(dir);
  if (!fs.existsSync(dir)) throw new UserError(`run folder ${dir} does not exist`);
  if (!fs.existsSync(p.checkpoint)) throw new UserError(`run folder ${dir} holds no checkpoint`);
  const meta = readCheckpointMeta<CheckpointMeta>(p.checkpoint);
  if (meta?.kind !== RUN_KIND) throw new UserError(`${p.checkpoint} is not a training checkpoint`);
  return meta;
}

export type LogRecord = { step: number } & Record<string, number>;

/** The run's per-step log (losses under names containing `loss`). */
export function readLog(dir: string): LogRecord[] {
  const file = runPaths(dir).log;
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogRecord];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}

/**
 * Append one line to the open log, all of it or a UserError naming the file (a full disk); a
 * line cut short is skipped by readLog and dropped by truncateLog on resume.
 */
export function appendLogLine(fd: number, dir: string, line: string): void {
  const bytes = Buffer.from(line);
  try {
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done);
      if (!(n > 0)) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
      done += n;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'no space left on the device' : (err as Error).message;
    throw new UserError(`cannot append to ${runPaths(dir).log}: ${why} (the last checkpoint is kept)`, 1);
  }
}

/** Keep only the log lines of steps already in the checkpoint (a resumed run rewrites the rest). */
export function truncateLog(dir: string, lastStep: number): void {
  const kept = readLog(dir).filter((r) => r.step <= lastStep);
  writeFileAtomic(runPaths(dir).log, kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''));
}

/** A run is complete when its checkpoint reached the steps its config asks for (an interrupted one did not). */
export function isComplete(meta: CheckpointMeta): boolean {
  return meta.step >= meta.config.steps;
}

/**
 * Check that a new run may start in `dir` (which holds no checkpoint): the folder is missing or
 * empty, or holds only what a run of ours wrote before its first checkpoint (config.json marked
 * as ours). Anything else is the user's and is not overwritten.
 */
export function checkFreshRunFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`--out ${dir} is a file, not a folder`);
  const entries = fs.readdirSync(dir).filter((f) => f !== LOCK_FILE && !f.startsWith(`${LOCK_FILE}.stale-`) && !TEMP_FILE_PATTERN.test(f));
  if (entries.length === 0) return;
  if (isOurConfig(runPaths(dir).config)) return;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  throw new UserError(`${dir} already holds files that are not a run of this tool (${shown}); choose a new or empty --out`);
}

function isOurConfig(file: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))?.kind === RUN_KIND;
  } catch {
    return false;
  }
}

/** Remove what killed writers left in a run folder we own: `*.tmp-PID-TIME` files. */
export function cleanRunFolder(dir: string): void {
  removeTempFiles(dir);
  removeTempFiles(runPaths(dir).samples);
}

/**
 * Delete a run of ours (the notebooks retrain when settings change). Refuses while a training
 * holds the folder, and never deletes a folder that is not a run.
 */
export function discardRun(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const lock = acquireRunLock(dir);
  try {
    if (!hasCheckpoint(dir)) checkFreshRunFolder(dir);
    else readRunMeta(dir);
    for (const f of fs.readdirSync(dir)) if (f !== LOCK_FILE) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  } finally {
    lock.release();
  }
}
