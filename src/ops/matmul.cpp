#include "ops/matmul.h"

#include <algorithm>

namespace coreinfer::ops {
namespace {

constexpr int64_t kGemvGrain = 16;                 // rows per work chunk, keeps chunks cache-line friendly
constexpr size_t kTileTargetBytes = 256 * 1024;    // dequantised tile kept in L2

void gemv(OpContext& ctx, const WeightMatrix& w, const float* x, float* y) {
  const kernels::DotRowFn dot = ctx.k().weights[static_cast<uint32_t>(w.type)].dot_row;
  ctx.pool().parallel_for(w.rows, kGemvGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) y[r] = dot(w.row(r), x, w.cols);
  });
}

void gemm_f32_weights(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const auto gemm = ctx.k().gemm_nt_f32;
  const float* a = reinterpret_cast<const float*>(w.data);
  ctx.pool().parallel_for(w.rows, kGemvGrain, [&](int64_t begin, int64_t end) {
    gemm(end - begin, n, w.cols, a + begin * w.cols, w.cols, x, w.cols, y + begin, w.rows);
  });
}

void gemm_dequant_tiles(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const auto dequant = ctx.k().weights[static_cast<uint32_t>(w.type)].dequant_row;
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
      for (int64_t i = 0; i < m; ++i) dequant(w.row(r0 + i), tile + i * w.cols, w.cols);
      gemm(m, n, w.cols, tile, w.cols, x, w.cols, y + r0, w.rows);
    }
  });
}

}  // namespace

void matmul(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y) {
  if (n == 1) {
    gemv(ctx, w, x, y);
  } else if (w.type == DType::kF32) {
    gemm_f32_weights(ctx, w, x, n, y);
  } else {
    gemm_dequant_tiles(ctx, w, x, n, y);
  }
}

}  // namespace coreinfer::ops
