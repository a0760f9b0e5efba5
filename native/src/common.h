// Shared by every operation family of the addon: the oneDNN engine and stream, the OpenMP
// helpers, and Args, which reads a call's arguments and bounds-checks every heap offset.
//
// Every operation works in place on a host-owned ArrayBuffer (the WebAssembly heap of the tfjs
// wasm backend that stores the tensors): JS passes the buffer and byte offsets, so no tensor is
// ever copied between JS and C++. An offset that, with the length the operation will touch, does
// not lie inside the buffer is a JS RangeError, never a read or write outside it.
#pragma once

#include <node_api.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <omp.h>
#include <sys/mman.h>
#include "oneapi/dnnl/dnnl.hpp"

namespace animegan {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::engine &eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
inline dnnl::stream &strm() {
  static dnnl::stream s(eng());
  return s;
}

constexpr int64_t kPar = 1 << 15;  // below this many elements threads cost more than they save

template <typename F>
void par_map(int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n > kPar)
  for (int64_t i = 0; i < n; ++i) f(i);
}

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

inline std::string key_of(const char *kind, const std::vector<int64_t> &d) {
  std::string k(kind);
  for (auto v : d) k += "," + std::to_string(v);
  return k;
}

// Thrown for arguments out of range (offsets outside the heap, unknown operation codes, wrong
// dimension counts) and of the wrong type; the glue turns them into JS RangeError / TypeError.
struct RangeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A name of the operation table shared with TypeScript (addon.ops) and its code.
struct OpCode {
  const char *name;
  int code;
};
using OpCodes = std::vector<OpCode>;

// Throws unless `code` is one of `table`'s codes.
inline int checked_code(const OpCodes &table, int64_t code, const char *what) {
  for (const auto &op : table)
    if (op.code == code) return op.code;
  throw RangeError(std::string("unknown ") + what + " code " + std::to_string(code));
}

// Product of element counts, refusing negative counts and overflow.
inline int64_t count_of(std::initializer_list<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw RangeError("negative size " + std::to_string(d));
    if (d != 0 && n > INT64_MAX / d) throw RangeError("size overflows");
    n *= d;
  }
  return n;
}
inline int64_t count_of(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims) n = count_of({n, d});
  return n;
}

// Elements spanned by a strided view of `shape` (strides in elements, 0 on broadcast
// dimensions): 1 + Σ (shape[k] − 1)·stride[k], or 0 when the view is empty.
inline int64_t strided_extent(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides) {
  if (strides.size() != shape.size()) throw RangeError("strides and shape differ in length");
  if (count_of(shape) == 0) return 0;
  int64_t last = 0;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (strides[k] < 0) throw RangeError("negative stride " + std::to_string(strides[k]));
    last += count_of({shape[k] - 1, strides[k]});
  }
  return last + 1;
}

// Transparent huge pages for the heap: Debian's default THP mode is `madvise`, and V8 does not
// ask for them, so the 1–3 GB a training step walks through sat on 4 KB pages (a TLB miss per
// 4 KB, and a nested page walk in a VM). Asked for here each time the heap is seen to grow; the
// proposed model's 64×64 step ran 5–8% faster in A/B runs (1.7 of 2.1 GB then on 2 MB pages).
// ANIME_GAN_NO_THP=1 leaves the heap as it is.
inline void advise_huge_pages(uint8_t *p, size_t len) {
  static uint8_t *done_p = nullptr;
  static size_t done_len = 0;
  if ((p == done_p && len <= done_len) || len < (size_t{4} << 20)) return;
  static const bool off = getenv("ANIME_GAN_NO_THP") != nullptr;
  if (off) return;
  const uintptr_t huge = uintptr_t{2} << 20;
  uintptr_t a = (reinterpret_cast<uintptr_t>(p) + huge - 1) & ~(huge - 1);
  uintptr_t e = (reinterpret_cast<uintptr_t>(p) + len) & ~(huge - 1);
  if (e > a) madvise(reinterpret_cast<void *>(a), e - a, MADV_HUGEPAGE);
  done_p = p;
  done_len = len;
}

