// Normalisation (OpenMP): batch norm with given statistics and its gradient, and normalisation
// with the data's own statistics (batch norm in training, instance norm) and its gradient.
#include <algorithm>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

// What follows a normalisation in the same kernel (the generator's instance norm + ReLU, and its
// instance norm + shortcut + ReLU): one pass over the data instead of two or three.
enum NormActivation { NORM_LINEAR = 0, NORM_RELU = 1 };

int checked_norm_activation(int64_t code) {
  if (code != NORM_LINEAR && code != NORM_RELU) throw RangeError("unknown activation code " + std::to_string(code));
  return static_cast<int>(code);
}

// y = act(x·mul + add (+ r)) per row of C channels; r may be null. Rows in parallel when par.
void normalise_rows(const float *X, const float *R, float *Y, int64_t rows, int64_t C, const float *mul,
                    const float *add, int act, bool par) {
#pragma omp parallel for schedule(static) if (par)
  for (int64_t row = 0; row < rows; ++row) {
    const float *x = X + row * C, *r = R ? R + row * C : nullptr;
    float *y = Y + row * C;
    for (int64_t c = 0; c < C; ++c) {
      float v = x[c] * mul[c] + add[c];
      if (r) v += r[c];
      y[c] = act == NORM_RELU ? (v < 0.f ? 0.f : v) : v;
    }
  }
}

// Per-channel sums of two quantities over the rows of a [rows, C] array, each thread summing its
// rows in float blocks of 64 flushed to double (so long reductions stay accurate).
// term(row, c, s1, s2) adds its row's contributions to s1[c] and s2[c].
template <typename F>
void channel_sums(int64_t rows, int64_t C, std::vector<double> &out1, std::vector<double> &out2, F term) {
  int nt = rows * C > kPar ? omp_get_max_threads() : 1;
  std::vector<double> p1(static_cast<size_t>(nt) * C, 0.0), p2(static_cast<size_t>(nt) * C, 0.0);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), T = omp_get_num_threads();
    int64_t r0 = rows * t / T, r1 = rows * (t + 1) / T;
    std::vector<float> a1(C, 0.f), a2(C, 0.f);
    double *o1 = p1.data() + static_cast<size_t>(t) * C, *o2 = p2.data() + static_cast<size_t>(t) * C;
    int64_t blk = 0;
    for (int64_t row = r0; row < r1; ++row) {
      term(row, a1.data(), a2.data());
      if (++blk == 64) {
        for (int64_t c = 0; c < C; ++c) { o1[c] += a1[c]; o2[c] += a2[c]; a1[c] = a2[c] = 0.f; }
        blk = 0;
      }
    }
    for (int64_t c = 0; c < C; ++c) { o1[c] += a1[c]; o2[c] += a2[c]; }
  }
  out1.assign(C, 0.0);
  out2.assign(C, 0.0);
  for (int t = 0; t < nt; ++t)
    for (int64_t c = 0; c < C; ++c) { out1[c] += p1[static_cast<size_t>(t) * C + c]; out2[c] += p2[static_cast<size_t>(t) * C + c]; }
}


// channel_sums on one thread, into o1 and o2 (C each): a group of instance norm.
template <typename F>
void serial_channel_sums(int64_t rows, int64_t C, double *o1, double *o2, F term) {
  std::vector<float> a1(C, 0.f), a2(C, 0.f);
  std::fill(o1, o1 + C, 0.0);
  std::fill(o2, o2 + C, 0.0);
  for (int64_t row = 0, blk = 0; row < rows; ++row) {
    term(row, a1.data(), a2.data());
    if (++blk == 64 || row == rows - 1) {
      for (int64_t c = 0; c < C; ++c) { o1[c] += a1[c]; o2[c] += a2[c]; a1[c] = a2[c] = 0.f; }
      blk = 0;
    }
  }
}

// Instance norm has a group per image: with at least two, each thread takes whole groups (one
// parallel region per call, and a group's H·W·C values stay in its core's cache) instead of
// splitting every group's rows across threads (two regions per group).
bool by_group(int64_t G, int64_t n) { return G >= 2 && n > kPar; }

