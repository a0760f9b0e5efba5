// Pooling (OpenMP): max and average pooling and the gradient of max pooling, NHWC.
#include <algorithm>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

enum Pooling { P_MAX, P_AVG };

}  // namespace

const OpCodes kPoolOps = {{"MaxPool", P_MAX}, {"AvgPool", P_AVG}};

// maxPoolGrad(heap, dy, x, y, dx, [N,H,W,C, OH,OW, FH,FW, SH,SW, padTop,padLeft]): each dy goes
// to the first tap of its window (row-major scan, as tfjs's CPU backend picks) whose input equals
// the window's maximum y; taps in the padding are skipped. Windows overlap only within an image,
// so images run in parallel.
napi_value MaxPoolGrad(Args &a) {
  auto d = a.ints(5, 12);
  const int64_t in = count_of({d[0], d[1], d[2], d[3]}), out = count_of({d[0], d[4], d[5], d[3]});
  const float *DY = a.f32(1, out);
  const float *X = a.f32(2, in);
  const float *Y = a.f32(3, out);
  float *DX = a.f32(4, in);
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], FH = d[6], FW = d[7], SH = d[8],
                SW = d[9], PT = d[10], PL = d[11];
  std::memset(DX, 0, sizeof(float) * static_cast<size_t>(N * H * W * C));
#pragma omp parallel for schedule(static) if (N * OH * OW * C > kPar)
  for (int64_t n = 0; n < N; ++n) {
    // 1 once a channel's maximum is found; float and branch-free so the channel loop vectorises
    // (an equality test per tap and channel mispredicts often).
    std::vector<float> found(static_cast<size_t>(C));
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const int64_t o = ((n * OH + oy) * OW + ox) * C;
        std::fill(found.begin(), found.end(), 0.f);
        float *fd = found.data();
        const float *y = Y + o, *g = DY + o;
        for (int64_t fy = 0; fy < FH; ++fy) {
          const int64_t iy = oy * SH - PT + fy;
          if (iy < 0 || iy >= H) continue;
          for (int64_t fx = 0; fx < FW; ++fx) {
            const int64_t ix = ox * SW - PL + fx;
            if (ix < 0 || ix >= W) continue;
            const int64_t i = ((n * H + iy) * W + ix) * C;
            const float *x = X + i;
            float *dx = DX + i;
            for (int64_t c = 0; c < C; ++c) {
              const float hit = x[c] == y[c] ? 1.f - fd[c] : 0.f;
              dx[c] += hit * g[c];
              fd[c] += hit;
            }
          }
        }
      }
  }
  return undef(a.env);
}

// pool(heap, op (MaxPool or AvgPool), x, y, [N,H,W,C, OH,OW, FH,FW, SH,SW, padTop,padLeft]): max or
// average over the window's taps inside the image (the average divides by their count, as
// TensorFlow's AvgPool does with padding).
napi_value Pool(Args &a) {
  const int op = checked_code(kPoolOps, a.i64(1), "pooling op");
  auto d = a.ints(4, 12);
  const float *X = a.f32(2, count_of({d[0], d[1], d[2], d[3]}));
  float *Y = a.f32(3, count_of({d[0], d[4], d[5], d[3]}));
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], FH = d[6], FW = d[7], SH = d[8],
                SW = d[9], PT = d[10], PL = d[11];
#pragma omp parallel for schedule(static) if (N * OH * OW * C > kPar)
  for (int64_t r = 0; r < N * OH; ++r) {
    const int64_t n = r / OH, oy = r % OH;
    const int64_t y0 = std::max<int64_t>(0, oy * SH - PT), y1 = std::min<int64_t>(H, oy * SH - PT + FH);
    for (int64_t ox = 0; ox < OW; ++ox) {
      const int64_t x0 = std::max<int64_t>(0, ox * SW - PL), x1 = std::min<int64_t>(W, ox * SW - PL + FW);
      float *y = Y + ((n * OH + oy) * OW + ox) * C;
      for (int64_t c = 0; c < C; ++c) y[c] = op == P_MAX ? -INFINITY : 0.f;
      for (int64_t iy = y0; iy < y1; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix) {
          const float *x = X + ((n * H + iy) * W + ix) * C;
          if (op == P_MAX)
            for (int64_t c = 0; c < C; ++c) y[c] = std::max(y[c], x[c]);
          else
            for (int64_t c = 0; c < C; ++c) y[c] += x[c];
        }
      if (op == P_AVG) {
        const float inv = 1.f / static_cast<float>(std::max<int64_t>(1, (y1 - y0) * (x1 - x0)));
        for (int64_t c = 0; c < C; ++c) y[c] *= inv;
      }
    }
  }
  return undef(a.env);
}

}  // namespace animegan
