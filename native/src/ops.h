// The operations the addon exports, by family (one source file each), and the operation
// tables shared with TypeScript as addon.ops (lib/backend/native/addon.ts reads them by name).
#pragma once

#include "common.h"

namespace animegan {

// convolution.cc
napi_value Conv(Args &a);
napi_value ConvImpl(Args &a);
void clear_conv_cache();
extern const OpCodes kConvModes;

// matmul.cc
napi_value Matmul(Args &a);
napi_value PeakGflops(Args &a);
void clear_matmul_cache();

// elementwise.cc
napi_value UnaryOp(Args &a);
napi_value BinaryOp(Args &a);
napi_value BcastScale(Args &a);
napi_value EltGrad(Args &a);
napi_value Select(Args &a);
napi_value AddN(Args &a);
napi_value Cast(Args &a);
extern const OpCodes kUnaryOps, kBinaryOps, kCompareOps, kEltGradOps, kDTypes;

// reduction.cc
napi_value Reduce(Args &a);
extern const OpCodes kReduceOps;

// copy.cc
napi_value Tile(Args &a);
napi_value Concat(Args &a);
napi_value Split(Args &a);
napi_value Fill(Args &a);

// normalisation.cc
napi_value BatchNorm(Args &a);
napi_value BnGrad(Args &a);
napi_value BnTrain(Args &a);
napi_value BnTrainGrad(Args &a);
napi_value InGradGrad(Args &a);

// pooling.cc
napi_value Pool(Args &a);
napi_value MaxPoolGrad(Args &a);
extern const OpCodes kPoolOps;

// resize.cc
napi_value Resize(Args &a);
napi_value ResizeGrad(Args &a);

// optimiser.cc
napi_value Adam(Args &a);

}  // namespace animegan
