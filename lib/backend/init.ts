import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import './candidates'; // registers the built-in candidates
import { registerCpuKernels } from './kernels/register';
import { getBackendCandidate, listBackendCandidates } from './registry';
import { BackendCandidate, BackendInfo } from './types';
import { tfjsVersions } from './versions';
import { loadWasm } from './wasmRuntime';

export interface InitBackendOptions {
  /** Force one backend by name, or 'auto' (else env ANIME_GAN_BACKEND, else the best available). */
  backend?: string;
  /** Print nothing, not even the one-line note about skipped backends. */
  quiet?: boolean;
}

// The cpu fix is cheap and makes tf.setBackend('cpu') train correctly for everyone importing us.
registerCpuKernels();

let current: BackendInfo | undefined;
/** tfjs' name for the backend `current` started ('tensorflow' for tfjs-node), to notice tf.setBackend elsewhere. */
let currentTfName: string | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** Versions of tfjs and of every backend package installed (not only the active one). */
function allVersions(): Record<string, string> {
  const v = tfjsVersions();
  for (const c of listBackendCandidates()) Object.assign(v, c.versions());
  return v;
}

/** Names of the candidates usable here, best first. */
export async function availableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const c of listBackendCandidates()) if ((await c.probe()) == null) names.push(c.name);
  return names;
}

async function activate(c: BackendCandidate, skipped: BackendInfo['skipped']): Promise<BackendInfo> {
  const { threads } = await c.activate();
  return { name: c.name, threads, versions: allVersions(), skipped };
}

async function forcedBackend(name: string): Promise<BackendInfo> {
  const c = getBackendCandidate(name);
  const others = async () => `available: ${(await availableBackends()).join(', ')}`;
  if (!c) {
    const known = listBackendCandidates().map((k) => k.name).join(', ');
    throw new UserError(`unknown backend '${name}' (known: ${known}; ${await others()})`);
  }
  const reason = await c.probe();
  if (reason != null) throw new UserError(`backend '${name}' is not available: ${reason} (${await others()})`);
  try {
    return await activate(c, []);
  } catch (e) {
    throw new UserError(`backend '${name}' failed to start: ${(e as Error).message.split('\n')[0]} (${await others()})`);
  }
}

async function bestBackend(quiet: boolean): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  for (const c of listBackendCandidates()) {
    const reason = await c.probe();
    if (reason != null) {
      skipped.push({ name: c.name, reason });
      continue;
    }
    try {
      const info = await activate(c, skipped);
      if (skipped.length > 0 && !quiet) {
        const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
        process.stderr.write(`anime-gan: using the ${c.name} backend (skipped ${why})\n`);
      }
      return info;
    } catch (e) {
      skipped.push({ name: c.name, reason: `failed to start (${(e as Error).message.split('\n')[0]})` });
    }
  }
  throw new Error(`no compute backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * Choose and start the compute backend: `opts.backend`, else env ANIME_GAN_BACKEND, else the
 * best available in the order of BACKEND_RANKS (tfjs-node-gpu, tfjs-node, native, wasm, cpu);
 * the name 'auto' chooses afresh even when a backend is running. When better backends were
 * passed over, one line on stderr says which and why (not when quiet). A forced backend that is unknown or unavailable is a UserError
 * naming it and the available ones. Calling again returns the running backend unless a
 * different one is forced.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = async (): Promise<BackendInfo> => {
    // Our wasm kernels go in before any backend starts: the native backend copies wasm's kernels.
    try {
      loadWasm();
    } catch {
      // The wasm candidate's probe reports it.
    }
    const wanted = (opts.backend ?? process.env.ANIME_GAN_BACKEND ?? '').trim().toLowerCase();
    if (wanted === 'auto') {
      current = await bestBackend(Boolean(opts.quiet));
      currentTfName = tf.getBackend();
      return current;
    }
    if (current && (wanted === '' || wanted === current.name) && tf.engine().backendName === currentTfName) return current;
    current = wanted !== '' ? await forcedBackend(wanted) : await bestBackend(Boolean(opts.quiet));
    currentTfName = tf.getBackend();
    return current;
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * The backend for `anime-gan info`: name, threads, versions of tfjs and of every backend package
 * installed, and what was skipped. Starts the backend first (quietly, honouring `opts.backend`
 * and ANIME_GAN_BACKEND) if initBackend has not run yet.
 */
export async function backendInfo(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const info = await initBackend({ quiet: true, ...opts });
  return { ...info, versions: allVersions(), skipped: [...info.skipped] };
}
