/**
 * Several trainings at once, each in its own process with its share of the cores.
 *
 * Why: on this project's 2-core machine the small networks of the quick preset do not use two
 * threads well. Measured 2026-11-30 (ms per step, one thread / two threads): the cycle model
 * 161 / 202, WGAN 212 / 214, DCGAN 102 / 74; two one-thread trainings side by side ran at
 * 197 ms (cycle) and 127 + 233 ms (DCGAN + WGAN) a step each. Two runs in two processes
 * therefore finish in about the time one takes with both threads. Threads are fixed when the
 * native library loads (OMP_NUM_THREADS), so each share needs its own process.
 *
 * A worker (`worker.ts`) trains one run with the ordinary `train`: the run lock, atomic
 * checkpoints and exact resume are the same as in-process. Interrupts are forwarded: SIGINT or
 * SIGTERM to this process (Ctrl-C, Kernel › Interrupt) asks every worker to stop after its step
 * and checkpoint, then this call throws TrainingInterrupted naming the runs to continue.
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../presets';
import { progress } from '../util/progress';
import { UserError } from '../util/errors';
import { InterruptSignal, TrainingInterrupted, watchInterrupts } from './interrupt';

/** One run for a worker: everything `train` needs, as plain data. */
export interface ParallelJob {
  /** Shown on its progress bar, e.g. `wgan-anime-s0`. */
  label: string;
  config: TrainConfig;
  out: string;
  /** Image folders as opened by openTrainingData (embedded folders already rendered), each with the number of images read. */
  a: { path: string; embedded: boolean; limit?: number };
  b?: { path: string; embedded: boolean; limit?: number };
  resume: boolean;
}

/** Messages a worker sends. */
export type WorkerMessage =
  | { type: 'step'; step: number; losses: Record<string, number> }
  | { type: 'done' }
  | { type: 'error'; message: string; interrupted: boolean; exitCode: number };

/** What the parent sends: the job and the backend to train on. */
export interface WorkerRequest {
  job: ParallelJob;
  backend?: string;
}

export interface ParallelOptions {
  /** Trainings at once (default: ANIME_GAN_PARALLEL_RUNS, else the number of cores). */
  workers?: number;
}

/** How many trainings run at once by default: ANIME_GAN_PARALLEL_RUNS, else one per core. */
export function defaultWorkers(): number {
  const env = Number(process.env.ANIME_GAN_PARALLEL_RUNS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, os.cpus().length);
}

/** The backend candidate a worker should start: the one computing here. */
function currentCandidate(): string | undefined {
  if (process.env.ANIME_GAN_BACKEND) return process.env.ANIME_GAN_BACKEND;
  const name = tf.getBackend();
  return ({ native: 'native', cpu: 'cpu', wasm: 'wasm', tensorflow: 'tfjs-node' } as Record<string, string>)[name];
}

/** Train `jobs`, up to `workers` at a time, each worker with cores / workers threads. */
export async function trainInParallel(jobs: ParallelJob[], o: ParallelOptions = {}): Promise<void> {
  if (jobs.length === 0) return;
  const workers = Math.max(1, Math.min(jobs.length, o.workers ?? defaultWorkers()));
  const threads = Math.max(1, Math.floor(os.cpus().length / workers));
  const running = new Set<ChildProcess>();
  const failures: string[] = [];
  const stopped: { job: ParallelJob; step: number }[] = [];
  let interrupted: InterruptSignal | null = null;
  const watch = watchInterrupts((signal) => {
    interrupted = signal;
    console.error(`${signal}: the ${running.size} trainings under way stop after their current step and save a checkpoint; run this again to continue them`);
    for (const c of running) c.kill(signal);
  });
  const queue = [...jobs];
  // One bar for all the runs (two terminal bars on one stream would overwrite each other): the
  // steps done over all runs, and the step of each run under way.
  const done = new Map<ParallelJob, number>();
  const bar = progress(`train ${jobs.length} runs, ${workers} at a time`, jobs.reduce((n, j) => n + j.config.steps, 0));
  const show = () => {
    const fields: Record<string, string> = {};
    for (const [j, step] of done) if (step < j.config.steps) fields[j.label] = `${step}/${j.config.steps}`;
    bar.update([...done.values()].reduce((a, b) => a + b, 0), fields);
  };
  const runOne = async (job: ParallelJob): Promise<void> => {
    done.set(job, 0);
    const result = await runWorker(job, threads, running, (step) => {
      done.set(job, step);
      show();
    });
    if (result.type === 'error') {
      if (result.interrupted) stopped.push({ job, step: done.get(job) ?? 0 });
      else failures.push(`${job.label}: ${result.message}`);
    } else {
      done.set(job, job.config.steps);
      show();
    }
  };
  const lanes = Array.from({ length: workers }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (interrupted || failures.length > 0) return;
      await runOne(job);
    }
  });
  try {
    await Promise.all(lanes);
  } finally {
    watch.stop();
    bar.stop();
  }
  if (failures.length > 0) throw new UserError(`training failed: ${failures.join('; ')}`);
  if (interrupted || stopped.length > 0) {
    const signal: InterruptSignal = interrupted ?? 'SIGINT';
    const where = stopped.map((s) => `${s.job.out} (step ${s.step} of ${s.job.config.steps})`).join(', ');
    throw new TrainingInterrupted(`training interrupted by ${signal}; checkpoints saved in ${where || 'the run folders'}: run again to continue`, signal, stopped[0]?.step ?? 0);
  }
}

/** The worker script beside this module: compiled, or (tests under ts-node) its source. */
function workerScript(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(__dirname, 'worker.ts'), execArgv: ['-r', 'ts-node/register/transpile-only'] };
}

function runWorker(
  job: ParallelJob,
  threads: number,
  running: Set<ChildProcess>,
  onStep: (step: number, losses: Record<string, number>) => void,
): Promise<WorkerMessage & { type: 'done' | 'error' }> {
  return new Promise((resolve) => {
    const worker = workerScript();
    const child = fork(worker.file, [], {
      execArgv: worker.execArgv,
      // Threads are read when the native library loads: only a new process can have fewer.
      env: { ...process.env, OMP_NUM_THREADS: String(threads), ANIME_GAN_PROGRESS: '0' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Its own process group: a terminal's Ctrl-C reaches this process only, which forwards it
      // once (a second SIGINT would make the worker stop without its checkpoint).
      detached: true,
    });
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let final: (WorkerMessage & { type: 'done' | 'error' }) | undefined;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'step') onStep(m.step, m.losses);
      else final = m;
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (final) return resolve(final);
      const last = stderr.trim().split('\n').pop() ?? '';
      resolve({ type: 'error', message: `worker ended (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`, interrupted: false, exitCode: code ?? 1 });
    });
    const request: WorkerRequest = { job, backend: currentCandidate() };
    child.send(request);
  });
}
