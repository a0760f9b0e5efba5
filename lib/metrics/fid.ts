/**
 * Fréchet Inception Distance (FID, the paper's eq. (12)).
 *
 * The features of two image sets (Inception pool3 activations, or another extractor's) are
 * each summarised by a Gaussian N(mu, Sigma); the FID is the Fréchet (2-Wasserstein)
 * distance between the two Gaussians:
 *
 *     d^2 = ||mu1 - mu2||^2 + Tr(Sigma1) + Tr(Sigma2) - 2 Tr( (Sigma1 Sigma2)^(1/2) ).
 *
 * Lower is better; 0 means identical statistics. The value is biased upwards at small sample
 * sizes, so compare FIDs only at equal sample counts (KID, in kid.ts, is unbiased).
 *
 * Reference: pytorch-fid `calculate_frechet_distance` (scipy.linalg.sqrtm of Sigma1·Sigma2, real
 * part, trace). We get the same number by a different, cheaper and more stable route; see
 * `traceSqrtProduct`.
 */
import { UserError } from '../util/errors';
import { dot, PivotedCholesky, pivotedCholesky, symmetricEigenvalues } from './linalg';
import { ActivationStatistics, calculateActivationStatistics, numRows } from './statistics';

/**
 * Tr((S1 S2)^(1/2)) for symmetric positive semi-definite S1, S2 (n x n, row-major).
 *
 * Method (differs from pytorch-fid in method, not in result): S1 S2 is similar to the
 * symmetric PSD matrix S1^(1/2) S2 S1^(1/2), so its principal square root has trace
 * sum_i sqrt(lambda_i) over the eigenvalues of any symmetric matrix with the same non-zero
 * spectrum. With pivoted Cholesky factors P1^T S1 P1 = L1 L1^T and P2^T S2 P2 = L2 L2^T
 * (L_k n x r_k, r_k = rank S_k):
 *   - both full rank: M = L1^T (P1^T S2 P1) L1 (n x n);
 *   - otherwise: C = L_a^T P_a^T P_b L_b with a the factor of smaller rank, M = C C^T
 *     (r_a x r_a). Working in the smaller rank drops the eigenvalues that are exactly zero in
 *     exact arithmetic, whose rounding noise would otherwise add sqrt(noise) terms.
 * scipy's sqrtm computes a Schur form of S1 S2, and the trace of its square root is likewise
 * the sum of the square roots of the Schur diagonal: the same eigenvalues. Eigenvalues that
 * rounding pushes slightly below zero are clamped at 0, as taking the real part of scipy's
 * complex result does. Eigenvalues only, no non-symmetric eigenproblem; ~3 n^3 flops at full
 * rank, far less for singular covariances (fewer samples than dimensions).
 */
export function traceSqrtProduct(sigma1: Float64Array, sigma2: Float64Array, n: number): number {
  const c1 = checkedCholesky(sigma1, n, 'sigma1');
  const c2 = checkedCholesky(sigma2, n, 'sigma2');
  if (c1.rank === 0 || c2.rank === 0) return 0;
  const M = c1.rank === n && c2.rank === n ? congruence(c1, sigma2, n) : crossGram(c1, c2, n);
  const r = Math.round(Math.sqrt(M.length));
  const eig = symmetricEigenvalues(M, r);
  // pytorch-fid raises when sqrtm's diagonal has an imaginary part > 1e-3, i.e. an
  // eigenvalue below about -1e-6: the inputs were not covariances.
  if (eig.length > 0 && eig[0] < -1e-6) {
    throw new UserError(`covariance product has a negative eigenvalue ${eig[0].toExponential(3)}: inputs are not covariance matrices`);
  }
  let tr = 0;
  for (let i = eig.length - 1; i >= 0; i--) tr += Math.sqrt(Math.max(eig[i], 0));
  return tr;
}

