// Shape arithmetic shared by the kernels: strides and broadcasting in the addon's terms.

export function sameShape(a: number[], b: number[]) {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function contiguousStrides(shape: number[]) {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Element strides of a and b in the output's index space (0 along broadcast dimensions), after
 * merging adjacent dimensions that broadcast the same way, so the addon's inner loop is long.
 */
export function broadcastStrides(aShape: number[], bShape: number[], out: number[]) {
  const r = Math.max(out.length, 1);
  const pad = (s: number[]) => [...new Array(r - s.length).fill(1), ...s];
  const o = out.length ? out : [1];
  const A = pad(aShape), Bs = pad(bShape);
  const sA = contiguousStrides(A).map((s, i) => (A[i] === 1 ? 0 : s));
  const sB = contiguousStrides(Bs).map((s, i) => (Bs[i] === 1 ? 0 : s));
  // Merge dim i into i-1 when both operands are contiguous across them or broadcast in both.
  const shape: number[] = [o[0]], sa: number[] = [sA[0]], sb: number[] = [sB[0]];
  for (let i = 1; i < r; ++i) {
    const j = shape.length - 1;
    const mergeA = (sa[j] === sA[i] * o[i]) || (sa[j] === 0 && sA[i] === 0);
    const mergeB = (sb[j] === sB[i] * o[i]) || (sb[j] === 0 && sB[i] === 0);
    if (o[i] === 1) continue;
    if (shape[j] === 1) { shape[j] = o[i]; sa[j] = sA[i]; sb[j] = sB[i]; continue; }
    if (mergeA && mergeB) { shape[j] *= o[i]; sa[j] = sA[i]; sb[j] = sB[i]; } else { shape.push(o[i]); sa.push(sA[i]); sb.push(sB[i]); }
  }
  return { outShape: shape, sa, sb };
}
