// Convolutions (oneDNN): forward, gradient of the input (transposed convolution) and gradient
// of the filter, with primitives created once per shape and cached. Five kinds of shape bypass
// oneDNN's convolution kernels for sgemm (full_window, pointwise, thin, small_output_map,
// strided_pointwise_thin_input).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unordered_map>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

enum ConvMode { CONV_FORWARD, CONV_BACKWARD_INPUT, CONV_BACKWARD_FILTER };

// d = [N,H,W,C, OH,OW,O, KH,KW, sh,sw, dh,dw, pt,pl] (tfjs dilations, 1 = none);
// tensors NHWC, filter HWIO [KH,KW,C,O] as in tfjs.
struct ConvEntry {
  dnnl::convolution_forward::primitive_desc fwd;
  dnnl::convolution_backward_data::primitive_desc bwd_d;
  dnnl::convolution_backward_weights::primitive_desc bwd_w;
  bool has_fwd = false, has_bwd_d = false, has_bwd_w = false;
  memory::desc src, dst, wei_user;
  memory::dims strides, dil, padl, padr;
  // Reordered (blocked) weights of the last calls, per direction, named by the caller's id of
  // the weights' data, whose values never change under one id (tfjs tensors are immutable): the
  // proposed model runs G and F (same shapes) twice each per step, so each reorders its weights
  // once per direction instead of twice.
  struct WeightSlot {
    int64_t id = 0;  // 0: unknown weights, never reused
    uint64_t used = 0;
    std::unique_ptr<dnnl::memory> m;
  };
  // G and F hold up to about ten filters of one shape between them, each run twice a step
  // per direction: two slots missed almost every time (16 reorders of 18 forward calls a step
  // for 256×256×3×3); with 12 each filter is reordered once per direction and step.
  static constexpr int kSlots = 12;
  WeightSlot fwd_slots[kSlots], bwd_d_slots[kSlots];
  std::unique_ptr<dnnl::memory> dwei;  // blocked weight-gradient buffer
  std::string impl[3];
};
std::unordered_map<std::string, std::unique_ptr<ConvEntry>> conv_cache;
uint64_t weight_clock = 0;

// Filters between tfjs's HWIO and oneDNN's blocked layouts (ABcd16a16b, Acdb32a, ...) without a
// oneDNN reorder: those ran at 3–6 GB/s here (0.4–0.8 ms for a 256×256×3×3 filter, 57 ms a step
// of the proposed model in all); this is one parallel gather over HWIO's rows. Offsets in the
// blocked layout are sums of per-dimension parts (each dimension's outer index times its
// stride plus its inner-block index times that block's stride), tabulated once per call.
// Layouts with padding (channels not a multiple of the block) or nested blocks are left to
// oneDNN: returns false.
bool convert_weights(const memory::desc &md, float *blocked, float *hwio, bool to_blocked) {
  const dnnl_memory_desc_t &m = md.data;
  if (m.ndims != 4 || m.format_kind != dnnl_blocked || m.offset0 != 0) return false;
  for (int d = 0; d < 4; ++d)
    if (m.padded_dims[d] != m.dims[d]) return false;
  const dnnl_blocking_desc_t &b = m.format_desc.blocking;
  int64_t blk[4] = {1, 1, 1, 1}, inner_stride[4] = {0, 0, 0, 0};
  int64_t st = 1;
  for (int k = b.inner_nblks - 1; k >= 0; --k) {
    const int d = b.inner_idxs[k];
    if (blk[d] != 1) return false;  // two blocks on one dimension
    blk[d] = b.inner_blks[k];
    inner_stride[d] = st;
    st *= b.inner_blks[k];
  }
  const int64_t O = m.dims[0], I = m.dims[1], KH = m.dims[2], KW = m.dims[3];
  std::vector<int64_t> part[4];
  for (int d = 0; d < 4; ++d) {
    part[d].resize(static_cast<size_t>(m.dims[d]));
    for (int64_t x = 0; x < m.dims[d]; ++x) part[d][x] = (x / blk[d]) * b.strides[d] + (x % blk[d]) * inner_stride[d];
  }
  const int64_t rows = KH * KW * I;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t kh = r / (KW * I), kw = (r / I) % KW, i = r % I;
    const int64_t base = part[2][kh] + part[3][kw] + part[1][i];
    float *h = hwio + r * O;
    if (to_blocked)
      for (int64_t o = 0; o < O; ++o) blocked[base + part[0][o]] = h[o];
    else
      for (int64_t o = 0; o < O; ++o) h[o] = blocked[base + part[0][o]];
  }
  return true;
}

