// matmul against a plain double-precision product of the dequantised weights, for every weight
// type in its GGUF layout and (where the type has them) its packed layout and its 8-bit
// activation layout, the dot (up to 8 tokens) and tiled GEMM (more tokens) paths, and 1 or 2
// threads; and batch invariance: with 2..8 tokens every token's output equals, bit for bit, its
// output alone. On the 8-bit path the decode reference multiplies by the activations as Q8A
// holds them (d * q), so the same fp32 summation bound applies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/half.h"
#include "core/thread_pool.h"
#include "kernels/quant/int8_path.h"
#include "kernels/quant/int8_rows.h"
#include "ops/matmul.h"

namespace coreinfer::ops {
namespace {

constexpr WeightLayout kLayouts[] = {WeightLayout::kGguf, WeightLayout::kPacked, WeightLayout::kInt8};

const char* layout_name(WeightLayout l) {
  return l == WeightLayout::kGguf ? "gguf" : l == WeightLayout::kPacked ? "packed" : "int8";
}

bool has_layout(const kernels::WeightKernels& wk, WeightLayout l) {
  return l == WeightLayout::kGguf || (l == WeightLayout::kPacked ? wk.has_packed_layout() : wk.has_int8_path());
}

// Rows `wq` (GGUF layout) rewritten into layout `l`.
std::vector<uint8_t> in_layout(const kernels::WeightKernels& wk, WeightLayout l, const std::vector<uint8_t>& wq,
                               int64_t rows, size_t stride, int64_t cols) {
  std::vector<uint8_t> out(wq.size());
  if (l == WeightLayout::kInt8) {  // row pairs where the level has them
    kernels::int8_repack_rows(wk, wq.data(), stride, out.data(), rows, cols);
    return out;
  }
  const kernels::RepackRowFn repack = l == WeightLayout::kPacked ? wk.repack_row : nullptr;
  if (repack == nullptr) return wq;
  for (int64_t r = 0; r < rows; ++r) repack(wq.data() + r * stride, out.data() + r * stride, cols);
  return out;
}

// x as the 8-bit path sees it: quantised to Q8A and decoded (d * q); for BF16 weights, rounded to
// bf16 (BF16A).
std::vector<float> as_q8a(const kernels::KernelTable& k, const kernels::WeightKernels& wk, const float* x,
                          int64_t cols) {
  std::vector<float> out(static_cast<size_t>(cols));
  if (wk.act_quantize != nullptr) {
    for (int64_t e = 0; e < cols; ++e) out[e] = bf16_to_float(float_to_bf16(x[e]));
    return out;
  }
  std::vector<uint8_t> q(kernels::q8a_bytes(cols));
  k.quantize_act(x, q.data(), cols);
  for (int64_t e = 0; e < cols; ++e)
    out[e] = kernels::q8a_scale(q.data(), cols, e / 32) * static_cast<float>(static_cast<int8_t>(q[e]));
  return out;
}

TEST(Matmul, MatchesTheDequantisedReference) {
  const kernels::KernelTable& k = kernels::active();
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_1,
                         DType::kQ5_0, DType::kQ5_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                         DType::kQ6_K};
  for (int threads : {1, 2}) {
    ThreadPool pool(ThreadPoolOptions{threads, {}, false});
    OpContext ctx(pool, k);
    for (DType type : types) {
      const int block = dtype_info(type).block_size;
      for (int64_t rows : {1, 7, 67}) {
        for (int64_t cols : {int64_t{256}, int64_t{512}}) {
          if (cols % block) continue;
          for (int64_t tokens : {int64_t{1}, int64_t{3}, int64_t{9}, kMaxInt8Tokens, kMaxInt8Tokens + 1})
           for (WeightLayout layout : kLayouts) {
            if (!has_layout(k.weights[static_cast<uint32_t>(type)], layout)) continue;
            SCOPED_TRACE(std::string(dtype_name(type)) + " rows " + std::to_string(rows) + " cols " +
                         std::to_string(cols) + " tokens " + std::to_string(tokens) + " threads " +
                         std::to_string(threads) + " " + layout_name(layout));
            std::vector<float> wf(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(tokens * cols));
            for (float& v : wf) v = normal(rng);
            for (float& v : x) v = normal(rng);
            std::vector<uint8_t> wq(row_bytes(type, cols) * static_cast<size_t>(rows));
            const auto& wk = k.weights[static_cast<uint32_t>(type)];
            ASSERT_NE(wk.quantize_row, nullptr);
            for (int64_t r = 0; r < rows; ++r) wk.quantize_row(wf.data() + r * cols, wq.data() + r * row_bytes(type, cols), cols);
            // Reference: dequantise, then multiply in double.
            std::vector<float> deq(wf.size());
            for (int64_t r = 0; r < rows; ++r) wk.dequant_row(wq.data() + r * row_bytes(type, cols), deq.data() + r * cols, cols);
            const std::vector<uint8_t> wp = in_layout(wk, layout, wq, rows, row_bytes(type, cols), cols);
            const WeightMatrix w{type, rows, cols, wp.data(), layout};
            std::vector<float> y(static_cast<size_t>(tokens * rows));
            matmul(ctx, w, x.data(), tokens, y.data());
            const bool quantised_x = layout == WeightLayout::kInt8 && tokens <= kMaxInt8Tokens;  // >= kMaxDotVectors
            for (int64_t t = 0; t < tokens; ++t) {
              const std::vector<float> xt = quantised_x ? as_q8a(k, wk, x.data() + t * cols, cols)
                                                        : std::vector<float>(x.begin() + t * cols, x.begin() + (t + 1) * cols);
              for (int64_t r = 0; r < rows; ++r) {
                double ref = 0, mag = 0;
                for (int64_t c = 0; c < cols; ++c) {
                  ref += static_cast<double>(deq[r * cols + c]) * xt[c];
                  mag += std::fabs(static_cast<double>(deq[r * cols + c]) * xt[c]);
                }
                // fp32 summation: error <= n·eps·Σ|terms| in the worst case; 4·sqrt(n)·eps·Σ|terms|
                // bounds it in practice for random signs and any summation order.
                const double tol = 4.0 * std::sqrt(static_cast<double>(cols)) * 1.1920929e-7 * mag + 1e-30;
                ASSERT_NEAR(y[t * rows + r], ref, tol) << "token " << t << " row " << r;
              }
            }
          }
        }
      }
    }
  }
}

TEST(Matmul, DecodeBatchesGiveEveryTokenItsOneTokenResultBitForBit) {
  const kernels::KernelTable& k = kernels::active();
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_1,
                         DType::kQ5_0, DType::kQ5_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                         DType::kQ6_K};
  constexpr int64_t kTokens = kernels::kMaxDotVectors;
  for (int threads : {1, 2}) {
    ThreadPool pool(ThreadPoolOptions{threads, {}, false});
    OpContext ctx(pool, k);
    for (DType type : types) {
      const auto& wk = k.weights[static_cast<uint32_t>(type)];
      for (int64_t rows : {1, 37, 300}) {
        for (int64_t cols : {int64_t{256}, int64_t{416}, int64_t{1280}}) {  // 8, 13 and 40 blocks of 32
          if (cols % dtype_info(type).block_size) continue;
          for (WeightLayout layout : kLayouts) {
            if (!has_layout(wk, layout)) continue;
            SCOPED_TRACE(std::string(dtype_name(type)) + " rows " + std::to_string(rows) + " cols " +
                         std::to_string(cols) + " threads " + std::to_string(threads) + " " + layout_name(layout));
            const size_t stride = row_bytes(type, cols);
            std::vector<float> wf(static_cast<size_t>(cols));
            std::vector<uint8_t> wq(stride * static_cast<size_t>(rows));
            for (int64_t r = 0; r < rows; ++r) {
              for (float& v : wf) v = normal(rng);
              wk.quantize_row(wf.data(), wq.data() + r * stride, cols);
            }
            const std::vector<uint8_t> wp = in_layout(wk, layout, wq, rows, stride, cols);
            const WeightMatrix w{type, rows, cols, wp.data(), layout};
            std::vector<float> x(static_cast<size_t>(kTokens * cols));
            for (float& v : x) v = normal(rng);
            std::vector<float> alone(static_cast<size_t>(kTokens * rows));
            for (int64_t t = 0; t < kTokens; ++t) matmul(ctx, w, x.data() + t * cols, 1, alone.data() + t * rows);
            for (int64_t n = 2; n <= kTokens; ++n) {
              std::vector<float> y(static_cast<size_t>(n * rows));
              matmul(ctx, w, x.data(), n, y.data());
              for (int64_t t = 0; t < n; ++t)
                for (int64_t r = 0; r < rows; ++r)
                  ASSERT_EQ(std::memcmp(&y[t * rows + r], &alone[t * rows + r], sizeof(float)), 0)
                      << n << " tokens, token " << t << " row " << r << ": " << y[t * rows + r] << " vs "
                      << alone[t * rows + r];
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace coreinfer::ops
