// Whole matrices in the 8-bit path's layout, row groups or not (WeightKernels::int8_row_group):
// the loader repacks with int8_repack_rows, prompt processing decodes tiles with
// int8_dequant_rows. Both walk every whole group of rows through the group functions and the
// rest through the row ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

// Writes the n_rows GGUF rows at src (row r at src + r * stride) in k's 8-bit layout at dst (same
// stride). n_rows is the matrix's row count, or a multiple of the group.
void int8_repack_rows(const WeightKernels& k, const void* src, size_t stride, void* dst, int64_t n_rows, int64_t n);

// Decodes n_rows rows of k's 8-bit layout at w (a group boundary; n_rows a multiple of the group
// or reaching the matrix's last row) into y + r * n, bit for bit the GGUF dequant of each row.
void int8_dequant_rows(const WeightKernels& k, const void* w, size_t stride, int64_t n_rows, float* y, int64_t n);

}  // namespace coreinfer::kernels
