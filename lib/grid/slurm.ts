/**
 * The Slurm executor: the grid as one job array (one task per run of the manifest) and a scoring
 * job that depends on it, through Slurm's own clients (sbatch, squeue, sacct, scancel, scontrol;
 * there is no maintained Slurm client on npm). It only writes scripts and reads run folders: the
 * trainer knows nothing of Slurm. Another scheduler is one more file like this one.
 *
 * Time limits and preemption: `--signal=B:USR1@<s>` has Slurm signal the batch shell that many
 * seconds before the limit; the script passes SIGTERM to the trainer (which checkpoints and exits,
 * or at worst loses the steps since its last checkpoint), then requeues the task with `scontrol
 * requeue`. A requeued or restarted task finds the checkpoint and trains on with `--resume`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { projectRoot } from '../util/projectRoot';
import { GridManifest } from './manifest';

export const TRAIN_SCRIPT = 'train.sbatch';
export const SCORE_SCRIPT = 'score.sbatch';
export const JOBS_FILE = 'slurm.json';

export interface SlurmOptions {
  /** `--cpus-per-task`, `--mem`, `--gres` (e.g. gpu:1), `--time`, `--partition`, `--account`. */
  cpusPerTask?: number;
  mem?: string;
  gres?: string;
  time?: string;
  partition?: string;
  account?: string;
  /** Free-form sbatch flags, one per entry (e.g. `--qos=long`, `--constraint=a100`). */
  sbatch?: string[];
  /** At most this many tasks at once (`--array=0-N%k`). */
  maxRunning?: number;
  /** Seconds before the time limit at which the task checkpoints and requeues itself. */
  signalSeconds?: number;
  /** How a node starts anime-gan; default this node and this build, by absolute path. */
  command?: string[];
  /** Shell lines run before training or scoring (e.g. `module load cuda/11.2`). */
  setup?: string[];
  /** Force a compute backend (ANIME_GAN_BACKEND), e.g. tfjs-node-gpu. */
  backend?: string;
  jobName?: string;
}

export interface SlurmJobs {
  arrayJobId: string;
  scoreJobId: string;
  submitted: string;
  commands: string[][];
}

export const DEFAULT_SIGNAL_SECONDS = 120;

/** Quote a word for bash when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const words = (xs: readonly string[]) => xs.map(shellQuote).join(' ');

function defaultCommand(): string[] {
  return [process.execPath, path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js')];
}

/** The #SBATCH lines both jobs share (resources, account, extra flags). */
function resourceLines(o: SlurmOptions): string[] {
  const lines: string[] = [];
  if (o.partition) lines.push(`--partition=${o.partition}`);
  if (o.account) lines.push(`--account=${o.account}`);
  if (o.cpusPerTask !== undefined) lines.push(`--cpus-per-task=${o.cpusPerTask}`);
  if (o.mem) lines.push(`--mem=${o.mem}`);
  if (o.gres) lines.push(`--gres=${o.gres}`);
  if (o.time) lines.push(`--time=${o.time}`);
  for (const f of o.sbatch ?? []) {
    if (!f.startsWith('-') || /\s/.test(f)) throw new UserError(`--sbatch takes one sbatch flag per use, like --qos=long; got '${f}'`);
    lines.push(f);
  }
  return lines.map((l) => `#SBATCH ${l}`);
}

function preamble(o: SlurmOptions): string[] {
  const lines = ['set -euo pipefail'];
  if (o.setup?.length) lines.push('', '# Set-up given with --setup', ...o.setup);
  if (o.backend) lines.push(`export ANIME_GAN_BACKEND=${shellQuote(o.backend)}`);
  lines.push(`ANIME_GAN=(${words(o.command ?? defaultCommand())})`);
  return lines;
}

