import * as tf from '@tensorflow/tfjs';
import { registerCpuKernels } from '../kernels/register';
import { BACKEND_RANKS } from '../registry';
import { BackendCandidate } from '../types';
import { packageVersion } from '../versions';

/** tfjs' plain JavaScript backend: always there, single-threaded, the slowest; the reference in tests. */
export const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  rank: BACKEND_RANKS.cpu,
  description: 'tfjs JavaScript backend (always available, slowest)',
  async probe() {
    return null;
  },
  async activate() {
    registerCpuKernels();
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not start the cpu backend');
    await tf.ready();
    return { threads: 1 };
  },
  versions() {
    const v = packageVersion('@tensorflow/tfjs-backend-cpu');
    return v ? { 'tfjs-backend-cpu': v } : ({} as Record<string, string>);
  },
};