function checkedCholesky(s: Float64Array, n: number, name: string): PivotedCholesky {
  const c = pivotedCholesky(s, n);
  // A PSD matrix leaves a Schur complement of rounding size; an indefinite one does not.
  if (c.residual > 1e-8 * Math.max(c.maxDiag, 0)) {
    throw new UserError(`${name} is not positive semi-definite: not a covariance matrix`);
  }
  return c;
}

/** M = L1^T (P1^T S2 P1) L1, lower triangle (the full-rank route). */
function congruence(c1: PivotedCholesky, sigma2: Float64Array, n: number): Float64Array {
  const { L, rank: r, perm } = c1;
  // B = (P1^T S2 P1) L1, n x r; L1[j][k] is zero for k > j
  const B = new Float64Array(n * r);
  for (let i = 0; i < n; i++) {
    const si = perm[i] * n;
    const bi = i * r;
    for (let j = 0; j < n; j++) {
      const s = sigma2[si + perm[j]];
      if (s === 0) continue;
      const lj = j * r;
      const m = Math.min(j + 1, r);
      for (let k = 0; k < m; k++) B[bi + k] += s * L[lj + k];
    }
  }
  // M = L1^T B (r x r, symmetric): lower triangle only
  const M = new Float64Array(r * r);
  for (let i = 0; i < n; i++) {
    const li = i * r;
    const m = Math.min(i + 1, r);
    for (let k = 0; k < m; k++) {
      const lik = L[li + k];
      if (lik === 0) continue;
      const mk = k * r;
      for (let l = 0; l <= k; l++) M[mk + l] += lik * B[li + l];
    }
  }
  return M;
}

/** C = La^T Pa^T Pb Lb (ra x rb, ra <= rb), then M = C C^T (ra x ra), lower triangle. */
function crossGram(c1: PivotedCholesky, c2: PivotedCholesky, n: number): Float64Array {
  const [a, b] = c1.rank <= c2.rank ? [c1, c2] : [c2, c1];
  const ra = a.rank;
  const rb = b.rank;
  const rowA = new Int32Array(n); // original index -> row of La
  const rowB = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    rowA[a.perm[i]] = i;
    rowB[b.perm[i]] = i;
  }
  const C = new Float64Array(ra * rb);
  for (let o = 0; o < n; o++) {
    const ia = rowA[o];
    const ib = rowB[o];
    const ma = Math.min(ia + 1, ra);
    const mb = Math.min(ib + 1, rb);
    for (let p = 0; p < ma; p++) {
      const x = a.L[ia * ra + p];
      if (x === 0) continue;
      const cp = p * rb;
      const lb = ib * rb;
      for (let q = 0; q < mb; q++) C[cp + q] += x * b.L[lb + q];
    }
  }
  const M = new Float64Array(ra * ra);
  for (let p = 0; p < ra; p++) for (let q = 0; q <= p; q++) M[p * ra + q] = dot(C, p * rb, C, q * rb, rb);
  return M;
}

/**
 * The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (eq. (12)), matching
 * pytorch-fid's calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6).
 *
 * Inputs: means of length d, covariances d x d row-major (float64). Covariances are
 * symmetrised ((S + S^T)/2; np.cov's output can differ from symmetric at rounding level).
 *
 * Regularisation: pytorch-fid adds eps·I to both covariances when scipy's sqrtm fails
 * (non-finite result). With scipy 1.10 (installed here) that happens when the Schur form of
 * S1 S2 has two exactly-zero eigenvalues coupled by a non-zero entry inside one 64-block of
 * its blocked square root: in practice, a feature that is constant (dead) in set 1 and another
 * constant in set 2, at dimensions below 128 where the whole matrix is one block (pytorch-fid's
 * dims=64 option). `scipyWouldRegularise` detects exactly that structure and we then add
 * eps·I as the reference does; singular covariances from too few samples, zero covariances
 * (constant images) and 2048-d features never trigger it, and the fixtures check both cases.
 * Our route cannot fail otherwise for finite PSD inputs; if it ever returns a non-finite value
 * we add eps·I as well.
 */
