/**
 * One training loop for every model: seeded, resumable to the bit on the same backend,
 * with a progress bar (images/s, ETA, losses), a JSON-lines log, sample grids from fixed noise
 * and atomic checkpoints.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../presets';
import { UserError } from '../util/errors';
import { writeJsonAtomic } from '../util/atomicWrite';
import { progress as makeProgress } from '../util/progress';
import { Rng } from '../util/rng';
import { yieldToEventLoop } from '../util/yieldToEventLoop';
import { READABLE_CELL, saveImageGrid } from '../util/imageGrid';
import { BatchStream, ImageSource } from './batchStream';
import {
  modelArrays,
  optimizerArrays,
  readCheckpoint,
  restoreModel,
  restoreOptimizer,
  writeCheckpoint,
} from './checkpoint';
import { GanModel, stepSeed } from './ganModel';
import { createModel, recipeOf } from './recipes/registry';
import { appendLogLine, CheckpointMeta, checkFreshRunFolder, cleanRunFolder, hasCheckpoint, readRunMeta, RUN_KIND, RunData, runPaths, truncateLog } from './runFolder';
import { acquireRunLock } from './runLock';
import { TrainingInterrupted, watchInterrupts } from './interrupt';
import { heapExhaustedError } from '../backend/heapLimit';

export interface TrainOptions {
  config: TrainConfig;
  /** The run folder. */
  out: string;
  /** Domain A (the only domain of the unconditional models; faces for the cycle model). */
  data: ImageSource;
  /** Domain B of the cycle model (anime). */
  dataB?: ImageSource;
  /** Where the data came from, recorded in the run. */
  dataPaths: { a: string; b?: string };
  /** Continue the checkpoint in `out` up to `config.steps`. */
  resume?: boolean;
  /** Called after every step (notebooks plot live losses with it). */
  onStep?: (step: number, losses: Record<string, number>) => void;
  /** Called inside the signal handler when an interrupt is asked for, with the step under way (1-based). */
  onInterruptRequested?: (signal: 'SIGINT' | 'SIGTERM', step: number) => void;
}

export interface TrainResult {
  runDir: string;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  lastLosses: Record<string, number>;
}

/** Images in one sample grid. */
export const SAMPLE_GRID = 64;