/** The job array: task i trains run i of the manifest into its folder, resuming from its checkpoint. */
export function trainScript(m: GridManifest, grid: string, o: SlurmOptions = {}): string {
  const n = m.runs.length;
  const signal = o.signalSeconds ?? DEFAULT_SIGNAL_SECONDS;
  const array = `0-${n - 1}${o.maxRunning ? `%${o.maxRunning}` : ''}`;
  const cases = m.runs.map(
    (r) => `  ${r.index}) RUN=${shellQuote(r.dir)}\n     ARGS=(${words(r.train)}) ;;`,
  );
  return [
    '#!/bin/bash',
    `# anime-gan grid, preset ${m.preset}: ${n} training runs, one array task each (see ${path.join(grid, 'manifest.json')}).`,
    `# Written by \`anime-gan grid submit\`; to submit by hand: sbatch ${path.join(grid, TRAIN_SCRIPT)}`,
    `#SBATCH --job-name=${o.jobName ?? `anime-gan-${m.preset}`}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${path.join(grid, 'logs', 'train-%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --signal=B:USR1@${signal}`,
    ...resourceLines(o),
    '',
    ...preamble(o),
    '',
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...cases,
    '  *) echo "no run for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
    'esac',
    '',
    '# A requeued or restarted task continues its checkpoint.',
    'RESUME=()',
    '[[ -f "$RUN/checkpoint.ckpt" ]] && RESUME=(--resume)',
    'echo "task $SLURM_ARRAY_TASK_ID (job $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname): $RUN ${RESUME[*]}"',
    '',
    `# ${signal} s before the time limit Slurm sends USR1 to this shell: stop the trainer with SIGTERM`,
    '# (it checkpoints and exits), then put the task back in the queue to continue from there.',
    'child=',
    'on_usr1() {',
    '  echo "time limit near: checkpointing and requeueing task $SLURM_ARRAY_TASK_ID"',
    '  kill -TERM "$child" 2>/dev/null || true',
    '  wait "$child" || true',
    '  scontrol requeue "$SLURM_JOB_ID"',
    '  exit 0',
    '}',
    '# scancel and preemption send SIGTERM to the trainer themselves: wait for its checkpoint.',
    'on_term() { wait "$child" || true; exit 143; }',
    'trap on_usr1 USR1',
    'trap on_term TERM',
    '',
    '"${ANIME_GAN[@]}" "${ARGS[@]}" --out "$RUN" "${RESUME[@]}" &',
    'child=$!',
    'wait "$child"',
    '',
  ].join('\n');
}

/** The scoring job: Table 1 and the figures from the finished runs, into the grid folder. */
export function scoreScript(m: GridManifest, grid: string, o: SlurmOptions = {}): string {
  return [
    '#!/bin/bash',
    `# anime-gan grid, preset ${m.preset}: Table 1 and the figures from the finished runs, into ${grid}.`,
    `# \`anime-gan grid submit\` queues it after the training array (--dependency=afterok:<array job>).`,
    `#SBATCH --job-name=${o.jobName ?? `anime-gan-${m.preset}`}-score`,
    `#SBATCH --output=${path.join(grid, 'logs', 'score-%j.out')}`,
    ...resourceLines(o),
    '',
    ...preamble(o),
    '',
    `"\${ANIME_GAN[@]}" grid collect --grid ${shellQuote(grid)}`,
    '',
  ].join('\n');
}

/** Write both scripts beside the manifest (and the logs folder Slurm writes into). */
export function writeSlurmScripts(m: GridManifest, grid: string, o: SlurmOptions = {}): { train: string; score: string } {
  fs.mkdirSync(path.join(grid, 'logs'), { recursive: true });
  const train = path.join(grid, TRAIN_SCRIPT);
  const score = path.join(grid, SCORE_SCRIPT);
  writeFileAtomic(train, trainScript(m, grid, o));
  writeFileAtomic(score, scoreScript(m, grid, o));
  fs.chmodSync(train, 0o755);
  fs.chmodSync(score, 0o755);
  return { train, score };
}

