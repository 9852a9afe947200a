// MaxUnpool: scatters X into a zero tensor of the unpooled shape at the flat positions given by
// I (MaxPool's Indices: offsets into the whole [N, C, spatial...] tensor). The unpooled shape is
// inferred from kernel_shape, strides and pads; a given output_shape (each dim >= the inferred
// one) pads the inferred result with zeros at the end of each axis.
#include <vector>

#include "graph/ops/detection/detection_ops.h"

namespace coreinfer::detection {
namespace {

struct Options {
  std::vector<int64_t> kernel, strides, pads;
};

// Largest inferred spatial extent accepted (the tensor byte cap applies as well).
constexpr int64_t kMaxUnpooledDim = int64_t{1} << 40;

Result<Shape> inferred_shape(const Options& o, const Shape& x) {
  const size_t spatial = o.kernel.size();
  if (x.size() != spatial + 2)
    return invalid_argument("input X must have rank " + std::to_string(spatial + 2) + " ([N, C] + " +
                            std::to_string(spatial) + " dims of kernel_shape), got " + shape_string(x));
  Shape out(x.begin(), x.begin() + 2);
  for (size_t d = 0; d < spatial; ++d) {
    const double extent = static_cast<double>(x[d + 2] - 1) * static_cast<double>(o.strides[d]) -
                          static_cast<double>(o.pads[d]) - static_cast<double>(o.pads[d + spatial]) +
                          static_cast<double>(o.kernel[d]);
    if (extent < 0 || extent > static_cast<double>(kMaxUnpooledDim))
      return invalid_argument("the unpooled size of spatial axis " + std::to_string(d) + " would be " +
                              std::to_string(static_cast<int64_t>(extent)) + " (input " + shape_string(x) +
                              "); check kernel_shape, strides and pads");
    out.push_back(static_cast<int64_t>(extent));
  }
  return out;
}

// The flat offset in `to` of the element at flat offset `index` in `from` (same rank, to >= from).
int64_t remap(int64_t index, const Shape& from, const Shape& to) {
  int64_t offset = 0, stride = 1;
  for (size_t d = from.size(); d-- > 0;) {
    offset += (index % from[d]) * stride;
    index /= from[d];
    stride *= to[d];
  }
  return offset;
}

template <typename Word>
void scatter_words(const void* src, void* dst, int64_t i, int64_t at) {
  static_cast<Word*>(dst)[at] = static_cast<const Word*>(src)[i];
}

Status run_max_unpool(const Options& o, OpRunContext& ctx) {
  const Tensor* x = ctx.input(0);
  if (x == nullptr) return invalid_argument("input X is missing");
  const size_t esize = elem_size(x->type());
  if (esize != 1 && esize != 2 && esize != 4 && esize != 8)
    return unsupported(std::string("input X has unsupported type ") + elem_type_name(x->type()));
  CI_ASSIGN_OR_RETURN(const Tensor* indices, typed_input(ctx, 1, "I", ElemType::kInt64));
  if (indices->shape() != x->shape())
    return invalid_argument("input I must have the shape of X " + shape_string(x->shape()) + ", got " +
                            shape_string(indices->shape()));
  CI_ASSIGN_OR_RETURN(const Shape inferred, inferred_shape(o, x->shape()));
  Shape out_shape = inferred;
  if (const Tensor* given = ctx.input(2); given != nullptr) {
    auto dims = given->to_int64_vector();
    if (!dims.is_ok() || given->type() == ElemType::kBool || given->rank() != 1 || dims->size() != inferred.size())
      return invalid_argument("input output_shape must be a 1-D integer tensor of " + std::to_string(inferred.size()) +
                              " values, got " + elem_type_name(given->type()) + " " + shape_string(given->shape()));
    for (size_t d = 0; d < inferred.size(); ++d)
      if ((*dims)[d] < inferred[d])
        return invalid_argument("output_shape " + shape_string(*dims) + " is smaller than the unpooled shape " +
                                shape_string(inferred) + " on axis " + std::to_string(d));
    out_shape = *dims;
  }
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), out_shape));
  const int64_t limit = shape_numel(inferred);
  const bool padded = out_shape != inferred;
  const int64_t* idx = indices->data<int64_t>();
  void (*scatter)(const void*, void*, int64_t, int64_t) = esize == 1   ? scatter_words<uint8_t>
                                                          : esize == 2 ? scatter_words<uint16_t>
                                                          : esize == 4 ? scatter_words<uint32_t>
                                                                       : scatter_words<uint64_t>;
  // Serial: indices may repeat, and the last write wins as in the reference.
  for (int64_t i = 0; i < x->numel(); ++i) {
    if (idx[i] < 0 || idx[i] >= limit)
      return out_of_range("I[" + std::to_string(i) + "] = " + std::to_string(idx[i]) +
                          " is outside the unpooled tensor " + shape_string(inferred) + " (valid: [0, " +
                          std::to_string(limit) + "))");
    scatter(x->raw(), y->raw(), i, padded ? remap(idx[i], inferred, out_shape) : idx[i]);
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_max_unpool(const OpBuildContext& ctx) {
  Options o;
  o.kernel = ctx.attrs().get_ints("kernel_shape");
  const size_t spatial = o.kernel.size();
  if (spatial == 0) return invalid_argument("attribute kernel_shape is required");
  o.strides = ctx.attrs().get_ints("strides", std::vector<int64_t>(spatial, 1));
  o.pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(spatial * 2, 0));
  if (o.strides.size() != spatial || o.pads.size() != spatial * 2)
    return invalid_argument("attributes strides and pads must have " + std::to_string(spatial) + " and " +
                            std::to_string(spatial * 2) + " values (from kernel_shape), got " +
                            std::to_string(o.strides.size()) + " and " + std::to_string(o.pads.size()));
  for (size_t d = 0; d < spatial; ++d)
    if (o.kernel[d] < 1 || o.strides[d] < 1)
      return invalid_argument("attributes kernel_shape and strides must be >= 1, got " + shape_string(o.kernel) +
                              " and " + shape_string(o.strides));
  for (int64_t p : o.pads)
    if (p < 0) return invalid_argument("attribute pads must be >= 0, got " + shape_string(o.pads));
  return make_kernel([o](OpRunContext& c) { return run_max_unpool(o, c); });
}

}  // namespace coreinfer::detection
