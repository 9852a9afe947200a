// The NT MatMul kernels (portable and AVX-512) against a naive double reference on random
// shapes: odd N and K around the 16-lane tiles, M over every row-block remainder, strided A and
// B^T rows; the symmetric X · X^T path equals the full product bit for bit. Tolerance: 1e-5 of
// the sum of |terms| of each output, plus 1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "graph/ops/nn/matmul_nt.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {
namespace {

struct Shape3 {
  int64_t m, n, k;
};

const Shape3 kShapes[] = {{27, 27, 64}, {1, 1, 1}, {9, 17, 15}, {8, 16, 16}, {13, 33, 31}, {7, 5, 3},
                          {17, 48, 1},  {3, 40, 100}, {31, 15, 17}, {2, 64, 0}};

std::vector<float> random_values(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(count);
  for (float& x : v) x = u(rng);
  return v;
}

void run(nn::NtPackFn pack, nn::SmallGemmFn gemm) {
  std::mt19937 rng(7);
  for (const Shape3& s : kShapes) {
    SCOPED_TRACE("m " + std::to_string(s.m) + " n " + std::to_string(s.n) + " k " + std::to_string(s.k));
    const int64_t bt_rs = s.k + 3, a_rs = s.k + 5;  // padded rows: strides are honoured
    const std::vector<float> bt = random_values(static_cast<size_t>(s.n * bt_rs), rng);
    const std::vector<float> a = random_values(static_cast<size_t>(s.m * a_rs), rng);
    const int64_t ld = nn::nt_packed_ld(s.n);
    std::vector<float> bp(static_cast<size_t>(s.k * ld), 99.0f);
    pack(bt.data(), bt_rs, s.n, s.k, bp.data(), ld);
    for (int64_t p = 0; p < s.k; ++p)
      for (int64_t j = 0; j < ld; ++j)
        ASSERT_EQ(bp[p * ld + j], j < s.n ? bt[j * bt_rs + p] : 0.0f) << "pack p " << p << " j " << j;
    const int64_t ldc = s.n + 2;
    std::vector<float> c(static_cast<size_t>(s.m * ldc), 42.0f);
    gemm(s.m, s.n, s.k, a.data(), a_rs, 1, bp.data(), ld, c.data(), ldc, false);
    // A read transposed too (column stride != 1): the same product of A's transpose's transpose.
    std::vector<float> at(static_cast<size_t>(s.k * s.m + 1));
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t p = 0; p < s.k; ++p) at[p * s.m + i] = a[i * a_rs + p];
    std::vector<float> c2(c.size(), 42.0f);
    gemm(s.m, s.n, s.k, at.data(), 1, s.m, bp.data(), ld, c2.data(), ldc, false);
    for (int64_t i = 0; i < s.m; ++i) {
      for (int64_t j = 0; j < ldc; ++j) {
        if (j >= s.n) {  // past the row: untouched
          ASSERT_EQ(c[i * ldc + j], 42.0f) << i << "," << j;
          continue;
        }
        double want = 0, scale = 0;
        for (int64_t p = 0; p < s.k; ++p) {
          const double t = double{a[i * a_rs + p]} * bt[j * bt_rs + p];
          want += t, scale += std::fabs(t);
        }
        ASSERT_NEAR(c[i * ldc + j], want, 1e-5 * scale + 1e-6) << i << "," << j;
        ASSERT_NEAR(c2[i * ldc + j], want, 1e-5 * scale + 1e-6) << i << "," << j;
      }
    }
  }
}

// X · X^T through the symmetric path equals the full product exactly (same FMAs per element).
void run_symmetric(nn::NtPackFn pack, nn::SmallGemmFn gemm) {
  std::mt19937 rng(11);
  for (const Shape3& s : kShapes) {
    SCOPED_TRACE("n " + std::to_string(s.n) + " k " + std::to_string(s.k));
    const int64_t rs = s.k + 1;
    const std::vector<float> x = random_values(static_cast<size_t>(s.n * rs), rng);
    const int64_t ld = nn::nt_packed_ld(s.n);
    std::vector<float> bp(static_cast<size_t>(s.k * ld));
    pack(x.data(), rs, s.n, s.k, bp.data(), ld);
    std::vector<float> full(static_cast<size_t>(s.n * s.n), 42.0f), sym(full.size(), 42.0f);
    gemm(s.n, s.n, s.k, x.data(), rs, 1, bp.data(), ld, full.data(), s.n, false);
    gemm(s.n, s.n, s.k, x.data(), rs, 1, bp.data(), ld, sym.data(), s.n, true);
    for (size_t i = 0; i < full.size(); ++i) ASSERT_EQ(sym[i], full[i]) << i;
    for (int64_t i = 0; i < s.n; ++i)
      for (int64_t j = 0; j < s.n; ++j) ASSERT_EQ(full[i * s.n + j], full[j * s.n + i]) << i << "," << j;
  }
}

TEST(MatMulNt, PortableSymmetricEqualsFull) { run_symmetric(nn::nt_pack_generic, nn::small_gemm_generic); }

#if defined(__x86_64__)
TEST(MatMulNt, Avx512SymmetricEqualsFull) {
  if (!kernels::isa_supported(kernels::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  run_symmetric(nn::nt_pack_avx512, nn::small_gemm_avx512);
}
#endif

TEST(MatMulNt, PortableMatchesReference) { run(nn::nt_pack_generic, nn::small_gemm_generic); }

#if defined(__x86_64__)
TEST(MatMulNt, Avx512MatchesReference) {
  if (!kernels::isa_supported(kernels::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  run(nn::nt_pack_avx512, nn::small_gemm_avx512);
}
#endif

}  // namespace
}  // namespace coreinfer::nntest
