// Matrix products (oneDNN matmul, primitives cached by shape) and the machine's float32 ceiling.
#include <algorithm>
#include <memory>
#include <unordered_map>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

// a: [batchA, M, K] (or [batchA, K, M] if transA), b: [batchB, K, N] (or [.., N, K]);
// batch dims broadcast when one of them is 1.
struct MatmulEntry {
  dnnl::matmul::primitive_desc pd;
  memory::desc a, b, c;
};
std::unordered_map<std::string, std::unique_ptr<MatmulEntry>> mm_cache;

}  // namespace

// matmul(heap, aOff, bOff, cOff, [batchA, batchB, M, N, K, transA, transB])
napi_value Matmul(Args &a) {
  auto d = a.ints(4, 7);
  const int64_t BA = d[0], BB = d[1], M = d[2], N = d[3], K = d[4];
  uint8_t *A = reinterpret_cast<uint8_t *>(a.f32(1, count_of({BA, M, K})));
  uint8_t *B = reinterpret_cast<uint8_t *>(a.f32(2, count_of({BB, K, N})));
  uint8_t *C = reinterpret_cast<uint8_t *>(a.f32(3, count_of({std::max(BA, BB), M, N})));
  std::string k = key_of("mm", d);
  auto it = mm_cache.find(k);
  if (it == mm_cache.end()) {
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
  memory am(e.a, eng(), A), bm(e.b, eng(), B), cm(e.c, eng(), C);
  dnnl::matmul(e.pd).execute(strm(), {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  strm().wait();
  return undef(a.env);
}

// peakGflops(seconds): oneDNN matmul micro-benchmark (the machine's float32 ceiling).
napi_value PeakGflops(Args &a) {
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
  napi_create_double(a.env, best, &r);
  return r;
}

void clear_matmul_cache() { mm_cache.clear(); }

}  // namespace animegan
