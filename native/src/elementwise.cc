// Elementwise operations (OpenMP loops): unary ops, broadcasting binary ops and comparisons,
// select, cast, addN, and the fused gradients of pointwise ops and of Sum/Mean.
#include <algorithm>
#include <type_traits>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

enum Unary {
  U_RELU, U_LEAKY, U_TANH, U_SIGMOID, U_SQUARE, U_SQRT, U_RSQRT, U_NEG, U_EXP, U_LOG, U_ABS, U_STEP,
  U_SOFTPLUS, U_RECIP, U_ELU, U_RELU6, U_LOG1P, U_SIGN
};

enum Binary { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_SQDIFF, B_POW, B_GT, B_GE, B_LT, B_LE, B_EQ, B_NE };

enum EltGradOp { G_RELU, G_LEAKY, G_TANH, G_SQUARE, G_SIGMOID };

enum DType { DT_FLOAT32, DT_INT32, DT_BOOL };

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

// Bytes per element of a cast's type.
int64_t dtype_bytes(int t) { return t == DT_BOOL ? 1 : 4; }

}  // namespace

// Names are tfjs's kernel names, so the TypeScript side registers one kernel per entry.
const OpCodes kUnaryOps = {
    {"Relu", U_RELU},       {"LeakyRelu", U_LEAKY}, {"Tanh", U_TANH},       {"Sigmoid", U_SIGMOID},
    {"Square", U_SQUARE},   {"Sqrt", U_SQRT},       {"Rsqrt", U_RSQRT},     {"Neg", U_NEG},
    {"Exp", U_EXP},         {"Log", U_LOG},         {"Abs", U_ABS},         {"Step", U_STEP},
    {"Softplus", U_SOFTPLUS}, {"Reciprocal", U_RECIP}, {"Elu", U_ELU},     {"Relu6", U_RELU6},
    {"Log1p", U_LOG1P},     {"Sign", U_SIGN}};
// Binary ops with a float32 result, and comparisons (a bool, one byte per element).
const OpCodes kBinaryOps = {
    {"Add", B_ADD},         {"Sub", B_SUB},         {"Multiply", B_MUL}, {"RealDiv", B_DIV},
    {"Maximum", B_MAX},     {"Minimum", B_MIN},     {"SquaredDifference", B_SQDIFF}, {"Pow", B_POW}};
const OpCodes kCompareOps = {
    {"Greater", B_GT}, {"GreaterEqual", B_GE}, {"Less", B_LT}, {"LessEqual", B_LE}, {"Equal", B_EQ}, {"NotEqual", B_NE}};
// The pointwise ops whose gradient eltGrad computes (by tfjs kernel name).
const OpCodes kEltGradOps = {
    {"Relu", G_RELU}, {"LeakyRelu", G_LEAKY}, {"Tanh", G_TANH}, {"Square", G_SQUARE}, {"Sigmoid", G_SIGMOID}};
const OpCodes kDTypes = {{"float32", DT_FLOAT32}, {"int32", DT_INT32}, {"bool", DT_BOOL}};

// unary(heap, op, xOff, yOff, n, alpha)
napi_value UnaryOp(Args &a) {
  int op = checked_code(kUnaryOps, a.i64(1), "unary op");
  int64_t n = a.i64(4);
  const float *x = a.f32(2, n);
  float *y = a.f32(3, n);
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
    case U_SIGN: par_map(n, [&](int64_t i) { y[i] = x[i] > 0 ? 1.f : (x[i] < 0 ? -1.f : 0.f); }); break;
  }
  return undef(a.env);
}

// binary(heap, op, aOff, bOff, yOff, outShape, aStrides, bStrides): sa/sb are element strides of
// a and b in the output's index space (0 on broadcast dimensions).
napi_value BinaryOp(Args &a) {
  const int64_t op = a.i64(1);
  const bool compare = op >= B_GT;
  checked_code(compare ? kCompareOps : kBinaryOps, op, "binary op");
  auto shape = a.ints(5), sa = a.ints(6, shape.size()), sb = a.ints(7, shape.size());
  if (shape.empty()) throw RangeError("binary: the output shape needs at least one dimension");
  const float *A = a.f32(2, strided_extent(shape, sa));
  const float *B = a.f32(3, strided_extent(shape, sb));
  const int64_t n = count_of(shape);
  uint8_t *Y = compare ? a.u8(4, n) : reinterpret_cast<uint8_t *>(a.f32(4, n));
  float *Yf = reinterpret_cast<float *>(Y);
  switch (op) {
#define F(OPC) case OPC: binary_kernel<OPC, float>(A, B, Yf, shape, sa, sb); break;
    F(B_ADD) F(B_SUB) F(B_MUL) F(B_DIV) F(B_MAX) F(B_MIN) F(B_SQDIFF) F(B_POW)
#undef F
#define C(OPC) case OPC: binary_kernel<OPC, uint8_t>(A, B, Y, shape, sa, sb); break;
    C(B_GT) C(B_GE) C(B_LT) C(B_LE) C(B_EQ) C(B_NE)
#undef C
  }
  return undef(a.env);
}

