// Native CPU kernels for the workbook's TensorFlow.js "native" backend (issue 5).
//
// Every function works in place on a host-owned ArrayBuffer (the WebAssembly heap of the
// tfjs wasm backend that stores the tensors): JS passes the buffer and byte offsets, so no
// tensor is ever copied between JS and C++. Convolutions and matmuls run on oneDNN, whose
// primitives are created once per shape (weights with format_tag::any so the JIT kernels are
// chosen; plain weight layouts fall back to reference code) and cached. Elementwise work,
// reductions, batch-norm statistics and the Adam update are plain loops parallelised with
// OpenMP (the same thread pool oneDNN uses).
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <omp.h>
#include "oneapi/dnnl/dnnl.hpp"

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

dnnl::engine &eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream &strm() {
  static dnnl::stream s(eng());
  return s;
}

// ---------------------------------------------------------------- N-API helpers
struct Args {
  napi_env env;
  size_t argc = 32;
  napi_value argv[32];
  explicit Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }
  uint8_t *heap(size_t i) const {
    void *data = nullptr;
    size_t len = 0;
    bool isab = false;
    napi_is_arraybuffer(env, argv[i], &isab);
    if (isab) {
      napi_get_arraybuffer_info(env, argv[i], &data, &len);
    } else {
      napi_typedarray_type t;
      size_t n, off;
      napi_value ab;
      napi_get_typedarray_info(env, argv[i], &t, &n, &data, &ab, &off);
    }
    return static_cast<uint8_t *>(data);
  }
  double num(size_t i) const {
    double v = 0;
    napi_get_value_double(env, argv[i], &v);
    return v;
  }
  int64_t i64(size_t i) const { return static_cast<int64_t>(num(i)); }
  // The float array at byte offset argv[i] of `heap`, or nullptr for an offset of -1 (absent input).
  float *f32(uint8_t *heap, size_t i) const {
    int64_t o = i64(i);
    return o < 0 ? nullptr : reinterpret_cast<float *>(heap + o);
  }
  std::vector<int64_t> ints(size_t i) const {
    uint32_t n = 0;
    napi_get_array_length(env, argv[i], &n);
    std::vector<int64_t> out(n);
    for (uint32_t k = 0; k < n; ++k) {
      napi_value e;
      napi_get_element(env, argv[i], k, &e);
      double v;
      napi_get_value_double(env, e, &v);
      out[k] = static_cast<int64_t>(v);
    }
    return out;
  }
  std::string str(size_t i) const {
    char buf[256];
    size_t n = 0;
    napi_get_value_string_utf8(env, argv[i], buf, sizeof buf, &n);
    return std::string(buf, n);
  }
};

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

template <typename F>
napi_value guarded(napi_env env, F &&f) {
  try {
    return f();
  } catch (const dnnl::error &e) {
    napi_throw_error(env, nullptr, (std::string("oneDNN: ") + e.what()).c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

std::string key_of(const char *kind, const std::vector<int64_t> &d) {
  std::string k(kind);
  for (auto v : d) k += "," + std::to_string(v);
  return k;
}

// ---------------------------------------------------------------- convolution
// d = [N,H,W,C, OH,OW,O, KH,KW, sh,sw, dh,dw, pt,pl] (tfjs dilations, 1 = none);
// tensors NHWC, filter HWIO [KH,KW,C,O] as in tfjs.
struct ConvEntry {
  dnnl::convolution_forward::primitive_desc fwd;
  dnnl::convolution_backward_data::primitive_desc bwd_d;
  dnnl::convolution_backward_weights::primitive_desc bwd_w;
  bool has_fwd = false, has_bwd_d = false, has_bwd_w = false;
  memory::desc src, dst, wei_user;
  memory::dims strides, dil, padl, padr;
  std::unique_ptr<dnnl::memory> wei_fwd, wei_bwd_d, dwei;  // blocked weights buffers
  std::string impl[3];
};
std::unordered_map<std::string, std::unique_ptr<ConvEntry>> conv_cache;

ConvEntry &conv_entry(const std::vector<int64_t> &d) {
  std::string k = key_of("conv", d);
  auto it = conv_cache.find(k);
  if (it != conv_cache.end()) return *it->second;
  auto e = std::make_unique<ConvEntry>();
  int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], O = d[6], KH = d[7],
          KW = d[8], sh = d[9], sw = d[10], dh = d[11], dw = d[12], pt = d[13], pl = d[14];
  e->src = memory::desc({N, C, H, W}, dt::f32, tag::nhwc);
  e->dst = memory::desc({N, O, OH, OW}, dt::f32, tag::nhwc);
  e->wei_user = memory::desc({O, C, KH, KW}, dt::f32, tag::hwio);
  e->strides = {sh, sw};
  e->dil = {dh - 1, dw - 1};
  e->padl = {pt, pl};
  // Right padding that makes the output size consistent (may be negative for 'valid'
  // convolutions whose stride does not divide the input).
  e->padr = {(OH - 1) * sh + (KH - 1) * dh + 1 - H - pt, (OW - 1) * sw + (KW - 1) * dw + 1 - W - pl};
  auto &ref = *e;
  conv_cache.emplace(k, std::move(e));
  return ref;
}

void ensure_fwd(ConvEntry &e) {
  if (e.has_fwd) return;
  memory::desc wany(e.wei_user.dims(), dt::f32, tag::any);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                    e.src, wany, e.dst, e.strides, e.dil, e.padl, e.padr);
  e.fwd = dnnl::convolution_forward::primitive_desc(d, eng());
  e.has_fwd = true;
  e.impl[0] = e.fwd.impl_info_str();
  if (std::getenv("ANIME_GAN_NATIVE_VERBOSE")) fprintf(stderr, "conv fwd %s\n", e.impl[0].c_str());
}

// A convolution whose window covers the whole (unpadded) input and gives a 1×1 output is a
// matrix product over the flattened window K = KH·KW·C: DCGAN's first generator layer (1×1 →
// 4×4 transposed) and its last discriminator layer (4×4 → 1×1). oneDNN's convolution kernels
// run these at a few GFLOP/s; its sgemm at full speed. NHWC and HWIO flatten to the same K order.
bool full_window(const std::vector<int64_t> &d) {
  return d[4] == 1 && d[5] == 1 && d[1] == d[7] && d[2] == d[8] && d[11] == 1 && d[12] == 1 && d[13] == 0 &&
         d[14] == 0;
}

void conv_as_gemm(int mode, float *x, float *w, float *y, const std::vector<int64_t> &d) {
  const int64_t N = d[0], O = d[6], K = d[7] * d[8] * d[3];
  dnnl_status_t st;
  if (mode == 0)  // y[N,O] = x[N,K] · w[K,O]
    st = dnnl_sgemm('N', 'N', N, O, K, 1.f, x, K, w, O, 0.f, y, O);
  else if (mode == 1)  // dx[N,K] = dy[N,O] · w[K,O]ᵀ   (x = dx, y = dy)
    st = dnnl_sgemm('N', 'T', N, K, O, 1.f, y, O, w, O, 0.f, x, K);
  else  // dw[K,O] = x[N,K]ᵀ · dy[N,O]   (w = dw)
    st = dnnl_sgemm('T', 'N', K, O, N, 1.f, x, K, y, O, 0.f, w, O);
  if (st != dnnl_success) throw std::runtime_error("dnnl_sgemm failed (status " + std::to_string(st) + ")");
}

// Convolutions with a small output map (DCGAN's 8×8 → 4×4 layer, 256 → 512 channels) run on
// oneDNN's brgconv at about half its usual speed: its blocks run along the output pixels, and
// 16 per image are too few. Unfolding the windows (im2col: K = KH·KW·C values per output pixel)
// and one sgemm of [N·OH·OW, K] × [K, O] is 1.5× faster for the forward pass and the filter
// gradient (measured in-process on this machine: 11 vs 16 ms and 12 vs 14 ms at batch 64).
constexpr int64_t kSmallOutputMap = 16;
std::vector<float> im2col_buf;

bool small_output_map(const std::vector<int64_t> &d) { return d[4] * d[5] <= kSmallOutputMap; }

// col[r, (ky, kx, c)] = x[n, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw, c] (0 outside), r = (n, oy, ox);
// the column order is that of tfjs's HWIO filter flattened to [K, O].
const float *im2col(const float *x, const std::vector<int64_t> &d) {
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], KH = d[7], KW = d[8], sh = d[9],
                sw = d[10], dh = d[11], dw = d[12], pt = d[13], pl = d[14];
  const int64_t K = KH * KW * C, rows = N * OH * OW;
  if (static_cast<int64_t>(im2col_buf.size()) < rows * K) im2col_buf.resize(static_cast<size_t>(rows * K));
  float *col = im2col_buf.data();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r / (OH * OW), oy = (r / OW) % OH, ox = r % OW;
    float *dst = col + r * K;
    for (int64_t ky = 0; ky < KH; ++ky) {
      const int64_t iy = oy * sh - pt + ky * dh;
      for (int64_t kx = 0; kx < KW; ++kx, dst += C) {
        const int64_t ix = ox * sw - pl + kx * dw;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
          std::memset(dst, 0, sizeof(float) * C);
        else
          std::memcpy(dst, x + ((n * H + iy) * W + ix) * C, sizeof(float) * C);
      }
    }
  }
  return col;
}

