/**
 * NumPy's legacy `np.random.RandomState(seed)` permutations, bit for bit.
 *
 * Why: torch-fidelity picks KID subsets with `RandomState(seed).choice(n, m, replace=False)`
 * and shuffles samples before the IS splits with `RandomState(seed).permutation(n)`. Using the
 * same generator here means the same seed selects the same samples, so our KID and IS can be
 * compared with torch-fidelity's number for number, not just statistically.
 *
 * MT19937 as in Matsumoto & Nishimura's reference code (init_genrand, genrand_int32); NumPy's
 * shuffle draws j = random_interval(i) for i = n-1 .. 1, where random_interval masks 32-bit
 * draws to the smallest all-ones mask covering i and rejects values above i.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private mti = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32 (split multiply to stay exact in doubles)
      mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  /** Next 32-bit unsigned draw (genrand_int32). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (NumPy's random_sample / genrand_res53). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, max] (NumPy's random_interval, max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** np.random.RandomState(seed).permutation(n). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** rng.choice(n, m, replace=False): the first m entries of a permutation of n. */
  choiceWithoutReplacement(n: number, m: number): Int32Array {
    return this.permutation(n).subarray(0, m);
  }
}