// Elements of a per-channel parameter read with `stride` (0: one scalar for every channel).
int64_t param_extent(int64_t C, int64_t stride) { return strided_extent({C}, {stride}); }

}  // namespace

// batchNorm(heap, xOff, meanOff, varOff, offOff(-1 none), scaleOff(-1 none), yOff, rows, C,
//           eps, [meanStride, varStride, offStride, scaleStride]) : y = (x-m)/sqrt(v+eps)*s + o,
// per channel (last dim); a stride of 0 means the parameter is a scalar.
napi_value BatchNorm(Args &a) {
  int64_t rows = a.i64(7), C = a.i64(8);
  auto st = a.ints(10, 4);
  const float *X = a.f32(1, count_of({rows, C}));
  const float *Mn = a.f32(2, param_extent(C, st[0])), *Vr = a.f32(3, param_extent(C, st[1]));
  const float *Of = a.f32_or_null(4, param_extent(C, st[2])), *Sc = a.f32_or_null(5, param_extent(C, st[3]));
  float *Y = a.f32(6, count_of({rows, C}));
  float eps = static_cast<float>(a.num(9));
  std::vector<float> mul(C), add(C);
  for (int64_t c = 0; c < C; ++c) {
    float inv = 1.f / std::sqrt(Vr[c * st[1]] + eps);
    float s = Sc ? Sc[c * st[3]] : 1.f;
    mul[c] = inv * s;
    add[c] = (Of ? Of[c * st[2]] : 0.f) - Mn[c * st[0]] * inv * s;
  }
  normalise_rows(X, nullptr, Y, rows, C, mul.data(), add.data(), NORM_LINEAR, rows * C > kPar);
  return undef(a.env);
}

