import { expect } from 'chai';
import { spawnSync } from 'child_process';
import {
  ganValue,
  jsDivergence,
  klDivergence,
  linspace,
  normalDensity,
  optimalDiscriminator,
  uniformDensity,
  virtualTrainingCriterion,
  wasserstein1,
  wasserstein1Grid,
} from '../lib/divergences';
import { Rng } from '../lib/util/rng';

describe('divergences', () => {
  const xs = linspace(-12, 12, 4801);

  it('JS of disjoint distributions is log 2, however far apart', () => {
    expect(jsDivergence([1, 0, 0, 0], [0, 0, 0, 1])).to.be.closeTo(Math.LN2, 1e-12);
    for (const shift of [3, 6]) {
      const p = uniformDensity(xs, -1, 0);
      const q = uniformDensity(xs, shift, shift + 1);
      expect(jsDivergence(p, q)).to.be.closeTo(Math.LN2, 1e-12);
    }
  });

  it('JS is 0 for equal distributions and matches a hand-computed value', () => {
    const p = normalDensity(xs, 0, 1);
    expect(jsDivergence(p, p)).to.be.closeTo(0, 1e-12);
    // p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); JS = ½·log(4/3) + ¼·log(2/3) + ¼·log 2.
    const expected = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    expect(jsDivergence([1, 0], [0.5, 0.5])).to.be.closeTo(expected, 1e-12);
  });

  it('JS of two unit uniforms shifted by t is t·log 2 (t ≤ 1)', () => {
    for (const t of [0.25, 0.5, 0.75]) {
      const js = jsDivergence(uniformDensity(xs, 0, 1), uniformDensity(xs, t, t + 1));
      expect(js).to.be.closeTo(t * Math.LN2, 0.01);
    }
  });

  it('KL of two Gaussians matches the closed form; KL is infinite off the support', () => {
    const [m1, s1, m2, s2] = [0, 1, 1.5, 2];
    const closed = Math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5;
    expect(klDivergence(normalDensity(xs, m1, s1), normalDensity(xs, m2, s2))).to.be.closeTo(closed, 1e-6);
    expect(klDivergence([0.5, 0.5], [1, 0])).to.equal(Infinity);
  });

  it('D* = p_r/(p_r+p_g) maximises V(D,G) and C(G) = 2·JS − 2·log 2 (eqs. 4–6)', () => {
    const pr = normalDensity(xs, 0, 1);
    const pg = normalDensity(xs, 1.5, 0.7);
    const dStar = optimalDiscriminator(pr, pg);
    expect(dStar[2400]).to.be.closeTo(pr[2400] / (pr[2400] + pg[2400]), 1e-15);
    const c = virtualTrainingCriterion(pr, pg);
    expect(c).to.be.closeTo(2 * jsDivergence(pr, pg) - 2 * Math.LN2, 1e-9);
    // Any other discriminator does worse.
    for (const eps of [0.05, -0.05]) {
      const d = dStar.map((v) => Math.min(1 - 1e-9, Math.max(1e-9, v + eps)));
      // (the perturbed D is clipped away from 0 and 1 so that V stays finite)
      expect(ganValue(d, pr, pg)).to.be.below(c);
    }
    expect(virtualTrainingCriterion(pr, pr)).to.be.closeTo(-2 * Math.LN2, 1e-12);
  });

  it('W1 of shifted point masses is the shift (eq. 7), also for unequal samples', () => {
    for (const shift of [0, 0.5, 3, 10]) expect(wasserstein1([0], [shift])).to.be.closeTo(shift, 1e-12);
    expect(wasserstein1([0], [0, 2])).to.be.closeTo(1, 1e-12);
    expect(wasserstein1([1, 2, 3], [3, 1, 2])).to.equal(0);
  });

  it('W1 of a shifted sample is the shift; on a grid W1 of shifted densities is the shift', () => {
    const rng = new Rng(1);
    const a = Array.from({ length: 2000 }, () => rng.normal());
    expect(wasserstein1(a, a.map((v) => v + 2.5))).to.be.closeTo(2.5, 1e-9);
    const p = normalDensity(xs, 0, 1);
    for (const shift of [1, 4]) expect(wasserstein1Grid(xs, p, normalDensity(xs, shift, 1))).to.be.closeTo(shift, 1e-3);
  });

  // Notebook 01's grids (x from −10 to 20, shifts θ from 0 to 8) for each preset: every value drawn
  // must be finite. Before the fix, JS of the σ = 0.5 Gaussians was NaN for small shifts (a subnormal
  // tail weight over a midpoint that underflowed to 0), leaving a hole in "JS saturates at log 2".
  const NOTEBOOK_GRIDS = [
    { preset: 'smoke', points: 1501, shifts: 17 },
    { preset: 'quick', points: 6001, shifts: 81 },
    { preset: 'paper', points: 12001, shifts: 161 },
  ];
  const SIGMA = 0.5;

  for (const g of NOTEBOOK_GRIDS) {
    it(`notebook 01, ${g.preset} grid: every divergence is finite and matches its closed form at every shift`, () => {
      const grid = linspace(-10, 20, g.points);
      const dx = grid[1] - grid[0];
      const p = normalDensity(grid, 0, SIGMA);
      const uni = uniformDensity(grid, 0, 1);
      let prevJs = -1;
      for (const t of linspace(0, 8, g.shifts)) {
        const q = normalDensity(grid, t, SIGMA);
        const js = jsDivergence(p, q);
        expect(Number.isFinite(js), `JS at θ=${t}`).to.equal(true);
        expect(js).to.be.within(0, Math.LN2);
        // JS of two equal-width Gaussians grows with the shift.
        expect(js, `JS non-decreasing at θ=${t}`).to.be.at.least(prevJs - 1e-12);
        prevJs = js;
        // Eq. (6) holds at every shift, not only where nothing underflows.
        expect(virtualTrainingCriterion(p, q), `C(G) at θ=${t}`).to.be.closeTo(2 * js - 2 * Math.LN2, 1e-9);
        // KL(N(0,σ²)‖N(θ,σ²)) = θ²/(2σ²); W1 of a shift is the shift.
        expect(klDivergence(p, q), `KL at θ=${t}`).to.be.closeTo((t * t) / (2 * SIGMA * SIGMA), 1e-6 * Math.max(1, t * t));
        expect(wasserstein1Grid(grid, p, q), `W1 at θ=${t}`).to.be.closeTo(t, 1e-6);
        // Unit uniforms U[0,1] and U[θ,θ+1]: JS = min(θ, 1)·log 2 (up to one grid cell at each edge).
        const jsUni = jsDivergence(uni, uniformDensity(grid, t, t + 1));
        expect(jsUni, `JS of uniforms at θ=${t}`).to.be.closeTo(Math.min(t, 1) * Math.LN2, 2 * dx);
      }
    });
  }

  it('JS of the sliding Gaussians matches scipy\'s integral of the continuous JS over the whole θ grid', function () {
    // scipy's quad of ½p·log(p/m) + ½q·log(q/m) over the line, in logs (scipy.stats.norm.logpdf), as an
    // independent reference; our grid sum (spacing 0.005) must agree to 1e-9.
    const script = [
      'import json, sys',
      'import numpy as np',
      'from scipy.integrate import quad',
      'from scipy.stats import norm',
      'sigma, thetas = json.loads(sys.argv[1])',
      'def js(t):',
      '    def f(x):',
      '        lp, lq = norm.logpdf(x, 0, sigma), norm.logpdf(x, t, sigma)',
      '        lm = np.logaddexp(lp, lq) - np.log(2)',
      '        return 0.5 * np.exp(lp) * (lp - lm) + 0.5 * np.exp(lq) * (lq - lm)',
      '    return quad(f, -10, 20, points=[0.0, t / 2, t], limit=500, epsabs=1e-14, epsrel=1e-12)[0]',
      'print(json.dumps([js(t) for t in thetas]))',
    ].join('\n');
    const thetas = linspace(0, 8, 81);
    let ref: number[] | null = null;
    for (const py of ['/usr/bin/python3', 'python3']) {
      const r = spawnSync(py, ['-c', script, JSON.stringify([SIGMA, thetas])], { encoding: 'utf8', timeout: 120_000 });
      if (r.status === 0) {
        ref = JSON.parse(r.stdout);
        break;
      }
    }
    if (!ref) {
      console.log('      SKIPPED: no python3 with scipy (Debian: python3-scipy, installed by scripts/setup.sh)');
      this.skip();
    }
    const grid = linspace(-10, 20, 6001);
    const p = normalDensity(grid, 0, SIGMA);
    thetas.forEach((t, i) => {
      expect(jsDivergence(p, normalDensity(grid, t, SIGMA)), `θ=${t}`).to.be.closeTo(ref![i], 1e-9);
    });
  });

  it('rejects mismatched or invalid input', () => {
    expect(() => jsDivergence([1, 0], [1])).to.throw(RangeError);
    expect(() => jsDivergence([-1, 2], [1, 1])).to.throw(RangeError);
    expect(() => wasserstein1([], [1])).to.throw(RangeError);
  });
});
