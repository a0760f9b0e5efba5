/**
 * Let the event loop turn once. Long loops that only await resolved promises never do, and
 * then Jupyter's sockets (tslab's display messages, interrupts) stall: zeromq delays sends after
 * a few hundred synchronous ones and the next display update fails with EBUSY. One call per
 * training step or batch costs microseconds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
