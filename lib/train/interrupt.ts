/**
 * Ctrl-C (SIGINT) and SIGTERM during training: the signal only sets a flag; the training loop
 * checks it after every step, writes a checkpoint and stops with a TrainingInterrupted error
 * saying how to resume. The same path serves the command line and the Jupyter kernel (tslab
 * turns Kernel › Interrupt into a SIGINT to the kernel process; its own handler ends the cell,
 * this one stops the loop that would otherwise go on writing to the run folder).
 *
 * A second signal while the checkpoint is being written ends the process at once when nothing
 * else listens for that signal (the command line); in a kernel, tslab's listener stays in charge.
 */
import { UserError } from '../util/errors';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
const SIGNALS: InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/** Shell convention: 128 + the signal's number. */
export const SIGNAL_EXIT_CODE: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** Training stopped on a signal; the message says where the checkpoint is and how to resume. */
export class TrainingInterrupted extends UserError {
  constructor(
    message: string,
    readonly signal: InterruptSignal,
    readonly step: number,
  ) {
    super(message, SIGNAL_EXIT_CODE[signal]);
    this.name = 'TrainingInterrupted';
  }
}

export interface InterruptWatch {
  /** The signal received since the watch started, or null. */
  readonly requested: InterruptSignal | null;
  stop(): void;
}

const watches = new Set<{ requested: InterruptSignal | null; onRequest?: (signal: InterruptSignal) => void }>();

/** Ask every running training to stop after its current step (what the signal handler does). */
export function requestInterrupt(signal: InterruptSignal = 'SIGINT'): void {
  for (const w of watches) {
    if (w.requested) escalate(signal);
    else {
      w.requested = signal;
      w.onRequest?.(signal);
    }
  }
}

const handlers: Record<InterruptSignal, () => void> = {
  SIGINT: () => requestInterrupt('SIGINT'),
  SIGTERM: () => requestInterrupt('SIGTERM'),
};

/**
 * Start watching for SIGINT/SIGTERM; call stop() when the training ends (also on error).
 * `onRequest` runs inside the signal's handler, at once: in a Jupyter kernel that is the last
 * moment a message still reaches the interrupted cell (tslab ends the cell on the same signal).
 */
export function watchInterrupts(onRequest?: (signal: InterruptSignal) => void): InterruptWatch {
  const state = { requested: null as InterruptSignal | null, onRequest };
  if (watches.size === 0) for (const s of SIGNALS) process.on(s, handlers[s]);
  watches.add(state);
  return {
    get requested() {
      return state.requested;
    },
    stop() {
      if (!watches.delete(state)) return;
      if (watches.size === 0) for (const s of SIGNALS) process.removeListener(s, handlers[s]);
    },
  };
}

/** A second signal: if ours is the only listener, let the default action end the process. */
function escalate(signal: InterruptSignal): void {
  if (process.listenerCount(signal) > 1) return;
  for (const s of SIGNALS) process.removeListener(s, handlers[s]);
  process.stderr.write(`\n${signal} again: stopping without waiting for the checkpoint\n`);
  process.kill(process.pid, signal);
}
