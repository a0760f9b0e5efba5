// Image resizing (NHWC, float32), nearest and bilinear, and their gradients, with tfjs's index
// rules (alignCorners, halfPixelCenters) so results match its cpu backend. The gradients are the
// forward's exact adjoints: each output pixel's value goes back to the input pixels it read, with
// the weights it read them with. The proposed model's decoder upsamples ×2 four times per pass.
#include <algorithm>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

enum ResizeMode { NEAREST = 0, BILINEAR = 1 };

// Source coordinate rules of one axis (tfjs: effective sizes drop one pixel under alignCorners).
struct Axis {
  int64_t in, out;
  double ratio;
  bool align, half;
  Axis(int64_t i, int64_t o, bool a, bool h) : in(i), out(o), align(a), half(h) {
    const bool ac = a && o > 1;
    ratio = static_cast<double>(ac ? i - 1 : i) / static_cast<double>(ac ? o - 1 : o);
  }
  int64_t nearest(int64_t r) const {
    const double f = half ? ratio * (r + 0.5) : ratio * r;
    int64_t s = std::min(in - 1, static_cast<int64_t>(align ? std::floor(f + 0.5) : std::floor(f)));
    return half ? std::max<int64_t>(0, s) : s;
  }
  // Bilinear: the two source rows and the weight of the second.
  void linear(int64_t r, int64_t &lo, int64_t &hi, double &frac) const {
    const double f = half ? ratio * (r + 0.5) - 0.5 : ratio * r;
    lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(f)));
    hi = std::min(in - 1, static_cast<int64_t>(std::ceil(f)));
    frac = f - static_cast<double>(lo);
  }
};

struct ResizeDims {
  int64_t N, H, W, C, OH, OW;
};

// The arguments both calls share: (heap, mode, inOff, outOff, [N,H,W,C,OH,OW], alignCorners,
// halfPixelCenters), checked, with the two axes' coordinate rules.
struct ResizeCall {
  ResizeMode mode;
  ResizeDims d;
  Axis ay, ax;
};

ResizeCall parse_call(Args &a, const char *name) {
  const int64_t mode = a.i64(1);
  if (mode != NEAREST && mode != BILINEAR) throw RangeError(std::string(name) + ": unknown mode " + std::to_string(mode));
  const std::vector<int64_t> v = a.ints(4, 6);
  for (auto x : v)
    if (x <= 0) throw RangeError(std::string(name) + ": every dimension must be positive");
  const ResizeDims d{v[0], v[1], v[2], v[3], v[4], v[5]};
  const bool align = a.num(5) != 0, half = a.num(6) != 0;
  return {static_cast<ResizeMode>(mode), d, Axis(d.H, d.OH, align, half), Axis(d.W, d.OW, align, half)};
}

}  // namespace

// resize(heap, mode, xOff, yOff, [N,H,W,C,OH,OW], alignCorners, halfPixelCenters)
napi_value Resize(Args &a) {
  const ResizeCall call = parse_call(a, "resize");
  const ResizeDims &d = call.d;
  const Axis &ay = call.ay, &ax = call.ax;
  const ResizeMode mode = call.mode;
  const float *X = a.f32(2, count_of({d.N, d.H, d.W, d.C}));
  float *Y = a.f32(3, count_of({d.N, d.OH, d.OW, d.C}));
  const int64_t rows = d.N * d.OH;
#pragma omp parallel for schedule(static) if (rows * d.OW * d.C > kPar)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / d.OH, r = row % d.OH;
    float *y = Y + row * d.OW * d.C;
    const float *img = X + n * d.H * d.W * d.C;
    if (mode == NEAREST) {
      const float *src = img + ay.nearest(r) * d.W * d.C;
      for (int64_t c = 0; c < d.OW; ++c) std::memcpy(y + c * d.C, src + ax.nearest(c) * d.C, sizeof(float) * d.C);
      continue;
    }
    int64_t t, b;
    double fy;
    ay.linear(r, t, b, fy);
    const float *top = img + t * d.W * d.C, *bot = img + b * d.W * d.C;
    const float wy = static_cast<float>(fy);
    for (int64_t c = 0; c < d.OW; ++c) {
      int64_t l, rr;
      double fx;
      ax.linear(c, l, rr, fx);
      // Float arithmetic (as tfjs's kernels), so the channel loop vectorises.
      const float wx = static_cast<float>(fx);
      const float *tl = top + l * d.C, *tr = top + rr * d.C, *bl = bot + l * d.C, *br = bot + rr * d.C;
      float *o = y + c * d.C;
      for (int64_t k = 0; k < d.C; ++k) {
        const float tv = tl[k] + (tr[k] - tl[k]) * wx, bv = bl[k] + (br[k] - bl[k]) * wx;
        o[k] = tv + (bv - tv) * wy;
      }
    }
  }
  return undef(a.env);
}

