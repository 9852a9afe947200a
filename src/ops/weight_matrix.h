// A 2-D weight in its stored format: `rows` rows of `cols` elements, row-major, each row
// row_bytes(type, cols) long. The bytes live in the model file's read-only map (GGUF block
// layout) or in memory the loader repacked them into (same row size). The layout also says which
// decode-time kernels multiply by it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace coreinfer::ops {

enum class WeightLayout {
  kGguf,    // the file's block layout; fp32 activations (dot_multi)
  kPacked,  // the type's packed layout (kernels/quant/packed.h); fp32 activations (packed_dot_multi)
  kInt8,    // the 8-bit activation path's layout (kernels/quant/int8_path.h; for some types the
            // GGUF layout itself); activations quantised to Q8A, or rounded to bf16 (BF16A) for
            // BF16 weights (int8_dot_multi)
};

struct WeightMatrix {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  WeightLayout layout = WeightLayout::kGguf;

  size_t row_stride() const { return row_bytes(type, cols); }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_stride(); }
};

}  // namespace coreinfer::ops
