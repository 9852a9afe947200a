// Shared helpers of the tensor operator group: input checks, index reading, and the one strided
// byte-copy routine every data-movement op (Transpose, Slice, Concat, Expand, Tile, ...) uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "graph/op_kernel.h"

namespace coreinfer::tensor_ops {

using KernelFn = std::function<Status(OpRunContext&)>;
inline Result<std::unique_ptr<OpKernel>> make_kernel(KernelFn fn) {
  return std::unique_ptr<OpKernel>(std::make_unique<LambdaKernel>(std::move(fn)));
}

// Row-major element strides of `shape`.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Input i, which must be present: otherwise "input i ('what') is required".
Result<const Tensor*> required_input(const OpRunContext& ctx, size_t i, const char* what);
// Optional input: nullptr when absent.
inline const Tensor* optional_input(const OpRunContext& ctx, size_t i) { return ctx.input(i); }

bool is_index_type(ElemType t);  // int32 or int64
// Values of an int32/int64 input (shape-like: starts, axes, pads, repeats, ...).
Result<std::vector<int64_t>> index_values(const Tensor& t, const char* what);
// Element i of an int32/int64 tensor (type checked by the caller).
inline int64_t index_at(const Tensor& t, int64_t i) {
  return t.type() == ElemType::kInt64 ? t.data<int64_t>()[i] : static_cast<int64_t>(t.data<int32_t>()[i]);
}
// Fails unless `t` is int32/int64: "'what' must be int32 or int64, got float32".
Status check_index_type(const Tensor& t, const char* what);

// Normalises `axes` against `rank`; rejects out-of-range and repeated axes.
Result<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank);

// Copies the elements of an N-D strided region: for every index i over `shape`,
// dst[sum i_d * dst_strides_d] = src[sum i_d * src_strides_d] (strides in elements; src strides
// may be 0 (broadcast) or negative). src/dst point at element 0 of the region. Contiguous runs
// are memcpy'd; big copies are split over ctx's threads (ctx may be nullptr).
void strided_copy(const OpRunContext* ctx, size_t elem_size, const Shape& shape, const void* src,
                  std::vector<int64_t> src_strides, void* dst, std::vector<int64_t> dst_strides);

// Concat and Split along one axis: `outer` rows, where row o of the joined tensor is row o of
// every part in turn (part p's rows are row_bytes long and packed). Split over ctx's threads by
// byte ranges of the joined tensor, so few big rows and many small ones both balance.
struct ConstRowPart {
  const std::byte* data;
  int64_t row_bytes;
};
struct RowPart {
  std::byte* data;
  int64_t row_bytes;
};
void concat_rows(const OpRunContext* ctx, int64_t outer, std::span<const ConstRowPart> parts, std::byte* joined);
void split_rows(const OpRunContext* ctx, int64_t outer, const std::byte* joined, std::span<const RowPart> parts);

// Writes the transpose of a contiguous tensor of `in_shape`: out dim d = in dim perm[d].
void transpose_copy(const OpRunContext* ctx, size_t elem_size, const Shape& in_shape, const std::vector<int64_t>& perm,
                    const void* src, void* dst);

// Output element (row-major over out_shape) taken from the source element whose index along
// dim d is maps[d][i_d]; a -1 anywhere writes `fill` (elem_size bytes; nullptr = zeros).
// Used by Pad (reflect/edge/wrap/constant) and nearest Resize.
void gather_by_dim_maps(const OpRunContext* ctx, size_t elem_size, const Shape& in_shape,
                        const std::vector<std::vector<int64_t>>& maps, const void* src, void* dst,
                        const void* fill);

// Fills n elements of elem_size bytes with the pattern at `value`.
void fill_pattern(void* dst, int64_t n, size_t elem_size, const void* value);

// The bytes of `v` converted to element type `type` (float, double, ints, bool, float16, bfloat16).
Result<std::vector<std::byte>> scalar_bytes(ElemType type, double v);

std::string join_ints(const std::vector<int64_t>& v);  // "[1,2,3]"

// The node's opset; a graph that declares none (tests, hand-built graphs) gets the newest forms.
inline int64_t opset_of(const OpBuildContext& ctx) { return ctx.opset > 0 ? ctx.opset : 21; }

}  // namespace coreinfer::tensor_ops
