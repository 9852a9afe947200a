#include "ops/matmul.h"

#include <algorithm>
#include <atomic>

#include "kernels/quant/int8_rows.h"

namespace coreinfer::ops {
namespace {

constexpr int64_t kRowGrain = 16;                  // rows per work chunk at least, keeps chunks cache-line friendly
constexpr size_t kTileTargetBytes = 256 * 1024;    // dequantised tile kept in L2

// Calls fn(begin, end) on chunks of [0, rows) taken by the pool's threads as they become free:
// each takes 1 / (2 * threads) of what is left (at least kRowGrain rows), so a thread slowed
// down by something else on its core does not hold the others up at the end (guided schedule).
// Which thread computes a row never changes the row's result.
template <typename Fn>
void rows_guided(OpContext& ctx, int64_t rows, const Fn& fn) {
  if (ctx.threads() == 1 || rows <= kRowGrain) {
    fn(int64_t{0}, rows);
    return;
  }
  std::atomic<int64_t> next{0};
  ctx.pool().run([&](int, int n_threads) {
    for (;;) {
      int64_t begin = next.load(std::memory_order_relaxed);
      int64_t end;
      do {
        if (begin >= rows) return;
        const int64_t share = (rows - begin) / (2 * n_threads);
        const int64_t size = std::max(kRowGrain, (share + kRowGrain - 1) / kRowGrain * kRowGrain);
        end = std::min(rows, begin + size);
      } while (!next.compare_exchange_weak(begin, end, std::memory_order_relaxed));
      fn(begin, end);
    }
  });
}

// n <= kMaxDotVectors tokens: every weight row is read once and dotted with every token, with
// results independent of n (the kernels' bit-identity), which continuous batching relies on.
void dot_rows(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const kernels::WeightKernels& k = ctx.k().weights[static_cast<uint32_t>(w.type)];
  const size_t stride = w.row_stride();
  if (w.layout == WeightLayout::kInt8) {
    // Each token's activations quantised once (a few KB, stays in L1), then streamed against every
    // row: Q8A, or the type's own format (BF16A for BF16 weights).
    const size_t xq_stride = (kernels::KernelTable::act_bytes(k, w.cols) + 63) / 64 * 64;
    uint8_t* xq = ctx.shared_scratch(xq_stride * static_cast<size_t>(n));
    const kernels::QuantizeActFn quantize = ctx.k().act_quantizer(k);
    for (int64_t j = 0; j < n; ++j) quantize(x + j * w.cols, xq + j * xq_stride, w.cols);
    // Chunks start at multiples of kRowGrain rows: row group boundaries (kernel_table.h).
    rows_guided(ctx, w.rows, [&](int64_t begin, int64_t end) {
      k.int8_dot_multi(w.row(begin), stride, end - begin, xq, xq_stride, n, y + begin, w.rows, w.cols);
    });
    return;
  }
  const kernels::DotMultiFn dot = w.layout == WeightLayout::kPacked ? k.packed_dot_multi : k.dot_multi;
  rows_guided(ctx, w.rows, [&](int64_t begin, int64_t end) {
    dot(w.row(begin), stride, end - begin, x, w.cols, n, y + begin, w.rows, w.cols);
  });
}

void gemm_f32_weights(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const auto gemm = ctx.k().gemm_nt_f32;
  const float* a = reinterpret_cast<const float*>(w.data);
  ctx.pool().parallel_for(w.rows, kRowGrain, [&](int64_t begin, int64_t end) {
    gemm(end - begin, n, w.cols, a + begin * w.cols, w.cols, x, w.cols, y + begin, w.rows);
  });
}

void gemm_dequant_tiles(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const kernels::WeightKernels& k = ctx.k().weights[static_cast<uint32_t>(w.type)];
  const auto dequant = w.layout == WeightLayout::kPacked ? k.packed_dequant_row : k.dequant_row;
  const auto gemm = ctx.k().gemm_nt_f32;
  const int64_t tile_rows =
      std::clamp<int64_t>(static_cast<int64_t>(kTileTargetBytes / (sizeof(float) * static_cast<size_t>(w.cols))) / 4 * 4,
                          4, 64);
  const int64_t n_tiles = (w.rows + tile_rows - 1) / tile_rows;
  ctx.pool().run([&](int tid, int n_threads) {
    float* tile = ctx.scratch(tid, static_cast<size_t>(tile_rows * w.cols));
    const int64_t per = (n_tiles + n_threads - 1) / n_threads;
    const int64_t t_begin = per * tid;
    const int64_t t_end = std::min(n_tiles, t_begin + per);
    for (int64_t t = t_begin; t < t_end; ++t) {
      const int64_t r0 = t * tile_rows;
      const int64_t m = std::min(tile_rows, w.rows - r0);
      if (w.layout == WeightLayout::kInt8) {  // tiles start at a multiple of 4 rows: a row group's boundary
        kernels::int8_dequant_rows(k, w.row(r0), w.row_stride(), m, tile, w.cols);
      } else {
        for (int64_t i = 0; i < m; ++i) dequant(w.row(r0 + i), tile + i * w.cols, w.cols);
      }
      gemm(m, n, w.cols, tile, w.cols, x, w.cols, y + r0, w.rows);
    }
  });
}

}  // namespace

void matmul(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  if (n <= kernels::kMaxDotVectors || (w.layout == WeightLayout::kInt8 && n <= kMaxInt8Tokens)) {
    dot_rows(ctx, w, x, n, y);
  } else if (w.type == DType::kF32) {
    gemm_f32_weights(ctx, w, x, n, y);
  } else {
    gemm_dequant_tiles(ctx, w, x, n, y);
  }
}

}  // namespace coreinfer::ops
