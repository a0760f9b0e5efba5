// Native CPU kernels for the workbook's TensorFlow.js "native" backend: the N-API glue.
//
// Every operation works in place on the WebAssembly heap of the tfjs wasm backend that stores
// the tensors (see common.h). Convolutions and matmuls run on oneDNN (convolution.cc,
// matmul.cc); elementwise work, reductions, normalisation, pooling and the Adam update are
// loops parallelised with OpenMP, the thread pool oneDNN uses (elementwise.cc, reduction.cc,
// copy.cc, normalisation.cc, pooling.cc, optimiser.cc). This file registers them, turns their
// C++ exceptions into JS errors, and exports the operation codes as `ops` so the TypeScript
// side reads them by name.
#include <pthread.h>
#include <signal.h>

#include <string>

#include "common.h"
#include "ops.h"

namespace animegan {
namespace {

struct OpEntry {
  const char *name;
  OpFn fn;
  bool gemm = false;  // runs oneDNN's GEMM kernels (see AsyncSignalsBlocked)
};

// oneDNN 2.x's JIT GEMM kernels (sgemm, and the convolutions and matmuls built on them) point
// the stack pointer into the heap while they run (oneDNN issue #4845, fixed upstream in 2026):
// a signal handled on that thread then writes its frame over heap memory, and the process
// aborts later in free(). Seen here with `node --cpu-prof` (SIGPROF) on the first step, and in
// plain C++ with a SIGALRM timer. So asynchronous signals wait while such an operation runs on
// the calling thread (they are delivered when it returns: Ctrl-C still checkpoints), and the
// OpenMP workers, created below with them blocked, never take any.
class AsyncSignalsBlocked {
 public:
  AsyncSignalsBlocked() {
    sigset_t s;
    sigfillset(&s);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&s, sig);  // synchronous
    pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~AsyncSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  AsyncSignalsBlocked(const AsyncSignalsBlocked &) = delete;
  AsyncSignalsBlocked &operator=(const AsyncSignalsBlocked &) = delete;

 private:
  sigset_t old_;
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
    if (op->gemm) {
      AsyncSignalsBlocked quiet;
      return op->fn(a);
    }
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
    {"conv", Conv, true},     {"convImpl", ConvImpl},       {"matmul", Matmul, true},   {"unary", UnaryOp},
    {"binary", BinaryOp},     {"select", Select},           {"reduce", Reduce},         {"batchNorm", BatchNorm},
    {"addN", AddN},           {"cast", Cast},               {"fill", Fill},             {"tile", Tile},
    {"bcastScale", BcastScale}, {"eltGrad", EltGrad},       {"bnGrad", BnGrad},         {"bnTrain", BnTrain},
    {"bnTrainGrad", BnTrainGrad}, {"inGradGrad", InGradGrad}, {"adam", Adam},           {"maxPoolGrad", MaxPoolGrad}, {"pool", Pool},
    {"concat", Concat},       {"split", Split},             {"resize", Resize},         {"resizeGrad", ResizeGrad},
    {"peakGflops", PeakGflops, true}, {"info", Info},       {"clearCache", ClearCache}};

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
  {
    // libgomp's workers inherit the signal mask of the thread that starts them: start them
    // all now, with asynchronous signals blocked (see AsyncSignalsBlocked).
    AsyncSignalsBlocked quiet;
#pragma omp parallel
    { (void)omp_get_thread_num(); }
  }
  for (const auto &op : kOps) {
    napi_value fn;
    napi_create_function(env, op.name, NAPI_AUTO_LENGTH, call, const_cast<OpEntry *>(&op), &fn);
    napi_set_named_property(env, exports, op.name, fn);
  }
  napi_set_named_property(env, exports, "ops", op_tables(env));
  return exports;
}
