/**
 * Inception Score (IS, the paper's eq. (11)):
 *
 *     IS = exp( E_x KL( p(y|x) || p(y) ) ),   p(y) = E_x p(y|x),
 *
 * computed, as in Salimans et al.'s original code and torch-fidelity, on `splits` consecutive
 * chunks of the samples (chunk i = rows [i*N/splits, (i+1)*N/splits) with integer division),
 * p(y) estimated per chunk, and reported as mean ± standard deviation (population std, np.std)
 * over the chunks. Higher is better; it ranges from 1 (every image gets the same prediction)
 * to the number of classes (confident, evenly spread predictions).
 */
import { UserError } from '../util/errors';
import { NumpyRandomState } from './mt19937';

export interface InceptionScoreOptions {
  /** Number of chunks (default 10, as the original code and torch-fidelity). */
  splits?: number;
  /**
   * Shuffle the samples before splitting with NumPy's RandomState(seed).permutation, as
   * torch-fidelity does by default (`samples_shuffle=True`, `rng_seed=2020`). Default: no
   * shuffle, as the original code. Pass 2020 to reproduce torch-fidelity exactly.
   */
  shuffleSeed?: number;
}

export interface MeanStd {
  mean: number;
  std: number;
}

/**
 * IS from class probabilities p(y|x): `probs` is n x numClasses row-major, rows summing to 1.
 * Computed in float64. 0·log 0 is taken as 0 (its limit); the original NumPy code would give
 * NaN for an exactly-zero probability, torch-fidelity avoids it by working from logits.
 */
export function inceptionScore(probs: ArrayLike<number>, numClasses: number, opts: InceptionScoreOptions = {}): MeanStd {
  const splits = opts.splits ?? 10;
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new UserError(`number of classes must be a positive integer, got ${numClasses}`);
  if (probs.length % numClasses !== 0) {
    throw new UserError(`probabilities: length ${probs.length} is not a multiple of the number of classes ${numClasses}`);
  }
  const n = probs.length / numClasses;
  if (!Number.isInteger(splits) || splits < 1) throw new UserError(`splits must be a positive integer, got ${splits}`);
  if (n < splits) throw new UserError(`Inception Score needs at least as many samples as splits (${n} samples, ${splits} splits)`);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1 + 1e-6)) throw new UserError(`probabilities must lie in [0, 1], found ${p} (pass softmax outputs, not logits)`);
  }
  const order = opts.shuffleSeed === undefined ? undefined : new NumpyRandomState(opts.shuffleSeed).permutation(n);
  const row = (r: number) => (order ? order[r] : r) * numClasses;

  const scores: number[] = [];
  const py = new Float64Array(numClasses);
  for (let s = 0; s < splits; s++) {
    const start = Math.floor((s * n) / splits);
    const end = Math.floor(((s + 1) * n) / splits);
    const m = end - start;
    py.fill(0);
    for (let r = start; r < end; r++) {
      const o = row(r);
      for (let c = 0; c < numClasses; c++) py[c] += probs[o + c];
    }
    for (let c = 0; c < numClasses; c++) py[c] /= m;
    let klSum = 0;
    for (let r = start; r < end; r++) {
      const o = row(r);
      let kl = 0;
      for (let c = 0; c < numClasses; c++) {
        const p = probs[o + c];
        if (p > 0) kl += p * (Math.log(p) - Math.log(py[c]));
      }
      klSum += kl;
    }
    scores.push(Math.exp(klSum / m));
  }
  return meanStd(scores);
}

/** Mean and population standard deviation (np.mean, np.std with ddof=0). */
export function meanStd(xs: ArrayLike<number>): MeanStd {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - mean) * (xs[i] - mean);
  return { mean, std: Math.sqrt(v / n) };
}
