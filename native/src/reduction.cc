// Reductions over contiguous axes (OpenMP): x viewed as [outer, red, inner] -> y [outer, inner].
#include <algorithm>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

enum Reduction { R_SUM, R_MEAN, R_MAX, R_MIN };

}  // namespace

const OpCodes kReduceOps = {{"Sum", R_SUM}, {"Mean", R_MEAN}, {"Max", R_MAX}, {"Min", R_MIN}};

// reduce(heap, op, xOff, yOff, outer, red, inner). Accumulates in double for sums so large
// reductions stay exact.
napi_value Reduce(Args &a) {
  int op = checked_code(kReduceOps, a.i64(1), "reduce op");
  int64_t outer = a.i64(4), red = a.i64(5), inner = a.i64(6);
  const float *X = a.f32(2, count_of({outer, red, inner}));
  float *Y = a.f32(3, count_of({outer, inner}));
  int64_t total = outer * red * inner;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (total > kPar && outer > 1)
    for (int64_t o = 0; o < outer; ++o) {
      const float *x = X + o * red;
      if (op <= R_MEAN) {
        double s = 0;
        for (int64_t r = 0; r < red; ++r) s += x[r];
        Y[o] = static_cast<float>(op == R_MEAN ? s / red : s);
      } else {
        float m = red ? x[0] : 0.f;
        for (int64_t r = 1; r < red; ++r) m = op == R_MAX ? std::max(m, x[r]) : std::min(m, x[r]);
        Y[o] = m;
      }
    }
    return undef(a.env);
  }
  // Reduce along a strided axis: split the reduced axis across threads, each keeps per-inner
  // partial sums, then combine (outer is usually 1 here, e.g. batch-norm statistics over N*H*W).
  int nt = total > kPar ? omp_get_max_threads() : 1;
  std::vector<double> part(static_cast<size_t>(nt) * outer * inner, 0.0);
  std::vector<float> pm(static_cast<size_t>(nt) * outer * inner, op == R_MAX ? -INFINITY : INFINITY);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), T = omp_get_num_threads();
    for (int64_t o = 0; o < outer; ++o) {
      int64_t r0 = red * t / T, r1 = red * (t + 1) / T;
      double *acc = part.data() + (static_cast<size_t>(t) * outer + o) * inner;
      float *m = pm.data() + (static_cast<size_t>(t) * outer + o) * inner;
      for (int64_t r = r0; r < r1; ++r) {
        const float *x = X + (o * red + r) * inner;
        if (op <= R_MEAN) {
          for (int64_t j = 0; j < inner; ++j) acc[j] += x[j];
        } else if (op == R_MAX) {
          for (int64_t j = 0; j < inner; ++j) m[j] = std::max(m[j], x[j]);
        } else {
          for (int64_t j = 0; j < inner; ++j) m[j] = std::min(m[j], x[j]);
        }
      }
    }
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      if (op <= R_MEAN) {
        double s = 0;
        for (int t = 0; t < nt; ++t) s += part[(static_cast<size_t>(t) * outer + o) * inner + j];
        Y[o * inner + j] = static_cast<float>(op == R_MEAN ? s / red : s);
      } else {
        float m = op == R_MAX ? -INFINITY : INFINITY;
        for (int t = 0; t < nt; ++t) {
          float v = pm[(static_cast<size_t>(t) * outer + o) * inner + j];
          m = op == R_MAX ? std::max(m, v) : std::min(m, v);
        }
        Y[o * inner + j] = m;
      }
    }
  return undef(a.env);
}

// batchNorm(heap, xOff, meanOff, varOff, offOff(-1 none), scaleOff(-1 none), yOff, rows, C,

}  // namespace animegan
