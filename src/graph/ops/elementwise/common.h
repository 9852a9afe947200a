// Shared helpers of the element-wise ops: input checks, float16/bfloat16 support by widening,
// and the per-file registration functions.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer::elementwise {

// Input i, or an error naming it when it is absent.
Result<const Tensor*> required_input(const OpRunContext& ctx, size_t i, const char* name);
// An error unless `b` has the same type as `a` (both named, both types given).
Status check_same_type(const Tensor& a, const char* a_name, const Tensor& b, const char* b_name);

bool is_half_type(ElemType t);  // float16 or bfloat16
// Element-wise conversion of any numeric/bool tensor to `to` (Cast semantics; strings are
// unsupported), parallel on ctx's pool when given.
Result<Tensor> convert_tensor(const Tensor& src, ElemType to, const OpRunContext* ctx = nullptr);

// float16/bfloat16 support for ops that compute in float32: when an input is half, runs `impl` on
// float32 copies of the half inputs and narrows its float32 outputs back to that half type.
// Otherwise runs `impl` on ctx unchanged.
Status run_widening_half(OpRunContext& ctx, const std::function<Status(OpRunContext&)>& impl);

// A kernel from a run function, with half widening.
std::unique_ptr<OpKernel> make_kernel(std::function<Status(OpRunContext&)> fn, bool widen_half = true);

// Registration, one per source file.
void register_unary_math(OpRegistry& r);
void register_activations(OpRegistry& r);
void register_binary_arith(OpRegistry& r);
void register_binary_mod_pow(OpRegistry& r);
void register_compare_logic(OpRegistry& r);
void register_variadic(OpRegistry& r);
void register_where(OpRegistry& r);
void register_cast(OpRegistry& r);

}  // namespace coreinfer::elementwise