// The weights `wuser` (id `wid`) in layout `wd`: a slot holding them already, else the least
// recently used slot, refilled by a reorder.
memory &reordered_weights(ConvEntry::WeightSlot *slots, const memory::desc &wd, memory &wuser, int64_t wid) {
  ConvEntry::WeightSlot *pick = &slots[0];
  for (int i = 0; i < ConvEntry::kSlots; ++i) {
    if (wid != 0 && slots[i].id == wid && slots[i].m) {
      slots[i].used = ++weight_clock;
      return *slots[i].m;
    }
    if (slots[i].used < pick->used) pick = &slots[i];
  }
  if (!pick->m) pick->m = std::make_unique<memory>(wd, eng());
  if (!convert_weights(wd, static_cast<float *>(pick->m->get_data_handle()),
                       static_cast<float *>(wuser.get_data_handle()), true))
    dnnl::reorder(wuser, *pick->m).execute(strm(), wuser, *pick->m);
  pick->id = wid;
  pick->used = ++weight_clock;
  return *pick->m;
}

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

// Two convolution shapes are one matrix product each, and oneDNN's convolution kernels run
// them well below its sgemm:
// - full window: the window covers the whole (unpadded) input and gives a 1×1 output (DCGAN's
//   1×1 → 4×4 projection and 4×4 → 1×1 score; a few GFLOP/s as convolutions): rows = N,
//   K = KH·KW·C (NHWC and HWIO flatten to the same K order);
// - pointwise: 1×1, stride 1, no padding (the proposed generator's fuse, lateral and decoder
//   convolutions): rows = N·H·W, K = C.
bool full_window(const std::vector<int64_t> &d) {
  return d[4] == 1 && d[5] == 1 && d[1] == d[7] && d[2] == d[8] && d[11] == 1 && d[12] == 1 && d[13] == 0 &&
         d[14] == 0;
}

bool pointwise(const std::vector<int64_t> &d) {
  return d[7] == 1 && d[8] == 1 && d[9] == 1 && d[10] == 1 && d[13] == 0 && d[14] == 0 && d[1] == d[4] &&
         d[2] == d[5];
}

void check_sgemm(dnnl_status_t st) {
  if (st != dnnl_success) throw std::runtime_error("dnnl_sgemm failed (status " + std::to_string(st) + ")");
}

void conv_as_gemm(int mode, float *x, float *w, float *y, int64_t rows, int64_t K, int64_t O) {
  if (mode == CONV_FORWARD)  // y[rows,O] = x[rows,K] · w[K,O]
    check_sgemm(dnnl_sgemm('N', 'N', rows, O, K, 1.f, x, K, w, O, 0.f, y, O));
  else if (mode == CONV_BACKWARD_INPUT)  // dx[rows,K] = dy[rows,O] · w[K,O]ᵀ   (x = dx, y = dy)
    check_sgemm(dnnl_sgemm('N', 'T', rows, K, O, 1.f, y, O, w, O, 0.f, x, K));
  else  // dw[K,O] = x[rows,K]ᵀ · dy[rows,O]   (w = dw)
    check_sgemm(dnnl_sgemm('T', 'N', K, O, rows, 1.f, x, K, y, O, 0.f, w, O));
}

// Stride-1 convolutions with at most kThin channels on one side (the generators' 7×7
// convolutions to and from RGB, in all three directions) leave oneDNN's kernels nothing to
// vectorise along those channels (55–65 GFLOP/s here). One image per thread, with z and col in
// that thread's buffers:
// - forward (thin result) and input gradient to a thin input: one sgemm over the wide side's
//   channels gives z as planes, zT[(ky, kx, t), pixel], then each thin channel is the sum of its
//   KK planes shifted by their taps (contiguous rows: vectorised; z rows read in order);
// - filter gradient: the thin output gradient's planes, shifted by each tap, as rows of
//   colT[(ky, kx, o), pixel] (contiguous row copies), then one sgemm against x.
constexpr int64_t kThin = 4;
std::vector<float> thin_buf, thin_col, thin_w;

enum ThinKind { THIN_NONE, THIN_PLANES, THIN_TAPS };

