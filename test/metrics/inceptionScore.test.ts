import { expect } from 'chai';
import { inceptionScore } from '../../lib/metrics';
import { UserError } from '../../lib/util/errors';
import { reference, relErr, softmaxProbs } from './helpers';

describe('metrics/inceptionScore (eq. 11)', () => {
  for (const c of reference.is) {
    it(`matches the reference formula on ${c.name}`, () => {
      const p = softmaxProbs(c.seed, c.n, c.classes, c.scale);
      const r = inceptionScore(p, c.classes, { splits: c.splits, shuffleSeed: c.shuffleSeed ?? undefined });
      expect(relErr(r.mean, c.mean)).to.be.below(1e-12);
      expect(relErr(r.std, c.std)).to.be.below(1e-9);
    });
  }

  it('is 1 for uniform predictions', () => {
    const k = 7;
    const p = new Float64Array(100 * k).fill(1 / k);
    const r = inceptionScore(p, k);
    expect(r.mean).to.be.closeTo(1, 1e-12);
    expect(r.std).to.be.below(1e-12);
  });

  it('is k for confident one-hot predictions spread evenly over k classes', () => {
    for (const k of [2, 5, 10]) {
      const n = 10 * k * 3; // every split sees each class 3 times
      const p = new Float32Array(n * k);
      for (let i = 0; i < n; i++) p[i * k + (i % k)] = 1;
      const r = inceptionScore(p, k, { splits: 10 });
      expect(r.mean).to.be.closeTo(k, 1e-9 * k);
      expect(r.std).to.be.below(1e-9);
    }
  });

  it('is 1 for confident predictions that all name the same class', () => {
    const p = new Float64Array(50 * 4);
    for (let i = 0; i < 50; i++) p[i * 4 + 2] = 1;
    expect(inceptionScore(p, 4, { splits: 5 }).mean).to.be.closeTo(1, 1e-12);
  });

  it('refuses logits, ragged input and too few samples', () => {
    expect(() => inceptionScore(Float64Array.from([2, -1]), 2, { splits: 1 })).to.throw(UserError, /logits/);
    expect(() => inceptionScore(new Float64Array(5), 2)).to.throw(UserError, /multiple/);
    expect(() => inceptionScore(new Float64Array(10).fill(0.5), 2)).to.throw(UserError, /splits/);
  });
});