// bnGrad(heap, dy, x, mean, var, scale(-1 none), dx, dmean, dvar, dscale, doffset, rows, C, eps,
//        [meanStride, varStride, scaleStride]): all gradients of y = (x-m)*rsqrt(v+eps)*s + o
// with m, v, s, o per channel (last dim), as tfjs's FusedBatchNorm gradient computes them, in
// two passes over x and dy.
napi_value BnGrad(Args &a) {
  int64_t rows = a.i64(11), C = a.i64(12);
  auto st = a.ints(14, 3);
  const int64_t n = count_of({rows, C});
  const float *dy = a.f32(1, n), *X = a.f32(2, n);
  const float *Mn = a.f32(3, param_extent(C, st[0])), *Vr = a.f32(4, param_extent(C, st[1]));
  const float *Sc = a.f32_or_null(5, param_extent(C, st[2]));
  float *dx = a.f32(6, n);
  float *dmean = a.f32_or_null(7, C), *dvar = a.f32_or_null(8, C), *dscale = a.f32_or_null(9, C),
        *doff = a.f32_or_null(10, C);
  float eps = static_cast<float>(a.num(13));
  std::vector<float> m(C), r(C), s(C);
  for (int64_t c = 0; c < C; ++c) {
    m[c] = Mn[c * st[0]];
    r[c] = 1.f / std::sqrt(Vr[c * st[1]] + eps);
    s[c] = Sc ? Sc[c * st[2]] : 1.f;
  }
  std::vector<double> sdy, sdyx;
  channel_sums(rows, C, sdy, sdyx, [&](int64_t row, float *a1, float *a2) {
    const float *g = dy + row * C, *x = X + row * C;
    float *d = dx + row * C;
    for (int64_t c = 0; c < C; ++c) {
      a1[c] += g[c];
      a2[c] += g[c] * (x[c] - m[c]);
      d[c] = g[c] * s[c] * r[c];
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    const double g = sdy[c], gx = sdyx[c];
    if (dmean) dmean[c] = static_cast<float>(-r[c] * s[c] * g);
    if (dvar) dvar[c] = static_cast<float>(-0.5 * r[c] * r[c] * r[c] * s[c] * gx);
    if (dscale) dscale[c] = static_cast<float>(r[c] * gx);
    if (doff) doff[c] = static_cast<float>(g);
  }
  return undef(a.env);
}

// bnTrain(heap, x, scale(-1 none), offset(-1 none), y, mean, var, groups, rows, C, eps
//         [, activation (0 linear, 1 relu), residual(-1 none)]):
// normalisation with the statistics of the data itself, x viewed as [groups, rows, C]: per group
// and channel the mean and biased variance (sums of x − x[g, 0] in double, which keeps
// E[x²] − E[x]² accurate), then y = (x − mean)·rsqrt(var + eps)·scale + offset with scale and
// offset per channel. Batch norm in training is groups = 1 (rows = N·H·W); instance norm is
// groups = N (rows = H·W). Two passes over x instead of tf.moments + the normalisation's five.
// Then y = act(y + residual) when given, in the same pass.
napi_value BnTrain(Args &a) {
  int64_t G = a.i64(7), rows = a.i64(8), C = a.i64(9);
  // Each group's first row is read as the shift of its sums.
  if (rows <= 0 && count_of({G, C}) > 0) throw RangeError("bnTrain: rows must be positive");
  const int64_t n = count_of({G, rows, C});
  const float *Xall = a.f32(1, n), *Sc = a.f32_or_null(2, C), *Of = a.f32_or_null(3, C);
  float *Yall = a.f32(4, n), *Mean = a.f32(5, count_of({G, C})), *Var = a.f32(6, count_of({G, C}));
  float eps = static_cast<float>(a.num(10));
  const int act = a.argc > 11 ? checked_norm_activation(a.i64(11)) : NORM_LINEAR;
  const float *Rall = a.argc > 12 ? a.f32_or_null(12, n) : nullptr;
  // Mean and variance of one group from its sums of x − shift; mul and add normalise it.
  auto stats = [&](int64_t g, const float *shift, const double *s1, const double *s2, float *mul, float *add) {
    for (int64_t c = 0; c < C; ++c) {
      double md = s1[c] / rows, var = std::max(0.0, s2[c] / rows - md * md);
      float m = static_cast<float>(shift[c] + md), v = static_cast<float>(var);
      Mean[g * C + c] = m;
      Var[g * C + c] = v;
      float r = 1.f / std::sqrt(v + eps), k = Sc ? Sc[c] : 1.f;
      mul[c] = r * k;
      add[c] = (Of ? Of[c] : 0.f) - m * r * k;
    }
  };
  if (by_group(G, n)) {
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < G; ++g) {
      const float *X = Xall + g * rows * C;
      float *Y = Yall + g * rows * C;
      std::vector<double> s1(C), s2(C);
      std::vector<float> mul(C), add(C);
      serial_channel_sums(rows, C, s1.data(), s2.data(), [&](int64_t row, float *a1, float *a2) {
        const float *x = X + row * C;
        for (int64_t c = 0; c < C; ++c) {
          float d = x[c] - X[c];
          a1[c] += d;
          a2[c] += d * d;
        }
      });
      stats(g, X, s1.data(), s2.data(), mul.data(), add.data());
      normalise_rows(X, Rall ? Rall + g * rows * C : nullptr, Y, rows, C, mul.data(), add.data(), act, false);
    }
    return undef(a.env);
  }
  std::vector<float> mul(C), add(C);
  std::vector<double> s1, s2;
  for (int64_t g = 0; g < G; ++g) {
    const float *X = Xall + g * rows * C;
    float *Y = Yall + g * rows * C;
    std::vector<float> shift(X, X + C);
    channel_sums(rows, C, s1, s2, [&](int64_t row, float *a1, float *a2) {
      const float *x = X + row * C;
      for (int64_t c = 0; c < C; ++c) {
        float d = x[c] - shift[c];
        a1[c] += d;
        a2[c] += d * d;
      }
    });
    stats(g, shift.data(), s1.data(), s2.data(), mul.data(), add.data());
    normalise_rows(X, Rall ? Rall + g * rows * C : nullptr, Y, rows, C, mul.data(), add.data(), act, rows * C > kPar);
  }
  return undef(a.env);
}

// bnTrainGrad(heap, dy, x, mean, var, scale(-1 none), dmeanIn(-1), dvarIn(-1), dx, dscale,
// doffset, groups, rows, C, eps [, y, activation, dpre(-1 none)]): the gradient of bnTrain
// (with the activation of its forward pass: y is that pass's output, dpre receives the gradient
// before the activation, the residual's) through the statistics too, per group
// in two passes (n = rows):
//   doffset = Σ dy,  dscale = Σ dy·x̂  (both also summed over groups),
//   dx = scale·r/n · (n·dy − Σ dy − x̂·Σ dy·x̂)
//   (+ dmeanIn/n + 2·dvarIn·(x − mean)/n when the mean and variance outputs have gradients),
// with x̂ = (x − mean)·r and r = rsqrt(var + eps).
napi_value BnTrainGrad(Args &a) {
  int64_t G = a.i64(11), rows = a.i64(12), C = a.i64(13);
  const int64_t n = count_of({G, rows, C}), gc = count_of({G, C});
  const float *DYall = a.f32(1, n), *Xall = a.f32(2, n), *MeanAll = a.f32(3, gc), *VarAll = a.f32(4, gc);
  // With an activation: dy through it first (y > 0 where its input was), into dpre (the
  // gradient of the residual, when there is one) or scratch, which the passes below read as dy;
  // per group, just before its passes, when the groups go to the threads (it stays in cache).
  const int act = a.argc > 16 ? checked_norm_activation(a.i64(16)) : NORM_LINEAR;
  const float *Yact = nullptr, *DYin = DYall;
  float *Dpre = nullptr;
  if (act != NORM_LINEAR) {
    Yact = a.f32(15, n);
    Dpre = a.argc > 17 ? a.f32_or_null(17, n) : nullptr;
    static std::vector<float> scratch;
    if (!Dpre) {
      scratch.resize(static_cast<size_t>(n));
      Dpre = scratch.data();
    }
    DYall = Dpre;
  }
  auto through_activation = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) Dpre[i] = blend(Yact[i] > 0.f, DYin[i], 0.f);
  };
  const float *Sc = a.f32_or_null(5, C), *Dm = a.f32_or_null(6, gc), *Dv = a.f32_or_null(7, gc);
  float *DXall = a.f32(8, n), *Dscale = a.f32_or_null(9, C), *Doff = a.f32_or_null(10, C);
  float eps = static_cast<float>(a.num(14));
  std::vector<double> tot_off(C, 0.0), tot_scale(C, 0.0), sdy, sdyx;
  // dx = k1·dy + k2·(x − mean) + k0 per channel, from one group's Σ dy and Σ dy·(x − mean);
  // adds the group's offset and scale gradients to dof and dsc.
  auto coefficients = [&](int64_t g, const double *sg, const double *sgx, double *dof, double *dsc, float *k0,
                          float *k1, float *k2) {
    for (int64_t c = 0; c < C; ++c) {
      double k = Sc ? Sc[c] : 1.0, rc = 1.0 / std::sqrt(static_cast<double>(VarAll[g * C + c]) + eps);
      double of = sg[c], sc = sgx[c] * rc;
      dof[c] += of;
      dsc[c] += sc;
      k1[c] = static_cast<float>(k * rc);
      k2[c] = static_cast<float>(-k * rc * rc * sc / rows + (Dv ? 2.0 * Dv[g * C + c] / rows : 0.0));
      k0[c] = static_cast<float>(-k * rc * of / rows + (Dm ? Dm[g * C + c] / static_cast<double>(rows) : 0.0));
    }
  };
  if (by_group(G, n)) {
    std::vector<double> per_off(static_cast<size_t>(gc), 0.0), per_scale(static_cast<size_t>(gc), 0.0);
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < G; ++g) {
      if (Yact) through_activation(g * rows * C, (g + 1) * rows * C);
      const float *DY = DYall + g * rows * C, *X = Xall + g * rows * C, *Mean = MeanAll + g * C;
      float *DX = DXall + g * rows * C;
      std::vector<double> sg(C), sgx(C);
      std::vector<float> k0(C), k1(C), k2(C);
      serial_channel_sums(rows, C, sg.data(), sgx.data(), [&](int64_t row, float *a1, float *a2) {
        const float *gr = DY + row * C, *x = X + row * C;
        for (int64_t c = 0; c < C; ++c) {
          a1[c] += gr[c];
          a2[c] += gr[c] * (x[c] - Mean[c]);
        }
      });
      coefficients(g, sg.data(), sgx.data(), per_off.data() + g * C, per_scale.data() + g * C, k0.data(), k1.data(), k2.data());
      for (int64_t row = 0; row < rows; ++row) {
        const float *gr = DY + row * C, *x = X + row * C;
        float *d = DX + row * C;
        for (int64_t c = 0; c < C; ++c) d[c] = k1[c] * gr[c] + k2[c] * (x[c] - Mean[c]) + k0[c];
      }
    }
    for (int64_t g = 0; g < G; ++g)
      for (int64_t c = 0; c < C; ++c) { tot_off[c] += per_off[g * C + c]; tot_scale[c] += per_scale[g * C + c]; }
  } else {
    if (Yact) {
#pragma omp parallel for schedule(static) if (n > kPar)
      for (int64_t b = 0; b < (n + kPar - 1) / kPar; ++b) through_activation(b * kPar, std::min(n, (b + 1) * kPar));
    }
    std::vector<float> k0(C), k1(C), k2(C);
    for (int64_t g = 0; g < G; ++g) {
      const float *DY = DYall + g * rows * C, *X = Xall + g * rows * C, *Mean = MeanAll + g * C;
      float *DX = DXall + g * rows * C;
      channel_sums(rows, C, sdy, sdyx, [&](int64_t row, float *a1, float *a2) {
        const float *gr = DY + row * C, *x = X + row * C;
        for (int64_t c = 0; c < C; ++c) {
          a1[c] += gr[c];
          a2[c] += gr[c] * (x[c] - Mean[c]);
        }
      });
      coefficients(g, sdy.data(), sdyx.data(), tot_off.data(), tot_scale.data(), k0.data(), k1.data(), k2.data());
#pragma omp parallel for schedule(static) if (rows * C > kPar)
      for (int64_t row = 0; row < rows; ++row) {
        const float *gr = DY + row * C, *x = X + row * C;
        float *d = DX + row * C;
        for (int64_t c = 0; c < C; ++c) d[c] = k1[c] * gr[c] + k2[c] * (x[c] - Mean[c]) + k0[c];
      }
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    if (Doff) Doff[c] = static_cast<float>(tot_off[c]);
    if (Dscale) Dscale[c] = static_cast<float>(tot_scale[c]);
  }
  return undef(a.env);
}

