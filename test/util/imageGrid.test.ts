import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { imageGrid, saveImageGrid } from '../../lib/util/imageGrid';

describe('util/imageGrid', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('minCell enlarges each image by a whole factor, nearest-neighbour (every pixel a k×k block)', async () => {
    const before = tf.memory().numTensors;
    // Two 2×3 images; the smaller side 2 needs k = ceil(5 / 2) = 3 to reach 5 pixels.
    const x = tf.tidy(() => tf.stack([tf.linspace(-1, 1, 18).reshape([2, 3, 3]), tf.fill([2, 3, 3], 1)]) as tf.Tensor4D);
    const png = await imageGrid(x, { nrow: 2, padding: 1, minCell: 5 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).to.deep.equal([2 * 9 + 3, 6 + 2]);
    const small = await sharp(await imageGrid(x, { nrow: 2, padding: 0 })).raw().toBuffer();
    // Pixel (py, px) of the enlarged first image equals pixel (py/3, px/3) of the original.
    for (let py = 0; py < 6; py++) {
      for (let px = 0; px < 9; px++) {
        for (let ch = 0; ch < 3; ch++) {
          expect(data[((1 + py) * info.width + 1 + px) * 3 + ch]).to.equal(small[(Math.floor(py / 3) * 6 + Math.floor(px / 3)) * 3 + ch]);
        }
      }
    }
    x.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('tiles n images nrow per row with padding, mapping [-1, 1] to [0, 255]', async () => {
    const before = tf.memory().numTensors;
    // 5 images of 4×3: image k is a constant grey (k/4)·2 − 1
    const x = tf.tidy(() => tf.stack([0, 1, 2, 3, 4].map((k) => tf.fill([4, 3, 3], (k / 4) * 2 - 1))) as tf.Tensor4D);
    const png = await imageGrid(x, { nrow: 3, padding: 1 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).to.deep.equal([3 * 3 + 4, 2 * 4 + 3, 3]);
    const at = (px: number, py: number) => data[(py * info.width + px) * 3];
    expect(at(0, 0)).to.equal(255); // padding
    expect(at(1, 1)).to.equal(0); // image 0: -1 → 0
    expect(at(5, 1)).to.equal(64); // image 1: -0.5 → 63.75 → 64
    expect(at(9, 1)).to.equal(128); // image 2: 0 → 127.5 → 128
    expect(at(1, 6)).to.equal(191); // image 3
    expect(at(5, 6)).to.equal(255); // image 4
    expect(at(9, 6)).to.equal(255); // empty cell is padding colour
    x.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('clips out-of-range values, handles one channel, and saves atomically', async () => {
    const x = tf.tensor4d([-3, 3, 0.5, -0.5], [1, 2, 2, 1]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grid-test-')), 'sub', 'g.png');
    await saveImageGrid(x, file, { padding: 0 });
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).to.deep.equal([2, 2]);
    expect([data[0], data[3], data[6], data[9]]).to.deep.equal([0, 255, 191, 64]);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['g.png']);
    x.dispose();
  });
});
