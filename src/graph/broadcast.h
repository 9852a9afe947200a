// Multidirectional (numpy-style) broadcasting, shared by every element-wise operator.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "graph/tensor.h"

namespace coreinfer {

// The broadcast shape of all `shapes` (right-aligned; each dim equal or 1), or an error naming both.
Result<Shape> broadcast_shapes(std::span<const Shape> shapes);

// Element strides of an input of shape `in` laid over `out` (right-aligned): 0 on broadcast dims.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Walks rows [row_begin, row_end) of `out` (a row is one run of its innermost dimension) in
// order, calling fn_run(out_begin, count, offsets[N], inner_strides[N]) with each input's element
// offset at the run's start, so callers can vectorise the run.
template <size_t N, typename RunFn>
void broadcast_for_each_run_in_rows(const Shape& out, const std::array<std::vector<int64_t>, N>& strides,
                                    int64_t row_begin, int64_t row_end, RunFn&& fn_run) {
  const int rank = static_cast<int>(out.size());
  std::array<int64_t, N> inner{}, off{};
  if (rank == 0) {
    if (row_begin < 1 && row_end > 0) fn_run(int64_t{0}, int64_t{1}, off, inner);
    return;
  }
  const int64_t inner_n = out[rank - 1];
  for (size_t k = 0; k < N; ++k) inner[k] = strides[k][rank - 1];
  // Position of row_begin: its index in each outer dimension and the inputs' offsets there.
  std::vector<int64_t> idx(rank, 0);
  int64_t r = row_begin;
  for (int d = rank - 2; d >= 0; --d) {
    idx[d] = r % out[d];
    r /= out[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * strides[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    fn_run(row * inner_n, inner_n, off, inner);
    for (int d = rank - 2; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

// Every element of `out`, one run of the innermost dimension at a time (see above).
template <size_t N, typename RunFn>
void broadcast_for_each_run(const Shape& out, const std::array<std::vector<int64_t>, N>& strides, RunFn&& fn_run) {
  const int64_t total = shape_numel(out);
  if (total <= 0) return;
  const int64_t rows = out.empty() ? 1 : total / out.back();
  broadcast_for_each_run_in_rows<N>(out, strides, 0, rows, fn_run);
}

}  // namespace coreinfer
