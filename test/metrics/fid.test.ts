import { expect } from 'chai';
import * as path from 'path';
import {
  calculateActivationStatistics,
  calculateFrechetDistance,
  fidFromFeatures,
  scipyWouldRegularise,
  fidFromStatistics,
  readStatistics,
  traceSqrtProduct,
} from '../../lib/metrics';
import { UserError } from '../../lib/util/errors';
import { features, FIXTURES, randomSample, reference, relErr } from './helpers';

describe('metrics/fid (eq. 12)', () => {
  for (const c of reference.fid) {
    const slow = c.dim > 64;
    it(`matches pytorch-fid/scipy on ${c.name} (features -> statistics -> FID) to 1e-6 relative`, function () {
      if (slow) this.timeout(600_000);
      const t0 = Date.now();
      const a = calculateActivationStatistics(features(c.set1, c.dim), c.dim);
      const b = calculateActivationStatistics(features(c.set2, c.dim), c.dim);
      const fid = fidFromStatistics(a, b);
      if (slow) console.log(`      ${c.name}: ours ${fid}, scipy ${c.fid}, rel ${relErr(fid, c.fid).toExponential(2)}, ${Date.now() - t0} ms`);
      // pytorch-fid regularised (eps·I) exactly when we predict it would
      expect(scipyWouldRegularise(a.sigma, b.sigma, c.dim)).to.equal(c.epsBranch);
      expect(relErr(fid, c.fid)).to.be.below(1e-6);
    });
  }

  // The cases with fewer samples than dimensions, where fidFromFeatures takes the sample-space route.
  for (const c of (reference.fid as { name: string; dim: number; set1: never; set2: never; fid: number }[]).filter((c) => c.dim >= 128 && Math.min(features(c.set1, c.dim).length, features(c.set2, c.dim).length) < c.dim * c.dim)) {
    it(`fidFromFeatures (sample-space route) matches pytorch-fid/scipy on ${c.name} to 1e-6 relative`, function () {
      this.timeout(60_000);
      expect(relErr(fidFromFeatures(features(c.set1, c.dim), features(c.set2, c.dim), c.dim), c.fid)).to.be.below(1e-6);
    });
  }

  it('gives the statistics route\'s number from features when n < dim (300 vs 200 and 150 vs 250 samples of 2048 features)', function () {
    this.timeout(120_000);
    for (const [n1, n2, scale] of [[300, 200, 1], [150, 250, 0.01]]) {
      const a = randomSample(11 + n1, n1, 2048).map((v) => v * scale);
      const b = randomSample(17 + n2, n2, 2048).map((v) => (1.05 * v + 0.01) * scale);
      const viaStatistics = fidFromStatistics(calculateActivationStatistics(a, 2048), calculateActivationStatistics(b, 2048));
      const viaFeatures = fidFromFeatures(a, b, 2048);
      expect(relErr(viaFeatures, viaStatistics)).to.be.below(1e-9);
      expect(relErr(fidFromFeatures(b, a, 2048), viaStatistics)).to.be.below(1e-9);
    }
  });

  it('computes statistics as np.mean / np.cov(rowvar=False) (NumPy-written .npz)', () => {
    const s = reference.npz;
    const ours = calculateActivationStatistics(features(s.set1, s.dim), s.dim);
    const numpy = readStatistics(path.join(FIXTURES, s.a));
    const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxDiff(ours.sigma, numpy.sigma) / maxAbs(numpy.sigma)).to.be.below(1e-14);
    expect(maxDiff(ours.mu, numpy.mu) / maxAbs(numpy.mu)).to.be.below(1e-15);
    expect(ours.n).to.equal(s.set1.n);
  });

  it('accepts float32 features (promoted to float64 like pytorch-fid)', () => {
    const s = reference.npz;
    const x = features(s.set1, s.dim);
    const a = calculateActivationStatistics(Float32Array.from(x), s.dim);
    const b = calculateActivationStatistics(Float64Array.from(Float32Array.from(x)), s.dim);
    expect(Array.from(a.sigma)).to.deep.equal(Array.from(b.sigma));
    const y = features(reference.npz.set2, s.dim);
    expect(fidFromFeatures(Float32Array.from(x), y, s.dim)).to.equal(fidFromFeatures(Float64Array.from(Float32Array.from(x)), y, s.dim));
  });

  it('from NumPy-written statistics files gives scipy\'s answer', () => {
    const s = reference.npz;
    const fid = fidFromStatistics(readStatistics(path.join(FIXTURES, s.a)), readStatistics(path.join(FIXTURES, s.b)));
    expect(relErr(fid, s.fid)).to.be.below(1e-9);
  });

  it('is 0 for identical statistics', () => {
    const s = readStatistics(path.join(FIXTURES, reference.npz.a));
    let tr = 0;
    for (let i = 0; i < s.dim; i++) tr += s.sigma[i * s.dim + i];
    const fid = calculateFrechetDistance(s.mu, s.sigma, s.mu, s.sigma);
    expect(Math.abs(fid)).to.be.below(1e-12 * tr);
  });

  it('is ||mu1 - mu2||^2 for identity covariances (analytic, and as scipy)', () => {
    const c = reference.fidIdentity;
    const u = randomSample(c.seed, 2, c.dim);
    const mu1 = u.subarray(0, c.dim);
    const mu2 = u.subarray(c.dim);
    const eye = new Float64Array(c.dim * c.dim);
    for (let i = 0; i < c.dim; i++) eye[i * c.dim + i] = 1;
    let ss = 0;
    for (let i = 0; i < c.dim; i++) ss += (mu1[i] - mu2[i]) ** 2;
    const fid = calculateFrechetDistance(mu1, eye, mu2, eye);
    expect(relErr(fid, ss)).to.be.below(1e-13);
    expect(relErr(fid, c.analytic)).to.be.below(1e-13);
    expect(relErr(fid, c.fid)).to.be.below(1e-12);
  });

  it('is ||mu1 - mu2||^2 + Tr(S2) when set 1 is constant images (zero covariance)', () => {
    const c = reference.fid.find((x: { name: string }) => x.name === 'constant-vs-random-64');
    const a = calculateActivationStatistics(features(c.set1, c.dim), c.dim);
    const b = calculateActivationStatistics(features(c.set2, c.dim), c.dim);
    expect(a.sigma.every((v) => v === 0)).to.equal(true);
    let ss = 0;
    let tr = 0;
    for (let i = 0; i < c.dim; i++) {
      ss += (a.mu[i] - b.mu[i]) ** 2;
      tr += b.sigma[i * c.dim + i];
    }
    const fid = calculateFrechetDistance(a.mu, a.sigma, b.mu, b.sigma);
    expect(relErr(fid, ss + tr)).to.be.below(1e-14);
    expect(traceSqrtProduct(a.sigma, b.sigma, c.dim)).to.equal(0);
    // both constant: only the means differ
    expect(relErr(calculateFrechetDistance(a.mu, a.sigma, b.mu, a.sigma), ss)).to.be.below(1e-14);
  });

  it('is symmetric in its two arguments', () => {
    const c = reference.fid.find((x: { name: string }) => x.name === 'singular-64');
    const a = calculateActivationStatistics(features(c.set1, c.dim), c.dim);
    const b = calculateActivationStatistics(features(c.set2, c.dim), c.dim);
    const ab = fidFromStatistics(a, b);
    const ba = fidFromStatistics(b, a);
    expect(relErr(ab, ba)).to.be.below(1e-9);
  });

  it('refuses mismatched sizes, non-finite values and non-covariances with a UserError', () => {
    const mu = new Float64Array(2);
    const eye = Float64Array.from([1, 0, 0, 1]);
    expect(() => calculateFrechetDistance(mu, eye, new Float64Array(3), eye)).to.throw(UserError, /different lengths/);
    expect(() => calculateFrechetDistance(mu, eye, mu, new Float64Array(9))).to.throw(UserError, /2x2/);
    expect(() => calculateFrechetDistance(mu, Float64Array.from([1, NaN, NaN, 1]), mu, eye)).to.throw(UserError, /non-finite/);
    expect(() => calculateFrechetDistance(mu, Float64Array.from([1, 2, 2, 1]), mu, eye)).to.throw(UserError, /positive semi-definite/);
    expect(() => calculateFrechetDistance(mu, Float64Array.from([1, 0.5, 0, 1]), mu, eye)).to.throw(UserError, /symmetric/);
    expect(() => calculateActivationStatistics(new Float64Array(5), 2)).to.throw(UserError, /multiple/);
    expect(() => calculateActivationStatistics(new Float64Array(2), 2)).to.throw(UserError, /at least 2/);
  });
});