ThinKind thin(int mode, const std::vector<int64_t> &d) {
  const int64_t C = d[3], O = d[6], KK = d[7] * d[8];
  if (d[9] != 1 || d[10] != 1 || d[11] != 1 || d[12] != 1 || KK < 9) return THIN_NONE;
  if (mode == CONV_FORWARD) return O <= kThin && C > kThin ? THIN_PLANES : THIN_NONE;
  // (The input gradient from a thin output gradient stays on oneDNN: 2.7 ms for the last 7×7
  // convolution at 64×64, batch 8, against 5.3 as im2col of dy and one sgemm.)
  if (mode == CONV_BACKWARD_INPUT) return C <= kThin && O > kThin ? THIN_PLANES : THIN_NONE;
  return O <= kThin && C > kThin ? THIN_TAPS : THIN_NONE;  // filter gradient
}

// out[p, t] = Σ over taps (ky, kx) in range of zT[(ky, kx, t), p + sign·(ky − pt, kx − pl)]: out
// has T channels on an OH×OW map (NHWC), zT holds KK·T planes of ZH×ZW; acc is T planes of
// scratch. Plane by plane, so z is read once, in order, and the T accumulating planes stay in
// cache (row by row over all taps read each z row KH times: 3× slower at 64×64). Rows in parallel
// when par (the same rows to each thread for every plane: no two threads add to one row).
void planar_shifted_sum(const float *zT, float *out, int64_t OH, int64_t OW, int64_t ZH, int64_t ZW, int64_t KH,
                        int64_t KW, int64_t T, int64_t pt, int64_t pl, int sign, std::vector<float> &acc, bool par) {
  const int64_t plane = OH * OW, zplane = ZH * ZW;
  acc.assign(static_cast<size_t>(T * plane), 0.f);
  float *A = acc.data();
#pragma omp parallel if (par)
  {
    for (int64_t ky = 0; ky < KH; ++ky)
      for (int64_t kx = 0; kx < KW; ++kx) {
        const int64_t dy = sign * (ky - pt), dx = sign * (kx - pl);
        const int64_t x0 = std::max<int64_t>(0, -dx), x1 = std::min<int64_t>(OW, ZW - dx);
        for (int64_t t = 0; t < T; ++t) {
          const float *zp = zT + ((ky * KW + kx) * T + t) * zplane;
          float *ap = A + t * plane;
#pragma omp for schedule(static) nowait
          for (int64_t oy = 0; oy < OH; ++oy) {
            const int64_t zy = oy + dy;
            if (zy < 0 || zy >= ZH) continue;
            const float *zr = zp + zy * ZW + dx;
            float *ar = ap + oy * OW;
#pragma omp simd
            for (int64_t ox = x0; ox < x1; ++ox) ar[ox] += zr[ox];
          }
        }
      }
#pragma omp for schedule(static)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t t = 0; t < T; ++t) out[(oy * OW + ox) * T + t] = A[t * plane + oy * OW + ox];
  }
}

// colT[(ky,kx,o), p] = g[p − (ky − pt, kx − pl), o] (0 outside), p on the H×W map, g O channels
// on OH×OW: the thin output gradient's taps as seen from each input pixel, as planes. gp is
// scratch for g's planes.
void gather_tap_planes(const float *g, float *colT, const std::vector<int64_t> &d, std::vector<float> &gp) {
  const int64_t H = d[1], W = d[2], OH = d[4], OW = d[5], O = d[6], KH = d[7], KW = d[8], pt = d[13], pl = d[14];
  const int64_t oplane = OH * OW, plane = H * W;
  gp.resize(static_cast<size_t>(O * oplane));
  for (int64_t q = 0; q < oplane; ++q)
    for (int64_t o = 0; o < O; ++o) gp[o * oplane + q] = g[q * O + o];
  for (int64_t ky = 0; ky < KH; ++ky)
    for (int64_t kx = 0; kx < KW; ++kx) {
      const int64_t sx = pt - ky, sxx = pl - kx;  // p − (ky − pt, kx − pl) = p + (sx, sxx)
      const int64_t x0 = std::max<int64_t>(0, -sxx), x1 = std::min<int64_t>(W, OW - sxx);
      for (int64_t o = 0; o < O; ++o) {
        float *dst = colT + ((ky * KW + kx) * O + o) * plane;
        const float *src = gp.data() + o * oplane;
        for (int64_t iy = 0; iy < H; ++iy) {
          float *row = dst + iy * W;
          const int64_t oy = iy + sx;
          if (oy < 0 || oy >= OH || x1 <= x0) {
            std::fill(row, row + W, 0.f);
            continue;
          }
          std::fill(row, row + x0, 0.f);
          std::copy(src + oy * OW + x0 + sxx, src + oy * OW + x1 + sxx, row + x0);
          std::fill(row + x1, row + W, 0.f);
        }
      }
    }
}