void conv_im2col(int mode, const float *x, float *w, float *y, const std::vector<int64_t> &d) {
  const int64_t O = d[6], K = d[7] * d[8] * d[3], rows = d[0] * d[4] * d[5];
  const float *col = im2col(x, d);
  dnnl_status_t st = mode == 0 ? dnnl_sgemm('N', 'N', rows, O, K, 1.f, col, K, w, O, 0.f, y, O)   // y = col · w
                               : dnnl_sgemm('T', 'N', K, O, rows, 1.f, col, K, y, O, 0.f, w, O);  // dw = colᵀ · dy
  if (st != dnnl_success) throw std::runtime_error("dnnl_sgemm failed (status " + std::to_string(st) + ")");
}

void conv_run(int mode, uint8_t *heap, int64_t xo, int64_t wo, int64_t yo, const std::vector<int64_t> &d) {
  if (full_window(d)) {
    conv_as_gemm(mode, reinterpret_cast<float *>(heap + xo), reinterpret_cast<float *>(heap + wo),
                 reinterpret_cast<float *>(heap + yo), d);
    return;
  }
  if (mode != 1 && small_output_map(d)) {
    conv_im2col(mode, reinterpret_cast<float *>(heap + xo), reinterpret_cast<float *>(heap + wo),
                reinterpret_cast<float *>(heap + yo), d);
    return;
  }
  ConvEntry &e = conv_entry(d);
  ensure_fwd(e);
  float *x = reinterpret_cast<float *>(heap + xo);
  float *w = reinterpret_cast<float *>(heap + wo);
  float *y = reinterpret_cast<float *>(heap + yo);
  memory wuser(e.wei_user, eng(), w);
  if (mode == 0) {
    memory::desc wd = e.fwd.weights_desc();
    memory *wm = &wuser;
    if (wd != e.wei_user) {
      if (!e.wei_fwd) e.wei_fwd = std::make_unique<memory>(wd, eng());
      dnnl::reorder(wuser, *e.wei_fwd).execute(strm(), wuser, *e.wei_fwd);
      wm = e.wei_fwd.get();
    }
    memory xs(e.src, eng(), x), ys(e.dst, eng(), y);
    dnnl::convolution_forward(e.fwd).execute(
        strm(), {{DNNL_ARG_SRC, xs}, {DNNL_ARG_WEIGHTS, *wm}, {DNNL_ARG_DST, ys}});
  } else if (mode == 1) {  // y = dy, x = dx
    if (!e.has_bwd_d) {
      memory::desc wany(e.wei_user.dims(), dt::f32, tag::any);
      dnnl::convolution_backward_data::desc bd(dnnl::algorithm::convolution_direct, e.src, wany, e.dst, e.strides,
                                               e.dil, e.padl, e.padr);
      e.bwd_d = dnnl::convolution_backward_data::primitive_desc(bd, eng(), e.fwd);
      e.has_bwd_d = true;
      e.impl[1] = e.bwd_d.impl_info_str();
      if (std::getenv("ANIME_GAN_NATIVE_VERBOSE")) fprintf(stderr, "conv bwd_d %s\n", e.impl[1].c_str());
    }
    memory::desc wd = e.bwd_d.weights_desc();
    memory *wm = &wuser;
    if (wd != e.wei_user) {
      if (!e.wei_bwd_d) e.wei_bwd_d = std::make_unique<memory>(wd, eng());
      dnnl::reorder(wuser, *e.wei_bwd_d).execute(strm(), wuser, *e.wei_bwd_d);
      wm = e.wei_bwd_d.get();
    }
    memory dxs(e.src, eng(), x), dys(e.dst, eng(), y);
    dnnl::convolution_backward_data(e.bwd_d).execute(
        strm(), {{DNNL_ARG_DIFF_SRC, dxs}, {DNNL_ARG_WEIGHTS, *wm}, {DNNL_ARG_DIFF_DST, dys}});
  } else {  // x = src, y = dy, w = dW (output)
    if (!e.has_bwd_w) {
      memory::desc wany(e.wei_user.dims(), dt::f32, tag::any);
      dnnl::convolution_backward_weights::desc bd(dnnl::algorithm::convolution_direct, e.src, wany, e.dst,
                                                  e.strides, e.dil, e.padl, e.padr);
      e.bwd_w = dnnl::convolution_backward_weights::primitive_desc(bd, eng(), e.fwd);
      e.has_bwd_w = true;
      e.impl[2] = e.bwd_w.impl_info_str();
      if (std::getenv("ANIME_GAN_NATIVE_VERBOSE")) fprintf(stderr, "conv bwd_w %s\n", e.impl[2].c_str());
    }
    memory::desc wd = e.bwd_w.diff_weights_desc();
    memory xs(e.src, eng(), x), dys(e.dst, eng(), y);
    if (wd != e.wei_user) {
      if (!e.dwei) e.dwei = std::make_unique<memory>(wd, eng());
      dnnl::convolution_backward_weights(e.bwd_w).execute(
          strm(), {{DNNL_ARG_SRC, xs}, {DNNL_ARG_DIFF_WEIGHTS, *e.dwei}, {DNNL_ARG_DIFF_DST, dys}});
      dnnl::reorder(*e.dwei, wuser).execute(strm(), *e.dwei, wuser);
    } else {
      dnnl::convolution_backward_weights(e.bwd_w).execute(
          strm(), {{DNNL_ARG_SRC, xs}, {DNNL_ARG_DIFF_WEIGHTS, wuser}, {DNNL_ARG_DIFF_DST, dys}});
    }
  }
  strm().wait();
}

