// The packed SGEMM's epilogues against a scalar reference: row bias, column bias, residual,
// Relu / Clip, accumulate, deep K (several depth blocks), and the batched-image column layout
// (column j at (j / image_cols) * image_stride + j % image_cols), at every kernel level.
// Tolerance: 1e-5 * sum|a*b| + 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/thread_pool.h"
#include "graph/ops/nn/sgemm.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {
namespace {

struct EpiCase {
  int64_t m, n, k;
  bool row_bias, col_bias, residual, accumulate;
  Activation::Kind act;
  int64_t image_cols;  // 0: plain layout
};

// The GEMM kernel levels of this architecture (those the CPU lacks are skipped).
#if defined(__aarch64__)
constexpr kernels::Isa kGemmLevels[] = {kernels::Isa::kScalar, kernels::Isa::kNeon};
#else
constexpr kernels::Isa kGemmLevels[] = {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512};
#endif

std::vector<float> random_vec(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

void run_case(const EpiCase& c, kernels::Isa isa, ThreadPool* pool, uint32_t seed) {
  kernels::KernelTable table;
  if (!kernels::build_table(isa, &table)) GTEST_SKIP();
  const nn::GemmKernel kern = nn::select_gemm_kernel(table);
  std::mt19937 rng(seed);
  const std::vector<float> a = random_vec(c.m * c.k, rng), b = random_vec(c.k * c.n, rng);
  const std::vector<float> rb = random_vec(c.m, rng), cb = random_vec(c.n, rng);
  // C's layout: plain [m][n], or images of image_cols columns: [images][m][image_cols].
  const int64_t icols = c.image_cols > 0 ? c.image_cols : c.n;
  const int64_t images = (c.n + icols - 1) / icols;
  const int64_t ldc = c.image_cols > 0 ? icols : c.n, istride = c.m * icols;
  const int64_t size = c.image_cols > 0 ? images * istride : c.m * c.n;
  auto offset = [&](int64_t i, int64_t j) {
    return c.image_cols > 0 ? (j / icols) * istride + i * ldc + j % icols : i * ldc + j;
  };
  const std::vector<float> res = random_vec(size, rng), init = random_vec(size, rng);
  // Past C: sentinels no tile may touch.
  constexpr float kSentinel = 12345.0f;
  std::vector<float> out = init;
  out.resize(static_cast<size_t>(size + 64), kSentinel);

  nn::GemmEpilogue epi;
  epi.accumulate = c.accumulate;
  epi.row_bias = c.row_bias ? rb.data() : nullptr;
  epi.col_bias = c.col_bias ? cb.data() : nullptr;
  epi.residual = c.residual ? res.data() : nullptr;
  epi.act.kind = c.act;
  epi.act.a = -0.25f;
  epi.act.b = 0.5f;
  epi.image_cols = c.image_cols;
  epi.image_stride = c.image_cols > 0 ? istride : 0;
  const nn::PackedA pa = nn::pack_a(kern, c.m, c.k, nn::MatrixView{a.data(), c.k, 1});
  nn::GemmB src;
  src.view = nn::MatrixView{b.data(), c.n, 1};
  std::vector<const Tensor*> no_in;
  std::vector<Tensor> no_out;
  OpRunContext ctx{no_in, no_out, pool, table};
  nn::sgemm(ctx, kern, c.m, c.n, c.k, pa, src, out.data(), ldc, epi);

  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double v = 0, scale = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        v += static_cast<double>(a[i * c.k + p]) * b[p * c.n + j];
        scale += std::fabs(a[i * c.k + p] * b[p * c.n + j]);
      }
      const int64_t o = offset(i, j);
      if (c.accumulate) v += init[o];
      if (c.row_bias) v += rb[i];
      if (c.col_bias) v += cb[j];
      if (c.residual) v += res[o];
      if (c.act == Activation::Kind::kRelu) v = std::max(v, 0.0);
      if (c.act == Activation::Kind::kClip) v = std::min(std::max(v, -0.25), 0.5);
      ASSERT_NEAR(out[o], v, 1e-5 * scale + 1e-5) << "i=" << i << " j=" << j << " m=" << c.m << " n=" << c.n
                                                  << " k=" << c.k << " isa=" << kernels::isa_name(isa);
    }
  // Padding between images: none here (image_stride = m * image_cols); nothing past C written.
  for (int64_t i = size; i < size + 64; ++i) ASSERT_EQ(out[i], kSentinel) << "written past C at " << i - size;
}