/**
 * Train (or resume) the run in `opts.out`. The folder is locked for the whole call (one writer
 * per run); SIGINT/SIGTERM stop the loop after the current step with a checkpoint and a
 * TrainingInterrupted error.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  if (fs.existsSync(opts.out) && !fs.statSync(opts.out).isDirectory()) throw new UserError(`--out ${opts.out} is a file, not a folder`);
  const existed = fs.existsSync(opts.out);
  const lock = acquireRunLock(opts.out);
  try {
    cleanRunFolder(opts.out);
    return await trainLocked(opts);
  } finally {
    lock.release();
    // A run refused before writing anything leaves no empty folder behind.
    if (!existed && fs.existsSync(opts.out) && fs.readdirSync(opts.out).length === 0) fs.rmdirSync(opts.out);
  }
}

async function trainLocked(opts: TrainOptions): Promise<TrainResult> {
  const { out } = opts;
  const paths = runPaths(out);
  let config = opts.config;
  let meta: CheckpointMeta | undefined;
  if (hasCheckpoint(out)) {
    meta = readRunMeta(out);
    if (!opts.resume) {
      throw new UserError(
        `${out} already holds a ${meta.config.model} run at step ${meta.step}: pass --resume to continue it, or choose another --out`,
      );
    }
    if (meta.config.model !== config.model) {
      throw new UserError(`${out} holds a ${meta.config.model} checkpoint, not ${config.model}`);
    }
    // Only the target length may change on resume: another size or batch would train this
    // run's networks on other data than the run's.
    const changed = changedSettings(meta.config, config);
    if (changed.length) {
      throw new UserError(
        `${out} was trained with ${changed.map((k) => `${k} ${show(meta!.config[k])}`).join(', ')}; resuming with ${changed.map((k) => `${k} ${show(config[k])}`).join(', ')} would not continue it: resume with the run's settings, or choose another --out`,
      );
    }
    if (config.steps < meta.step) {
      throw new UserError(`${out} is already at step ${meta.step}; --steps ${config.steps} is behind it: give more steps to continue, or choose another --out`);
    }
    if (config.steps === meta.step) {
      return { runDir: out, steps: 0, seconds: 0, imagesPerSecond: 0, lastLosses: {} };
    }
  } else if (opts.resume) {
    throw new UserError(`nothing to resume: ${out} holds no checkpoint`);
  } else {
    checkFreshRunFolder(out);
  }
  const recipe = recipeOf(config.model);
  if (recipe.conditional && !opts.dataB) {
    const { a, b } = recipe.domains;
    throw new UserError(`the ${config.model} model trains between two domains: give --data (${a} images) and --data-b (${b} images)`);
  }

  checkImageSize(opts.data, config, '--data');
  if (opts.dataB) checkImageSize(opts.dataB, config, '--data-b');
  const backend = tf.getBackend();
  const model = createModel(config);
  const streamA = new BatchStream(opts.data, config.batch, `${config.seed}/A`);
  const streamB = opts.dataB ? new BatchStream(opts.dataB, config.batch, `${config.seed}/B`) : undefined;
  let rng = new Rng(config.seed);
  let startStep = 0;
  let secondsBefore = 0;
  if (meta) {
    const { arrays } = readCheckpoint<CheckpointMeta>(paths.checkpoint);
    for (const [name, net] of Object.entries(model.networks)) restoreModel(`net/${name}`, net, arrays);
    // Optimizer slots exist only after a first step; restoring creates them.
    for (const [name, opt] of Object.entries(model.optimizers)) await restoreOptimizer(`opt/${name}`, opt, arrays);
    startStep = meta.step;
    streamA.drawn = meta.drawnA;
    if (streamB) streamB.drawn = meta.drawnB;
    rng = new Rng(config.seed, meta.rngState as ReturnType<Rng['state']>);
    secondsBefore = meta.seconds;
    truncateLog(out, startStep);
  } else {
    fs.mkdirSync(out, { recursive: true });
    if (fs.existsSync(paths.log)) fs.rmSync(paths.log);
  }
  const data: RunData = { ...opts.dataPaths, images: { a: opts.data.length, ...(opts.dataB ? { b: opts.dataB.length } : {}) } };
  writeJsonAtomic(paths.config, { kind: RUN_KIND, config, data, backend });

  // Sample grids: 64 images from fixed noise, or the first 8 images of domain A above their translations.
  const sampleInputs = model.conditional ? opts.data.batchAt(range(Math.min(8, opts.data.length))) : undefined;
  const sampleSeed = stepSeed(config.seed, -1);
  const saveCheckpoint = async (step: number, seconds: number) => {
    const arrays = Object.entries(model.networks).flatMap(([n, net]) => modelArrays(`net/${n}`, net));
    for (const [n, opt] of Object.entries(model.optimizers)) arrays.push(...(await optimizerArrays(`opt/${n}`, opt)));
    const m: CheckpointMeta = {
      kind: 'anime-gan-workbook-run',
      config,
      data,
      step,
      drawnA: streamA.drawn,
      drawnB: streamB?.drawn ?? 0,
      rngState: rng.state(),
      backend,
      seconds,
      networks: Object.keys(model.networks),
      optimizers: Object.keys(model.optimizers),
    };
    writeCheckpoint(paths.checkpoint, m, arrays);
  };
  const saveSamples = async (step: number) => {
    const file = path.join(paths.samples, `step-${String(step).padStart(6, '0')}.png`);
    if (model.conditional) {
      const images = model.translate(sampleInputs!, 'a2b');
      const grid = tf.concat([sampleInputs!, images], 0) as tf.Tensor4D;
      await saveImageGrid(grid, file, { nrow: sampleInputs!.shape[0], minCell: READABLE_CELL });
      tf.dispose([images, grid]);
    } else {
      const images = model.sample(SAMPLE_GRID, sampleSeed);
      await saveImageGrid(images, file, { nrow: 8, minCell: READABLE_CELL });
      images.dispose();
    }
  };

  const bar = makeProgress(`train ${config.model}`, config.steps);
  bar.update(startStep);
  const log = fs.openSync(paths.log, 'a');
  const t0 = Date.now();
  let lastLosses: Record<string, number> = {};
  const imagesPerStep = recipe.imagesPerStep(config);
  let current = startStep;
  const interrupts = watchInterrupts((signal) => opts.onInterruptRequested?.(signal, current + 1));
  let saved = startStep;
  try {
    for (let step = startStep; step < config.steps; step++) {
      current = step;
      if (interrupts.requested) {
        if (step > saved) await saveCheckpoint(step, secondsBefore + (Date.now() - t0) / 1000);
        throw interruptedError(interrupts.requested, step, config, out);
      }
      let losses: Record<string, number>;
      try {
        losses = model.trainStep({ nextA: () => streamA.next(), nextB: streamB ? () => streamB.next() : undefined }, step);
      } catch (err) {
        throw heapExhaustedError(err) ?? err;
      }
      const done = step + 1;
      const seconds = (Date.now() - t0) / 1000;
      const ips = ((done - startStep) * imagesPerStep) / Math.max(seconds, 1e-9);
      lastLosses = losses;
      for (const [k, v] of Object.entries(losses)) {
        if (!Number.isFinite(v)) throw new Error(`${k} became ${v} at step ${done}: training diverged (lower the learning rate?)`);
      }
      if (done % config.logEvery === 0 || done === config.steps) {
        appendLogLine(log, out, JSON.stringify({ step: done, ...losses, seconds: secondsBefore + seconds }) + '\n');
      }
      if (done % config.sampleEvery === 0 || done === config.steps) await saveSamples(done);
      if (done % config.checkpointEvery === 0 || done === config.steps) {
        await saveCheckpoint(done, secondsBefore + seconds);
        saved = done;
      }
      bar.update(done, { 'img/s': ips, ...pickLosses(losses) });
      opts.onStep?.(done, losses);
      await yieldToEventLoop();
    }
  } finally {
    interrupts.stop();
    fs.closeSync(log);
    bar.stop();
    sampleInputs?.dispose();
    model.dispose();
  }
  const seconds = (Date.now() - t0) / 1000;
  const steps = config.steps - startStep;
  return {
    runDir: out,
    steps,
    seconds,
    imagesPerSecond: steps > 0 ? (steps * imagesPerStep) / seconds : 0,
    lastLosses,
  };
}

function interruptedError(signal: 'SIGINT' | 'SIGTERM', step: number, config: TrainConfig, out: string): TrainingInterrupted {
  const msg =
    step === 0
      ? `training interrupted (${signal}) before its first step: nothing to save`
      : `training interrupted (${signal}) at step ${step} of ${config.steps}; checkpoint saved in ${out}: continue with \`anime-gan train ${config.model} --out ${out} --resume\``;
  return new TrainingInterrupted(msg, signal, step);
}

/** Settings of `next` that differ from the run's `prev` (all but steps). */
function changedSettings(prev: TrainConfig, next: TrainConfig): (keyof TrainConfig)[] {
  return (Object.keys({ ...prev, ...next }) as (keyof TrainConfig)[]).filter(
    (k) => k !== 'steps' && JSON.stringify(prev[k]) !== JSON.stringify(next[k]),
  );
}

function show(v: unknown): string {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number') ? v.join('x') : JSON.stringify(v);
}

/** The images must have the model's size (a resumed run's, not the command line's default). */
function checkImageSize(source: ImageSource, config: TrainConfig, what: string): void {
  if (source.length === 0) return;
  const one = source.batchAt([0]);
  const [h, w] = one.shape.slice(1, 3);
  one.dispose();
  if (h !== config.size[0] || w !== config.size[1]) {
    throw new UserError(`${what} gives ${h}x${w} images but the run's model takes ${config.size.join('x')}`);
  }
}

function pickLosses(losses: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(losses).filter(([k]) => k.includes('loss')));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A trained run's networks, restored from its checkpoint (for sampling and evaluation). */
export function loadRun(dir: string): { meta: CheckpointMeta; model: GanModel } {
  const meta = readRunMeta(dir);
  const { arrays } = readCheckpoint<CheckpointMeta>(runPaths(dir).checkpoint);
  const model = createModel(meta.config);
  for (const [name, net] of Object.entries(model.networks)) restoreModel(`net/${name}`, net, arrays);
  return { meta, model };
}