// conv(heap, mode, xOff, wOff, yOff, dims)
napi_value Conv(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&]() {
    conv_run(static_cast<int>(a.num(1)), a.heap(0), a.i64(2), a.i64(3), a.i64(4), a.ints(5));
    return undef(env);
  });
}

// convImpl(dims) -> [fwd, bwdData, bwdWeights] implementation names (for diagnostics).
napi_value ConvImpl(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&]() {
    ConvEntry &e = conv_entry(a.ints(0));
    napi_value arr;
    napi_create_array(env, &arr);
    for (int i = 0; i < 3; ++i) {
      napi_value s;
      napi_create_string_utf8(env, e.impl[i].c_str(), e.impl[i].size(), &s);
      napi_set_element(env, arr, i, s);
    }
    return arr;
  });
}

// ---------------------------------------------------------------- matmul
// matmul(heap, aOff, bOff, cOff, [batchA, batchB, M, N, K, transA, transB])
// a: [batchA, M, K] (or [batchA, K, M] if transA), b: [batchB, K, N] (or [.., N, K]);
// batch dims broadcast when one of them is 1.
struct MatmulEntry {
  dnnl::matmul::primitive_desc pd;
  memory::desc a, b, c;
};
std::unordered_map<std::string, std::unique_ptr<MatmulEntry>> mm_cache;

napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&]() {
    uint8_t *heap = a.heap(0);
    auto d = a.ints(4);
    std::string k = key_of("mm", d);
    auto it = mm_cache.find(k);
    if (it == mm_cache.end()) {
      int64_t BA = d[0], BB = d[1], M = d[2], N = d[3], K = d[4];
      bool ta = d[5] != 0, tb = d[6] != 0;
      auto e = std::make_unique<MatmulEntry>();
      e->a = memory::desc({BA, M, K}, dt::f32, ta ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
      e->b = memory::desc({BB, K, N}, dt::f32, tb ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
      e->c = memory::desc({std::max(BA, BB), M, N}, dt::f32, tag::abc);
      dnnl::matmul::desc md(e->a, e->b, e->c);
      e->pd = dnnl::matmul::primitive_desc(md, eng());
      it = mm_cache.emplace(k, std::move(e)).first;
    }
    MatmulEntry &e = *it->second;
    memory am(e.a, eng(), heap + a.i64(1)), bm(e.b, eng(), heap + a.i64(2)), cm(e.c, eng(), heap + a.i64(3));
    dnnl::matmul(e.pd).execute(strm(), {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    strm().wait();
    return undef(env);
  });
}

// ---------------------------------------------------------------- elementwise
constexpr int64_t kPar = 1 << 15;  // below this many elements threads cost more than they save

enum Unary {
  U_RELU, U_LEAKY, U_TANH, U_SIGMOID, U_SQUARE, U_SQRT, U_RSQRT, U_NEG, U_EXP, U_LOG, U_ABS, U_STEP,
  U_SOFTPLUS, U_RECIP, U_ELU, U_RELU6, U_LOG1P, U_IDENT, U_SIGN
};

// Branch-free select (signs of activations are random, so branches mispredict half the time).
inline float blend(bool c, float a, float b) {
  uint32_t ua, ub;
  std::memcpy(&ua, &a, 4);
  std::memcpy(&ub, &b, 4);
  uint32_t m = 0u - static_cast<uint32_t>(c);
  uint32_t r = (ua & m) | (ub & ~m);
  float f;
  std::memcpy(&f, &r, 4);
  return f;
}

template <typename F>
void par_map(int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; ++i) f(i);
}

// unary(heap, op, xOff, yOff, n, alpha)
napi_value UnaryOp(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  int op = static_cast<int>(a.num(1));
  const float *x = a.f32(heap, 2);
  float *y = a.f32(heap, 3);
  int64_t n = a.i64(4);
  float al = static_cast<float>(a.num(5));
  switch (op) {
    case U_RELU: par_map(n, [&](int64_t i) { y[i] = x[i] > 0 ? x[i] : 0.f; }); break;
    case U_LEAKY: par_map(n, [&](int64_t i) { y[i] = std::max(x[i], 0.f) + al * std::min(x[i], 0.f); }); break;
    case U_TANH: par_map(n, [&](int64_t i) { y[i] = std::tanh(x[i]); }); break;
    case U_SIGMOID: par_map(n, [&](int64_t i) { y[i] = 1.f / (1.f + std::exp(-x[i])); }); break;
    case U_SQUARE: par_map(n, [&](int64_t i) { y[i] = x[i] * x[i]; }); break;
    case U_SQRT: par_map(n, [&](int64_t i) { y[i] = std::sqrt(x[i]); }); break;
    case U_RSQRT: par_map(n, [&](int64_t i) { y[i] = 1.f / std::sqrt(x[i]); }); break;
    case U_NEG: par_map(n, [&](int64_t i) { y[i] = -x[i]; }); break;
    case U_EXP: par_map(n, [&](int64_t i) { y[i] = std::exp(x[i]); }); break;
    case U_LOG: par_map(n, [&](int64_t i) { y[i] = std::log(x[i]); }); break;
    case U_ABS: par_map(n, [&](int64_t i) { y[i] = std::fabs(x[i]); }); break;
    case U_STEP: par_map(n, [&](int64_t i) { y[i] = x[i] != x[i] ? x[i] : blend(x[i] > 0, 1.f, al); }); break;
    case U_SOFTPLUS:
      par_map(n, [&](int64_t i) {
        // Same thresholds as tfjs so results agree to float rounding.
        const float th = std::log(1.1920928955078125e-7f) + 2.f;
        float v = x[i];
        y[i] = v > -th ? v : (v < th ? std::exp(v) : std::log1p(std::exp(v)));
      });
      break;
    case U_RECIP: par_map(n, [&](int64_t i) { y[i] = 1.f / x[i]; }); break;
    case U_ELU: par_map(n, [&](int64_t i) { y[i] = x[i] >= 0 ? x[i] : std::expm1(x[i]); }); break;
    case U_RELU6: par_map(n, [&](int64_t i) { y[i] = std::min(std::max(x[i], 0.f), 6.f); }); break;
    case U_LOG1P: par_map(n, [&](int64_t i) { y[i] = std::log1p(x[i]); }); break;
    case U_IDENT: par_map(n, [&](int64_t i) { y[i] = x[i]; }); break;
    case U_SIGN: par_map(n, [&](int64_t i) { y[i] = x[i] > 0 ? 1.f : (x[i] < 0 ? -1.f : 0.f); }); break;
    default: napi_throw_error(env, nullptr, "unknown unary op"); return nullptr;
  }
  return undef(env);
}

enum Binary { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_SQDIFF, B_POW, B_GT, B_GE, B_LT, B_LE, B_EQ, B_NE };

template <int OP>
inline float bop(float a, float b) {
  if constexpr (OP == B_ADD) return a + b;
  if constexpr (OP == B_SUB) return a - b;
  if constexpr (OP == B_MUL) return a * b;
  if constexpr (OP == B_DIV) return a / b;
  if constexpr (OP == B_MAX) return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  if constexpr (OP == B_MIN) return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  if constexpr (OP == B_SQDIFF) return (a - b) * (a - b);
  if constexpr (OP == B_POW) return std::pow(a, b);
  return 0.f;
}
template <int OP>
inline uint8_t cop(float a, float b) {
  if constexpr (OP == B_GT) return a > b;
  if constexpr (OP == B_GE) return a >= b;
  if constexpr (OP == B_LT) return a < b;
  if constexpr (OP == B_LE) return a <= b;
  if constexpr (OP == B_EQ) return a == b;
  if constexpr (OP == B_NE) return a != b;
  return 0;
}

// Broadcast binary op on up to 6 dims. sa/sb are element strides of a and b in the output
// index space (0 on broadcast dims); the innermost output dim is handled with a tight loop.
template <int OP, typename TO>
void binary_kernel(const float *A, const float *B, TO *Y, const std::vector<int64_t> &shape,
                   const std::vector<int64_t> &sa, const std::vector<int64_t> &sb) {
  int r = static_cast<int>(shape.size());
  int64_t inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= shape[i];
  auto f = [](float x, float y) -> TO {
    if constexpr (std::is_same<TO, float>::value) return bop<OP>(x, y); else return cop<OP>(x, y);
  };
  if (rows == 1) {
    par_map(inner, [&](int64_t j) { Y[j] = f(A[j * ia], B[j * ib]); });
    return;
  }
#pragma omp parallel for schedule(static) if (rows * inner > kPar)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, oa = 0, ob = 0;
    for (int i = r - 2; i >= 0; --i) {
      int64_t c = rem % shape[i];
      rem /= shape[i];
      oa += c * sa[i];
      ob += c * sb[i];
    }
    const float *a = A + oa;
    const float *b = B + ob;
    TO *y = Y + row * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t j = 0; j < inner; ++j) y[j] = f(a[j], b[j]);
    } else if (ia == 1 && ib == 0) {
      float bv = b[0];
      for (int64_t j = 0; j < inner; ++j) y[j] = f(a[j], bv);
    } else if (ia == 0 && ib == 1) {
      float av = a[0];
      for (int64_t j = 0; j < inner; ++j) y[j] = f(av, b[j]);
    } else {
      for (int64_t j = 0; j < inner; ++j) y[j] = f(a[j * ia], b[j * ib]);
    }
  }
}

