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
 * move toward the other domain), this fails. Three seeds, because one tiny run is chaotic: float
 * rounding alone (the native backend before and after its 2026-12-05 kernels, and wasm) moves one
 * seed's final colour distance by up to 0.15 (seeds 3, 4, 5 at 300 steps: 0.39–0.54, the faces'
 * own distance being 0.476), while the mean ratio to the start stayed 0.62–0.68.
 */
describe('train/proposed learns (quick preset settings, narrow networks, 16 faces and 16 anime, 3 seeds)', function () {
  const STEPS = 300;
  const SEEDS = [3, 4, 5];
  let faces: tf.Tensor4D;
  let anime: tf.Tensor4D;
  const runs: { start: { cycle: number; toAnime: number }; end: { cycle: number; toAnime: number }; leaked: number }[] = [];

  before(async function () {
    this.timeout(10 * 60 * 1000);
    await initBackend({ quiet: true });
    const size: [number, number] = [32, 32];
    const open = async (domain: 'face' | 'anime') => ImageFolder.open(await embeddedDataset(domain, { n: 16, size, seed: 0 }), { size });
    const [fa, an] = [await open('face'), await open('anime')];
    faces = fa.batchAt([...Array(16).keys()]);
    anime = an.batchAt([...Array(16).keys()]);
    this.faceToAnime = distance(colourHistogram(faces), colourHistogram(anime));
    for (const seed of SEEDS) {
      const config = resolveConfig('proposed', 'quick', { resnetNgf: 4, ndf: 8, batch: 4, steps: STEPS, seed });
      const model = createModel(config) as TranslationGanModel;
      const measure = () =>
        tf.tidy(() => {
          const fakeB = model.translate(faces, 'a2b');
          const back = model.translate(fakeB, 'b2a');
          return { cycle: tf.mean(tf.abs(tf.sub(back, faces))).dataSync()[0], toAnime: distance(colourHistogram(fakeB), colourHistogram(anime)) };
        });
      const sa = new BatchStream(fa, config.batch, 'test/A'), sb = new BatchStream(an, config.batch, 'test/B');
      const start = measure();
      const data = { nextA: () => sa.next(), nextB: () => sb.next() };
      model.trainStep(data, 0); // creates the optimisers' slots
      const before = tf.memory().numTensors;
      for (let step = 1; step < STEPS; step++) model.trainStep(data, step);
      const leaked = tf.memory().numTensors - before;
      const end = measure();
      model.dispose();
      runs.push({ start, end, leaked });
      console.log(`      seed ${seed}: cycle L1 ${start.cycle.toFixed(3)} -> ${end.cycle.toFixed(3)}; colour-histogram distance of ` +
        `G(faces) to anime ${start.toAnime.toFixed(3)} -> ${end.toAnime.toFixed(3)} (faces themselves: ${this.faceToAnime.toFixed(3)})`);
    }
  });
  after(() => {
    tf.dispose([faces, anime]);
  });

  // After 300 steps the error is 0.49–0.66 of its start over seeds 3, 4, 5 (2026-11-29, critics
  // judging the generator step's fakes); a model that stops learning stays near 1.
  it('the cycle back F(G(x)) falls well below its starting error, for every seed', function () {
    for (const r of runs) expect(r.end.cycle).to.be.below(0.75 * r.start.cycle);
  });

  it('G(faces) moves toward the anime set: the colour distance falls to under 0.8 of its start, on average over the seeds', function () {
    const ratio = runs.reduce((a, r) => a + r.end.toAnime / r.start.toAnime, 0) / runs.length;
    expect(ratio).to.be.below(0.8);
    // And every seed moves toward it.
    for (const r of runs) expect(r.end.toAnime).to.be.below(r.start.toAnime);
  });

  it('training keeps no tensors beyond the model and its optimisers', function () {
    for (const r of runs) expect(r.leaked).to.equal(0);
  });
});
