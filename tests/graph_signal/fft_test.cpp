// FftPlan (radix-2, direct and Bluestein paths) against a naive double-precision DFT.
// Tolerance: |X_k - ref_k| <= 1e-11 * sum_j |x_j| (double rounding of either method is below
// ~1e-13 of that sum at these lengths; any wrong twiddle or index gives errors of order 1).
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops/signal/fft.h"
#include "signal_test_util.h"

namespace coreinfer::sigtest {
namespace {

using signal::cplx;
using signal::FftPlan;

std::vector<cplx> random_signal(int64_t n, std::mt19937& rng) {
  const auto re = random_values(static_cast<size_t>(n), rng), im = random_values(static_cast<size_t>(n), rng);
  std::vector<cplx> x(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) x[j] = cplx(re[j], im[j]);
  return x;
}

double abs_sum(const std::vector<cplx>& x) {
  double s = 0;
  for (const auto& v : x) s += std::abs(v);
  return s;
}

TEST(Fft, MatchesNaiveDftForManyLengths) {
  // Powers of two (radix-2), short others (direct sum), long others (Bluestein).
  const int64_t lengths[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 60, 64, 65, 97, 100, 128, 255, 256, 1000, 1024, 1031};
  std::mt19937 rng(7);
  for (const int64_t n : lengths) {
    const auto x = random_signal(n, rng);
    auto plan = FftPlan::create(n);
    ASSERT_TRUE(plan.is_ok()) << n;
    std::vector<cplx> fwd = x, bwd = x, scratch(static_cast<size_t>(plan->scratch_size()));
    plan->forward(fwd.data(), scratch.data());
    plan->backward(bwd.data(), scratch.data());
    const auto ref_f = naive_dft(x, -1), ref_b = naive_dft(x, +1);
    const double tol = 1e-11 * abs_sum(x);
    for (int64_t k = 0; k < n; ++k) {
      ASSERT_LE(std::abs(fwd[k] - ref_f[k]), tol) << "forward n=" << n << " k=" << k;
      ASSERT_LE(std::abs(bwd[k] - ref_b[k]), tol) << "backward n=" << n << " k=" << k;
    }
  }
}

TEST(Fft, KnownSmallTransform) {
  // DFT of [1, 2, 3, 4] = [10, -2+2i, -2, -2-2i]; of [1, 1, 1] = [3, 0, 0].
  auto p4 = FftPlan::create(4);
  ASSERT_TRUE(p4.is_ok());
  std::vector<cplx> x = {1, 2, 3, 4};
  p4->forward(x.data(), nullptr);
  const cplx want4[] = {{10, 0}, {-2, 2}, {-2, 0}, {-2, -2}};
  for (int k = 0; k < 4; ++k) EXPECT_LT(std::abs(x[k] - want4[k]), 1e-14) << k;
  auto p3 = FftPlan::create(3);
  ASSERT_TRUE(p3.is_ok());
  std::vector<cplx> y = {1, 1, 1}, scratch(3);
  p3->forward(y.data(), scratch.data());
  EXPECT_LT(std::abs(y[0] - cplx(3, 0)), 1e-14);
  EXPECT_LT(std::abs(y[1]), 1e-14);
  EXPECT_LT(std::abs(y[2]), 1e-14);
}

TEST(Fft, RejectsLengthsOutOfRange) {
  EXPECT_FALSE(FftPlan::create(0).is_ok());
  EXPECT_FALSE(FftPlan::create(-3).is_ok());
  EXPECT_FALSE(FftPlan::create(signal::kMaxFftLength + 1).is_ok());
}

}  // namespace
}  // namespace coreinfer::sigtest
