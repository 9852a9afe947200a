// Attention against a direct double-precision evaluation: GQA head mapping, causal limits,
// sliding window, several sequences with their own caches.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/thread_pool.h"
#include "ops/attention.h"
#include "ops/rope.h"

namespace coreinfer::ops {
namespace {

std::vector<double> reference(const AttentionShape& s, const float* q, int32_t pos, const KvView& kv, float scale) {
  const int64_t group = s.n_heads / s.n_kv_heads;
  std::vector<double> out(static_cast<size_t>(s.n_heads * s.head_dim), 0.0);
  for (int64_t h = 0; h < s.n_heads; ++h) {
    const int64_t kvh = h / group;
    const int64_t first = s.sliding_window ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
    std::vector<double> w;
    double mx = -1e300;
    for (int64_t j = first; j <= pos; ++j) {
      double d = 0;
      for (int64_t e = 0; e < s.head_dim; ++e) d += double(q[h * s.head_dim + e]) * kv.k[j * kv.row_stride + kvh * s.head_dim + e];
      w.push_back(d * scale);
      mx = std::max(mx, w.back());
    }
    double sum = 0;
    for (double& v : w) sum += v = std::exp(v - mx);
    for (int64_t j = first; j <= pos; ++j) {
      for (int64_t e = 0; e < s.head_dim; ++e) {
        out[static_cast<size_t>(h * s.head_dim + e)] +=
            w[static_cast<size_t>(j - first)] / sum * kv.v[j * kv.row_stride + kvh * s.head_dim + e];
      }
    }
  }
  return out;
}

TEST(Attention, MatchesDirectEvaluation) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  OpContext ctx(pool, kernels::active());
  for (int64_t window : {0, 1, 5}) {
    const AttentionShape s{8, 2, 16, window};
    const int64_t ctx_len = 20, kv_dim = s.n_kv_heads * s.head_dim;
    std::vector<float> k0(ctx_len * kv_dim), v0(ctx_len * kv_dim), k1(ctx_len * kv_dim), v1(ctx_len * kv_dim);
    for (auto* buf : {&k0, &v0, &k1, &v1}) {
      for (float& x : *buf) x = normal(rng);
    }
    const std::vector<int32_t> positions = {0, 7, 19, 3};
    const std::vector<KvView> views = {{k0.data(), v0.data(), kv_dim}, {k0.data(), v0.data(), kv_dim},
                                       {k1.data(), v1.data(), kv_dim}, {k1.data(), v1.data(), kv_dim}};
    const int64_t n = static_cast<int64_t>(positions.size());
    std::vector<float> q(n * s.n_heads * s.head_dim), out(q.size());
    for (float& x : q) x = normal(rng);
    const float scale = 1.0f / std::sqrt(16.0f);
    attention(ctx, s, q.data(), positions.data(), n, views.data(), scale, out.data());
    for (int64_t i = 0; i < n; ++i) {
      const auto ref = reference(s, q.data() + i * s.n_heads * s.head_dim, positions[i], views[i], scale);
      for (size_t e = 0; e < ref.size(); ++e) {
        ASSERT_NEAR(out[i * s.n_heads * s.head_dim + e], ref[e], 1e-5) << "window " << window << " token " << i;
      }
    }
  }
}

TEST(Rope, TableAppliesBaseScaleAndFactors) {
  const float factors[4] = {1.0f, 2.0f, 1.0f, 8.0f};
  const RopeTable t = RopeTable::make(8, 10000.0f, 0.5f, factors);
  ASSERT_EQ(t.inv_freq.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const double expected = 0.5 * std::pow(10000.0, -2.0 * i / 8.0) / factors[i];
    EXPECT_NEAR(t.inv_freq[i], expected, 1e-6 * expected) << i;
  }
}

TEST(Rope, RotatesAdjacentPairs) {
  ThreadPool pool(ThreadPoolOptions{1, {}, false});
  OpContext ctx(pool, kernels::active());
  const RopeTable t = RopeTable::make(4, 10000.0f, 1.0f, nullptr);
  std::vector<float> x = {1, 0, 0, 1, /*head 2*/ 2, 3, 4, 5};
  const int32_t pos = 3;
  rope_rows(ctx, t, x.data(), 1, 2, 4, &pos);
  const double a0 = 3.0, a1 = 3.0 * 0.01;  // base^(-2/4) = 0.01
  EXPECT_NEAR(x[0], std::cos(a0), 1e-5);
  EXPECT_NEAR(x[1], std::sin(a0), 1e-5);
  EXPECT_NEAR(x[2], -std::sin(a1), 1e-5);
  EXPECT_NEAR(x[3], std::cos(a1), 1e-5);
  EXPECT_NEAR(x[4], 2 * std::cos(a0) - 3 * std::sin(a0), 1e-5);
  EXPECT_NEAR(x[5], 2 * std::sin(a0) + 3 * std::cos(a0), 1e-5);
}

}  // namespace
}  // namespace coreinfer::ops