// binary(heap, op, aOff, bOff, yOff, outShape, aStrides, bStrides)
napi_value BinaryOp(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  int op = static_cast<int>(a.num(1));
  const float *A = a.f32(heap, 2);
  const float *B = a.f32(heap, 3);
  uint8_t *Y = heap + a.i64(4);
  auto shape = a.ints(5), sa = a.ints(6), sb = a.ints(7);
  float *Yf = reinterpret_cast<float *>(Y);
  switch (op) {
#define F(OPC) case OPC: binary_kernel<OPC, float>(A, B, Yf, shape, sa, sb); break;
    F(B_ADD) F(B_SUB) F(B_MUL) F(B_DIV) F(B_MAX) F(B_MIN) F(B_SQDIFF) F(B_POW)
#undef F
#define C(OPC) case OPC: binary_kernel<OPC, uint8_t>(A, B, Y, shape, sa, sb); break;
    C(B_GT) C(B_GE) C(B_LT) C(B_LE) C(B_EQ) C(B_NE)
#undef C
    default: napi_throw_error(env, nullptr, "unknown binary op"); return nullptr;
  }
  return undef(env);
}

// bcastScale(heap, xOff, yOff, outShape, xStrides, scale): y = broadcast(x) * scale
// (the gradient of Sum and Mean in one pass instead of ones() * dy / n).
napi_value BcastScale(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  const float *X = a.f32(heap, 1);
  float *Y = a.f32(heap, 2);
  auto shape = a.ints(3), sx = a.ints(4);
  float scale = static_cast<float>(a.num(5));
  std::vector<int64_t> zero(shape.size(), 0);
  binary_kernel<B_MUL, float>(X, &scale, Y, shape, sx, zero);
  return undef(env);
}

// eltGrad(heap, op, dyOff, xOff, dxOff, n, alpha): fused gradients of pointwise ops.
// op 0 relu: x>0 ? dy : 0; 1 leaky relu: x>0 ? dy : alpha*dy; 2 tanh (x = y): dy*(1-y^2);
// 3 square: 2*x*dy; 4 sigmoid (x = y): dy*y*(1-y).
napi_value EltGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  int op = static_cast<int>(a.num(1));
  const float *dy = a.f32(heap, 2);
  const float *x = a.f32(heap, 3);
  float *dx = a.f32(heap, 4);
  int64_t n = a.i64(5);
  float al = static_cast<float>(a.num(6));
  switch (op) {
    case 0: par_map(n, [&](int64_t i) { dx[i] = dy[i] * static_cast<float>(x[i] > 0); }); break;
    case 1:
      par_map(n, [&](int64_t i) {
        dx[i] = blend(x[i] > 0, dy[i], al * dy[i]);
      });
      break;
    case 2: par_map(n, [&](int64_t i) { dx[i] = (1.f - x[i] * x[i]) * dy[i]; }); break;
    case 3: par_map(n, [&](int64_t i) { dx[i] = dy[i] * (x[i] * 2.f); }); break;
    case 4: par_map(n, [&](int64_t i) { dx[i] = dy[i] * x[i] * (1.f - x[i]); }); break;
    default: napi_throw_error(env, nullptr, "unknown gradient op"); return nullptr;
  }
  return undef(env);
}

// y[r, c] = x[r, c]·mul[c] + add[c] over the rows of a [rows, C] array (every normalisation's last pass).
void scale_shift_rows(const float *X, float *Y, int64_t rows, int64_t C, const float *mul, const float *add) {
#pragma omp parallel for schedule(static) if (rows * C > kPar)
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = X + r * C;
    float *y = Y + r * C;
    for (int64_t c = 0; c < C; ++c) y[c] = x[c] * mul[c] + add[c];
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

// bnGrad(heap, dy, x, mean, var, scale(-1 none), dx, dmean, dvar, dscale, doffset, rows, C, eps,
//        [meanStride, varStride, scaleStride]): all gradients of y = (x-m)*rsqrt(v+eps)*s + o
// with m, v, s, o per channel (last dim), as tfjs's FusedBatchNorm gradient computes them, in
// two passes over x and dy.
napi_value BnGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto P = [&](size_t i) { return a.f32(heap, i); };
  const float *dy = P(1), *X = P(2), *Mn = P(3), *Vr = P(4), *Sc = P(5);
  float *dx = P(6), *dmean = P(7), *dvar = P(8), *dscale = P(9), *doff = P(10);
  int64_t rows = a.i64(11), C = a.i64(12);
  float eps = static_cast<float>(a.num(13));
  auto st = a.ints(14);
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
  return undef(env);
}

// bnTrain(heap, x, scale(-1 none), offset(-1 none), y, mean, var, groups, rows, C, eps):
// normalisation with the statistics of the data itself, x viewed as [groups, rows, C]: per group
// and channel the mean and biased variance (sums of x − x[g, 0] in double, which keeps
// E[x²] − E[x]² accurate), then y = (x − mean)·rsqrt(var + eps)·scale + offset with scale and
// offset per channel. Batch norm in training is groups = 1 (rows = N·H·W); instance norm is
// groups = N (rows = H·W). Two passes over x instead of tf.moments + the normalisation's five.
napi_value BnTrain(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto P = [&](size_t i) { return a.f32(heap, i); };
  const float *Xall = P(1), *Sc = P(2), *Of = P(3);
  float *Yall = P(4), *Mean = P(5), *Var = P(6);
  int64_t G = a.i64(7), rows = a.i64(8), C = a.i64(9);
  float eps = static_cast<float>(a.num(10));
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
    for (int64_t c = 0; c < C; ++c) {
      double md = s1[c] / rows, var = std::max(0.0, s2[c] / rows - md * md);
      float m = static_cast<float>(shift[c] + md), v = static_cast<float>(var);
      Mean[g * C + c] = m;
      Var[g * C + c] = v;
      float r = 1.f / std::sqrt(v + eps), k = Sc ? Sc[c] : 1.f;
      mul[c] = r * k;
      add[c] = (Of ? Of[c] : 0.f) - m * r * k;
    }
    scale_shift_rows(X, Y, rows, C, mul.data(), add.data());
  }
  return undef(env);
}

