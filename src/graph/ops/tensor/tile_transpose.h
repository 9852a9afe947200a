// The inner kernel of every transpose-like copy: one tile whose source is contiguous along the
// destination's rows. SSE2 (x86-64 baseline) 4x4 / 2x2 register transposes for 4- and 8-byte
// elements; a scalar loop for the rest and on other architectures.
#pragma once

#include <cstddef>
#include <cstdint>

namespace coreinfer::tensor_ops {

// dst[a * dst_row + b] = src[a + b * src_col] for a < rows, b < cols (elements of elem_size
// bytes, 1/2/4/8).
void transpose_tile(size_t elem_size, const std::byte* src, int64_t src_col, std::byte* dst, int64_t dst_row,
                    int64_t rows, int64_t cols);
// The same by a plain loop (the reference the vector path is tested against).
void transpose_tile_scalar(size_t elem_size, const std::byte* src, int64_t src_col, std::byte* dst, int64_t dst_row,
                           int64_t rows, int64_t cols);

// Tile edge (elements) that keeps a tile's source and destination lines in L1.
inline int64_t transpose_tile_edge(size_t elem_size) { return elem_size >= 4 ? 16 : static_cast<int64_t>(64 / elem_size); }

}  // namespace coreinfer::tensor_ops
