/**
 * Where each run of a grid stands, from its folder (checkpoint, log) and what the scheduler says
 * of its task. The folder is the truth about training; the scheduler tells queued from dead.
 */
import { GridManifest, GridRun, runProgress, RunProgress, textTable } from './manifest';
import type { TaskState } from './slurm';

export type RunState = 'done' | 'running' | 'pending' | 'failed' | 'stopped' | 'not submitted';

export interface RunStatus {
  run: GridRun;
  state: RunState;
  /** The scheduler's word and reason, when it knows the task. */
  scheduler?: TaskState;
  progress: RunProgress;
}

const FAILED = /^(FAILED|TIMEOUT|CANCELLED|OUT_OF_MEMORY|NODE_FAIL|BOOT_FAIL|DEADLINE|PREEMPTED)/;

/**
 * Combine a run folder with its task's state. `submitted` says whether the grid went to a
 * scheduler at all (a run absent from the queue is then stopped or failed, not waiting).
 */
export function runStatus(run: GridRun, task: TaskState | undefined, submitted: boolean): RunStatus {
  const progress = runProgress(run);
  let state: RunState;
  if (task?.source === 'squeue' && task.state === 'RUNNING') state = 'running';
  else if (task?.source === 'squeue' && !/^COMPLET/.test(task.state)) state = 'pending'; // PENDING, REQUEUED, CONFIGURING, …
  else if (progress.done) state = 'done';
  else if (task && FAILED.test(task.state)) state = 'failed';
  else if (submitted) state = 'stopped';
  else state = 'not submitted';
  return { run, state, scheduler: task, progress };
}

export function gridStatus(m: GridManifest, tasks: Map<number, TaskState>, submitted: boolean): RunStatus[] {
  return m.runs.map((r) => runStatus(r, tasks.get(r.index), submitted));
}

export function formatStatus(rows: RunStatus[]): string {
  const body = rows.map((s) => [
    String(s.run.index),
    s.run.name,
    s.state,
    s.scheduler ? `${s.scheduler.state}${s.scheduler.detail && s.scheduler.detail !== 'None' ? ` (${s.scheduler.detail})` : ''}` : '–',
    `${s.progress.loggedStep}/${s.progress.steps || '?'}`,
    String(s.progress.checkpointStep),
  ]);
  const counts = new Map<RunState, number>();
  for (const s of rows) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
  return textTable(['task', 'run', 'state', 'slurm', 'last step logged', 'checkpoint'], body) + `\n${rows.length} runs: ${summary}\n`;
}