// bnTrainGrad(heap, dy, x, mean, var, scale(-1 none), dmeanIn(-1), dvarIn(-1), dx, dscale,
// doffset, groups, rows, C, eps): the gradient of bnTrain through the statistics too, per group
// in two passes (n = rows):
//   doffset = Σ dy,  dscale = Σ dy·x̂  (both also summed over groups),
//   dx = scale·r/n · (n·dy − Σ dy − x̂·Σ dy·x̂)
//   (+ dmeanIn/n + 2·dvarIn·(x − mean)/n when the mean and variance outputs have gradients),
// with x̂ = (x − mean)·r and r = rsqrt(var + eps).
napi_value BnTrainGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto P = [&](size_t i) { return a.f32(heap, i); };
  const float *DYall = P(1), *Xall = P(2), *MeanAll = P(3), *VarAll = P(4), *Sc = P(5), *Dm = P(6), *Dv = P(7);
  float *DXall = P(8), *Dscale = P(9), *Doff = P(10);
  int64_t G = a.i64(11), rows = a.i64(12), C = a.i64(13);
  float eps = static_cast<float>(a.num(14));
  std::vector<double> tot_off(C, 0.0), tot_scale(C, 0.0), sdy, sdyx;
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
    // dx = k1·dy + k2·(x − mean) + k0 per channel.
    for (int64_t c = 0; c < C; ++c) {
      double k = Sc ? Sc[c] : 1.0, rc = 1.0 / std::sqrt(static_cast<double>(VarAll[g * C + c]) + eps);
      double dof = sdy[c], dsc = sdyx[c] * rc;
      tot_off[c] += dof;
      tot_scale[c] += dsc;
      k1[c] = static_cast<float>(k * rc);
      k2[c] = static_cast<float>(-k * rc * rc * dsc / rows + (Dv ? 2.0 * Dv[g * C + c] / rows : 0.0));
      k0[c] = static_cast<float>(-k * rc * dof / rows + (Dm ? Dm[g * C + c] / static_cast<double>(rows) : 0.0));
    }
#pragma omp parallel for schedule(static) if (rows * C > kPar)
    for (int64_t row = 0; row < rows; ++row) {
      const float *gr = DY + row * C, *x = X + row * C;
      float *d = DX + row * C;
      for (int64_t c = 0; c < C; ++c) d[c] = k1[c] * gr[c] + k2[c] * (x[c] - Mean[c]) + k0[c];
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    if (Doff) Doff[c] = static_cast<float>(tot_off[c]);
    if (Dscale) Dscale[c] = static_cast<float>(tot_scale[c]);
  }
  return undef(env);
}

// adam(heap, g, m, v, w, accBeta1, accBeta2, mOut, vOut, wOut, n, lr, beta1, beta2, eps): one
// Adam step for one variable in one pass, as tfjs's AdamOptimizer computes it in eleven ops:
//   m' = β1·m + (1−β1)·g,  v' = β2·v + (1−β2)·g²,
//   w' = w − lr · (m'/(1−β1ᵗ)) / (sqrt(v'/(1−β2ᵗ)) + eps).
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto P = [&](size_t i) { return reinterpret_cast<float *>(heap + a.i64(i)); };
  const float *G = P(1), *M = P(2), *V = P(3), *W = P(4);
  float c1 = 1.f - *P(5), c2 = 1.f - *P(6);
  float *Mo = P(7), *Vo = P(8), *Wo = P(9);
  int64_t n = a.i64(10);
  float lr = static_cast<float>(a.num(11)), b1 = static_cast<float>(a.num(12)), b2 = static_cast<float>(a.num(13)),
        eps = static_cast<float>(a.num(14));
  float ob1 = static_cast<float>(1.0 - a.num(12)), ob2 = static_cast<float>(1.0 - a.num(13));
  par_map(n, [&](int64_t i) {
    float g = G[i], m = M[i] * b1 + g * ob1, v = V[i] * b2 + (g * g) * ob2;
    Mo[i] = m;
    Vo[i] = v;
    Wo[i] = W[i] - lr * ((m / c1) / (std::sqrt(v / c2) + eps));
  });
  return undef(env);
}

// maxPoolGrad(heap, dy, x, y, dx, [N,H,W,C, OH,OW, FH,FW, SH,SW, padTop,padLeft]): each dy goes
// to the first tap of its window (row-major scan, as tfjs's CPU backend picks) whose input equals
// the window's maximum y; taps in the padding are skipped. Windows overlap only within an image,
// so images run in parallel.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  const float *DY = a.f32(heap, 1);
  const float *X = a.f32(heap, 2);
  const float *Y = a.f32(heap, 3);
  float *DX = a.f32(heap, 4);
  auto d = a.ints(5);
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], FH = d[6], FW = d[7], SH = d[8],
                SW = d[9], PT = d[10], PL = d[11];
  std::memset(DX, 0, sizeof(float) * static_cast<size_t>(N * H * W * C));
#pragma omp parallel for schedule(static) if (N * OH * OW * C > kPar)
  for (int64_t n = 0; n < N; ++n) {
    std::vector<uint8_t> found(static_cast<size_t>(C));
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const int64_t o = ((n * OH + oy) * OW + ox) * C;
        std::fill(found.begin(), found.end(), 0);
        for (int64_t fy = 0; fy < FH; ++fy) {
          const int64_t iy = oy * SH - PT + fy;
          if (iy < 0 || iy >= H) continue;
          for (int64_t fx = 0; fx < FW; ++fx) {
            const int64_t ix = ox * SW - PL + fx;
            if (ix < 0 || ix >= W) continue;
            const int64_t i = ((n * H + iy) * W + ix) * C;
            for (int64_t c = 0; c < C; ++c)
              if (!found[c] && X[i + c] == Y[o + c]) {
                found[c] = 1;
                DX[i + c] += DY[o + c];
              }
          }
        }
      }
  }
  return undef(env);
}

// pool(heap, op (0 max, 1 avg), x, y, [N,H,W,C, OH,OW, FH,FW, SH,SW, padTop,padLeft]): max or
// average over the window's taps inside the image (the average divides by their count, as
// TensorFlow's AvgPool does with padding).
napi_value Pool(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  const int op = static_cast<int>(a.num(1));
  const float *X = a.f32(heap, 2);
  float *Y = a.f32(heap, 3);
  auto d = a.ints(4);
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], FH = d[6], FW = d[7], SH = d[8],
                SW = d[9], PT = d[10], PL = d[11];
