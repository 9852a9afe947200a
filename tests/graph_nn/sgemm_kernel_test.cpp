// The fp32 micro-kernels on one tile against a scalar reference: narrow column tiles
// (TileEpilogue::cols, masked loads and stores) must write exactly the first cols columns of C,
// with accumulate, row bias, residual and Relu. Tolerance: 1e-5 * sum|a*b| + 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "graph/ops/nn/sgemm.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {
namespace {

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

void check_tile(const nn::GemmKernel& kern, int cols, int64_t kc, bool accumulate, bool fused, uint32_t seed,
                bool narrow = false) {
  std::mt19937 rng(seed);
  const int mr = kern.mr, nr = kern.nr;
  const int64_t ldc = cols + 5;  // columns past cols hold a sentinel that must survive
  constexpr float kSentinel = 1234.5f;
  const std::vector<float> a = random_floats(static_cast<size_t>(kc * mr), rng);
  const std::vector<float> b = random_floats(static_cast<size_t>(kc * nr), rng);
  const std::vector<float> bias = random_floats(static_cast<size_t>(mr), rng);
  std::vector<float> residual = random_floats(static_cast<size_t>(mr * ldc), rng);
  std::vector<float> c = random_floats(static_cast<size_t>(mr * ldc), rng);
  for (int r = 0; r < mr; ++r)
    for (int64_t j = cols; j < ldc; ++j) c[r * ldc + j] = residual[r * ldc + j] = kSentinel;
  const std::vector<float> init = c;
  nn::TileEpilogue te;
  te.cols = cols;
  if (fused) {
    te.row_bias = bias.data();
    te.residual = residual.data();
    te.ldr = ldc;
    te.relu = true;
  }
  (narrow ? kern.narrow_fn : kern.fn)(kc, a.data(), b.data(), c.data(), ldc, accumulate, &te);
  for (int r = 0; r < mr; ++r)
    for (int64_t j = 0; j < ldc; ++j) {
      const float got = c[r * ldc + j];
      if (j >= cols) {
        ASSERT_EQ(got, kSentinel) << "column " << j << " past cols=" << cols << " written, row " << r;
        continue;
      }
      double v = accumulate ? init[r * ldc + j] : 0.0, scale = 0;
      for (int64_t p = 0; p < kc; ++p) {
        v += static_cast<double>(a[p * mr + r]) * b[p * nr + j];
        scale += std::fabs(a[p * mr + r] * b[p * nr + j]);
      }
      if (fused) v = std::max(v + bias[r] + residual[r * ldc + j], 0.0);
      ASSERT_NEAR(got, v, 1e-5 * scale + 1e-5) << kern.name << " r=" << r << " j=" << j << " cols=" << cols
                                               << " kc=" << kc << " acc=" << accumulate;
    }
}

TEST(SgemmKernel, PartialColumnTiles) {
#if defined(__x86_64__)
  kernels::KernelTable table;
  if (!kernels::build_table(kernels::Isa::kAvx512, &table)) GTEST_SKIP() << "no AVX-512";
  const nn::GemmKernel kern = nn::select_gemm_kernel(table);
  ASSERT_TRUE(kern.partial_cols);
  uint32_t seed = 1;
  for (int cols : {1, 5, 15, 16, 17, 31})
    for (int64_t kc : {1, 7, 300})
      for (bool acc : {false, true})
        for (bool fused : {false, true}) check_tile(kern, cols, kc, acc, fused, seed++);
  // The narrow kernel on the same nr-wide B panels.
  ASSERT_NE(kern.narrow_fn, nullptr);
  for (int cols : {1, 4, 13, kern.narrow_cols})
    for (int64_t kc : {1, 7, 300})
      for (bool acc : {false, true})
        for (bool fused : {false, true}) check_tile(kern, cols, kc, acc, fused, seed++, true);
#else
  GTEST_SKIP() << "masked column tiles are an x86 AVX-512 feature";
#endif
}

// Whole tiles through every kernel: the same reference, cols = NR (TileEpilogue::cols = 0).
TEST(SgemmKernel, FullTilesAtEveryLevel) {
#if defined(__aarch64__)
  const kernels::Isa levels[] = {kernels::Isa::kScalar, kernels::Isa::kNeon};
#else
  const kernels::Isa levels[] = {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512};
#endif
  uint32_t seed = 100;
  for (kernels::Isa isa : levels) {
    kernels::KernelTable table;
    if (!kernels::build_table(isa, &table)) continue;
    const nn::GemmKernel kern = nn::select_gemm_kernel(table);
    for (int64_t kc : {1, 13, 384})
      for (bool acc : {false, true}) {
        std::mt19937 rng(seed++);
        const int mr = kern.mr, nr = kern.nr;
        const std::vector<float> a = random_floats(static_cast<size_t>(kc * mr), rng);
        const std::vector<float> b = random_floats(static_cast<size_t>(kc * nr), rng);
        std::vector<float> c = random_floats(static_cast<size_t>(mr * nr), rng);
        const std::vector<float> init = c;
        kern.fn(kc, a.data(), b.data(), c.data(), nr, acc, nullptr);
        for (int r = 0; r < mr; ++r)
          for (int j = 0; j < nr; ++j) {
            double v = acc ? init[r * nr + j] : 0.0, scale = 0;
            for (int64_t p = 0; p < kc; ++p) {
              v += static_cast<double>(a[p * mr + r]) * b[p * nr + j];
              scale += std::fabs(a[p * mr + r] * b[p * nr + j]);
            }
            ASSERT_NEAR(c[r * nr + j], v, 1e-5 * scale + 1e-5) << kern.name << " r=" << r << " j=" << j;
          }
      }
  }
}

}  // namespace
}  // namespace coreinfer::nntest
