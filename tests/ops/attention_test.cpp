// Attention against a direct double-precision evaluation: GQA head mapping, causal limits,
// sliding window, several sequences with their own block tables in one shared pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "core/thread_pool.h"
#include "ops/attention.h"
#include "ops/rope.h"

namespace coreinfer::ops {
namespace {

// One sequence's keys and values as dense rows [positions][kv_dim].
struct DenseKv {
  std::vector<float> k, v;
};

std::vector<double> reference(const AttentionShape& s, const float* q, int32_t pos, const DenseKv& kv, float scale) {
  const int64_t group = s.n_heads / s.n_kv_heads;
  const int64_t kv_dim = s.n_kv_heads * s.head_dim;
  std::vector<double> out(static_cast<size_t>(s.n_heads * s.head_dim), 0.0);
  for (int64_t h = 0; h < s.n_heads; ++h) {
    const int64_t kvh = h / group;
    const int64_t first = s.sliding_window ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
    std::vector<double> w;
    double mx = -1e300;
    for (int64_t j = first; j <= pos; ++j) {
      double d = 0;
      for (int64_t e = 0; e < s.head_dim; ++e) d += double(q[h * s.head_dim + e]) * kv.k[j * kv_dim + kvh * s.head_dim + e];
      w.push_back(d * scale);
      mx = std::max(mx, w.back());
    }
    double sum = 0;
    for (double& v : w) sum += v = std::exp(v - mx);
    for (int64_t j = first; j <= pos; ++j) {
      for (int64_t e = 0; e < s.head_dim; ++e) {
        out[static_cast<size_t>(h * s.head_dim + e)] +=
            w[static_cast<size_t>(j - first)] / sum * kv.v[j * kv_dim + kvh * s.head_dim + e];
      }
    }
  }
  return out;
}

// Sequences' rows copied into a shared pool of blocks (K rows then V rows per block), the
// blocks handed out in a shuffled order so no sequence's blocks are adjacent or ascending.
struct PagedKv {
  int64_t block_tokens = 0, kv_dim = 0;
  std::vector<float> pool;
  std::vector<std::vector<int32_t>> tables;

  PagedKv(const std::vector<DenseKv>& seqs, int64_t positions, int64_t block_tokens_, int64_t kv_dim_, unsigned seed)
      : block_tokens(block_tokens_), kv_dim(kv_dim_) {
    const int64_t per_seq = (positions + block_tokens - 1) / block_tokens;
    const int64_t n_blocks = per_seq * static_cast<int64_t>(seqs.size()) + 3;  // a few left unused
    std::vector<int32_t> order(static_cast<size_t>(n_blocks));
    for (size_t b = 0; b < order.size(); ++b) order[b] = static_cast<int32_t>(b);
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    pool.assign(static_cast<size_t>(n_blocks * block_stride()), std::nanf(""));  // unused rows poison the result
    size_t next = 0;
    for (const DenseKv& seq : seqs) {
      std::vector<int32_t>& t = tables.emplace_back();
      for (int64_t i = 0; i < per_seq; ++i) t.push_back(order[next++]);
      for (int64_t p = 0; p < positions; ++p) {
        const int32_t block = t[static_cast<size_t>(p / block_tokens)];
        float* k = pool.data() + block * block_stride() + (p % block_tokens) * kv_dim;
        std::copy_n(seq.k.data() + p * kv_dim, kv_dim, k);
        std::copy_n(seq.v.data() + p * kv_dim, kv_dim, k + block_tokens * kv_dim);
      }
    }
  }
  int64_t block_stride() const { return 2 * block_tokens * kv_dim; }
  KvView view(size_t seq) const {
    return {pool.data(), tables[seq].data(), block_tokens, block_stride(), block_tokens * kv_dim, kv_dim};
  }
};

TEST(Attention, MatchesDirectEvaluation) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  OpContext ctx(pool, kernels::active());
  for (int64_t window : {0, 1, 5}) {
    const AttentionShape s{8, 2, 16, window};
    const int64_t ctx_len = 20, kv_dim = s.n_kv_heads * s.head_dim;
    std::vector<DenseKv> seqs(2);
    for (DenseKv& d : seqs) {
      d.k.resize(ctx_len * kv_dim);
      d.v.resize(ctx_len * kv_dim);
      for (float& x : d.k) x = normal(rng);
      for (float& x : d.v) x = normal(rng);
    }
    const std::vector<int32_t> positions = {0, 7, 19, 3};
    const std::vector<size_t> seq_of = {0, 0, 1, 1};
    const int64_t n = static_cast<int64_t>(positions.size());
    std::vector<float> q(n * s.n_heads * s.head_dim), contiguous(q.size());
    for (float& x : q) x = normal(rng);
    const float scale = 1.0f / std::sqrt(16.0f);
    // Block sizes below, at and above the positions used; ctx_len: one block, a contiguous cache.
    for (int64_t block_tokens : {ctx_len, int64_t{1}, int64_t{4}, int64_t{7}, int64_t{16}, int64_t{32}}) {
      const PagedKv paged(seqs, ctx_len, block_tokens, kv_dim, static_cast<unsigned>(block_tokens));
      std::vector<KvView> views;
      for (size_t seq : seq_of) views.push_back(paged.view(seq));
      std::vector<float> out(q.size());
      attention(ctx, s, q.data(), positions.data(), n, views.data(), scale, out.data());
      for (int64_t i = 0; i < n; ++i) {
        const auto ref = reference(s, q.data() + i * s.n_heads * s.head_dim, positions[i],
                                   seqs[seq_of[static_cast<size_t>(i)]], scale);
        for (size_t e = 0; e < ref.size(); ++e) {
          ASSERT_NEAR(out[i * s.n_heads * s.head_dim + e], ref[e], 1e-5)
              << "window " << window << " block " << block_tokens << " token " << i;
        }
      }
      // The block layout changes where rows live, never the arithmetic.
      if (block_tokens == ctx_len) {
        contiguous = out;
      } else {
        ASSERT_EQ(0, std::memcmp(out.data(), contiguous.data(), sizeof(float) * out.size()))
            << "window " << window << " block " << block_tokens;
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
