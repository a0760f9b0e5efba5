import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { embeddedDataset } from '../../lib/data/synth/dataset';
import { ImageFolder } from '../../lib/data/imageFolder';
import { resolveConfig } from '../../lib/presets';
import { BatchStream } from '../../lib/train/batchStream';
import { createModel } from '../../lib/train/recipes/registry';
import type { TranslationGanModel } from '../../lib/train/ganModel';

/**
 * Colour histogram of a batch: 4 levels per channel (64 bins), as shares of all pixels. Anime
 * avatars are flat areas of saturated colour; photo-style faces are skin and muted tones.
 */
function colourHistogram(x: tf.Tensor4D): number[] {
  const px = x.dataSync();
  const h = new Array<number>(64).fill(0);
  const bin = (v: number) => Math.min(3, Math.max(0, Math.floor(((v + 1) / 2) * 4)));
  for (let i = 0; i < px.length; i += 3) h[bin(px[i]) * 16 + bin(px[i + 1]) * 4 + bin(px[i + 2])]++;
  return h.map((c) => c / (px.length / 3));
}
/** Total variation distance between two histograms: 0 same, 1 disjoint. */
const distance = (p: number[], q: number[]) => 0.5 * p.reduce((s, v, i) => s + Math.abs(v - q[i]), 0);

/**
 * The cycle model with the quick preset's objective and optimisers, narrowed so that it trains in
 * seconds: if a change stops it from learning (the cycle back to the input, and translations that
 * move toward the other domain), this fails.
 */
describe('train/proposed learns (quick preset settings, narrow networks, 16 faces and 16 anime)', function () {
  const STEPS = 300;
  let faces: tf.Tensor4D;
  let anime: tf.Tensor4D;
  let model: TranslationGanModel;
  const measure = () =>
    tf.tidy(() => {
      const fakeB = model.translate(faces, 'a2b');
      const back = model.translate(fakeB, 'b2a');
      return { cycle: tf.mean(tf.abs(tf.sub(back, faces))).dataSync()[0], toAnime: distance(colourHistogram(fakeB), colourHistogram(anime)) };
    });

  before(async function () {
    await initBackend({ quiet: true });
    const size: [number, number] = [32, 32];
    const open = async (domain: 'face' | 'anime') => ImageFolder.open(await embeddedDataset(domain, { n: 16, size, seed: 0 }), { size });
    const [fa, an] = [await open('face'), await open('anime')];
    faces = fa.batchAt([...Array(16).keys()]);
    anime = an.batchAt([...Array(16).keys()]);
    const config = resolveConfig('proposed', 'quick', { resnetNgf: 4, ndf: 8, batch: 4, steps: STEPS, seed: 3 });
    model = createModel(config) as TranslationGanModel;
    const sa = new BatchStream(fa, config.batch, 'test/A'), sb = new BatchStream(an, config.batch, 'test/B');
    this.start = measure();
    this.faceToAnime = distance(colourHistogram(faces), colourHistogram(anime));
    const data = { nextA: () => sa.next(), nextB: () => sb.next() };
    model.trainStep(data, 0); // creates the optimisers' slots
    const before = tf.memory().numTensors;
    for (let step = 1; step < STEPS; step++) model.trainStep(data, step);
    this.leaked = tf.memory().numTensors - before;
    this.end = measure();
    console.log(`      cycle L1 ${this.start.cycle.toFixed(3)} -> ${this.end.cycle.toFixed(3)}; colour-histogram distance of G(faces) to anime ` +
      `${this.start.toAnime.toFixed(3)} -> ${this.end.toAnime.toFixed(3)} (faces themselves: ${this.faceToAnime.toFixed(3)})`);
  });
  after(() => {
    model?.dispose();
    tf.dispose([faces, anime]);
  });

  // After 300 steps the error is 0.49–0.66 of its start over seeds 3, 4, 5 (2026-11-29, critics
  // judging the generator step's fakes); a model that stops learning stays near 1.
  it('the cycle back F(G(x)) falls well below its starting error', function () {
    expect(this.end.cycle).to.be.below(0.75 * this.start.cycle);
  });

  it('G(faces) moves toward the anime set: closer in colour histogram than at the start and than the faces are', function () {
    expect(this.end.toAnime).to.be.below(0.8 * this.start.toAnime);
    expect(this.end.toAnime).to.be.below(this.faceToAnime);
  });

  it('training keeps no tensors beyond the model and its optimisers', function () {
    expect(this.leaked).to.equal(0);
  });
});