// inGradGrad(heap, dy, x, mean, var, scale, dvarIn, g, gscale, goffset, ddy, dx, dmean, dvar,
// dscale, ddmean, ddvar, groups, rows, C, eps): the gradient of bnTrainGrad for instance norm
// without activation or residual (lib/backend/fusedOps.ts has the derivation), given g, gscale,
// goffset, the gradients of its dx, dscale and doffset. Per group and channel, with x̂ = (x − mean)·r,
// r = rsqrt(var + eps), k = scale·r, dv = dvarIn, and the row means A = ⟨g⟩, B = ⟨g·x̂⟩,
// a = ⟨dy⟩, b = ⟨dy·x̂⟩, E = ⟨g·dy⟩:
//   ddy = k·(g − A − x̂·B) + gscale·x̂ + goffset
//   dx  = r·(−k·(dy·B + b·g) + gscale·dy) + 2·dv·g/rows
//   dmean = −rows·r·(−k·(a·B + b·A) + gscale·a) − 2·dv·A
//   dvar  = −rows·r²/2·(−2·k·b·B + gscale·b + k·(E − A·a − B·b))
//   dscale = Σ over groups of rows·r·(E − A·a − B·b),  ddmean = A,  ddvar = 2·B/r.
napi_value InGradGrad(Args &a) {
  const int64_t G = a.i64(17), rows = a.i64(18), C = a.i64(19);
  const int64_t n = count_of({G, rows, C}), gc = count_of({G, C});
  const float *DY = a.f32(1, n), *X = a.f32(2, n), *Mean = a.f32(3, gc), *Var = a.f32(4, gc), *Sc = a.f32(5, C);
  const float *Dv = a.f32(6, gc), *Gr = a.f32(7, n), *Gs = a.f32(8, C), *Go = a.f32(9, C);
  float *DDY = a.f32(10, n), *DX = a.f32(11, n), *Dmean = a.f32(12, gc), *Dvar = a.f32(13, gc);
  float *Dscale = a.f32(14, C), *DDmean = a.f32(15, gc), *DDvar = a.f32(16, gc);
  const double eps = a.num(20), R = static_cast<double>(rows);
  std::vector<double> per_scale(static_cast<size_t>(gc), 0.0);
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t grp = 0; grp < G; ++grp) {
    const int64_t base = grp * rows * C;
    std::vector<double> s(static_cast<size_t>(5 * C), 0.0), r(C), k(C), cA(C), cB(C), cb(C);
    for (int64_t c = 0; c < C; ++c) {
      r[c] = 1.0 / std::sqrt(static_cast<double>(Var[grp * C + c]) + eps);
      k[c] = Sc[c] * r[c];
    }
    const float *M = Mean + grp * C;
    for (int64_t row = 0; row < rows; ++row) {
      const float *g = Gr + base + row * C, *dy = DY + base + row * C, *x = X + base + row * C;
      for (int64_t c = 0; c < C; ++c) {
        const double xh = (x[c] - M[c]) * r[c];
        s[c] += g[c];
        s[C + c] += g[c] * xh;
        s[2 * C + c] += dy[c];
        s[3 * C + c] += dy[c] * xh;
        s[4 * C + c] += static_cast<double>(g[c]) * dy[c];
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      const double A = s[c] / R, B = s[C + c] / R, av = s[2 * C + c] / R, b = s[3 * C + c] / R, E = s[4 * C + c] / R;
      const double dv = Dv[grp * C + c], gs = Gs[c], q = E - A * av - B * b;
      Dmean[grp * C + c] = static_cast<float>(-R * r[c] * (-k[c] * (av * B + b * A) + gs * av) - 2.0 * dv * A);
      Dvar[grp * C + c] = static_cast<float>(-R * r[c] * r[c] / 2.0 * (-2.0 * k[c] * b * B + gs * b + k[c] * q));
      per_scale[grp * C + c] = R * r[c] * q;
      DDmean[grp * C + c] = static_cast<float>(A);
      DDvar[grp * C + c] = static_cast<float>(2.0 * B / r[c]);
      cA[c] = A;
      cB[c] = B;
      cb[c] = b;
    }
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t o = base + row * C;
      const float *g = Gr + o, *dy = DY + o, *x = X + o;
      for (int64_t c = 0; c < C; ++c) {
        const double xh = (x[c] - M[c]) * r[c], dv = Dv[grp * C + c];
        DDY[o + c] = static_cast<float>(k[c] * (g[c] - cA[c] - xh * cB[c]) + Gs[c] * xh + Go[c]);
        DX[o + c] = static_cast<float>(r[c] * (-k[c] * (dy[c] * cB[c] + cb[c] * g[c]) + Gs[c] * dy[c]) + 2.0 * dv * g[c] / R);
      }
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    double t = 0.0;
    for (int64_t grp = 0; grp < G; ++grp) t += per_scale[grp * C + c];
    Dscale[c] = static_cast<float>(t);
  }
  return undef(a.env);
}

}  // namespace animegan
