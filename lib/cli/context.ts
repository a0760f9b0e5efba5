import { Command, InvalidArgumentError } from 'commander';
import { initBackend } from '../backend';

/** Options every command shares: --backend and --verbose. */
export interface GlobalOptions {
  backend?: string;
  verbose?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Choose and initialise the compute backend once, printing which one is used. */
export async function useBackend(cmd: Command, quiet = false): Promise<string> {
  const g = globalOptions(cmd);
  // initBackend prints the one line naming the backend and why better ones were skipped.
  const info = await initBackend({ backend: g.backend, quiet });
  return info.name;
}

/** Larger images than this do not fit the tensor store (4 GB) even at batch 1. */
export const MAX_IMAGE_SIDE = 4096;

/** Parse "64" or "64x80" (height x width). */
export function parseSizeOption(v: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(v.trim());
  if (!m) throw new Error(`--size takes N or HxW, got '${v}'`);
  const size: [number, number] = [Number(m[1]), m[2] ? Number(m[2]) : Number(m[1])];
  if (size.some((x) => x < 1 || x > MAX_IMAGE_SIDE)) throw new Error(`--size takes sides from 1 to ${MAX_IMAGE_SIDE} pixels, got '${v}'`);
  return size;
}

export function parseIntOption(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(`${name} takes a ${min > 0 ? 'positive ' : ''}whole number, got '${v}'`);
    }
    return n;
  };
}

/** A commander parser for a whole-number option (at least `min`). */
export function intOption(name: string, min = 0): (v: string) => number {
  return optionParser(parseIntOption(name, min));
}

/** A commander option parser from a plain parser: its Error becomes commander's one-line message. */
export function optionParser<T>(f: (v: string) => T): (v: string) => T {
  return (v: string): T => {
    try {
      return f(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}
