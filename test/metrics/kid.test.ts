import { expect } from 'chai';
import { kernelInceptionDistance } from '../../lib/metrics';
import { UserError } from '../../lib/util/errors';
import { features, reference, relErr } from './helpers';

describe('metrics/kid', () => {
  for (const c of reference.kid.filter((x: { name: string }) => x.name !== 'defaults-64')) {
    it(`matches torch-fidelity's formula and subsets on ${c.name}`, () => {
      const r = kernelInceptionDistance(features(c.set1, c.dim), features(c.set2, c.dim), c.dim, {
        subsets: c.subsets,
        subsetSize: c.subsetSize,
        seed: c.seed,
      });
      expect(relErr(r.mean, c.mean)).to.be.below(1e-9);
      expect(relErr(r.std, c.std)).to.be.below(1e-7);
    });
  }

  it('uses torch-fidelity defaults (100 subsets of 1000, seed 2020)', () => {
    const c = reference.kid.find((x: { name: string }) => x.name === 'defaults-64');
    const r = kernelInceptionDistance(features(c.set1, c.dim), features(c.set2, c.dim), c.dim);
    expect(r.subsets).to.equal(100);
    expect(r.subsetSize).to.equal(1000);
    expect(relErr(r.mean, c.mean)).to.be.below(1e-9);
    expect(relErr(r.std, c.std)).to.be.below(1e-7);
  });

  it('is ~0 (unbiased, may be negative) for two samples of one distribution, far from another', () => {
    const c = reference.kid.find((x: { name: string }) => x.name === 'same-distribution-64');
    const r = kernelInceptionDistance(features(c.set1, c.dim), features(c.set2, c.dim), c.dim, { subsets: c.subsets, subsetSize: c.subsetSize, seed: c.seed });
    const other = reference.kid.find((x: { name: string }) => x.name === 'small-64');
    expect(Math.abs(r.mean)).to.be.below(2 * r.std);
    expect(Math.abs(r.mean)).to.be.below(0.01 * other.mean);
  });

  it('for one set against itself, has the known small negative expectation of overlapping subsets', () => {
    // Subsets of the same N rows share rows, so K_XY sees k(x, x): E = (2/N)(mean_{i!=j} k - mean_i k(x_i, x_i)).
    const c = reference.kid.find((x: { name: string }) => x.name === 'small-64');
    const f = features(c.set1, c.dim);
    const n = c.set1.n;
    const k = (i: number, j: number) => {
      let t = 0;
      for (let l = 0; l < c.dim; l++) t += f[i * c.dim + l] * f[j * c.dim + l];
      return (t / c.dim + 1) ** 3;
    };
    let diag = 0;
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) i === j ? (diag += k(i, i)) : (off += k(i, j));
    const expected = (2 / n) * (off / (n * (n - 1)) - diag / n);
    const r = kernelInceptionDistance(f, f, c.dim, { subsets: 200, subsetSize: 100, seed: 5 });
    expect(expected).to.be.below(0);
    expect(Math.abs(r.mean - expected)).to.be.below((3 * r.std) / Math.sqrt(200));
  });

  it('refuses a subset larger than either set', () => {
    const f = new Float64Array(10 * 4).fill(1);
    expect(() => kernelInceptionDistance(f, f, 4, { subsetSize: 11 })).to.throw(UserError, /subset size 11/);
    expect(() => kernelInceptionDistance(f, new Float64Array(9), 4)).to.throw(UserError, /multiple/);
  });
});
