/**
 * Dense float64 linear algebra for the metrics, on row-major Float64Arrays.
 *
 * Why hand-written: FID needs the eigenvalues of 2048x2048 symmetric matrices in float64.
 * ml-matrix's EigenvalueDecomposition (the well-kept npm option) took 4.7 s at 1024 and
 * would take ~40 s per decomposition at 2048 on this machine (arrays of arrays, always
 * accumulates eigenvectors); FID needed two of them. The routines below work on flat
 * arrays, exploit symmetry and compute eigenvalues only, which is all FID needs.
 * They follow the textbook algorithms (Golub & Van Loan: pivoted Cholesky 4.2.8,
 * Householder tridiagonalisation 8.3.1, implicit symmetric QL/QR 8.3.3).
 */

/** Dot product of a[ao..ao+n) and b[bo..bo+n). */
export function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < n; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + s2 + s3;
}

export interface PivotedCholesky {
  /** n x rank, row-major, lower trapezoidal: P^T A P = L L^T (to the tolerance). */
  L: Float64Array;
  rank: number;
  /** perm[i] = original index of pivoted row i. */
  perm: Int32Array;
  /** Largest |entry| of the Schur complement left when stopping: ~0 for a PSD matrix. */
  residual: number;
  /** Largest diagonal entry of the input (the scale for tolerances). */
  maxDiag: number;
}

/**
 * Rank-revealing Cholesky with complete (diagonal) pivoting of a symmetric positive
 * semi-definite n x n matrix, as LAPACK dpstrf: stop when the largest remaining diagonal
 * is <= tol (default n * eps * max diag). Works on a copy.
 */
export function pivotedCholesky(A: Float64Array, n: number, tol?: number): PivotedCholesky {
  const a = Float64Array.from(A);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const col = new Float64Array(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]);
  const stop = tol ?? n * Number.EPSILON * maxDiag;
  let rank = 0;
  for (let k = 0; k < n; k++) {
    // pivot: the largest remaining diagonal of the Schur complement
    let p = k;
    for (let i = k + 1; i < n; i++) if (a[i * n + i] > a[p * n + p]) p = i;
    if (!(a[p * n + p] > stop)) break;
    if (p !== k) swapSymmetric(a, n, k, p, perm);
    const lkk = Math.sqrt(a[k * n + k]);
    a[k * n + k] = lkk;
    // column k of L, also kept contiguous so the update below reads it without striding
    for (let i = k + 1; i < n; i++) col[i] = a[i * n + k] /= lkk;
    // rank-1 update of the lower triangle of the trailing block
    for (let i = k + 1; i < n; i++) {
      const lik = col[i];
      if (lik === 0) continue;
      const ri = i * n;
      for (let j = k + 1; j <= i; j++) a[ri + j] -= lik * col[j];
    }
    rank = k + 1;
  }
  let residual = 0;
  for (let i = rank; i < n; i++) for (let j = rank; j <= i; j++) residual = Math.max(residual, Math.abs(a[i * n + j]));
  const L = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) {
    const m = Math.min(i + 1, rank);
    for (let j = 0; j < m; j++) L[i * rank + j] = a[i * n + j];
  }
  return { L, rank, perm, residual, maxDiag };
}

/** Swap rows/columns k and p of the lower triangle in place (k < p), tracking the permutation. */
function swapSymmetric(a: Float64Array, n: number, k: number, p: number, perm: Int32Array): void {
  const t = perm[k];
  perm[k] = perm[p];
  perm[p] = t;
  // The lower triangle holds L (columns < k) and the trailing Schur complement.
  // Columns < k: swap whole rows k and p there.
  for (let j = 0; j < k; j++) {
    const x = a[k * n + j];
    a[k * n + j] = a[p * n + j];
    a[p * n + j] = x;
  }
  const d = a[k * n + k];
  a[k * n + k] = a[p * n + p];
  a[p * n + p] = d;
  // k < j < p: a[j][k] <-> a[p][j]
  for (let j = k + 1; j < p; j++) {
    const x = a[j * n + k];
    a[j * n + k] = a[p * n + j];
    a[p * n + j] = x;
  }
  // j > p: a[j][k] <-> a[j][p]
  for (let j = p + 1; j < n; j++) {
    const x = a[j * n + k];
    a[j * n + k] = a[j * n + p];
    a[j * n + p] = x;
  }
}

/**
 * Eigenvalues of a symmetric n x n matrix (only its lower triangle is read), ascending.
 * Householder reduction to tridiagonal form (eigenvalues only, ~4/3 n^3 flops), then the
 * implicit QL algorithm with Wilkinson shifts on the tridiagonal matrix.
 */
export function symmetricEigenvalues(A: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(a, n, d, e);
  tridiagonalQL(d, e, n);
  return d.sort();
}

/**
 * Householder tridiagonalisation of the lower triangle of a (destroyed). d gets the
 * diagonal, e[1..n-1] the sub-diagonal (e[i] couples i-1 and i), e[0] = 0.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // x = a[k+1.., k]
    let alpha = 0;
    for (let i = k + 1; i < n; i++) alpha += a[i * n + k] * a[i * n + k];
    const x0 = a[(k + 1) * n + k];
    const normx = Math.sqrt(alpha);
    if (normx === 0) {
      e[k + 1] = 0;
      continue;
    }
    // v = x - beta e1 with beta = -sign(x0) ||x||, so H x = beta e1 without cancellation
    const beta = x0 >= 0 ? -normx : normx;
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k];
    v[k + 1] = x0 - beta;
    let vv = 0;
    for (let i = k + 1; i < n; i++) vv += v[i] * v[i];
    e[k + 1] = beta;
    if (vv === 0) continue;
    const tau = 2 / vv;
    // p = tau * A22 v, with A22 symmetric, lower triangle stored
    for (let i = k + 1; i < n; i++) p[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      let s = a[ri + i] * vi;
      for (let j = k + 1; j < i; j++) {
        const aij = a[ri + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= tau;
      pv += p[i] * v[i];
    }
    // w = p - (tau/2)(p.v) v ; A22 -= v w^T + w v^T
    const c = 0.5 * tau * pv;
    for (let i = k + 1; i < n; i++) p[i] -= c * v[i];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j <= i; j++) a[ri + j] -= vi * p[j] + wi * v[j];
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  e[0] = 0;
  if (n >= 2) e[n - 1] = a[(n - 1) * n + (n - 2)];
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (d, e) by implicit QL with Wilkinson
 * shifts (EISPACK tql1 / Numerical Recipes tqli without vectors). d is overwritten.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  // Deflate against the norm of the whole matrix (EISPACK tql1's tst1), not just the two
  // neighbouring diagonals: with many eigenvalues near zero (singular covariances) a purely
  // local test may never be met. Absolute accuracy eps·||T|| is what the reduction gives anyway.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]));
  const tiny = Number.EPSILON * norm;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd || Math.abs(e[m]) <= tiny) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('symmetricEigenvalues: QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
