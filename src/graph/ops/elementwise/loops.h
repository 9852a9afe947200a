// The loops every element-wise op runs: flat maps over same-sized buffers, and broadcast walks
// that merge adjacent dimensions first so the innermost run is as long as possible (a bias
// [1,C,1,1] over [N,C,H,W] becomes runs of H*W with the bias constant), split across threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "graph/broadcast.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer::elementwise {

// Elements per parallel chunk: large enough that scheduling costs nothing next to the work.
inline constexpr int64_t kGrain = 16384;

// out[i] = op(in[i]) for i < n, parallel over chunks.
template <typename T, typename R, typename Op>
void map_unary(const OpRunContext& ctx, const T* in, R* out, int64_t n, const Op& op) {
  ctx.parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    const T* __restrict x = in;
    R* __restrict y = out;
    for (int64_t i = begin; i < end; ++i) y[i] = op(x[i]);
  });
}

// The output shape and per-input strides of a broadcast, with size-1 output dimensions dropped
// and adjacent dimensions merged wherever every input walks them as one.
template <size_t N>
struct BroadcastPlan {
  Shape shape;                               // merged output shape, rank >= 1
  std::array<std::vector<int64_t>, N> strides;  // per input, per merged dimension
  int64_t inner = 1;                         // shape.back()
  int64_t rows = 0;                          // numel / inner
};

template <size_t N>
BroadcastPlan<N> make_broadcast_plan(const Shape& out, const std::array<const Shape*, N>& ins) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t k = 0; k < N; ++k) full[k] = broadcast_strides(*ins[k], out);
  BroadcastPlan<N> p;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    bool merge = !p.shape.empty();
    for (size_t k = 0; k < N && merge; ++k) merge = p.strides[k].back() == full[k][d] * out[d];
    if (merge) {
      p.shape.back() *= out[d];
      for (size_t k = 0; k < N; ++k) p.strides[k].back() = full[k][d];
    } else {
      p.shape.push_back(out[d]);
      for (size_t k = 0; k < N; ++k) p.strides[k].push_back(full[k][d]);
    }
  }
  if (p.shape.empty()) {
    p.shape.push_back(1);
    for (size_t k = 0; k < N; ++k) p.strides[k].push_back(0);
  }
  p.inner = p.shape.back();
  const int64_t n = shape_numel(out);
  p.rows = p.inner == 0 ? 0 : n / p.inner;
  return p;
}

// Calls fn(out_offset, count, offsets, inner_strides) for rows [row_begin, row_end) of the plan;
// every inner stride is 0 (broadcast) or 1 (contiguous).
template <size_t N, typename RunFn>
void for_each_run(const BroadcastPlan<N>& p, int64_t row_begin, int64_t row_end, RunFn&& fn) {
  broadcast_for_each_run_in_rows<N>(p.shape, p.strides, row_begin, row_end, fn);
}

// for_each_run over the whole plan, rows split across the pool.
template <size_t N, typename RunFn>
void parallel_runs(const OpRunContext& ctx, const BroadcastPlan<N>& p, const RunFn& fn) {
  if (p.rows <= 0 || p.inner <= 0) return;
  if (p.inner >= 2 * kGrain) {
    // Long runs (a tensor and a scalar is one run): split each into kGrain pieces so few rows
    // still spread over the threads.
    const int64_t pieces = (p.inner + kGrain - 1) / kGrain;
    ctx.parallel_for(p.rows * pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t row = item / pieces, start = (item % pieces) * kGrain;
        const int64_t len = std::min(kGrain, p.inner - start);
        for_each_run(p, row, row + 1, [&](int64_t o, int64_t, const std::array<int64_t, N>& off,
                                          const std::array<int64_t, N>& inner) {
          std::array<int64_t, N> piece_off;
          for (size_t k = 0; k < N; ++k) piece_off[k] = off[k] + start * inner[k];
          fn(o + start, len, piece_off, inner);
        });
      }
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / p.inner);
  ctx.parallel_for(p.rows, grain, [&](int64_t begin, int64_t end) { for_each_run(p, begin, end, fn); });
}

// One run of a binary op: out[i] = op(a[i*sa], b[i*sb]) with sa, sb in {0, 1}. The four cases
// are separate loops so each one vectorises.
template <typename T, typename R, typename Op>
inline void binary_run(const T* __restrict a, int64_t sa, const T* __restrict b, int64_t sb, R* __restrict out,
                       int64_t n, const Op& op) {
  if (sa != 0 && sb != 0) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
  } else if (sa != 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], bv);
  } else if (sb != 0) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = op(av, b[i]);
  } else {
    const R v = op(*a, *b);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// out (already shaped as the broadcast of a and b) = op(a, b) element-wise.
template <typename T, typename R, typename Op>
void broadcast_binary(const OpRunContext& ctx, const Tensor& a, const Tensor& b, Tensor& out, const Op& op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  R* po = out.data<R>();
  const int64_t n = out.numel();
  if (n == 0) return;
  if (a.numel() == n && b.numel() == n) {  // same shape: one flat run
    ctx.parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
      binary_run(pa + begin, 1, pb + begin, 1, po + begin, end - begin, op);
    });
    return;
  }
  const BroadcastPlan<2> plan = make_broadcast_plan<2>(out.shape(), {&a.shape(), &b.shape()});
  parallel_runs(ctx, plan, [&](int64_t o, int64_t count, const std::array<int64_t, 2>& off,
                               const std::array<int64_t, 2>& inner) {
    binary_run(pa + off[0], inner[0], pb + off[1], inner[1], po + o, count, op);
  });
}

}  // namespace coreinfer::elementwise
