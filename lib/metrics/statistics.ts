import { UserError } from '../util/errors';
import { dot } from './linalg';

/** Gaussian summary of a feature set: the inputs of the FID (eq. 12). */
export interface ActivationStatistics {
  /** Mean feature, length dim. */
  mu: Float64Array;
  /** Covariance, dim x dim row-major, unbiased (divides by n - 1) as np.cov(rowvar=False). */
  sigma: Float64Array;
  dim: number;
  /** Number of samples the statistics were computed from (undefined when read from an .npz). */
  n?: number;
}

/** Infer the number of rows of a row-major features array, checking it divides evenly. */
export function numRows(features: ArrayLike<number>, dim: number, what = 'features'): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new UserError(`${what}: feature dimension must be a positive integer, got ${dim}`);
  if (features.length % dim !== 0) {
    throw new UserError(`${what}: length ${features.length} is not a multiple of the feature dimension ${dim}`);
  }
  return features.length / dim;
}

/**
 * Mean and covariance of features (rows x dim, row-major) in float64, as pytorch-fid's
 * calculate_activation_statistics: mu = np.mean(act, axis=0), sigma = np.cov(act, rowvar=False).
 * Float32 features are promoted to float64 first (pytorch-fid stores activations in a float64
 * array too). Two passes (mean, then centred products) for accuracy; the covariance sums
 * run over blocks of samples held transposed so that every inner loop is contiguous.
 * With one sample np.cov divides by zero (NaN); we refuse instead.
 */
export function calculateActivationStatistics(features: Float32Array | Float64Array, dim: number): ActivationStatistics {
  const n = numRows(features, dim);
  if (n < 2) throw new UserError(`need at least 2 samples for a covariance, got ${n}`);
  const mu = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) mu[j] += features[o + j];
  }
  for (let j = 0; j < dim; j++) mu[j] /= n;

  const sigma = new Float64Array(dim * dim);
  const block = 64;
  const xt = new Float64Array(dim * block); // centred block, transposed: feature-major
  for (let r0 = 0; r0 < n; r0 += block) {
    const b = Math.min(block, n - r0);
    for (let k = 0; k < b; k++) {
      const o = (r0 + k) * dim;
      for (let j = 0; j < dim; j++) xt[j * b + k] = features[o + j] - mu[j];
    }
    for (let i = 0; i < dim; i++) {
      const ri = i * dim;
      const oi = i * b;
      for (let j = 0; j <= i; j++) sigma[ri + j] += dot(xt, oi, xt, j * b, b);
    }
  }
  const scale = 1 / (n - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      const v = sigma[i * dim + j] * scale;
      sigma[i * dim + j] = v;
      sigma[j * dim + i] = v;
    }
  }
  return { mu, sigma, dim, n };
}
