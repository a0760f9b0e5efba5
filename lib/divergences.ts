/**
 * The distances between distributions that §4.1 of the paper argues about, for 1-D
 * distributions given either as densities on a common grid or as samples.
 *
 * - Eq. (1): the GAN value V(D, G) = E_{p_r}[log D(x)] + E_{p_g}[log(1 − D(x))].
 * - Eqs. (3)–(5): for a fixed generator, V is maximised by D*(x) = p_r(x) / (p_r(x) + p_g(x)).
 * - Eq. (6): plugging D* in gives C(G) = 2·JS(p_r‖p_g) − 2·log 2 (the paper's §4.1 first
 *   calls this KL; the derivation gives Jensen–Shannon).
 * - Eq. (7): the Wasserstein-1 (earth mover's) distance; in 1-D it is ∫|F_r(t) − F_g(t)| dt,
 *   the area between the two cumulative distribution functions.
 *
 * Densities on a grid are passed as non-negative weights at equally spaced points and normalised
 * here, so a density sampled on a grid and a probability vector are treated alike. Natural logs.
 */

/** n equally spaced points from lo to hi inclusive. */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (!(n >= 2)) throw new RangeError(`linspace needs n >= 2, got ${n}`);
  const step = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

/** Density of N(mu, sigma²) at each x. */
export function normalDensity(xs: readonly number[], mu: number, sigma: number): number[] {
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  return xs.map((x) => c * Math.exp(-0.5 * ((x - mu) / sigma) ** 2));
}

/** Density of the uniform distribution on [a, b] at each x. */
export function uniformDensity(xs: readonly number[], a: number, b: number): number[] {
  return xs.map((x) => (x >= a && x <= b ? 1 / (b - a) : 0));
}

/** Weights normalised to sum to 1 (a probability vector). */
export function normalise(p: readonly number[]): number[] {
  let s = 0;
  for (const v of p) {
    if (!(v >= 0)) throw new RangeError(`a density/probability must be non-negative and finite, got ${v}`);
    s += v;
  }
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError('a density/probability must have positive finite mass');
  return p.map((v) => v / s);
}

function sameLength(p: readonly number[], q: readonly number[], what: string): void {
  if (p.length !== q.length) throw new RangeError(`${what}: the two distributions have ${p.length} and ${q.length} points`);
}

/**
 * KL(p‖q) = Σ p log(p/q) for weights on a common grid (normalised here). Infinite when p puts
 * mass where q has none (the reason the original GAN cannot be read as minimising KL).
 */
export function klDivergence(p: readonly number[], q: readonly number[]): number {
  sameLength(p, q, 'klDivergence');
  const P = normalise(p);
  const Q = normalise(q);
  let kl = 0;
  for (let i = 0; i < P.length; i++) {
    if (P[i] === 0) continue;
    if (Q[i] === 0) return Infinity;
    kl += P[i] * (Math.log(P[i]) - Math.log(Q[i]));
  }
  return Math.max(0, kl);
}

/**
 * Jensen–Shannon divergence JS(p‖q) = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2, the quantity in
 * eq. (6). Between 0 (p = q) and log 2 (disjoint supports, however far apart).
 */
export function jsDivergence(p: readonly number[], q: readonly number[]): number {
  sameLength(p, q, 'jsDivergence');
  const P = normalise(p);
  const Q = normalise(q);
  let js = 0;
  for (let i = 0; i < P.length; i++) {
    // log(P/m) as log 2 + log P − log(P + Q): a ratio or ½·(P + Q) of subnormal weights (the far
    // tails of a Gaussian on a wide grid) underflows to 0, and 0·log(x/0) = 0·∞ is NaN.
    const s = Math.log(P[i] + Q[i]);
    if (P[i] > 0) js += 0.5 * P[i] * (Math.LN2 + Math.log(P[i]) - s);
    if (Q[i] > 0) js += 0.5 * Q[i] * (Math.LN2 + Math.log(Q[i]) - s);
  }
  return Math.min(Math.LN2, Math.max(0, js));
}

