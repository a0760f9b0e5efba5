/**
 * A run folder: `config.json`, `checkpoint.ckpt`, `log.jsonl` (one JSON object per step) and
 * `samples/step-NNNNNN.png`. Everything a notebook needs to plot or resume a run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TrainConfig } from '../presets';
import { UserError } from '../util/errors';
import { readCheckpointMeta } from './checkpoint';
import { writeFileAtomic } from '../util/atomicWrite';

export interface RunInfo {
  config: TrainConfig;
  data: { a: string; b?: string };
  backend: string;
  /** Steps completed (from the checkpoint), 0 when none. */
  step?: number;
  seconds?: number;
}

export interface CheckpointMeta {
  kind: 'anime-gan-workbook-run';
  config: TrainConfig;
  data: { a: string; b?: string };
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
  if (meta?.kind !== 'anime-gan-workbook-run') throw new UserError(`${p.checkpoint} is not a training checkpoint`);
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

/** Keep only the log lines of steps already in the checkpoint (a resumed run rewrites the rest). */
export function truncateLog(dir: string, lastStep: number): void {
  const kept = readLog(dir).filter((r) => r.step <= lastStep);
  writeFileAtomic(runPaths(dir).log, kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''));
}
