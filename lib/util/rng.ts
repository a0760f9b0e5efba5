import seedrandom from 'seedrandom';

/**
 * A seeded random source whose state can be saved in a checkpoint and restored, so that a
 * resumed run draws the same numbers as an uninterrupted one.
 */
export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  constructor(seed: number | string, state?: seedrandom.State.Arc4) {
    this.prng = seedrandom(String(seed), { state: state ?? true }) as seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A positive 31-bit integer, e.g. a seed for tf.randomNormal (which treats 0 as "unseeded"). */
  seed(): number {
    return (this.prng.int32() >>> 1) || 1;
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** Serialisable state for checkpoints. */
  state(): seedrandom.State.Arc4 {
    return this.prng.state();
  }
}
