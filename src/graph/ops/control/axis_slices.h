// Taking one index of a tensor along an axis, and stacking tensors along a new axis: how Loop
// and Scan cut their inputs into iterations and gather the iterations' outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/tensor.h"

namespace coreinfer {

class BufferPool;

// x[..., index, ...] along `axis` (0 <= axis < rank, 0 <= index < dim), the axis removed; a copy.
Result<Tensor> slice_at(const Tensor& x, int64_t axis, int64_t index, BufferPool* buffers);

// Checks that every part has the type and shape of parts[0]; `what` names them in the error.
Status check_same_shapes(const std::vector<Tensor>& parts, const std::string& what);

// Copies `part` into out[..., index, ...] along `axis` of `out` (whose shape is part's with the
// axis inserted). Shapes are checked by the caller.
void place_at(const Tensor& part, int64_t axis, int64_t index, Tensor& out);

}  // namespace coreinfer