// resizeGrad(heap, mode, dyOff, dxOff, [N,H,W,C,OH,OW], alignCorners, halfPixelCenters):
// dx (the input's shape) = the adjoint of resize applied to dy (the output's shape).
napi_value ResizeGrad(Args &a) {
  const ResizeCall call = parse_call(a, "resizeGrad");
  const ResizeDims &d = call.d;
  const Axis &ay = call.ay, &ax = call.ax;
  const ResizeMode mode = call.mode;
  const float *DY = a.f32(2, count_of({d.N, d.OH, d.OW, d.C}));
  float *DX = a.f32(3, count_of({d.N, d.H, d.W, d.C}));
  // Work items own disjoint (image, channel block) slices of dx, so the scatter needs no atomics;
  // whole images when there are enough for every thread (contiguous, vectorised channel loops).
  const int64_t kBlock = d.N >= 2 * omp_get_max_threads() ? d.C : 16;
  const int64_t blocks = (d.C + kBlock - 1) / kBlock, items = d.N * blocks;
#pragma omp parallel for schedule(static) if (d.N * d.OH * d.OW * d.C > kPar)
  for (int64_t it = 0; it < items; ++it) {
    const int64_t n = it / blocks, k0 = (it % blocks) * kBlock, k1 = std::min(d.C, k0 + kBlock);
    float *img = DX + n * d.H * d.W * d.C;
    for (int64_t p = 0; p < d.H * d.W; ++p) std::fill(img + p * d.C + k0, img + p * d.C + k1, 0.f);
    const float *dyimg = DY + n * d.OH * d.OW * d.C;
    for (int64_t r = 0; r < d.OH; ++r) {
      const float *g = dyimg + r * d.OW * d.C;
      if (mode == NEAREST) {
        float *dst = img + ay.nearest(r) * d.W * d.C;
        for (int64_t c = 0; c < d.OW; ++c) {
          float *o = dst + ax.nearest(c) * d.C;
          for (int64_t k = k0; k < k1; ++k) o[k] += g[c * d.C + k];
        }
        continue;
      }
      int64_t t, b;
      double fy;
      ay.linear(r, t, b, fy);
      float *top = img + t * d.W * d.C, *bot = img + b * d.W * d.C;
      for (int64_t c = 0; c < d.OW; ++c) {
        int64_t l, rr;
        double fx;
        ax.linear(c, l, rr, fx);
        const float wtl = static_cast<float>((1 - fy) * (1 - fx)), wtr = static_cast<float>((1 - fy) * fx),
                    wbl = static_cast<float>(fy * (1 - fx)), wbr = static_cast<float>(fy * fx);
        for (int64_t k = k0; k < k1; ++k) {
          const float v = g[c * d.C + k];
          top[l * d.C + k] += v * wtl;
          top[rr * d.C + k] += v * wtr;
          bot[l * d.C + k] += v * wbl;
          bot[rr * d.C + k] += v * wbr;
        }
      }
    }
  }
  return undef(a.env);
}

}  // namespace animegan
