// Native CPU kernels for the workbook's TensorFlow.js "native" backend: the N-API glue.
//
// Every operation works in place on the WebAssembly heap of the tfjs wasm backend that stores
// the tensors (see common.h). Convolutions and matmuls run on oneDNN (convolution.cc,
// matmul.cc); elementwise work, reductions, normalisation, pooling and the Adam update are
// loops parallelised with OpenMP, the thread pool oneDNN uses (elementwise.cc, reduction.cc,
// copy.cc, normalisation.cc, pooling.cc, optimiser.cc). This file registers them, turns their
// C++ exceptions into JS errors, and exports the operation codes as `ops` so the TypeScript
// side reads them by name.
#include <string>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

struct OpEntry {
  const char *name;
  OpFn fn;
};

// Every exported operation runs through here: an exception becomes one JS error naming the
// operation (RangeError for arguments out of range, TypeError for wrong types).
napi_value call(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const auto *op = static_cast<const OpEntry *>(a.data);
  auto message = [&](const char *prefix, const char *what) {
    return std::string("animegan_native.") + op->name + ": " + prefix + what;
  };
  try {
    return op->fn(a);
  } catch (const RangeError &e) {
    napi_throw_range_error(env, nullptr, message("", e.what()).c_str());
  } catch (const TypeError &e) {
    napi_throw_type_error(env, nullptr, message("", e.what()).c_str());
  } catch (const dnnl::error &e) {
    napi_throw_error(env, nullptr, message("oneDNN: ", e.what()).c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, message("", e.what()).c_str());
  }
  return nullptr;
}

napi_value Info(Args &a) {
  const dnnl_version_t *v = dnnl_version();
  std::string s = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                  std::to_string(v->patch) + ", " + std::to_string(omp_get_max_threads()) + " threads";
  napi_value r;
  napi_create_string_utf8(a.env, s.c_str(), s.size(), &r);
  return r;
}

napi_value ClearCache(Args &a) {
  clear_conv_cache();
  clear_matmul_cache();
  return undef(a.env);
}

const OpEntry kOps[] = {
    {"conv", Conv},           {"convImpl", ConvImpl},       {"matmul", Matmul},         {"unary", UnaryOp},
    {"binary", BinaryOp},     {"select", Select},           {"reduce", Reduce},         {"batchNorm", BatchNorm},
    {"addN", AddN},           {"cast", Cast},               {"fill", Fill},             {"tile", Tile},
    {"bcastScale", BcastScale}, {"eltGrad", EltGrad},       {"bnGrad", BnGrad},         {"bnTrain", BnTrain},
    {"bnTrainGrad", BnTrainGrad}, {"adam", Adam},           {"maxPoolGrad", MaxPoolGrad}, {"pool", Pool},
    {"concat", Concat},       {"split", Split},             {"resize", Resize},         {"resizeGrad", ResizeGrad},
    {"peakGflops", PeakGflops},   {"info", Info},             {"clearCache", ClearCache}};

// A frozen { name: code } object.
napi_value code_table(napi_env env, const OpCodes &codes) {
  napi_value obj;
  napi_create_object(env, &obj);
  for (const auto &op : codes) {
    napi_value v;
    napi_create_int32(env, op.code, &v);
    napi_set_named_property(env, obj, op.name, v);
  }
  napi_object_freeze(env, obj);
  return obj;
}

// addon.ops: which code each operation family's `op` (or `mode`, or dtype) argument takes.
napi_value op_tables(napi_env env) {
  const struct {
    const char *name;
    const OpCodes &codes;
  } tables[] = {{"conv", kConvModes},   {"unary", kUnaryOps},     {"binary", kBinaryOps}, {"compare", kCompareOps},
                {"reduce", kReduceOps}, {"pool", kPoolOps},       {"eltGrad", kEltGradOps}, {"dtype", kDTypes}};
  napi_value obj;
  napi_create_object(env, &obj);
  for (const auto &t : tables) napi_set_named_property(env, obj, t.name, code_table(env, t.codes));
  napi_object_freeze(env, obj);
  return obj;
}

}  // namespace
}  // namespace animegan

NAPI_MODULE_INIT() {
  using namespace animegan;
  for (const auto &op : kOps) {
    napi_value fn;
    napi_create_function(env, op.name, NAPI_AUTO_LENGTH, call, const_cast<OpEntry *>(&op), &fn);
    napi_set_named_property(env, exports, op.name, fn);
  }
  napi_set_named_property(env, exports, "ops", op_tables(env));
  return exports;
}
