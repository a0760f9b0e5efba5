import sharp from 'sharp';
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { writeSynthDataset } from '../../lib/data/synth';
import { referenceUnavailable, ParityReport } from '../../lib/bench/parity';
import { tmpDir } from '../train/support';

/** Run the command line in-process; returns its exit code, stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const k of ['stdout', 'stderr'] as const) {
    (process[k] as { write: unknown }).write = (chunk: string | Uint8Array) => {
      out[k] += chunk.toString();
      return true;
    };
  }
  try {
    return { code: await main(['node', 'anime-gan', ...args]), ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
}

describe('cli: anime-gan parity (smoke size)', function () {
  let data: string;
  let skip: string | undefined;
  before(async function () {
    skip = referenceUnavailable();
    if (skip) return;
    data = path.join(tmpDir('parity-data'), 'anime');
    await writeSynthDataset({ domain: 'anime', n: 40, size: [32, 32], seed: 5, out: data });
  });
  beforeEach(function () {
    if (skip) {
      console.log(`      SKIPPED: the PyTorch reference cannot run: ${skip}`);
      this.skip();
    }
  });

  const smoke = ['--steps', '2', '--batch', '4', '--n', '6', '--holdout', '12', '--ngf', '4', '--ndf', '4'];

  it('dcgan over two seeds: a JSON + markdown table with finite FIDs for ours and the reference, times and the floor', async function () {
    const out = path.join(tmpDir('parity-dcgan'), 'out');
    const r = await run('parity', 'dcgan', '--data', data, '--out', out, '--seeds', '0,1', ...smoke);
    expect(r.code, r.stderr).to.equal(0);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'parity.json'), 'utf8')) as ParityReport;
    expect(rep.split).to.include({ images: 40, train: 28, heldOut: 12, firstHeldOut: '000028.png' });
    expect(rep.seeds.map((s) => s.seed)).to.deep.equal([0, 1]);
    for (const s of rep.seeds) {
      for (const side of [s.ours, s.reference]) {
        expect(Number.isFinite(side.fid) && side.fid >= 0, JSON.stringify(side)).to.equal(true);
        expect(side.seconds).to.be.greaterThan(0);
      }
    }
    expect(rep.floor.n).to.equal(6);
    expect(Number.isFinite(rep.floor.fid)).to.equal(true);
    expect(rep.parameters.generator).to.be.greaterThan(0);
    for (const k of ['ours', 'reference'] as const) {
      expect(rep.summary[k].mean).to.be.closeTo((rep.seeds[0][k].fid + rep.seeds[1][k].fid) / 2, 1e-9);
      expect(Number.isFinite(rep.summary[k].std)).to.equal(true);
    }
    const md = fs.readFileSync(path.join(out, 'parity.md'), 'utf8');
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    expect(rows).to.have.length(2 + 2 + 1); // header, rule, two seeds, mean ± std
    expect(rows[0]).to.equal('| seed | FID ours | FID reference | training s, ours | training s, reference |');
    expect(rows[4]).to.match(/^\| mean ± std \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| \d+ \| \d+ \|$/);
    expect(md).to.match(/Real-vs-real floor .*6 each\): FID [\d.]+\./);
    expect(r.stdout).to.equal(md);
    // both wrote their samples: uint8 [6, 32, 32, 3] .npy files and grids
    for (const f of ['ours-samples.npy', 'reference/samples.npy', 'ours.png', 'reference.png']) expect(fs.existsSync(path.join(out, 'seed-0', f)), f).to.equal(true);
    // grids a reader can see: 32-pixel samples enlarged to 96 (×3, nearest-neighbour)
    for (const f of ['ours.png', 'reference.png']) expect((await sharp(path.join(out, 'seed-0', f)).metadata()).height, f).to.be.at.least(96);
    expect(fs.existsSync(path.join(out, 'train.npy'))).to.equal(false);
    // a second run into the same folder is refused rather than mixed with the first
    const again = await run('parity', 'dcgan', '--data', data, '--out', out, '--seeds', '0', ...smoke);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.match(/already holds a parity run/);
  });

  it('wgan (RMSProp, clipping, 5 critic steps) runs through the same path', async function () {
    const out = path.join(tmpDir('parity-wgan'), 'out');
    const r = await run('parity', 'wgan', '--data', data, '--out', out, '--seeds', '3', ...smoke);
    expect(r.code, r.stderr).to.equal(0);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'parity.json'), 'utf8')) as ParityReport;
    expect(rep.config).to.include({ nCritic: 5, clip: 0.01 });
    expect(rep.config.optimizerG).to.include({ name: 'rmsprop', lr: 5e-5 });
    expect(rep.seeds).to.have.length(1);
    expect(Number.isFinite(rep.seeds[0].ours.fid) && Number.isFinite(rep.seeds[0].reference.fid)).to.equal(true);
  });

  it('--lr sets both networks\' rate on both sides (the reference reads the same config)', async function () {
    const out = path.join(tmpDir('parity-wgan-lr'), 'out');
    const r = await run('parity', 'wgan', '--data', data, '--out', out, '--seeds', '0', '--lr', '2e-4', ...smoke);
    expect(r.code, r.stderr).to.equal(0);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'parity.json'), 'utf8')) as ParityReport;
    expect(rep.config.optimizerG).to.include({ name: 'rmsprop', lr: 2e-4 });
    expect(rep.config.optimizerD).to.include({ name: 'rmsprop', lr: 2e-4 });
    const ref = JSON.parse(fs.readFileSync(path.join(out, 'seed-0', 'reference-config.json'), 'utf8')) as { optimizerG: { lr: number }; optimizerD: { lr: number } };
    expect([ref.optimizerG.lr, ref.optimizerD.lr]).to.deep.equal([2e-4, 2e-4]);
    expect(fs.readFileSync(path.join(out, 'parity.md'), 'utf8')).to.include('rmsprop 0.0002');
    const bad = await run('parity', 'wgan', '--data', data, '--out', path.join(out, 'x'), '--lr', '-1', ...smoke);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/--lr takes a positive number/);
  });

  it('rejects a model without a reference, and too little data, with one line', async function () {
    for (const [args, message] of [
      [['proposed', '--data', data, '--out', 'X', '--steps', '1'], /parity compares dcgan or wgan/],
      [['dcgan', '--data', data, '--out', 'X', '--steps', '1', '--holdout', '38'], /leave 2 to train on after holding out 38, fewer than one batch of 64/],
    ] as const) {
      const r = await run('parity', ...args.map((a) => (a === 'X' ? path.join(tmpDir('parity-bad'), 'o') : a)));
      expect(r.code).to.not.equal(0);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('anime-gan: ') && !l.includes('using the'));
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(message);
    }
  });
});
