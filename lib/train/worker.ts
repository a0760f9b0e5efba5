/**
 * The process `trainInParallel` starts for one run: receives the job over IPC, trains it with
 * the ordinary `train`, reports steps, and ends with `done` or `error`. If the parent goes away,
 * it stops after the current step with a checkpoint, as on SIGTERM.
 */
import { initBackend } from '../backend/init';
import { ImageFolder } from '../data/imageFolder';
import { UserError } from '../util/errors';
import { requestInterrupt, TrainingInterrupted, watchInterrupts } from './interrupt';
import type { ParallelJob, WorkerMessage, WorkerRequest } from './parallel';
import { train } from './trainer';

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => requestInterrupt('SIGTERM'));

process.once('message', async ({ job, backend }: WorkerRequest) => {
  let exitCode = 0;
  // Holds a signal that comes while the backend and data are loading, before train() watches.
  const early = watchInterrupts();
  try {
    await initBackend({ backend, quiet: true });
    const open = (d: ParallelJob['a']) => ImageFolder.open(d.path, { size: job.config.size, limit: d.limit, diskCache: !d.embedded });
    const a = await open(job.a);
    const b = job.b ? await open(job.b) : undefined;
    if (early.requested) throw new TrainingInterrupted(`${early.requested} before training started: ${job.out} unchanged`, early.requested, 0);
    let last = 0;
    await train({
      config: job.config, out: job.out, data: a, dataB: b, dataPaths: { a: job.a.path, b: job.b?.path }, resume: job.resume,
      onStep: (step, losses) => {
        // A few messages a second are enough for a progress bar.
        const now = Date.now();
        if (now - last < 250 && step < job.config.steps) return;
        last = now;
        void send({ type: 'step', step, losses });
      },
    });
    await send({ type: 'done' });
  } catch (e) {
    const err = e as Error;
    exitCode = e instanceof UserError ? e.exitCode : 1;
    await send({ type: 'error', message: err.message, interrupted: e instanceof TrainingInterrupted, exitCode });
    if (!(e instanceof UserError)) process.stderr.write(`${err.stack ?? err.message}\n`);
  } finally {
    early.stop();
  }
  process.exit(exitCode);
});
