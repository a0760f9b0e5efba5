// Data movement (OpenMP): tile, concat, fill.
#include <algorithm>

#include "common.h"
#include "ops.h"

namespace animegan {

// tile(heap, xOff, yOff, inShape, outShape, bytesPerElement): y[i] = x[i mod inShape] per dim.
napi_value Tile(Args &a) {
  auto in = a.ints(3), out = a.ints(4, in.size());
  int64_t bpe = a.i64(5);
  if (out.empty()) throw RangeError("tile: the shape needs at least one dimension");
  if (bpe <= 0) throw RangeError("tile: bytes per element must be positive");
  if (count_of(out) > 0)
    for (auto d : in)
      if (d <= 0) throw RangeError("tile: an empty input cannot fill a non-empty output");
  const uint8_t *X = a.u8(1, count_of({count_of(in), bpe}));
  uint8_t *Y = a.u8(2, count_of({count_of(out), bpe}));
  int r = static_cast<int>(out.size());
  std::vector<int64_t> istr(r, 1);
  for (int k = r - 2; k >= 0; --k) istr[k] = istr[k + 1] * in[k + 1];
  int64_t inner = out[r - 1], rows = 1;
  for (int k = 0; k < r - 1; ++k) rows *= out[k];
#pragma omp parallel for schedule(static) if (rows * inner > kPar)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, o = 0;
    for (int k = r - 2; k >= 0; --k) {
      o += (rem % out[k]) % in[k] * istr[k];
      rem /= out[k];
    }
    uint8_t *y = Y + row * inner * bpe;
    const uint8_t *x = X + o * bpe;
    int64_t w = in[r - 1];
    for (int64_t j = 0; j < inner; j += w) std::memcpy(y + j * bpe, x, static_cast<size_t>(std::min(w, inner - j) * bpe));
  }
  return undef(a.env);
}

// concat(heap, [xOffs...], [innerBytes...], yOff, outer): inputs viewed as [outer, inner_i]
// (in bytes), output [outer, Σ inner_i]; a concat along any axis of row-major tensors.
napi_value Concat(Args &a) {
  auto xs = a.ints(1), inner = a.ints(2, xs.size());
  const int64_t outer = a.i64(4);
  int64_t row = 0;
  for (auto b : inner) row += count_of({b});
  std::vector<const uint8_t *> src;
  for (size_t i = 0; i < xs.size(); ++i) src.push_back(a.at(xs[i], count_of({outer, inner[i]}), 1));
  uint8_t *Y = a.u8(3, count_of({outer, row}));
#pragma omp parallel for schedule(static) if (outer * row > 4 * kPar)
  for (int64_t o = 0; o < outer; ++o) {
    uint8_t *dst = Y + o * row;
    for (size_t i = 0; i < xs.size(); ++i) {
      std::memcpy(dst, src[i] + o * inner[i], static_cast<size_t>(inner[i]));
      dst += inner[i];
    }
  }
  return undef(a.env);
}

// split(heap, xOff, [yOffs...], [innerBytes...], outer): the inverse of concat; the input viewed
// as [outer, Σ inner_i] bytes goes to outputs [outer, inner_i] (tf.split along any axis; the
// gradient of every concatenation).
napi_value Split(Args &a) {
  auto ys = a.ints(2), inner = a.ints(3, ys.size());
  const int64_t outer = a.i64(4);
  int64_t row = 0;
  for (auto b : inner) row += count_of({b});
  const uint8_t *X = a.u8(1, count_of({outer, row}));
  std::vector<uint8_t *> dst;
  for (size_t i = 0; i < ys.size(); ++i) dst.push_back(a.at(ys[i], count_of({outer, inner[i]}), 2));
#pragma omp parallel for schedule(static) if (outer * row > 4 * kPar)
  for (int64_t o = 0; o < outer; ++o) {
    const uint8_t *src = X + o * row;
    for (size_t i = 0; i < ys.size(); ++i) {
      std::memcpy(dst[i] + o * inner[i], src, static_cast<size_t>(inner[i]));
      src += inner[i];
    }
  }
  return undef(a.env);
}

// fill(heap, yOff, n, value)
napi_value Fill(Args &a) {
  int64_t n = a.i64(2);
  float *Y = a.f32(1, n);
  float v = static_cast<float>(a.num(3));
  par_map(n, [&](int64_t i) { Y[i] = v; });
  return undef(a.env);
}

}  // namespace animegan
