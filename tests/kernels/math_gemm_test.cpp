// gemm_nt_f32 of every SIMD level against the scalar reference.
//
// Tolerance: an element of C is a sum of k products. Summed in any order, its absolute error
// is <= gamma(d) * S, S = sum_p |a_ip * b_jp|, d = the depth of that order (+1 for the
// product): k for the reference's left-to-right loop; for a SIMD kernel with L lanes,
// k/L + log2(L) + (number of k-blocks) + 1 <= k/8 + k/16 + 6. So
//   |simd - ref| <= (k + k/8 + k/16 + 8) * u * S  ~=  (1.2k + 8) * u * S.
// With small-integer data every sum is exact, so there the results must be identical bits.
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "math_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

struct GemmShape {
  int64_t m, n, k;
  int offset;   // floats past a 64-byte boundary, for A, B and C
  int64_t pad;  // lda = k + pad, ldb = k + pad + 1, ldc = m + pad
};

std::string describe(const std::string& level, const GemmShape& s) {
  std::ostringstream out;
  out << level << " gemm m=" << s.m << " n=" << s.n << " k=" << s.k << " offset=" << s.offset << " pad=" << s.pad;
  return out.str();
}

void check_gemm(const KernelTable& simd, const KernelTable& ref, const std::string& level, const GemmShape& s,
                bool integers, uint32_t seed) {
  const int64_t lda = s.k + s.pad, ldb = s.k + s.pad + 1, ldc = s.m + s.pad;
  // Row padding of A and B holds NaN: reading past k would poison the result.
  GuardedFloats a(s.m * lda, s.offset, NAN), b(s.n * ldb, (s.offset + 1) % 4, NAN);
  GuardedFloats c_simd(s.n * ldc, (s.offset + 2) % 4, 7.0f), c_ref(s.n * ldc, 0, 7.0f);
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < s.m; ++i) {
    if (integers) fill_small_integers(a.data() + i * lda, s.k, rng);
    else fill_uniform(a.data() + i * lda, s.k, -1.0f, 1.0f, rng);
  }
  for (int64_t j = 0; j < s.n; ++j) {
    if (integers) fill_small_integers(b.data() + j * ldb, s.k, rng);
    else fill_uniform(b.data() + j * ldb, s.k, -1.0f, 1.0f, rng);
  }

  simd.gemm_nt_f32(s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c_simd.data(), ldc);
  ref.gemm_nt_f32(s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c_ref.data(), ldc);

  const std::string what = describe(level, s);
  ASSERT_TRUE(c_simd.guards_intact()) << what << ": wrote outside C";
  int failures = 0;
  for (int64_t j = 0; j < s.n && failures < 5; ++j) {
    for (int64_t i = 0; i < ldc && failures < 5; ++i) {
      const float got = c_simd.data()[j * ldc + i], want = c_ref.data()[j * ldc + i];
      if (i >= s.m) {  // C's row padding must stay untouched
        if (got != 7.0f) ++failures, ADD_FAILURE() << what << ": wrote C padding at i=" << i << " j=" << j;
        continue;
      }
      double bound = 0;
      if (!integers) {
        double sum_abs = 0;
        for (int64_t p = 0; p < s.k; ++p) sum_abs += std::fabs(double(a.data()[i * lda + p]) * b.data()[j * ldb + p]);
        bound = (1.2 * s.k + 8) * kU * sum_abs;
      }
      if (!(std::fabs(double(got) - want) <= bound)) {
        ++failures;
        ADD_FAILURE() << what << (integers ? " (integer data)" : "") << ": C[" << i << "," << j << "] = " << got
                      << ", reference " << want << ", tolerance " << bound;
      }
    }
  }
}

class GemmTest : public LevelTest {};

// Every combination of sizes around the tiles (4 x 4 / 4 x 3), the vector widths (8, 16) and
// their tails, with a varying alignment and leading-dimension padding.
TEST_P(GemmTest, SmallShapesAroundTileAndVectorEdges) {
  const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17};
  const int64_t ns[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};  // 10, 11: tails of 2 and 3 tokens
  const int64_t ks[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100};
  uint32_t seed = 1;
  for (int64_t m : ms) {
    for (int64_t n : ns) {
      for (int64_t k : ks) {
        const GemmShape shape{m, n, k, static_cast<int>((m + n + k) % 4), (m * n) % 3};
        check_gemm(simd, ref, level(), shape, /*integers=*/true, seed++);
        check_gemm(simd, ref, level(), shape, /*integers=*/false, seed++);
        if (HasFailure()) return;
      }
    }
  }
}

// Shapes that cross the k-blocks (512 in AVX2, 1024 in AVX-512) and token blocks (128), and
// long GEMVs (n = 1).
TEST_P(GemmTest, ShapesAcrossCacheBlocks) {
  const GemmShape shapes[] = {
      {37, 133, 1100, 1, 0}, {64, 260, 600, 0, 3}, {5, 129, 513, 3, 1},  {130, 7, 2049, 2, 0},
      {33, 1, 4099, 1, 2},   {1, 1, 8193, 3, 0},   {300, 1, 1024, 0, 0}, {17, 5, 1537, 2, 5},
  };
  uint32_t seed = 1000;
  for (const GemmShape& s : shapes) {
    check_gemm(simd, ref, level(), s, /*integers=*/true, seed++);
    check_gemm(simd, ref, level(), s, /*integers=*/false, seed++);
  }
}

TEST_P(GemmTest, EmptyShapes) {
  GuardedFloats a(64, 0, 1.0f), b(64, 0, 1.0f), c(64, 0, 7.0f);
  simd.gemm_nt_f32(3, 5, 0, a.data(), 4, b.data(), 4, c.data(), 3);  // k = 0: C = 0
  for (int i = 0; i < 15; ++i) EXPECT_EQ(c.data()[i], 0.0f);
  EXPECT_EQ(c.data()[15], 7.0f);
  simd.gemm_nt_f32(0, 5, 4, a.data(), 4, b.data(), 4, c.data() + 16, 3);  // m = 0: nothing
  simd.gemm_nt_f32(3, 0, 4, a.data(), 4, b.data(), 4, c.data() + 16, 3);  // n = 0: nothing
  for (int i = 16; i < 64; ++i) EXPECT_EQ(c.data()[i], 7.0f);
  EXPECT_TRUE(c.guards_intact());
}

INSTANTIATE_TEST_SUITE_P(Levels, GemmTest, ::testing::ValuesIn(kSimdLevels), level_test_name);

// The reference itself against double-precision sums: |ref - exact| <= gamma(k) * S.
TEST(GemmReference, WithinFp32SummationErrorOfExact) {
  KernelTable t;
  ASSERT_TRUE(build_table(Isa::kScalar, &t));
  const int64_t m = 7, n = 5, k = 300;
  std::vector<float> a(m * k), b(n * k), c(m * n);
  std::mt19937 rng(7);
  fill_uniform(a.data(), m * k, -1, 1, rng);
  fill_uniform(b.data(), n * k, -1, 1, rng);
  t.gemm_nt_f32(m, n, k, a.data(), k, b.data(), k, c.data(), m);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      double exact = 0, sum_abs = 0;
      for (int64_t p = 0; p < k; ++p) {
        exact += double(a[i * k + p]) * b[j * k + p];
        sum_abs += std::fabs(double(a[i * k + p]) * b[j * k + p]);
      }
      EXPECT_NEAR(c[j * m + i], exact, (k + 1) * kU * sum_abs) << i << "," << j;
    }
  }
}

}  // namespace
}  // namespace coreinfer::kernels::testing
