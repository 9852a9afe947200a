// Small checks and helpers shared by the signal ops (DFT, STFT, windows, MelWeightMatrix,
// TfIdfVectorizer), and the per-file registration functions.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer::signal {

void register_dft(OpRegistry& r);      // DFT, STFT
void register_windows(OpRegistry& r);  // HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix
void register_tfidf(OpRegistry& r);    // TfIdfVectorizer

// The single value of an int32/int64 tensor of one element (a scalar or shape [1]).
Result<int64_t> scalar_int(const Tensor* t, const char* name);
// The single value of a float/double/float16/bfloat16 tensor of one element.
Result<double> scalar_float(const Tensor* t, const char* name);
// A float32 or float64 input, or an error naming it.
Result<const Tensor*> real_input(const OpRunContext& ctx, size_t i, const char* name);

// Output types the generator ops (windows, MelWeightMatrix) can write.
bool generator_type_supported(ElemType type);
// out[i] = v converted to `type` (one of generator_type_supported).
void store_converted(ElemType type, void* out, int64_t i, double v);
// The output_datatype attribute checked against generator_type_supported.
Result<ElemType> output_datatype(const OpBuildContext& ctx);

template <typename Fn>
Result<std::unique_ptr<OpKernel>> make_kernel(Fn fn) {
  return std::unique_ptr<OpKernel>(new LambdaKernel(std::move(fn)));
}

}  // namespace coreinfer::signal
