import { expect } from 'chai';
import { NumpyRandomState } from '../../lib/metrics/mt19937';
import { reference } from './helpers';

describe('metrics/mt19937 (NumPy RandomState)', () => {
  it('draws the same permutation, choice and doubles as NumPy for the same seed', () => {
    const r = reference.numpyRandom;
    const rs = new NumpyRandomState(r.seed);
    expect(Array.from(rs.permutation(10))).to.deep.equal(r.permutation10);
    expect(Array.from(rs.choiceWithoutReplacement(5000, 8))).to.deep.equal(r.choice5000of8);
    expect([rs.randomSample(), rs.randomSample(), rs.randomSample()]).to.deep.equal(r.randomSample3);
  });
  it('refuses seeds outside [0, 2^32)', () => {
    expect(() => new NumpyRandomState(-1)).to.throw(RangeError);
    expect(() => new NumpyRandomState(2 ** 32)).to.throw(RangeError);
  });
});