// One image of conv_thin; z, col and acc are the calling thread's buffers, dwt its partial filter
// gradient; wk the filter as conv_thin prepared it; par: whether the loops may use threads
// (false inside a parallel region).
void conv_thin_image(int mode, ThinKind kind, const float *x, const float *wk, float *y, const std::vector<int64_t> &d,
                     std::vector<float> &z, std::vector<float> &col, std::vector<float> &acc, float *dwt, bool par) {
  const int64_t H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], O = d[6], KH = d[7], KW = d[8], pt = d[13],
                pl = d[14], KK = KH * KW;
  if (mode == CONV_FORWARD) {
    // zT[(ky,kx,o), p] = Σ_c wt[(ky,kx,o), c]·x[p, c]; y[q, o] = Σ zT[(ky,kx,o), q + (ky − pt, kx − pl)].
    z.resize(static_cast<size_t>(KK * O * H * W));
    check_sgemm(dnnl_sgemm('N', 'T', KK * O, H * W, C, 1.f, wk, C, x, C, 0.f, z.data(), H * W));
    planar_shifted_sum(z.data(), y, OH, OW, H, W, KH, KW, O, pt, pl, 1, acc, par);
  } else if (mode == CONV_BACKWARD_INPUT && kind == THIN_PLANES) {
    // zT[(ky,kx,c), q] = Σ_o w[(ky,kx,c), o]·dy[q, o]; dx[p, c] = Σ zT[(ky,kx,c), p + (pt − ky, pl − kx)].
    z.resize(static_cast<size_t>(KK * C * OH * OW));
    check_sgemm(dnnl_sgemm('N', 'T', KK * C, OH * OW, O, 1.f, wk, O, y, O, 0.f, z.data(), OH * OW));
    planar_shifted_sum(z.data(), const_cast<float *>(x), H, W, OH, OW, KH, KW, C, pt, pl, -1, acc, par);
  } else {
    // colT = dy's taps as planes; dwt[(ky,kx,o), c] += Σ_p colT[(ky,kx,o), p]·x[p, c].
    const int64_t KO = KK * O;
    col.resize(static_cast<size_t>(KO * H * W));
    gather_tap_planes(y, col.data(), d, acc);
    check_sgemm(dnnl_sgemm('N', 'N', KO, C, H * W, 1.f, col.data(), H * W, x, C, 1.f, dwt, C));
  }
}

// With at least two images, each thread takes whole images (its sgemm runs on one thread and z
// stays in its core's cache: no fork and join per image and phase).
void conv_thin(int mode, ThinKind kind, float *x, float *w, float *y, const std::vector<int64_t> &d) {
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], O = d[6], KK = d[7] * d[8];
  const int64_t xs = H * W * C, ys = OH * OW * O, wn = KK * C * O;
  const int nt = N >= 2 ? std::min<int64_t>(omp_get_max_threads(), N) : 1;
  const float *wk = w;
  if (mode == CONV_FORWARD) {
    // wt[(ky,kx,o), c] = w[ky,kx,c,o]: the thin channel next to the tap, the wide one last.
    thin_w.resize(static_cast<size_t>(wn));
    for (int64_t k = 0; k < KK; ++k)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t o = 0; o < O; ++o) thin_w[(k * O + o) * C + c] = w[(k * C + c) * O + o];
    wk = thin_w.data();
  }
  // Per-thread partial filter gradients, dwt[(ky,kx,o), c], summed below.
  std::vector<float> dwt(mode == CONV_BACKWARD_FILTER ? static_cast<size_t>(nt * wn) : 0, 0.f);
  if (nt == 1) {
    static std::vector<float> acc;
    for (int64_t n = 0; n < N; ++n)
      conv_thin_image(mode, kind, x + n * xs, wk, y + n * ys, d, thin_buf, thin_col, acc, dwt.data(), true);
  } else {
#pragma omp parallel num_threads(nt)
    {
      thread_local std::vector<float> z, col, acc;
      const int t = omp_get_thread_num();
#pragma omp for schedule(static)
      for (int64_t n = 0; n < N; ++n)
        conv_thin_image(mode, kind, x + n * xs, wk, y + n * ys, d, z, col, acc,
                        dwt.data() + (mode == CONV_BACKWARD_FILTER ? t * wn : 0), false);
    }
  }
  if (mode != CONV_BACKWARD_FILTER) return;
  for (int t = 1; t < nt; ++t)
    for (int64_t i = 0; i < wn; ++i) dwt[i] += dwt[t * wn + i];
  for (int64_t k = 0; k < KK; ++k)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t o = 0; o < O; ++o) w[(k * C + c) * O + o] = dwt[(k * O + o) * C + c];
}

