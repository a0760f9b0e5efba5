import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  BACKEND_RANKS,
  BackendCandidate,
  availableBackends,
  backendInfo,
  initBackend,
  listBackendCandidates,
  packageVersion,
  registerBackendCandidate,
  unregisterBackendCandidate,
} from '../../lib/backend';
import { UserError } from '../../lib/util';

/** Capture what is written to stderr while `f` runs. */
async function stderrOf<T>(f: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  };
  try {
    const result = await f();
    return { result, lines: text.split('\n').filter((l) => l.trim() !== '' && !/^=+$|Hi, looks like/.test(l)) };
  } finally {
    (process.stderr as { write: unknown }).write = original;
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function fake(name: string, rank: number, opts: { reason?: string; failStart?: boolean; backend?: string } = {}): BackendCandidate {
  return {
    name,
    rank,
    description: 'test double',
    probe: async () => opts.reason ?? null,
    activate: async () => {
      if (opts.failStart) throw new Error('boom');
      await tf.setBackend(opts.backend ?? 'cpu');
      return { threads: 3 };
    },
    versions: () => ({ [name]: '0.0.0-test' }),
  };
}

const tfjsNodeInstalled = packageVersion('@tensorflow/tfjs-node') != null;

describe('backend/init: initBackend, forcing and the fallback line', function () {
  this.timeout(60000);
  const savedEnv = process.env.ANIME_GAN_BACKEND;
  let tensorsBefore = 0;
  let previousBackend: string | undefined;
  before(async () => {
    previousBackend = tf.engine().backendName;
    delete process.env.ANIME_GAN_BACKEND;
    await initBackend({ backend: 'wasm', quiet: true });
    tensorsBefore = tf.memory().numTensors;
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.ANIME_GAN_BACKEND;
    else process.env.ANIME_GAN_BACKEND = savedEnv;
    await initBackend({ backend: 'wasm', quiet: true });
    expect(tf.memory().numTensors).to.equal(tensorsBefore);
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('tries candidates best first: tfjs-node-gpu, tfjs-node, (native slot), wasm, cpu', () => {
    const names = listBackendCandidates().map((c) => c.name);
    expect(names.slice(0, 2)).to.deep.equal(['tfjs-node-gpu', 'tfjs-node']);
    expect(names.slice(-2)).to.deep.equal(['wasm', 'cpu']);
    expect(BACKEND_RANKS['tfjs-node']).to.be.above(BACKEND_RANKS.native);
    expect(BACKEND_RANKS.native).to.be.above(BACKEND_RANKS.wasm);
  });

  it('forces a backend by option and by ANIME_GAN_BACKEND', async () => {
    const cpu = await initBackend({ backend: 'cpu', quiet: true });
    expect(cpu.name).to.equal('cpu');
    expect(cpu.threads).to.equal(1);
    expect(tf.getBackend()).to.equal('cpu');
    process.env.ANIME_GAN_BACKEND = 'wasm';
    try {
      const wasm = await initBackend({ quiet: true });
      expect(wasm.name).to.equal('wasm');
      expect(tf.getBackend()).to.equal('wasm');
      expect(wasm.threads).to.equal(1); // no threaded wasm build under Node
      expect(wasm.skipped).to.deep.equal([]);
    } finally {
      delete process.env.ANIME_GAN_BACKEND;
    }
  });

  it('an unknown forced backend is a UserError naming it and the available ones', async () => {
    const e = await rejection(initBackend({ backend: 'tpu', quiet: true }));
    expect(e).to.be.instanceOf(UserError);
    expect(e.message).to.match(/unknown backend 'tpu'/);
    expect(e.message).to.match(/available: .*wasm, cpu/);
    expect(e.message.split('\n')).to.have.length(1);
  });

  (tfjsNodeInstalled ? it.skip : it)('a forced backend that is not installed is a UserError saying so', async () => {
    const e = await rejection(initBackend({ backend: 'tfjs-node', quiet: true }));
    expect(e).to.be.instanceOf(UserError);
    expect(e.message).to.match(/'tfjs-node' is not available: @tensorflow\/tfjs-node not installed/);
    expect(e.message).to.match(/available: .*wasm/);
    // The running backend is left as it was.
    expect(tf.getBackend()).to.equal('wasm');
  });

  it('prints one line naming each skipped backend and why, and nothing when quiet', async () => {
    registerBackendCandidate(fake('fake-absent', 10_000, { reason: 'fake reason' }));
    registerBackendCandidate(fake('fake-broken', 9_000, { failStart: true }));
    try {
      const best = (await availableBackends()).filter((n) => n !== 'fake-broken')[0];
      const { result, lines } = await stderrOf(() => initBackend({ backend: 'auto' }));
      expect(result.name).to.equal(best);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/using the \S+ backend/);
      expect(lines[0]).to.include('fake-absent: fake reason');
      expect(lines[0]).to.include('fake-broken: failed to start (boom)');
      expect(result.skipped.map((s) => s.name).slice(0, 2)).to.deep.equal(['fake-absent', 'fake-broken']);
      const quiet = await stderrOf(() => initBackend({ backend: 'auto', quiet: true }));
      expect(quiet.lines).to.deep.equal([]);
    } finally {
      unregisterBackendCandidate('fake-absent');
      unregisterBackendCandidate('fake-broken');
    }
  });

  it('a candidate registered in the native slot is chosen before wasm', async () => {
    registerBackendCandidate(fake('native-test', (BACKEND_RANKS.native + BACKEND_RANKS.wasm) / 2, { backend: 'cpu' }));
    try {
      const order = listBackendCandidates().map((c) => c.name);
      expect(order.indexOf('native-test')).to.be.below(order.indexOf('wasm'));
      const available = await availableBackends();
      expect(available.indexOf('native-test')).to.be.below(available.indexOf('wasm'));
      const info = await initBackend({ backend: 'auto', quiet: true });
      expect(info.name).to.equal(available[0]);
      if (info.name === 'native-test') expect(info.threads).to.equal(3);
      expect(info.versions['native-test']).to.equal('0.0.0-test');
    } finally {
      unregisterBackendCandidate('native-test');
    }
  });

  it('returns the running backend on a second call, and notices a tf.setBackend made elsewhere', async () => {
    const first = await initBackend({ backend: 'wasm', quiet: true });
    expect(await initBackend({ quiet: true })).to.equal(first);
    await tf.setBackend('cpu');
    const again = await initBackend({ backend: 'wasm', quiet: true });
    expect(again).to.not.equal(first);
    expect(tf.getBackend()).to.equal('wasm');
  });

  it('backendInfo reports the backend, threads and versions of tfjs and each backend package', async () => {
    await initBackend({ backend: 'wasm', quiet: true });
    const info = await backendInfo();
    expect(info.name).to.equal('wasm');
    expect(info.threads).to.equal(1);
    expect(info.versions['tfjs-core']).to.equal(tf.version_core);
    expect(info.versions['tfjs-backend-wasm']).to.match(/^\d+\.\d+\.\d+/);
    expect(info.versions['tfjs-backend-cpu']).to.match(/^\d+\.\d+\.\d+/);
    const forced = await backendInfo({ backend: 'cpu' });
    expect(forced.name).to.equal('cpu');
  });
});
