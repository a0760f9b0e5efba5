import { expect } from 'chai';
import * as path from 'path';
import sharp from 'sharp';
import { cropBox, decodeImage, preprocessSteps } from '../../lib/data/preprocess';
import { UserError } from '../../lib/util';

/** A w×h image whose left half is black and right half white, with a red 2-px border. */
async function pattern(w: number, h: number): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const border = x < 2 || y < 2 || x >= w - 2 || y >= h - 2;
      const v = x < w / 2 ? 0 : 255;
      px[o] = border ? 255 : v;
      px[o + 1] = border ? 0 : v;
      px[o + 2] = border ? 0 : v;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

describe('data/preprocess', () => {
  it('CelebA 178×218 → crop 174×218 at x=2 → 128×160 (paper §5.1 reading)', () => {
    expect(cropBox(178, 218, 128, 160, 'celeba')).to.deep.equal({ left: 2, top: 0, width: 174, height: 218 });
    expect(cropBox(89, 109, 128, 160, 'celeba')).to.deep.equal({ left: 1, top: 0, width: 87, height: 109 });
    expect(cropBox(96, 96, 96, 96, 'anime')).to.deep.equal({ left: 0, top: 0, width: 96, height: 96 });
    // a tall target on a wide image crops columns; a wide target on a tall image crops rows
    expect(cropBox(200, 100, 50, 100)).to.deep.equal({ left: 75, top: 0, width: 50, height: 100 });
    expect(cropBox(100, 200, 100, 50)).to.deep.equal({ left: 0, top: 75, width: 100, height: 50 });
    expect(cropBox(178, 218, 128, 160, 'resize')).to.deep.equal({ left: 0, top: 0, width: 178, height: 218 });
  });

  it('centre crop removes the border columns; resize keeps them', async () => {
    const img = await pattern(178, 218);
    const cropped = await decodeImage(img, [160, 128], 'celeba');
    expect(cropped.length).to.equal(160 * 128 * 3);
    const stretched = await decodeImage(img, [160, 128], 'resize');
    // middle row, first pixel: crop starts 2 px in, i.e. exactly past the red border
    const row = 80 * 128 * 3;
    expect(stretched[row]).to.be.greaterThan(100); // red border survives a plain resize
    expect(cropped[row]).to.be.below(60); // cropped away: black half
    // left half black, right half white in both
    expect(cropped[row + 30 * 3]).to.be.below(10);
    expect(cropped[row + 100 * 3]).to.be.above(245);
  });

  it('anime 96×96 passes through unchanged', async () => {
    const img = await pattern(96, 96);
    const out = await decodeImage(img, [96, 96], 'anime');
    const { data } = await sharp(img).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.from(out).equals(data)).to.equal(true);
  });

  it('shows the steps as PNGs with their sizes', async () => {
    const { steps, crop, range } = await preprocessSteps(await pattern(178, 218), [160, 128], 'celeba');
    expect(steps.map((s) => [s.width, s.height])).to.deep.equal([[178, 218], [174, 218], [128, 160], [128, 160]]);
    expect(crop.left).to.equal(2);
    expect(range.min).to.equal(-1);
    expect(range.max).to.equal(1);
    for (const s of steps) {
      const m = await sharp(s.png).metadata();
      expect([m.width, m.height]).to.deep.equal([s.width, s.height]);
    }
    try {
      await preprocessSteps(await pattern(8, 8), [8, 8], 'bogus' as any);
      expect.fail('expected a UserError');
    } catch (err) {
      expect(err).to.be.instanceOf(UserError);
    }
  });

  describe('real data (DATA_ROOT)', () => {
    before(function () {
      if (!process.env.DATA_ROOT) {
        console.log('      skipped: DATA_ROOT not set');
        this.skip();
      }
    });
    it('a real CelebA image goes 178×218 → 174×218 → 128×160', async () => {
      const file = path.join(process.env.DATA_ROOT!, 'celeba-178x218', 'images', '000001.jpg');
      const { steps } = await preprocessSteps(file, [160, 128], 'celeba');
      expect(steps.map((s) => `${s.width}x${s.height}`)).to.deep.equal(['178x218', '174x218', '128x160', '128x160']);
    });
  });
});
