#include "graph/ops/control/axis_slices.h"

#include <cstring>

namespace coreinfer {

namespace {
// Rows before the axis and bytes of one index's block after it.
void split_at_axis(const Shape& shape, int64_t axis, size_t elem, int64_t& outer, size_t& block) {
  outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  block = elem;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) block *= static_cast<size_t>(shape[d]);
}
}  // namespace

Result<Tensor> slice_at(const Tensor& x, int64_t axis, int64_t index, BufferPool* buffers) {
  const size_t elem = elem_size(x.type());
  if (elem == 0) return unsupported(std::string("tensors of type ") + elem_type_name(x.type()) + " cannot be sliced");
  if (axis < 0 || axis >= x.rank() || index < 0 || index >= x.dim(static_cast<int>(axis)))
    return internal_error("slice_at: index " + std::to_string(index) + " on axis " + std::to_string(axis) + " of " +
                          shape_string(x.shape()));
  Shape shape = x.shape();
  const int64_t dim = shape[axis];
  shape.erase(shape.begin() + axis);
  CI_ASSIGN_OR_RETURN(Tensor out, Tensor::allocate_uninitialized(x.type(), shape, buffers));
  int64_t outer;
  size_t block;
  split_at_axis(x.shape(), axis, elem, outer, block);
  const auto* src = static_cast<const std::byte*>(x.raw());
  auto* dst = static_cast<std::byte*>(out.raw());
  for (int64_t o = 0; o < outer && block > 0; ++o)
    std::memcpy(dst + o * block, src + (o * dim + index) * block, block);
  return out;
}

Status check_same_shapes(const std::vector<Tensor>& parts, const std::string& what) {
  for (size_t i = 1; i < parts.size(); ++i)
    if (parts[i].type() != parts[0].type() || parts[i].shape() != parts[0].shape())
      return invalid_argument(what + " must have the same type and shape at every iteration: iteration 0 gave " +
                              elem_type_name(parts[0].type()) + " " + shape_string(parts[0].shape()) +
                              ", iteration " + std::to_string(i) + " gave " + elem_type_name(parts[i].type()) + " " +
                              shape_string(parts[i].shape()));
  return Status::ok();
}

void place_at(const Tensor& part, int64_t axis, int64_t index, Tensor& out) {
  int64_t outer;
  size_t block;
  split_at_axis(out.shape(), axis, elem_size(out.type()), outer, block);
  const int64_t dim = out.shape()[axis];
  const auto* src = static_cast<const std::byte*>(part.raw());
  auto* dst = static_cast<std::byte*>(out.raw());
  for (int64_t o = 0; o < outer && block > 0; ++o)
    std::memcpy(dst + (o * dim + index) * block, src + o * block, block);
}

}  // namespace coreinfer