export function calculateFrechetDistance(
  mu1: ArrayLike<number>,
  sigma1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  sigma2: ArrayLike<number>,
  eps = 1e-6,
): number {
  const d = mu1.length;
  if (mu2.length !== d) throw new UserError(`mean vectors have different lengths (${d} and ${mu2.length})`);
  if (sigma1.length !== d * d || sigma2.length !== d * d) {
    throw new UserError(`covariances must be ${d}x${d} (${d * d} values), got ${sigma1.length} and ${sigma2.length}`);
  }
  const s1 = symmetrised(sigma1, d, 'sigma1');
  const s2 = symmetrised(sigma2, d, 'sigma2');
  let ss = 0;
  for (let i = 0; i < d; i++) {
    const diff = mu1[i] - mu2[i];
    ss += diff * diff;
  }
  if (!Number.isFinite(ss)) throw new UserError('mean vectors contain non-finite values');
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < d; i++) {
    tr1 += s1[i * d + i];
    tr2 += s2[i * d + i];
  }
  const regularise = scipyWouldRegularise(s1, s2, d);
  let trCovmean = regularise ? NaN : traceSqrtProduct(s1, s2, d);
  if (!Number.isFinite(trCovmean)) {
    // as pytorch-fid: "fid calculation produces singular product; adding eps to diagonal"
    for (let i = 0; i < d; i++) {
      s1[i * d + i] += eps;
      s2[i * d + i] += eps;
    }
    trCovmean = traceSqrtProduct(s1, s2, d);
  }
  return ss + tr1 + tr2 - 2 * trCovmean;
}

/**
 * Whether pytorch-fid's scipy.linalg.sqrtm(S1 S2) fails, so that it adds eps·I (scipy 1.10).
 * LAPACK's Schur routine (dgees) first permutes zero rows of S1 S2 to the bottom and zero
 * columns to the top, each giving an exact zero eigenvalue; a zero row i comes from a feature
 * constant in set 1 (row i of S1 is zero), a zero column j from one constant in set 2. scipy's
 * square-root recurrence then divides T[top, bottom] = (S1 S2)[j, i] by sqrt(0) + sqrt(0) and
 * raises when that entry is non-zero, but only when both lie in the same 64-block of the
 * blocked recurrence, i.e. when d < 128 (one block); across blocks the Sylvester solver copes.
 */
export function scipyWouldRegularise(s1: Float64Array, s2: Float64Array, d: number): boolean {
  if (d >= 128) return false;
  const zeroRows = (s: Float64Array) => {
    const out: number[] = [];
    for (let i = 0; i < d; i++) {
      let zero = true;
      for (let k = 0; k < d && zero; k++) zero = s[i * d + k] === 0;
      if (zero) out.push(i);
    }
    return out;
  };
  const z1 = zeroRows(s1);
  if (z1.length === 0) return false;
  const z2 = zeroRows(s2);
  for (const i of z1) {
    for (const j of z2) {
      if (i === j) continue;
      let t = 0;
      for (let k = 0; k < d; k++) t += s1[j * d + k] * s2[k * d + i];
      if (t !== 0) return true;
    }
  }
  return false;
}

/** (S + S^T)/2 as a fresh Float64Array, refusing non-finite or clearly non-symmetric input. */
function symmetrised(s: ArrayLike<number>, d: number, name: string): Float64Array {
  const out = new Float64Array(d * d);
  let maxAbs = 0;
  let maxAsym = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const a = s[i * d + j];
      const b = s[j * d + i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new UserError(`${name} contains non-finite values`);
      const m = 0.5 * (a + b);
      out[i * d + j] = m;
      out[j * d + i] = m;
      maxAbs = Math.max(maxAbs, Math.abs(a), Math.abs(b));
      maxAsym = Math.max(maxAsym, Math.abs(a - b));
    }
  }
  if (maxAsym > 1e-6 * maxAbs) throw new UserError(`${name} is not symmetric (max |S - S^T| = ${maxAsym.toExponential(3)})`);
  return out;
}

