import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { createInceptionV3Fid, fidInceptionConvNames, readWeightsFolder } from '../../../lib/metrics/extractors/inceptionV3Fid';
import { UserError } from '../../../lib/util/errors';
import { havePythonTorch, maxAbs, maxAbsDiff, useFastBackend } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT_DIR = path.join(ROOT, 'scripts', 'convert_inception');

function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('inception-v3-fid', () => {
  useFastBackend();

  describe('operations that differ from a naive port (PyTorch fixture, scripts/convert_inception/make_fixtures.py)', () => {
    const fx = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/extractors/fid_inception_ops.json'), 'utf8'));
    const check = (name: string, f: (x: tf.Tensor4D) => tf.Tensor) => {
      const got = tf.tidy(() => f(tf.tensor4d(fx.input)).arraySync()) as number[][][][];
      expect(maxAbsDiff(got.flat(3), (fx[name] as number[][][][]).flat(3))).to.be.below(1e-6);
    };
    it('bilinear resize = F.interpolate(align_corners=False), upsampling', () =>
      check('resize_up_11x13', (x) => tf.image.resizeBilinear(x, [11, 13], false, true)));
    it('bilinear resize = F.interpolate(align_corners=False), downsampling', () =>
      check('resize_down_3x4', (x) => tf.image.resizeBilinear(x, [3, 4], false, true)));
    it('SAME average pool = avg_pool2d(count_include_pad=False)', () => check('avg_pool_3_s1_p1_exclude_pad', (x) => tf.avgPool(x, 3, 1, 'same')));
    it('SAME max pool = max_pool2d(3, 1, padding 1)', () => check('max_pool_3_s1_p1', (x) => tf.maxPool(x, 3, 1, 'same')));
    it('the naive resize (align_corners=True) would differ, so the fixture can tell them apart', () => {
      const got = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(fx.input), [11, 13], true).arraySync()) as number[][][][];
      expect(maxAbsDiff(got.flat(3), (fx.resize_up_11x13 as number[][][][]).flat(3))).to.be.above(1e-3);
    });
  });

  it('refuses to start without weights, explaining the conversion', async () => {
    const saved = process.env.ANIME_GAN_INCEPTION_DIR;
    delete process.env.ANIME_GAN_INCEPTION_DIR;
    try {
      let err: unknown;
      try {
        await createInceptionV3Fid({});
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UserError);
      expect((err as Error).message).to.match(/convert_inception\/convert\.py/).and.match(/ANIME_GAN_INCEPTION_DIR/);
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'inc-empty-'));
      err = undefined;
      try {
        await createInceptionV3Fid({ dir: empty });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UserError);
      expect((err as Error).message).to.contain(empty);
      fs.rmSync(empty, { recursive: true });
    } finally {
      if (saved !== undefined) process.env.ANIME_GAN_INCEPTION_DIR = saved;
    }
  });

  it('names the 94 BasicConv2d modules as pytorch-fid does', () => {
    const names = fidInceptionConvNames();
    expect(names).to.have.length(94);
    expect(new Set(names).size).to.equal(94);
    expect(names).to.include.members(['Conv2d_1a_3x3', 'Mixed_6e.branch7x7dbl_5', 'Mixed_7c.branch3x3dbl_3b']);
  });

  describe('against an independent PyTorch implementation on generated weights', function () {
    let caseDir = '';
    before(function () {
      if (!havePythonTorch()) {
        console.log('    SKIPPED: /usr/bin/python3 with torch not found; the TF.js vs PyTorch comparison needs it');
        this.skip();
      }
      caseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fid-inception-case-'));
      // Random weights (~95 MB, never committed) -> .pth -> convert.py -> TF.js folder, plus reference outputs.
      execFileSync('/usr/bin/python3', [path.join(SCRIPT_DIR, 'make_test_case.py'), caseDir, '--n', '2', '--size', '96', '--seed', '3'], {
        stdio: 'inherit',
        timeout: 300_000,
      });
    });
    after(() => {
      if (caseDir) fs.rmSync(caseDir, { recursive: true, force: true });
    });

    it('the converted folder loads and holds every tensor of the state dict', () => {
      const w = readWeightsFolder(path.join(caseDir, 'tfjs'));
      try {
        expect(Object.keys(w)).to.have.length(94 * 5 + 2);
        expect(w['Conv2d_1a_3x3.conv.weight'].shape).to.deep.equal([3, 3, 3, 32]);
        expect(w['fc.weight'].shape).to.deep.equal([2048, 1008]);
      } finally {
        Object.values(w).forEach((t) => t.dispose());
      }
    });

    it('pool3 features and IS probabilities match PyTorch at 299x299 (96x96 inputs resized) to 1e-4', async () => {
      const meta = JSON.parse(fs.readFileSync(path.join(caseDir, 'case.json'), 'utf8'));
      const before = tf.memory().numTensors;
      const ex = await createInceptionV3Fid({ dir: path.join(caseDir, 'tfjs'), progress: false, batchSize: 1 });
      const x = tf.tensor4d(readF32(path.join(caseDir, 'inputs.bin')), [meta.n, meta.size, meta.size, 3]);
      const t0 = Date.now();
      const out = await ex.extract(x);
      const secs = (Date.now() - t0) / 1000;
      x.dispose();
      ex.dispose();
      expect(tf.memory().numTensors).to.equal(before);
      const ref = readF32(path.join(caseDir, 'pool3.bin'));
      const refProbs = readF32(path.join(caseDir, 'probs.bin'));
      expect(out.features).to.have.length(meta.n * 2048);
      expect(maxAbs(ref)).to.be.above(0.5); // the random network is not dead
      const err = maxAbsDiff(out.features, ref);
      const rel = err / maxAbs(ref);
      const perr = maxAbsDiff(out.probs!, refProbs);
      console.log(`    ${tf.getBackend()}: ${(meta.n / secs).toFixed(2)} images/s; max |Δ pool3| ${err.toExponential(2)} (relative ${rel.toExponential(2)}), max |Δ probs| ${perr.toExponential(2)}`);
      expect(rel).to.be.below(1e-4);
      expect(perr).to.be.below(1e-5);
      // The two images differ, so a network that ignored its input would fail here.
      expect(maxAbsDiff(out.features.subarray(0, 2048), out.features.subarray(2048))).to.be.above(1e-3);
    });
  });
});
