import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_RANKS } from '../registry';
import { BackendCandidate } from '../types';
import { packageVersion } from '../versions';

/**
 * TensorFlow's C library through @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu. They are not
 * dependencies of this package (large native downloads); a user who installed one gets it.
 * Both register the tfjs backend 'tensorflow'.
 */
function tfjsNodeCandidate(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu', name: 'tfjs-node' | 'tfjs-node-gpu'): BackendCandidate {
  return {
    name,
    rank: BACKEND_RANKS[name],
    description: `TensorFlow C library via ${pkg} (optional, npm install ${pkg})`,
    async probe() {
      if (packageVersion(pkg) == null) return `${pkg} not installed`;
      try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        require(pkg);
      } catch (e) {
        return `${pkg} failed to load (${(e as Error).message.split('\n')[0]})`;
      }
      // A copy with its own tfjs-core registers with that copy's engine, not ours.
      if (tf.findBackendFactory('tensorflow') == null) {
        return `${pkg} uses a different @tensorflow/tfjs-core than this package (${tf.version_core})`;
      }
      return null;
    },
    async activate() {
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`tfjs could not start ${pkg}`);
      await tf.ready();
      // TensorFlow sizes its own thread pools to the machine.
      return { threads: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length };
    },
    versions() {
      const v = packageVersion(pkg);
      return v ? { [name]: v } : {};
    },
  };
}

export const tfjsNodeGpuCandidate = tfjsNodeCandidate('@tensorflow/tfjs-node-gpu', 'tfjs-node-gpu');
export const tfjsNodeCpuCandidate = tfjsNodeCandidate('@tensorflow/tfjs-node', 'tfjs-node');
