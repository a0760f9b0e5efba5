import * as tf from '@tensorflow/tfjs';
import { isUserError, UserError } from '../util/errors';

/**
 * The wasm and native backends keep every tensor in one WebAssembly heap, which cannot grow past
 * 4 GB. When it is full the wasm runtime fails with a bare "memory access out of bounds" or
 * "Aborted()"; this turns that into one line that says what happened and what to change.
 */
const HEAP_FAILURE = /memory access out of bounds|Aborted\(|Cannot enlarge memory|out of memory/i;
const HEAP_BACKENDS = ['wasm', 'native'];

export function heapExhaustedError(err: unknown, backend: string = tf.getBackend()): UserError | null {
  if (isUserError(err)) return null;
  const message = err instanceof Error ? err.message : String(err);
  if (!HEAP_BACKENDS.includes(backend) || !HEAP_FAILURE.test(message)) return null;
  return new UserError(
    `the ${backend} backend ran out of memory (${message.trim()}): its tensors share one WebAssembly heap of at most 4 GB. ` +
      'Lower --batch, --size or the model widths (or install @tensorflow/tfjs-node, which has no such limit); ' +
      'in a notebook, restart the kernel first',
  );
}
