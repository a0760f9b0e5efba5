import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { encodeNpy, parseNpy, readNpz, readStatistics, writeNpz, writeStatistics } from '../../lib/metrics';
import { UserError } from '../../lib/util/errors';
import { FIXTURES, pythonWithNumpy, randomSample, reference } from './helpers';

describe('metrics/npz (pytorch-fid statistics files)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npz-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads np.savez (stored) and np.savez_compressed (deflated) files', () => {
    const a = readStatistics(path.join(FIXTURES, reference.npz.a));
    const b = readStatistics(path.join(FIXTURES, reference.npz.b));
    expect(a.dim).to.equal(64);
    expect(b.dim).to.equal(64);
    expect(a.mu[0]).to.equal(reference.npz.muA0);
    expect(a.sigma[1]).to.equal(reference.npz.sigmaA01);
    expect(b.sigma.length).to.equal(64 * 64);
  });

  it('round-trips float64 exactly through its own writer', () => {
    const mu = randomSample(1, 1, 5);
    const sigma = randomSample(2, 5, 5);
    const file = path.join(tmp, 'rt.npz');
    writeStatistics(file, { mu, sigma, dim: 5 });
    const back = readStatistics(file);
    expect(Array.from(back.mu)).to.deep.equal(Array.from(mu));
    expect(Array.from(back.sigma)).to.deep.equal(Array.from(sigma));
    writeStatistics(file, { mu, sigma, dim: 5 }, { compressed: true });
    expect(Array.from(readStatistics(file).sigma)).to.deep.equal(Array.from(sigma));
  });

  it('writes .npy headers aligned to 64 bytes, as NumPy', () => {
    for (const shape of [[3], [2048], [2048, 2048], [1, 2, 3]]) {
      const n = shape.reduce((x, y) => x * y, 1);
      const bytes = encodeNpy(new Float64Array(n), shape);
      const headerLen = bytes[8] | (bytes[9] << 8);
      expect((10 + headerLen) % 64).to.equal(0);
      expect(parseNpy(bytes).shape).to.deep.equal(shape);
    }
  });

  it('gives a one-line UserError for missing, corrupt and wrong files', () => {
    expect(() => readStatistics(path.join(tmp, 'missing.npz'))).to.throw(UserError, /cannot read/);
    const junk = path.join(tmp, 'junk.npz');
    fs.writeFileSync(junk, 'this is not a zip file at all');
    expect(() => readStatistics(junk)).to.throw(UserError, /not a valid .npz/);
    const wrong = path.join(tmp, 'wrong.npz');
    writeNpz(wrong, { features: { data: [1, 2], shape: [2] } });
    expect(() => readStatistics(wrong)).to.throw(UserError, /'mu' and 'sigma'/);
    const bad = path.join(tmp, 'bad.npz');
    writeNpz(bad, { mu: { data: [1, 2], shape: [2] }, sigma: { data: new Float64Array(9), shape: [3, 3] } });
    expect(() => readStatistics(bad)).to.throw(UserError, /2x2/);
    const truncated = path.join(tmp, 'trunc.npz');
    fs.writeFileSync(truncated, fs.readFileSync(path.join(FIXTURES, reference.npz.a)).subarray(0, 5000));
    expect(() => readStatistics(truncated)).to.throw(UserError);
  });

  describe('with NumPy (/usr/bin/python3)', () => {
    const py = pythonWithNumpy();
    before(function () {
      if (!py) {
        console.log('      (skipped: no python3 with numpy found; install python3-numpy to cross-check .npz files)');
        this.skip();
      }
    });

    it('NumPy reads the files we write, bit for bit', () => {
      const mu = randomSample(3, 1, 7);
      const sigma = randomSample(4, 7, 7);
      const stored = path.join(tmp, 'ours.npz');
      const deflated = path.join(tmp, 'ours_c.npz');
      writeStatistics(stored, { mu, sigma, dim: 7 });
      writeStatistics(deflated, { mu, sigma, dim: 7 }, { compressed: true });
      const script = `
import sys, json, numpy as np
out = []
for p in sys.argv[1:]:
    with np.load(p) as f:
        assert f['mu'].dtype == np.float64 and f['mu'].shape == (7,) and f['sigma'].shape == (7, 7)
        out.append([f['mu'].tolist(), f['sigma'].ravel().tolist()])
print(json.dumps(out))`;
      const r = spawnSync(py!, ['-c', script, stored, deflated], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      for (const [m, s] of JSON.parse(r.stdout)) {
        expect(m).to.deep.equal(Array.from(mu));
        expect(s).to.deep.equal(Array.from(sigma));
      }
    });

    it('reads float32, big-endian and Fortran-order arrays NumPy writes', () => {
      const file = path.join(tmp, 'variants.npz');
      const script = `
import sys, numpy as np
a = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
np.savez(sys.argv[1], f4=a.astype(np.float32), be=a.astype('>f8'), fo=np.asfortranarray(a), i8=np.arange(5))`;
      const r = spawnSync(py!, ['-c', script, file], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const z = readNpz(file);
      const expected = Array.from({ length: 12 }, (_, i) => i / 7);
      expect(Array.from(z.be.data)).to.deep.equal(expected);
      expect(Array.from(z.fo.data)).to.deep.equal(expected);
      expect(z.fo.shape).to.deep.equal([3, 4]);
      expect(Array.from(z.f4.data)).to.deep.equal(expected.map((v) => Math.fround(v)));
      expect(Array.from(z.i8.data)).to.deep.equal([0, 1, 2, 3, 4]);
    });
  });
});