TEST(SgemmEpilogue, MatchesReference) {
  using K = Activation::Kind;
  const std::vector<EpiCase> cases = {
      {17, 45, 13, true, false, false, false, K::kRelu, 0},
      {16, 64, 8, false, true, false, false, K::kRelu, 0},     // column bias before Relu
      {33, 70, 900, true, true, true, false, K::kRelu, 0},     // deep K: three depth blocks
      {9, 31, 5, false, false, true, true, K::kClip, 0},       // accumulate + residual + Clip
      {40, 5 * 49, 24, true, false, true, false, K::kRelu, 49},  // images of 7x7: tiles span two
      {12, 3 * 7, 400, true, false, true, true, K::kNone, 7},  // tiny images, deep K, accumulate
      {64, 2 * 96, 16, false, false, false, false, K::kRelu, 96},  // images of whole tiles
      {50, 300, 70, true, true, false, false, K::kRelu, 0},    // 4 threads: a 2 x 2 grid of parts
      {256, 196, 30, true, false, true, false, K::kNone, 0},   // narrow C: split by rows
      {8, 1000, 20, false, true, false, false, K::kNone, 0},   // one row panel: split by columns
      {72, 49, 1153, true, false, true, false, K::kRelu, 49},  // 7x7 at batch 1: tail tile, uneven depth blocks
      {24, 196, 800, false, true, false, true, K::kClip, 0},   // 14x14: a 4-column tail, accumulate
      {16, 33, 40, true, false, true, false, K::kRelu, 0},     // a 1-column tail tile
      {11, 50, 500, false, false, true, true, K::kClip, 0},    // 18 = a narrow tile + a 2-column tail
      {8, 35, 9, true, false, false, false, K::kNone, 0},      // a 3-column tail
      // Fewer rows than a panel (GemmKernel::few_rows): a Linear layer at batch 1..4, and 5 rows
      // (the full-panel edge path).
      {1, 1000, 1280, false, true, false, false, K::kNone, 0},  // deep K, column bias
      {1, 17, 5, true, false, true, true, K::kRelu, 0},         // one narrow column tile
      {2, 45, 13, true, false, true, true, K::kRelu, 0},
      {3, 70, 900, true, true, true, false, K::kClip, 0},
      {4, 2 * 49, 30, true, false, true, false, K::kRelu, 49},  // images: tiles span two
      {5, 33, 7, false, true, false, true, K::kNone, 0},
      {9, 40, 20, true, false, false, false, K::kRelu, 0},      // a second panel of one row
  };
  ThreadPoolOptions o;
  o.threads = 2;
  ThreadPool pool(o);
  o.threads = 4;  // more workers than this machine's cores: partitions, not speed
  ThreadPool pool4(o);
  uint32_t seed = 1;
  for (kernels::Isa isa : kGemmLevels)
    for (const EpiCase& c : cases)
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool, &pool4}) run_case(c, isa, p, seed++);
}

// A NaN in A reaches its row of C and stays NaN through Relu and Clip, in full tiles, few-row
// tiles and edge tiles alike, as the unfused Relu / Clip ops and bias_act leave it.
TEST(SgemmEpilogue, NanThroughReluAndClip) {
  using K = Activation::Kind;
  const int64_t m = 9, n = 40, k = 8;  // rows 0-7 a full panel (x86), row 8 a one-row tile
  std::mt19937 rng(7);
  std::vector<float> a = random_vec(m * k, rng);
  const std::vector<float> b = random_vec(k * n, rng), rb = random_vec(m, rng);
  a[2 * k + 3] = std::nanf("");
  a[8 * k + 1] = std::nanf("");
  for (kernels::Isa isa : kGemmLevels)
    for (K act : {K::kRelu, K::kClip}) {
      kernels::KernelTable table;
      if (!kernels::build_table(isa, &table)) continue;
      const nn::GemmKernel kern = nn::select_gemm_kernel(table);
      nn::GemmEpilogue epi;
      epi.row_bias = rb.data();
      epi.act.kind = act;
      epi.act.a = 0.0f;
      epi.act.b = 6.0f;
      const nn::PackedA pa = nn::pack_a(kern, m, k, nn::MatrixView{a.data(), k, 1});
      nn::GemmB src;
      src.view = nn::MatrixView{b.data(), n, 1};
      std::vector<float> out(static_cast<size_t>(m * n), -1.0f);
      std::vector<const Tensor*> no_in;
      std::vector<Tensor> no_out;
      OpRunContext ctx{no_in, no_out, nullptr, table};
      nn::sgemm(ctx, kern, m, n, k, pa, src, out.data(), n, epi);
      for (int64_t i : {int64_t{2}, int64_t{8}})
        for (int64_t j = 0; j < n; ++j) {
          const float v = out[static_cast<size_t>(i * n + j)];
          // As the unfused Relu and Clip ops give it: fusion must not change a result.
          ASSERT_TRUE(std::isnan(v)) << (act == K::kRelu ? "Relu" : "Clip") << " row " << i << " col " << j
                                     << " isa " << kernels::isa_name(isa);
        }
      for (int64_t j = 0; j < n; ++j) ASSERT_FALSE(std::isnan(out[static_cast<size_t>(j)]));  // row 0 clean
    }
}

}  // namespace
}  // namespace coreinfer::nntest
