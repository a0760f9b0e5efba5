import { expect } from 'chai';
import { pivotedCholesky, symmetricEigenvalues } from '../../lib/metrics/linalg';
import { randomSample } from './helpers';

/** A A^T / k for a k-column random A: symmetric PSD of rank min(n, k). */
function gramMatrix(seed: number, n: number, k: number): Float64Array {
  const a = randomSample(seed, n, k).map((v) => v - 0.5);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let t = 0;
    for (let l = 0; l < k; l++) t += a[i * k + l] * a[j * k + l];
    s[i * n + j] = t / k;
  }
  return s;
}

describe('metrics/linalg', () => {
  it('eigenvalues of small matrices with known spectra', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3))).to.deep.equal([-1, 2, 3]);
    const e = symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2);
    expect(e[0]).to.be.closeTo(1, 1e-15);
    expect(e[1]).to.be.closeTo(3, 1e-15);
    expect(Array.from(symmetricEigenvalues(new Float64Array([5]), 1))).to.deep.equal([5]);
  });

  it('eigenvalues preserve trace and Frobenius norm of a random symmetric matrix', () => {
    const n = 120;
    const u = randomSample(3, n, n);
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = u[i * n + j] + u[j * n + i] - 1;
    const e = symmetricEigenvalues(s, n);
    let tr = 0;
    let fro = 0;
    for (let i = 0; i < n; i++) tr += s[i * n + i];
    for (const v of s) fro += v * v;
    expect(e.reduce((a, b) => a + b, 0)).to.be.closeTo(tr, 1e-10 * n);
    expect(e.reduce((a, b) => a + b * b, 0)).to.be.closeTo(fro, 1e-10 * fro);
    for (let i = 1; i < n; i++) expect(e[i]).to.be.at.least(e[i - 1]);
  });

  it('eigenvalues of a singular PSD matrix: rank-many positive, the rest ~0', () => {
    const n = 60;
    const e = symmetricEigenvalues(gramMatrix(4, n, 20), n);
    expect(e.filter((v) => v > 1e-10).length).to.equal(20);
    expect(Math.max(...Array.from(e.subarray(0, 40)).map(Math.abs))).to.be.below(1e-12);
  });

  it('pivoted Cholesky reveals the rank and reconstructs P^T A P = L L^T', () => {
    const n = 50;
    for (const k of [10, 80]) {
      const a = gramMatrix(5, n, k);
      const { L, rank, perm, residual } = pivotedCholesky(a, n);
      expect(rank).to.equal(Math.min(n, k));
      expect(residual).to.be.below(1e-12);
      let err = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let t = 0;
        for (let l = 0; l < rank; l++) t += L[i * rank + l] * L[j * rank + l];
        err = Math.max(err, Math.abs(t - a[perm[i] * n + perm[j]]));
      }
      expect(err).to.be.below(1e-13);
    }
  });
});