/**
 * The optimal discriminator, eq. (5) (from eq. (4), corrected): D*(x) = p_r(x) / (p_r(x) + p_g(x)),
 * pointwise. NaN where both densities are 0 (D* is not determined there).
 */
export function optimalDiscriminator(pr: readonly number[], pg: readonly number[]): number[] {
  sameLength(pr, pg, 'optimalDiscriminator');
  return pr.map((r, i) => (r + pg[i] > 0 ? r / (r + pg[i]) : NaN));
}

/**
 * The GAN value of eq. (1) for a discriminator D given at the grid points:
 * V(D, G) = E_{p_r}[log D(x)] + E_{p_g}[log(1 − D(x))] (weights normalised).
 */
export function ganValue(d: readonly number[], pr: readonly number[], pg: readonly number[]): number {
  sameLength(pr, pg, 'ganValue');
  sameLength(d, pr, 'ganValue');
  const R = normalise(pr);
  const G = normalise(pg);
  let v = 0;
  for (let i = 0; i < d.length; i++) {
    if (R[i] > 0) v += R[i] * Math.log(d[i]);
    if (G[i] > 0) v += G[i] * Math.log(1 - d[i]);
  }
  return v;
}

/**
 * C(G) = max_D V(D, G) = V(D*, G), computed numerically; eq. (6) says it equals
 * 2·JS(p_r‖p_g) − 2·log 2, which `test/divergences.test.ts` checks.
 */
export function virtualTrainingCriterion(pr: readonly number[], pg: readonly number[]): number {
  sameLength(pr, pg, 'virtualTrainingCriterion');
  const R = normalise(pr);
  const G = normalise(pg);
  // V(D*, G) written as Σ R·log(R/(R+G)) + G·log(G/(R+G)): the same sum as ganValue(D*, ...),
  // without rounding 1 − D* to 0 where p_g is tiny but not zero.
  let v = 0;
  for (let i = 0; i < R.length; i++) {
    // Differences of logs, not logs of ratios: a ratio of subnormal weights can underflow (see jsDivergence).
    const s = Math.log(R[i] + G[i]);
    if (R[i] > 0) v += R[i] * (Math.log(R[i]) - s);
    if (G[i] > 0) v += G[i] * (Math.log(G[i]) - s);
  }
  return v;
}

/**
 * Wasserstein-1 distance, eq. (7), between two 1-D samples (any sizes): the area between their
 * empirical CDFs, ∫|F_a(t) − F_b(t)| dt. For equal sizes this is the mean distance between the
 * sorted samples (the optimal transport plan in 1-D pairs them in order).
 */
export function wasserstein1(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('wasserstein1 needs two non-empty samples');
  const A = Float64Array.from(a).sort();
  const B = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let prev = Math.min(A[0], B[0]);
  let w = 0;
  while (i < A.length || j < B.length) {
    const next = j >= B.length || (i < A.length && A[i] <= B[j]) ? A[i] : B[j];
    w += Math.abs(i / A.length - j / B.length) * (next - prev);
    prev = next;
    while (i < A.length && A[i] === next) i++;
    while (j < B.length && B[j] === next) j++;
  }
  return w;
}

/**
 * Wasserstein-1 distance, eq. (7), between two densities on a common, equally spaced grid xs:
 * Σ |F_p − F_q| · Δx with F the cumulative sums of the normalised weights.
 */
export function wasserstein1Grid(xs: readonly number[], p: readonly number[], q: readonly number[]): number {
  sameLength(p, q, 'wasserstein1Grid');
  sameLength(xs, p, 'wasserstein1Grid');
  const P = normalise(p);
  const Q = normalise(q);
  let fp = 0;
  let fq = 0;
  let w = 0;
  for (let i = 0; i < xs.length - 1; i++) {
    fp += P[i];
    fq += Q[i];
    w += Math.abs(fp - fq) * (xs[i + 1] - xs[i]);
  }
  return w;
}