// bcastScale(heap, xOff, yOff, outShape, xStrides, scale): y = broadcast(x) * scale
// (the gradient of Sum and Mean in one pass instead of ones() * dy / n).
napi_value BcastScale(Args &a) {
  auto shape = a.ints(3), sx = a.ints(4, shape.size());
  if (shape.empty()) throw RangeError("bcastScale: the output shape needs at least one dimension");
  const float *X = a.f32(1, strided_extent(shape, sx));
  float *Y = a.f32(2, count_of(shape));
  float scale = static_cast<float>(a.num(5));
  std::vector<int64_t> zero(shape.size(), 0);
  binary_kernel<B_MUL, float>(X, &scale, Y, shape, sx, zero);
  return undef(a.env);
}

// eltGrad(heap, op, dyOff, xOff, dxOff, n, alpha): fused gradients of pointwise ops.
// relu: x>0 ? dy : 0; leaky relu: x>0 ? dy : alpha*dy; tanh (x = y): dy*(1-y^2);
// square: 2*x*dy; sigmoid (x = y): dy*y*(1-y).
napi_value EltGrad(Args &a) {
  int op = checked_code(kEltGradOps, a.i64(1), "gradient op");
  int64_t n = a.i64(5);
  const float *dy = a.f32(2, n);
  const float *x = a.f32(3, n);
  float *dx = a.f32(4, n);
  float al = static_cast<float>(a.num(6));
  switch (op) {
    case G_RELU: par_map(n, [&](int64_t i) { dx[i] = dy[i] * static_cast<float>(x[i] > 0); }); break;
    case G_LEAKY:
      par_map(n, [&](int64_t i) {
        dx[i] = blend(x[i] > 0, dy[i], al * dy[i]);
      });
      break;
    case G_TANH: par_map(n, [&](int64_t i) { dx[i] = (1.f - x[i] * x[i]) * dy[i]; }); break;
    case G_SQUARE: par_map(n, [&](int64_t i) { dx[i] = dy[i] * (x[i] * 2.f); }); break;
    case G_SIGMOID: par_map(n, [&](int64_t i) { dx[i] = dy[i] * x[i] * (1.f - x[i]); }); break;
  }
  return undef(a.env);
}

// select(heap, condOff (uint8), aOff, bOff, yOff, outShape, cStrides, aStrides, bStrides)
napi_value Select(Args &a) {
  auto shape = a.ints(5), sc = a.ints(6, shape.size()), sa = a.ints(7, shape.size()), sb = a.ints(8, shape.size());
  const uint8_t *Cd = a.u8(1, strided_extent(shape, sc));
  const float *A = a.f32(2, strided_extent(shape, sa));
  const float *B = a.f32(3, strided_extent(shape, sb));
  float *Y = a.f32(4, count_of(shape));
  int r = static_cast<int>(shape.size());
  int64_t n = 1;
  for (auto s : shape) n *= s;
  if (r == 1 && sc[0] == 1 && sa[0] == 1 && sb[0] == 1) {
    par_map(n, [&](int64_t i) { Y[i] = blend(Cd[i] != 0, A[i], B[i]); });
    return undef(a.env);
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
  return undef(a.env);
}

// addN(heap, [offs...], yOff, n)
napi_value AddN(Args &a) {
  auto offs = a.ints(1);
  int64_t n = a.i64(3);
  float *Y = a.f32(2, n);
  std::vector<const float *> xs;
  for (auto o : offs) xs.push_back(reinterpret_cast<const float *>(a.at(o, count_of({n, 4}), 1, 4)));
  par_map(n, [&](int64_t i) {
    float s = 0;
    for (auto x : xs) s += x[i];
    Y[i] = s;
  });
  return undef(a.env);
}

// cast(heap, xOff, xType, yOff, yType, n): types by kDTypes (bool is one byte per element).
napi_value Cast(Args &a) {
  int xt = checked_code(kDTypes, a.i64(2), "dtype");
  int yt = checked_code(kDTypes, a.i64(4), "dtype");
  int64_t n = a.i64(5);
  uint8_t *X = a.at(a.i64(1), count_of({n, dtype_bytes(xt)}), 1, dtype_bytes(xt));
  uint8_t *Yp = a.at(a.i64(3), count_of({n, dtype_bytes(yt)}), 3, dtype_bytes(yt));
  auto get = [&](int64_t i) -> double {
    if (xt == DT_FLOAT32) return reinterpret_cast<float *>(X)[i];
    if (xt == DT_INT32) return reinterpret_cast<int32_t *>(X)[i];
    return X[i];
  };
  par_map(n, [&](int64_t i) {
    double v = get(i);
    if (yt == DT_FLOAT32) reinterpret_cast<float *>(Yp)[i] = static_cast<float>(v);
    else if (yt == DT_INT32) reinterpret_cast<int32_t *>(Yp)[i] = static_cast<int32_t>(v);
    else Yp[i] = v != 0;
  });
  return undef(a.env);
}

}  // namespace animegan