// The arguments of one call. argv[0] is the heap for every operation that touches tensors.
class Args {
 public:
  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  }

  napi_env env;
  size_t argc = 32;
  napi_value argv[32];
  void *data = nullptr;  // the OpEntry of the operation called

  double num(size_t i) const {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok)
      throw TypeError("argument " + std::to_string(i) + " must be a number");
    return v;
  }
  int64_t i64(size_t i) const { return static_cast<int64_t>(num(i)); }

  // A number array; `n` (when given) is the length it must have.
  std::vector<int64_t> ints(size_t i, size_t n = SIZE_MAX) const {
    bool isarr = false;
    if (i < argc) napi_is_array(env, argv[i], &isarr);
    if (!isarr) throw TypeError("argument " + std::to_string(i) + " must be an array of numbers");
    uint32_t len = 0;
    napi_get_array_length(env, argv[i], &len);
    if (n != SIZE_MAX && len != n)
      throw RangeError("argument " + std::to_string(i) + " must have " + std::to_string(n) + " entries, not " +
                       std::to_string(len));
    std::vector<int64_t> out(len);
    for (uint32_t k = 0; k < len; ++k) {
      napi_value e;
      napi_get_element(env, argv[i], k, &e);
      double v;
      if (napi_get_value_double(env, e, &v) != napi_ok)
        throw TypeError("argument " + std::to_string(i) + " must be an array of numbers");
      out[k] = static_cast<int64_t>(v);
    }
    return out;
  }

  // The heap: argv[0], an ArrayBuffer (or a typed array over one).
  uint8_t *heap() {
    if (!heap_) bind_heap();
    return heap_;
  }
  size_t heap_bytes() {
    if (!heap_) bind_heap();
    return heap_len_;
  }

  // `nbytes` bytes at heap byte offset `offset` (what argument `arg` names), checked to lie in
  // the heap and, for element size `align` > 1, to be aligned to it.
  uint8_t *at(int64_t offset, int64_t nbytes, size_t arg, int64_t align = 1) {
    uint8_t *h = heap();
    const int64_t len = static_cast<int64_t>(heap_len_);
    if (offset < 0 || nbytes < 0 || offset > len || nbytes > len - offset)
      throw RangeError("argument " + std::to_string(arg) + " (byte offset " + std::to_string(offset) + ", " +
                       std::to_string(nbytes) + " bytes) is outside the heap (" + std::to_string(len) + " bytes)");
    if (align > 1 && offset % align != 0)
      throw RangeError("argument " + std::to_string(arg) + " (byte offset " + std::to_string(offset) +
                       ") is not aligned to " + std::to_string(align) + " bytes");
    return h + offset;
  }
  // `count` bytes at the offset in argv[i].
  uint8_t *u8(size_t i, int64_t count) { return at(i64(i), count, i); }
  // `count` floats at the offset in argv[i].
  float *f32(size_t i, int64_t count) {
    return reinterpret_cast<float *>(at(i64(i), count_of({count, 4}), i, 4));
  }
  // As f32, or nullptr for an offset of -1 (an absent input).
  float *f32_or_null(size_t i, int64_t count) {
    return i64(i) == -1 ? nullptr : f32(i, count);
  }

 private:
  uint8_t *heap_ = nullptr;
  size_t heap_len_ = 0;

  void bind_heap() {
    void *p = nullptr;
    size_t len = 0;
    bool isab = false, ista = false;
    if (argc > 0) napi_is_arraybuffer(env, argv[0], &isab);
    if (isab) {
      napi_get_arraybuffer_info(env, argv[0], &p, &len);
    } else {
      if (argc > 0) napi_is_typedarray(env, argv[0], &ista);
      if (!ista) throw TypeError("argument 0 must be the heap (an ArrayBuffer)");
      napi_typedarray_type t;
      size_t n, off;
      napi_value ab;
      napi_get_typedarray_info(env, argv[0], &t, &n, &p, &ab, &off);
      void *abp = nullptr;
      size_t ablen = 0;
      napi_get_arraybuffer_info(env, ab, &abp, &ablen);
      len = ablen - off;  // the typed array's view onward: offsets count from its start
    }
    if (p == nullptr && len > 0) throw TypeError("argument 0: the heap is detached");
    heap_ = static_cast<uint8_t *>(p);
    heap_len_ = len;
    advise_huge_pages(heap_, heap_len_);
    if (!heap_) {
      static uint8_t empty;
      heap_ = &empty;
    }
  }
};

inline napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// An operation exported to JS: it reads its Args and returns a value (undefined for most).
using OpFn = napi_value (*)(Args &);

}  // namespace animegan