#pragma omp parallel for schedule(static) if (N * OH * OW * C > kPar)
  for (int64_t r = 0; r < N * OH; ++r) {
    const int64_t n = r / OH, oy = r % OH;
    const int64_t y0 = std::max<int64_t>(0, oy * SH - PT), y1 = std::min<int64_t>(H, oy * SH - PT + FH);
    for (int64_t ox = 0; ox < OW; ++ox) {
      const int64_t x0 = std::max<int64_t>(0, ox * SW - PL), x1 = std::min<int64_t>(W, ox * SW - PL + FW);
      float *y = Y + ((n * OH + oy) * OW + ox) * C;
      for (int64_t c = 0; c < C; ++c) y[c] = op == 0 ? -INFINITY : 0.f;
      for (int64_t iy = y0; iy < y1; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix) {
          const float *x = X + ((n * H + iy) * W + ix) * C;
          if (op == 0)
            for (int64_t c = 0; c < C; ++c) y[c] = std::max(y[c], x[c]);
          else
            for (int64_t c = 0; c < C; ++c) y[c] += x[c];
        }
      if (op == 1) {
        const float inv = 1.f / static_cast<float>(std::max<int64_t>(1, (y1 - y0) * (x1 - x0)));
        for (int64_t c = 0; c < C; ++c) y[c] *= inv;
      }
    }
  }
  return undef(env);
}

// concat(heap, [xOffs...], [innerBytes...], yOff, outer): inputs viewed as [outer, inner_i]
// (in bytes), output [outer, Σ inner_i]; a concat along any axis of row-major tensors.
napi_value Concat(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto xs = a.ints(1), inner = a.ints(2);
  uint8_t *Y = heap + a.i64(3);
  const int64_t outer = a.i64(4);
  int64_t row = 0;
  for (auto b : inner) row += b;
#pragma omp parallel for schedule(static) if (outer * row > 4 * kPar)
  for (int64_t o = 0; o < outer; ++o) {
    uint8_t *dst = Y + o * row;
    for (size_t i = 0; i < xs.size(); ++i) {
      std::memcpy(dst, heap + xs[i] + o * inner[i], static_cast<size_t>(inner[i]));
      dst += inner[i];
    }
  }
  return undef(env);
}

// select(heap, condOff (uint8), aOff, bOff, yOff, outShape, cStrides, aStrides, bStrides)
napi_value Select(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  const uint8_t *Cd = heap + a.i64(1);
  const float *A = a.f32(heap, 2);
  const float *B = a.f32(heap, 3);
  float *Y = a.f32(heap, 4);
  auto shape = a.ints(5), sc = a.ints(6), sa = a.ints(7), sb = a.ints(8);
  int r = static_cast<int>(shape.size());
  int64_t n = 1;
  for (auto s : shape) n *= s;
  if (r == 1 && sc[0] == 1 && sa[0] == 1 && sb[0] == 1) {
    par_map(n, [&](int64_t i) { Y[i] = blend(Cd[i] != 0, A[i], B[i]); });
    return undef(env);
  }
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, oc = 0, oa = 0, ob = 0;
    for (int k = r - 1; k >= 0; --k) {
      int64_t c = rem % shape[k];
      rem /= shape[k];
      oc += c * sc[k];
      oa += c * sa[k];
      ob += c * sb[k];
    }
    Y[i] = Cd[oc] ? A[oa] : B[ob];
  }
  return undef(env);
}

// reduce(heap, op, xOff, yOff, outer, red, inner): x viewed as [outer, red, inner] -> y [outer, inner].
// op 0 sum, 1 mean, 2 max, 3 min. Accumulates in double for sums so large reductions stay exact.
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  int op = static_cast<int>(a.num(1));
  const float *X = a.f32(heap, 2);
  float *Y = a.f32(heap, 3);
  int64_t outer = a.i64(4), red = a.i64(5), inner = a.i64(6);
  int64_t total = outer * red * inner;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (total > kPar && outer > 1)
    for (int64_t o = 0; o < outer; ++o) {
      const float *x = X + o * red;
      if (op <= 1) {
        double s = 0;
        for (int64_t r = 0; r < red; ++r) s += x[r];
        Y[o] = static_cast<float>(op == 1 ? s / red : s);
      } else {
        float m = red ? x[0] : 0.f;
        for (int64_t r = 1; r < red; ++r) m = op == 2 ? std::max(m, x[r]) : std::min(m, x[r]);
        Y[o] = m;
      }
    }
    return undef(env);
  }
  // Reduce along a strided axis: split the reduced axis across threads, each keeps per-inner
  // partial sums, then combine (outer is usually 1 here, e.g. batch-norm statistics over N*H*W).
  int nt = total > kPar ? omp_get_max_threads() : 1;
  std::vector<double> part(static_cast<size_t>(nt) * outer * inner, 0.0);
  std::vector<float> pm(static_cast<size_t>(nt) * outer * inner, op == 2 ? -INFINITY : INFINITY);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), T = omp_get_num_threads();
    for (int64_t o = 0; o < outer; ++o) {
      int64_t r0 = red * t / T, r1 = red * (t + 1) / T;
      double *acc = part.data() + (static_cast<size_t>(t) * outer + o) * inner;
      float *m = pm.data() + (static_cast<size_t>(t) * outer + o) * inner;
      for (int64_t r = r0; r < r1; ++r) {
        const float *x = X + (o * red + r) * inner;
        if (op <= 1) {
          for (int64_t j = 0; j < inner; ++j) acc[j] += x[j];
        } else if (op == 2) {
          for (int64_t j = 0; j < inner; ++j) m[j] = std::max(m[j], x[j]);
        } else {
          for (int64_t j = 0; j < inner; ++j) m[j] = std::min(m[j], x[j]);
        }
      }
    }
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      if (op <= 1) {
        double s = 0;
        for (int t = 0; t < nt; ++t) s += part[(static_cast<size_t>(t) * outer + o) * inner + j];
        Y[o * inner + j] = static_cast<float>(op == 1 ? s / red : s);
      } else {
        float m = op == 2 ? -INFINITY : INFINITY;
        for (int t = 0; t < nt; ++t) {
          float v = pm[(static_cast<size_t>(t) * outer + o) * inner + j];
          m = op == 2 ? std::max(m, v) : std::min(m, v);
        }
        Y[o * inner + j] = m;
      }
    }
  return undef(env);
}

