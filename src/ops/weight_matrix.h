// A 2-D weight in its stored format: `rows` rows of `cols` elements, row-major, each row
// row_bytes(type, cols) long. The bytes live in the model file's read-only map (GGUF block
// layout) or in memory the loader repacked them into (`packed`: the type's packed layout, see
// kernels/quant/packed.h; same row size).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace coreinfer::ops {

struct WeightMatrix {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  bool packed = false;

  size_t row_stride() const { return row_bytes(type, cols); }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_stride(); }
};

}  // namespace coreinfer::ops
