import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { UserError } from '../util/errors';

/** What the trainer needs of a data set: its size and a batch of given indices in [-1, 1]. */
export interface ImageSource {
  readonly length: number;
  batchAt(indices: number[]): tf.Tensor4D;
}

/**
 * An endless stream of shuffled batches whose k-th batch is a pure function of (seed, k):
 * epoch e is a permutation drawn from Rng(`${seed}/epoch/${e}`), incomplete last batches are
 * dropped. A resumed run only needs the counter to continue exactly where it stopped.
 */
export class BatchStream {
  private perm: number[] = [];
  private permEpoch = -1;
  readonly batchesPerEpoch: number;

  constructor(
    readonly source: ImageSource,
    readonly batchSize: number,
    readonly seed: string,
    public drawn = 0,
  ) {
    this.batchesPerEpoch = Math.floor(source.length / batchSize);
    if (this.batchesPerEpoch < 1) {
      throw new UserError(`data set of ${source.length} images is smaller than one batch of ${batchSize}: lower --batch or add images`);
    }
  }

  next(): tf.Tensor4D {
    const epoch = Math.floor(this.drawn / this.batchesPerEpoch);
    const pos = this.drawn % this.batchesPerEpoch;
    if (epoch !== this.permEpoch) {
      const idx = Array.from({ length: this.source.length }, (_, i) => i);
      this.perm = new Rng(`${this.seed}/epoch/${epoch}`).shuffle(idx);
      this.permEpoch = epoch;
    }
    this.drawn++;
    return this.source.batchAt(this.perm.slice(pos * this.batchSize, (pos + 1) * this.batchSize));
  }
}