// batchNorm(heap, xOff, meanOff, varOff, offOff(-1 none), scaleOff(-1 none), yOff, rows, C,
//           eps, [meanStride, varStride, offStride, scaleStride]) : y = (x-m)/sqrt(v+eps)*s + o,
// per channel (last dim); a stride of 0 means the parameter is a scalar.
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto F = [&](size_t i) -> const float * {
    int64_t o = a.i64(i);
    return o < 0 ? nullptr : reinterpret_cast<const float *>(heap + o);
  };
  const float *X = F(1), *Mn = F(2), *Vr = F(3), *Of = F(4), *Sc = F(5);
  float *Y = a.f32(heap, 6);
  int64_t rows = a.i64(7), C = a.i64(8);
  float eps = static_cast<float>(a.num(9));
  auto st = a.ints(10);
  std::vector<float> mul(C), add(C);
  for (int64_t c = 0; c < C; ++c) {
    float inv = 1.f / std::sqrt(Vr[c * st[1]] + eps);
    float s = Sc ? Sc[c * st[3]] : 1.f;
    mul[c] = inv * s;
    add[c] = (Of ? Of[c * st[2]] : 0.f) - Mn[c * st[0]] * inv * s;
  }
  scale_shift_rows(X, Y, rows, C, mul.data(), add.data());
  return undef(env);
}

// addN(heap, [offs...], yOff, n)
napi_value AddN(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  auto offs = a.ints(1);
  float *Y = a.f32(heap, 2);
  int64_t n = a.i64(3);
  std::vector<const float *> xs;
  for (auto o : offs) xs.push_back(reinterpret_cast<const float *>(heap + o));
  par_map(n, [&](int64_t i) {
    float s = 0;
    for (auto x : xs) s += x[i];
    Y[i] = s;
  });
  return undef(env);
}

// cast(heap, xOff, xType, yOff, yType, n): types 0 float32, 1 int32, 2 bool(uint8).
napi_value Cast(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  uint8_t *X = heap + a.i64(1);
  int xt = static_cast<int>(a.num(2));
  uint8_t *Yp = heap + a.i64(3);
  int yt = static_cast<int>(a.num(4));
  int64_t n = a.i64(5);
  auto get = [&](int64_t i) -> double {
    if (xt == 0) return reinterpret_cast<float *>(X)[i];
    if (xt == 1) return reinterpret_cast<int32_t *>(X)[i];
    return X[i];
  };
  par_map(n, [&](int64_t i) {
    double v = get(i);
    if (yt == 0) reinterpret_cast<float *>(Yp)[i] = static_cast<float>(v);
    else if (yt == 1) reinterpret_cast<int32_t *>(Yp)[i] = static_cast<int32_t>(v);
    else Yp[i] = v != 0;
  });
  return undef(env);
}

// tile(heap, xOff, yOff, inShape, outShape, bytesPerElement): y[i] = x[i mod inShape] per dim.
napi_value Tile(napi_env env, napi_callback_info info) {
  Args a(env, info);
  uint8_t *heap = a.heap(0);
  const uint8_t *X = heap + a.i64(1);
  uint8_t *Y = heap + a.i64(2);
  auto in = a.ints(3), out = a.ints(4);
  int64_t bpe = a.i64(5);
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
  return undef(env);
}

// fill(heap, yOff, n, value)
napi_value Fill(napi_env env, napi_callback_info info) {
  Args a(env, info);
  float *Y = reinterpret_cast<float *>(a.heap(0) + a.i64(1));
  int64_t n = a.i64(2);
  float v = static_cast<float>(a.num(3));
  par_map(n, [&](int64_t i) { Y[i] = v; });
  return undef(env);
}

// peakGflops(seconds): oneDNN matmul micro-benchmark (the machine's float32 ceiling).
napi_value PeakGflops(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, [&]() {
    double secs = a.argc > 0 ? a.num(0) : 1.0;
    const int64_t M = 2048, N = 2048, K = 2048;
    memory::desc am({M, K}, dt::f32, tag::ab), bm({K, N}, dt::f32, tag::any), cm({M, N}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(am, bm, cm), eng());
    memory A(am, eng()), B(pd.weights_desc(), eng()), Cm(cm, eng());
    std::memset(A.get_data_handle(), 0, M * K * 4);
    std::memset(B.get_data_handle(), 0, pd.weights_desc().get_size());
    dnnl::matmul mm(pd);
    mm.execute(strm(), {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, Cm}});
    strm().wait();
    double best = 0, spent = 0;
    while (spent < secs) {
      double t0 = omp_get_wtime();
      mm.execute(strm(), {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, Cm}});
      strm().wait();
      double dt_ = omp_get_wtime() - t0;
      spent += dt_;
      best = std::max(best, 2.0 * M * N * K / dt_ / 1e9);
    }
    napi_value r;
    napi_create_double(env, best, &r);
    return r;
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  const dnnl_version_t *v = dnnl_version();
  std::string s = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                  std::to_string(v->patch) + ", " + std::to_string(omp_get_max_threads()) + " threads";
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

napi_value ClearCache(napi_env env, napi_callback_info) {
  conv_cache.clear();
  mm_cache.clear();
  return undef(env);
}

}  // namespace

NAPI_MODULE_INIT() {
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"conv", Conv},         {"convImpl", ConvImpl}, {"matmul", Matmul},   {"unary", UnaryOp},
             {"binary", BinaryOp},   {"select", Select},     {"reduce", Reduce},   {"batchNorm", BatchNorm},
             {"addN", AddN},         {"cast", Cast},         {"fill", Fill}, {"tile", Tile}, {"bcastScale", BcastScale}, {"eltGrad", EltGrad}, {"bnGrad", BnGrad}, {"bnTrain", BnTrain}, {"bnTrainGrad", BnTrainGrad}, {"adam", Adam}, {"maxPoolGrad", MaxPoolGrad}, {"pool", Pool}, {"concat", Concat},       {"peakGflops", PeakGflops},
             {"info", Info},         {"clearCache", ClearCache}};
  for (auto &f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}
