import { expect } from 'chai';
import { judgeClaim, modesCovered, summarise, table1Markdown, Table1Cell, Table1Result, PAPER_TABLE1 } from '../../lib/paper/table1';

const cell = (model: Table1Cell['model'], dataset: Table1Cell['dataset'], seed: number, fid: number, is: number): Table1Cell => ({
  model, dataset, seed, fid, fidClassifier: dataset === 'anime' ? fid / 10 : NaN, is: { mean: is, std: 0 }, kid: { mean: fid / 1000, std: 0 }, modes: 3, n: 100,
});

describe('paper/table1', () => {
  it('counts the classes that are the top prediction for at least 1% of samples', () => {
    // 100 samples over 3 classes: 60 of class 0, 40 of class 2, none of class 1.
    const probs: number[] = [];
    for (let i = 0; i < 100; i++) probs.push(...(i < 60 ? [0.8, 0.1, 0.1] : [0.1, 0.2, 0.7]));
    expect(modesCovered(probs, 3)).to.equal(2);
    expect(modesCovered(probs, 3, 0.5)).to.equal(1);
  });

  it('summarises over seeds with the population std', () => {
    const s = summarise([cell('dcgan', 'anime', 0, 10, 2), cell('dcgan', 'anime', 1, 14, 4)]);
    expect(s).to.have.length(1);
    expect(s[0].fid.mean).to.equal(12);
    expect(s[0].fid.std).to.equal(2);
    expect(s[0].is.mean).to.equal(3);
    expect(s[0].paper).to.deep.equal(PAPER_TABLE1.dcgan.anime);
  });

  const grid = (fid: Record<string, number[]>, is: Record<string, number[]>) =>
    (['dcgan', 'wgan', 'proposed'] as const).flatMap((m) =>
      (['celeba', 'anime'] as const).flatMap((d) => fid[m].map((f, seed) => cell(m, d, seed, f, is[m][seed]))),
    );

  it('says the claim reproduces only when every ordering holds beyond the spread', () => {
    const v = judgeClaim(summarise(grid({ dcgan: [50, 52], wgan: [40, 41], proposed: [30, 31] }, { dcgan: [2, 2.1], wgan: [3, 3.1], proposed: [4, 4.1] })));
    expect(v.holds).to.equal(true);
    expect(v.checks.every((c) => c.separated)).to.equal(true);
    expect(v.text).to.match(/^The claim reproduces/);
  });

  it('says when orderings agree but sit within the spread over seeds', () => {
    const v = judgeClaim(summarise(grid({ dcgan: [50, 40], wgan: [46, 43], proposed: [44, 42] }, { dcgan: [2, 2.1], wgan: [3, 3.1], proposed: [4, 4.1] })));
    expect(v.holds).to.equal(true);
    expect(v.text).to.match(/within the spread over seeds/);
  });

  it('says the claim does not reproduce when an ordering is reversed, and names it', () => {
    const v = judgeClaim(summarise(grid({ dcgan: [30, 31], wgan: [40, 41], proposed: [50, 51] }, { dcgan: [2, 2], wgan: [3, 3], proposed: [4, 4] })));
    expect(v.holds).to.equal(false);
    expect(v.text).to.match(/does not reproduce.*FID celeba: DCGAN 30\.50 < WGAN 40\.50 < proposed 50\.50/);
  });

  it("renders ours beside the paper's numbers, naming the extractors", () => {
    const cells = grid({ dcgan: [50, 52], wgan: [40, 41], proposed: [30, 31] }, { dcgan: [2, 2], wgan: [3, 3], proposed: [4, 4] });
    const summary = summarise(cells);
    const ref = { is: { mean: 5, std: 0.1 }, modes: 4, classes: 5, n: 100, floor: 0.5, otherDataset: 2.5, classifierFloor: NaN, classifierOtherDataset: NaN, scoredAgainst: 'HELD-OUT-SET' };
    const r: Table1Result = {
      preset: 'smoke', data: 'embedded', seeds: [0, 1], evalCount: 100, fidFeatures: 'PROXY-FEATURES',
      isFeatures: { celeba: 'CLF-C', anime: 'CLF-A' }, reference: { celeba: ref, anime: { ...ref, classifierFloor: 0.25, classifierOtherDataset: 7.5 } }, cells, summary, claim: judgeClaim(summary),
    };
    const md = table1Markdown(r);
    expect(md).to.contain('PROXY-FEATURES').and.to.contain('CLF-C').and.to.contain('CLF-A');
    expect(md).to.contain('| dcgan (paper) | 6.22 ± 0.13 | 6.56 ± 0.25 | 43.22 ± 0.22 | 39.52 ± 0.12 |');
    expect(md).to.contain('| dcgan (ours) | 2.00 ± 0.00 | 2.00 ± 0.00 | 51.00 ± 1.00 | 51.00 ± 1.00 |');
    // What the columns are scored against, and the real-vs-real floor beside the models.
    expect(md).to.contain('Scored against: CelebA column HELD-OUT-SET');
    expect(md).to.contain('| real images (floor: a second draw of 100 / 100) | 5.00 ± 0.10 | 5.00 ± 0.10 | 0.50 | 0.50 |');
    expect(md).to.contain('| real images of the other data set (anime for CelebA, faces for Animation) | – | – | 2.50 | 2.50 |');
    // The hair classifier's FID, only for the column whose IS classifier is a network of its own.
    expect(md).to.contain("**FID on the IS classifiers' features**");
    expect(md).to.contain('| dcgan | as FID | 5.10 ± 0.10 |');
    expect(md).to.contain('| real images (floor) | as FID | 0.25 |');
    expect(md).to.contain('| real images of the other data set | as FID | 7.50 |');
  });
});
