// matmul against a plain double-precision product of the dequantised weights, for every weight
// type, the GEMV (one token) and tiled GEMM (several tokens) paths, and 1 or 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/thread_pool.h"
#include "ops/matmul.h"

namespace coreinfer::ops {
namespace {

struct Case {
  DType type;
  int64_t rows, cols, tokens;
};

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
          for (int64_t tokens : {1, 3, 9}) {
            SCOPED_TRACE(std::string(dtype_name(type)) + " rows " + std::to_string(rows) + " cols " +
                         std::to_string(cols) + " tokens " + std::to_string(tokens) + " threads " +
                         std::to_string(threads));
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
            const WeightMatrix w{type, rows, cols, wq.data()};
            std::vector<float> y(static_cast<size_t>(tokens * rows));
            matmul(ctx, w, x.data(), tokens, y.data());
            for (int64_t t = 0; t < tokens; ++t) {
              for (int64_t r = 0; r < rows; ++r) {
                double ref = 0, mag = 0;
                for (int64_t c = 0; c < cols; ++c) {
                  ref += static_cast<double>(deq[r * cols + c]) * x[t * cols + c];
                  mag += std::fabs(static_cast<double>(deq[r * cols + c]) * x[t * cols + c]);
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

}  // namespace
}  // namespace coreinfer::ops