// Convolutions with a small output map (DCGAN's 8×8 → 4×4 layer, 256 → 512 channels) run on
// oneDNN's brgconv at about half its usual speed: its blocks run along the output pixels, and
// 16 per image are too few. Unfolding the windows (im2col: K = KH·KW·C values per output pixel)
// and one sgemm of [N·OH·OW, K] × [K, O] is 1.5× faster for the forward pass and the filter
// gradient (measured in-process on this machine: 11 vs 16 ms and 12 vs 14 ms at batch 64).
constexpr int64_t kSmallOutputMap = 16;
std::vector<float> im2col_buf;

bool small_output_map(const std::vector<int64_t> &d) { return d[4] * d[5] <= kSmallOutputMap; }

// oneDNN 2.6.3's jit_1x1:avx512_core filter gradient of a strided 1×1 convolution with fewer
// than 16 input channels corrupts the C++ heap at odd batches (the ResNet generator's
// downsampling shortcut at ngf 4 or 8: glibc aborts within three steps; 4 and 8 channels at
// batches 1, 3 and 5 failed, 12 to 48 channels and even batches ran clean). Those run as im2col
// + sgemm instead (the unfolding is the strided subsample: K = C).
bool strided_pointwise_thin_input(int mode, const std::vector<int64_t> &d) {
  return mode == CONV_BACKWARD_FILTER && d[7] == 1 && d[8] == 1 && (d[9] > 1 || d[10] > 1) && d[3] < 16;
}

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

// The input gradient of a small-output-map convolution: dcol = dy · wᵀ ([rows, K]), then each
// column entry added back to the input pixel it was unfolded from (col2im). Images in parallel
// (their pixels are disjoint); 3.7 → 2.3 ms for the generator's 4×4×512 3×3 layer at batch 8.
void conv_col2im_backward_input(float *dx, const float *w, const float *dy, const std::vector<int64_t> &d) {
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], O = d[6], KH = d[7], KW = d[8],
                sh = d[9], sw = d[10], dh = d[11], dw = d[12], pt = d[13], pl = d[14];
  const int64_t K = KH * KW * C, rows = N * OH * OW;
  if (static_cast<int64_t>(im2col_buf.size()) < rows * K) im2col_buf.resize(static_cast<size_t>(rows * K));
  float *col = im2col_buf.data();
  check_sgemm(dnnl_sgemm('N', 'T', rows, K, O, 1.f, dy, O, w, O, 0.f, col, K));
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    float *img = dx + n * H * W * C;
    std::memset(img, 0, sizeof(float) * static_cast<size_t>(H * W * C));
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const float *src = col + ((n * OH + oy) * OW + ox) * K;
        for (int64_t ky = 0; ky < KH; ++ky) {
          const int64_t iy = oy * sh - pt + ky * dh;
          for (int64_t kx = 0; kx < KW; ++kx, src += C) {
            const int64_t ix = ox * sw - pl + kx * dw;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            float *p = img + (iy * W + ix) * C;
            for (int64_t c = 0; c < C; ++c) p[c] += src[c];
          }
        }
      }
  }
}

void conv_im2col(int mode, const float *x, float *w, float *y, const std::vector<int64_t> &d) {
  const int64_t O = d[6], K = d[7] * d[8] * d[3], rows = d[0] * d[4] * d[5];
  const float *col = im2col(x, d);
  check_sgemm(mode == CONV_FORWARD ? dnnl_sgemm('N', 'N', rows, O, K, 1.f, col, K, w, O, 0.f, y, O)   // y = col · w
                                   : dnnl_sgemm('T', 'N', K, O, rows, 1.f, col, K, y, O, 0.f, w, O));  // dw = colᵀ · dy
}