/** FID between two precomputed statistics (e.g. read from pytorch-fid .npz files). */
export function fidFromStatistics(a: ActivationStatistics, b: ActivationStatistics, eps = 1e-6): number {
  if (a.dim !== b.dim) throw new UserError(`statistics have different feature dimensions (${a.dim} and ${b.dim})`);
  return calculateFrechetDistance(a.mu, a.sigma, b.mu, b.sigma, eps);
}

/**
 * FID between two feature sets (rows x dim, row-major), in float64.
 *
 * With fewer samples than dimensions (500 images against 2048 Inception features, as the quick
 * preset scores) it never forms a dim x dim covariance: with A, B the centred features,
 * Sigma1 = A^T A/(n1-1) and Sigma2 = B^T B/(n2-1), so Tr Sigma_k is a sum of squares and the
 * non-zero eigenvalues of Sigma1 Sigma2 are those of C C^T with C = A B^T / sqrt((n1-1)(n2-1)):
 * Tr((Sigma1 Sigma2)^(1/2)) is the sum of C's singular values. The same number as the statistics
 * route (the fixtures check both) for ~n1·n2·dim flops instead of ~(n1+n2)·dim^2: 1 s instead of 8
 * at 500 x 2048 here. Below 128 dimensions, where pytorch-fid can regularise (see
 * scipyWouldRegularise), and with more samples than dimensions, it goes through the statistics.
 */
export function fidFromFeatures(
  features1: Float32Array | Float64Array,
  features2: Float32Array | Float64Array,
  dim: number,
  eps = 1e-6,
): number {
  const n1 = numRows(features1, dim, 'features of set 1');
  const n2 = numRows(features2, dim, 'features of set 2');
  if (dim < 128 || Math.min(n1, n2) >= dim || Math.min(n1, n2) < 2) {
    return fidFromStatistics(calculateActivationStatistics(features1, dim), calculateActivationStatistics(features2, dim), eps);
  }
  const a = centred(features1, n1, dim, 'features of set 1');
  const b = centred(features2, n2, dim, 'features of set 2');
  let ss = 0;
  for (let j = 0; j < dim; j++) ss += (a.mu[j] - b.mu[j]) ** 2;
  const tr1 = dot(a.x, 0, a.x, 0, n1 * dim) / (n1 - 1);
  const tr2 = dot(b.x, 0, b.x, 0, n2 * dim) / (n2 - 1);
  // C = S L^T with S the smaller set, then M = C C^T (ns x ns, lower triangle).
  const [sm, ns, lg, nl] = n1 <= n2 ? [a.x, n1, b.x, n2] : [b.x, n2, a.x, n1];
  const scale = 1 / Math.sqrt((n1 - 1) * (n2 - 1));
  const C = new Float64Array(ns * nl);
  for (let i = 0; i < ns; i++) for (let j = 0; j < nl; j++) C[i * nl + j] = scale * dot(sm, i * dim, lg, j * dim, dim);
  const M = new Float64Array(ns * ns);
  for (let i = 0; i < ns; i++) for (let j = 0; j <= i; j++) M[i * ns + j] = dot(C, i * nl, C, j * nl, nl);
  const eig = symmetricEigenvalues(M, ns);
  let trCovmean = 0;
  for (let i = eig.length - 1; i >= 0; i--) trCovmean += Math.sqrt(Math.max(eig[i], 0));
  return ss + tr1 + tr2 - 2 * trCovmean;
}

/** Mean and centred copy (float64) of features, refusing non-finite values. */
function centred(f: Float32Array | Float64Array, n: number, dim: number, what: string): { mu: Float64Array; x: Float64Array } {
  const mu = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mu[j] += f[r * dim + j];
  for (let j = 0; j < dim; j++) {
    mu[j] /= n;
    if (!Number.isFinite(mu[j])) throw new UserError(`${what} contain non-finite values`);
  }
  const x = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) x[r * dim + j] = f[r * dim + j] - mu[j];
  return { mu, x };
}
