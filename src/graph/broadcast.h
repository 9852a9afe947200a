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

// Walks every element of `out` in order, calling fn(out_index, offset_0, ..., offset_{N-1}) with
// each input's element offset. The innermost dimension is passed as a run so callers can
// vectorise: fn_run(out_begin, count, offsets[N], inner_strides[N]).
template <size_t N, typename RunFn>
void broadcast_for_each_run(const Shape& out, const std::array<std::vector<int64_t>, N>& strides, RunFn&& fn_run) {
  const int rank = static_cast<int>(out.size());
  const int64_t total = shape_numel(out);
  if (total <= 0) return;
  if (rank == 0) {
    std::array<int64_t, N> off{}, inner{};
    fn_run(int64_t{0}, int64_t{1}, off, inner);
    return;
  }
  const int64_t inner_n = out[rank - 1];
  std::array<int64_t, N> inner{};
  for (size_t k = 0; k < N; ++k) inner[k] = strides[k][rank - 1];
  std::vector<int64_t> idx(rank, 0);
  std::array<int64_t, N> off{};
  for (int64_t base = 0; base < total; base += inner_n) {
    fn_run(base, inner_n, off, inner);
    for (int d = rank - 2; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

}  // namespace coreinfer