/** Run a Slurm client; a missing client or a failure is one clear line. */
export function slurmCommand(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${cmd} not found: run this on a Slurm login node (the scripts are written beside the manifest; submit --dry-run writes them without submitting)`);
    }
    throw r.error;
  }
  const ok = r.status === 0;
  if (!ok && !opts.allowFail) throw new UserError(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return { ok, stdout: r.stdout, stderr: r.stderr };
}

/** Submit the array, then the scoring job after it; the job ids are saved in the grid folder. */
export function submitToSlurm(m: GridManifest, grid: string, o: SlurmOptions = {}): SlurmJobs {
  const scripts = writeSlurmScripts(m, grid, o);
  const first = ['sbatch', '--parsable', scripts.train];
  const arrayJobId = slurmCommand(first[0], first.slice(1)).stdout.trim().split(';')[0];
  const second = ['sbatch', '--parsable', `--dependency=afterok:${arrayJobId}`, scripts.score];
  const scoreJobId = slurmCommand(second[0], second.slice(1)).stdout.trim().split(';')[0];
  const jobs: SlurmJobs = { arrayJobId, scoreJobId, submitted: new Date().toISOString(), commands: [first, second] };
  writeJsonAtomic(path.join(grid, JOBS_FILE), jobs);
  return jobs;
}

export function readSlurmJobs(grid: string): SlurmJobs | undefined {
  const file = path.join(grid, JOBS_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SlurmJobs) : undefined;
}

export interface TaskState {
  /** Slurm's state word, e.g. PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED. */
  state: string;
  /** squeue's reason (pending tasks), or sacct's exit code. */
  detail?: string;
  /** Where it came from: squeue (in the queue) or sacct (accounting; finished tasks). */
  source: 'squeue' | 'sacct';
}

/** Per array task: its state in the queue, else in accounting (when the cluster keeps it). */
export function slurmTaskStates(arrayJobId: string): Map<number, TaskState> {
  const states = new Map<number, TaskState>();
  const acct = slurmCommand('sacct', ['-n', '-P', '-X', '-j', arrayJobId, '-o', 'JobID,State,ExitCode'], { allowFail: true });
  if (acct.ok) {
    for (const line of acct.stdout.split('\n')) {
      const [id, state, exit] = line.split('|');
      const m = /^\d+_(\d+)$/.exec(id?.trim() ?? '');
      if (m && state) states.set(Number(m[1]), { state: state.split(' ')[0], detail: exit, source: 'sacct' });
    }
  }
  // The queue is current; accounting may lag. squeue forgets a job MinJobAge after it ends.
  const q = slurmCommand('squeue', ['-h', '-r', '-j', arrayJobId, '-o', '%K|%T|%r'], { allowFail: true });
  if (q.ok) {
    for (const line of q.stdout.split('\n')) {
      const [task, state, reason] = line.split('|');
      if (task && /^\d+$/.test(task.trim()) && state) states.set(Number(task), { state: state.trim(), detail: reason?.trim(), source: 'squeue' });
    }
  }
  return states;
}

/** One job's state (the scoring job), or undefined when Slurm no longer knows it. */
export function slurmJobState(jobId: string): TaskState | undefined {
  const q = slurmCommand('squeue', ['-h', '-j', jobId, '-o', '%T|%r'], { allowFail: true });
  const line = q.ok ? q.stdout.trim().split('\n')[0] : '';
  if (line) {
    const [state, reason] = line.split('|');
    return { state, detail: reason, source: 'squeue' };
  }
  const acct = slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'State,ExitCode'], { allowFail: true });
  const a = acct.ok ? acct.stdout.trim().split('\n')[0] : '';
  if (a) {
    const [state, exit] = a.split('|');
    return { state: state.split(' ')[0], detail: exit, source: 'sacct' };
  }
  return undefined;
}

/** Cancel the grid's jobs (the array and the scoring job). */
export function cancelSlurmJobs(jobs: SlurmJobs): void {
  slurmCommand('scancel', [jobs.arrayJobId, jobs.scoreJobId], { allowFail: true });
}
