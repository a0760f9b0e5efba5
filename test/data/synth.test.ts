import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import {
  attributeNames,
  embeddedDataset,
  readSynthAttributes,
  renderSynth,
  sampleAttributes,
  SYNTH_ATTRIBUTES,
  synthAttributeList,
  synthSvg,
  writeSynthDataset,
} from '../../lib/data/synth';
import { readAnimeTags } from '../../lib/data/tags';
import { Rng, UserError } from '../../lib/util';

describe('data/synth', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('samples every attribute from its vocabulary, reproducibly from the seed', () => {
    for (const domain of ['anime', 'face'] as const) {
      const a = Array.from({ length: 50 }, ((r) => () => sampleAttributes(domain, r))(new Rng(7)));
      const b = Array.from({ length: 50 }, ((r) => () => sampleAttributes(domain, r))(new Rng(7)));
      expect(a).to.deep.equal(b);
      const vocab = SYNTH_ATTRIBUTES[domain] as Record<string, readonly string[]>;
      for (const attrs of a) {
        for (const [k, values] of Object.entries(vocab)) expect(values).to.include((attrs as any)[k]);
        expect(Number.isInteger(attrs.variant)).to.equal(true);
      }
      // 50 draws cover several values of each attribute (uniform, not stuck)
      for (const k of Object.keys(vocab)) expect(new Set(a.map((x: any) => x[k])).size).to.be.greaterThan(1);
    }
  });

  it('renders the same bytes for the same attributes, different bytes for different ones', async () => {
    for (const domain of ['anime', 'face'] as const) {
      const [a, b] = synthAttributeList(domain, 2, 3);
      const p1 = await renderSynth(domain, a, [40, 32]);
      const p2 = await renderSynth(domain, a, [40, 32]);
      const p3 = await renderSynth(domain, b, [40, 32]);
      expect(p1.equals(p2)).to.equal(true);
      expect(p1.equals(p3)).to.equal(false);
      const meta = await sharp(p1).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).to.deep.equal(['png', 32, 40, 3]);
    }
  });

  it('draws the hair colour it was asked for (mean colour of the hair region)', async () => {
    // top centre of an anime avatar is hair: the red one must be redder than the blue one
    const base = synthAttributeList('anime', 1, 0)[0];
    const mean = async (hair: 'red' | 'blue') => {
      const png = await renderSynth('anime', { ...base, hair, accessory: 'none' }, [64, 64]);
      const { data } = await sharp(png).extract({ left: 26, top: 10, width: 12, height: 6 }).raw().toBuffer({ resolveWithObject: true });
      const m = [0, 0, 0];
      for (let i = 0; i < data.length; i++) m[i % 3] += data[i];
      return m.map((v) => v / (data.length / 3));
    };
    const red = await mean('red');
    const blue = await mean('blue');
    expect(red[0] - red[2]).to.be.greaterThan(60);
    expect(blue[2] - blue[0]).to.be.greaterThan(60);
  });

  it('rejects unknown domains and attribute values with a UserError', () => {
    expect(() => sampleAttributes('cat' as any, new Rng(0))).to.throw(UserError, /unknown synthetic domain/);
    const a = synthAttributeList('face', 1, 0)[0];
    expect(() => synthSvg('face', { ...a, hair: 'green' as any }, [32, 32])).to.throw(UserError, /hair=green/);
    expect(() => synthSvg('face', a, [32, 0] as any)).to.throw(UserError, /size/);
  });

  it('writes images and an attribute file that agree', async () => {
    const out = path.join(tmp, 'anime');
    const res = await writeSynthDataset({ domain: 'anime', n: 12, size: [32, 32], seed: 5, out });
    expect(res).to.deep.equal({ dir: out, count: 12 });
    const files = fs.readdirSync(path.join(out, 'images')).sort();
    expect(files).to.have.length(12);
    expect(files[0]).to.equal('000000.png');
    const header = fs.readFileSync(path.join(out, 'attributes.csv'), 'utf8').split('\n')[0].split(',');
    expect(header).to.deep.equal(['file', ...attributeNames('anime')]);
    expect(header).to.include.members(['hair', 'eye']);
    const rows = readSynthAttributes(out, 'anime');
    expect(rows.map((r) => r.file)).to.deep.equal(files);
    // each row re-renders to exactly the stored image
    for (const i of [0, 7, 11]) {
      const { file, ...attrs } = rows[i];
      const again = await renderSynth('anime', attrs as any, [32, 32]);
      expect(again.equals(fs.readFileSync(path.join(out, 'images', file)))).to.equal(true);
    }
    // same seed at another size draws the same attributes
    expect(synthAttributeList('anime', 12, 5)).to.deep.equal(rows.map(({ file, ...a }) => a));
  });

  it('anime hair and eye words are tag words of the real anime data', function () {
    const words = {
      hair: ['aqua', 'black', 'blonde', 'blue', 'brown', 'gray', 'green', 'orange', 'pink', 'purple', 'red', 'white'],
      eye: ['aqua', 'black', 'blue', 'brown', 'gray', 'green', 'orange', 'pink', 'purple', 'red', 'yellow'],
    };
    expect([...SYNTH_ATTRIBUTES.anime.hair].sort()).to.deep.equal(words.hair);
    expect([...SYNTH_ATTRIBUTES.anime.eye].sort()).to.deep.equal(words.eye);
    const root = process.env.DATA_ROOT;
    if (!root) return; // the vocabulary check above still ran
    const tags = readAnimeTags(root);
    for (const t of tags) {
      if (t.hair) expect(words.hair).to.include(t.hair);
      if (t.eye) expect(words.eye).to.include(t.eye);
    }
  });

  it('renders the embedded data set once into the cache and reuses it', async () => {
    const prev = process.env.ANIME_GAN_CACHE;
    process.env.ANIME_GAN_CACHE = path.join(tmp, 'cache');
    try {
      const dir = await embeddedDataset('face', { n: 6, size: [40, 32], seed: 1 });
      expect(dir).to.equal(path.join(tmp, 'cache', 'synth', 'face-40x32-n6-s1'));
      expect(fs.readdirSync(path.join(dir, 'images'))).to.have.length(6);
      const mtime = fs.statSync(path.join(dir, 'attributes.csv')).mtimeMs;
      const again = await embeddedDataset('face', { n: 6, size: [40, 32], seed: 1 });
      expect(again).to.equal(dir);
      expect(fs.statSync(path.join(dir, 'attributes.csv')).mtimeMs).to.equal(mtime);
      // no temporary folders left behind
      expect(fs.readdirSync(path.join(tmp, 'cache', 'synth'))).to.deep.equal(['face-40x32-n6-s1']);
    } finally {
      if (prev === undefined) delete process.env.ANIME_GAN_CACHE;
      else process.env.ANIME_GAN_CACHE = prev;
    }
  });
});
