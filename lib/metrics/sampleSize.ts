/**
 * Too few samples for the feature dimension. With n images of d-dimensional features the sample
 * covariance has rank at most n − 1, so below d images FID compares degenerate Gaussians, and
 * KID's subsets overlap so much that its spread says nothing. pytorch-fid and torch-fidelity warn
 * here; so do we, and say the number is unreliable (it is still returned).
 */
export function fewSamplesWarning(metric: 'FID' | 'KID', counts: (number | null | undefined)[], dim: number): string | null {
  const known = counts.filter((n): n is number => typeof n === 'number');
  if (known.length === 0) return null;
  const n = Math.min(...known);
  if (n >= dim) return null;
  const why =
    metric === 'FID'
      ? `the covariance of ${n} samples has rank at most ${n - 1}, far below ${dim}`
      : `the kernel estimate of ${n} samples in ${dim} dimensions is dominated by noise`;
  return `${metric} from ${n} images with ${dim}-d features is unreliable: ${why}; use at least ${dim} images per set`;
}

/** KID whose subsets all hold every sample: its ± is zero by construction, not a precise estimate. */
export function identicalSubsetsWarning(n1: number, n2: number, subsetSize: number, subsets: number): string | null {
  if (subsets < 2 || subsetSize < n1 || subsetSize < n2) return null;
  return `all ${subsets} KID subsets hold the same ${subsetSize} images, so its ± is 0 by construction`;
}