void conv_run(int mode, float *x, float *w, float *y, const std::vector<int64_t> &d, int64_t wid) {
  if (full_window(d)) {
    conv_as_gemm(mode, x, w, y, d[0], d[7] * d[8] * d[3], d[6]);
    return;
  }
  if (pointwise(d)) {
    conv_as_gemm(mode, x, w, y, d[0] * d[1] * d[2], d[3], d[6]);
    return;
  }
  if (const ThinKind kind = thin(mode, d)) {
    conv_thin(mode, kind, x, w, y, d);
    return;
  }
  if (small_output_map(d) || strided_pointwise_thin_input(mode, d)) {
    if (mode == CONV_BACKWARD_INPUT)
      conv_col2im_backward_input(x, w, y, d);
    else
      conv_im2col(mode, x, w, y, d);
    return;
  }
  ConvEntry &e = conv_entry(d);
  ensure_fwd(e);
  memory wuser(e.wei_user, eng(), w);
  if (mode == CONV_FORWARD) {
    memory::desc wd = e.fwd.weights_desc();
    memory *wm = &wuser;
    if (wd != e.wei_user) wm = &reordered_weights(e.fwd_slots, wd, wuser, wid);
    memory xs(e.src, eng(), x), ys(e.dst, eng(), y);
    dnnl::convolution_forward(e.fwd).execute(
        strm(), {{DNNL_ARG_SRC, xs}, {DNNL_ARG_WEIGHTS, *wm}, {DNNL_ARG_DST, ys}});
  } else if (mode == CONV_BACKWARD_INPUT) {  // y = dy, x = dx
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
    if (wd != e.wei_user) wm = &reordered_weights(e.bwd_d_slots, wd, wuser, wid);
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
      strm().wait();
      if (!convert_weights(wd, static_cast<float *>(e.dwei->get_data_handle()),
                           static_cast<float *>(wuser.get_data_handle()), false))
        dnnl::reorder(*e.dwei, wuser).execute(strm(), *e.dwei, wuser);
    } else {
      dnnl::convolution_backward_weights(e.bwd_w).execute(
          strm(), {{DNNL_ARG_SRC, xs}, {DNNL_ARG_DIFF_WEIGHTS, wuser}, {DNNL_ARG_DIFF_DST, dys}});
    }
  }
  strm().wait();
}

}  // namespace

const OpCodes kConvModes = {
    {"forward", CONV_FORWARD}, {"backwardInput", CONV_BACKWARD_INPUT}, {"backwardFilter", CONV_BACKWARD_FILTER}};

// conv(heap, mode, xOff, wOff, yOff, dims[, weightsId]): mode forward reads x and w and writes y;
// backwardInput reads y (dy) and w and writes x (dx); backwardFilter reads x and y (dy) and
// writes w (dw). weightsId (forward and backwardInput; 0 or absent: unknown) names w's data: the
// same id promises the same values, so the reordered weights of the last call may be reused.
napi_value Conv(Args &a) {
  const int mode = checked_code(kConvModes, a.i64(1), "convolution mode");
  const auto d = a.ints(5, 15);
  float *x = a.f32(2, count_of({d[0], d[1], d[2], d[3]}));
  float *w = a.f32(3, count_of({d[7], d[8], d[3], d[6]}));
  float *y = a.f32(4, count_of({d[0], d[4], d[5], d[6]}));
  conv_run(mode, x, w, y, d, a.argc > 6 ? a.i64(6) : 0);
  return undef(a.env);
}

// convImpl(dims) -> [fwd, bwdData, bwdWeights] implementation names (for diagnostics).
napi_value ConvImpl(Args &a) {
  ConvEntry &e = conv_entry(a.ints(0, 15));
  napi_value arr;
  napi_create_array(a.env, &arr);
  for (int i = 0; i < 3; ++i) {
    napi_value s;
    napi_create_string_utf8(a.env, e.impl[i].c_str(), e.impl[i].size(), &s);
    napi_set_element(a.env, arr, i, s);
  }
  return arr;
}

void clear_conv_cache() { conv_cache.clear(); }

}  // namespace animegan
