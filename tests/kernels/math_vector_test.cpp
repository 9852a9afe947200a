// dot, rmsnorm, softmax, silu_mul, axpy and rope of every SIMD level against the scalar
// reference, on sizes below, at and above the vector widths (8, 16) and unrolls (32, 64),
// with inputs and outputs 0..3 floats off a 64-byte boundary. Tolerances (u = 2^-24):
//   dot       |d| <= (1.2n + 8) u sum|a_i b_i|      (summation depth n vs n/8 + 6, see gemm)
//   rmsnorm   |d| <= (0.6n + 12) u |ref|           (sum of squares of positives: relative
//             error <= depth*u on each side; sqrt halves it; then 1/x and two products)
//   softmax   |d| <= (1.2n + 16) u |ref|           (exp: <= 2 ulp = 4u in SIMD, 2u in libm;
//             relative sum errors n u and (n/8 + 6) u; 1/sum and the product)
//   silu_mul  |d| <= 16 u |ref| + 1e-37 |up|       (exp 6u through 1 + e, then division and
//             product; the absolute floor covers results that underflow)
//   axpy      |d| <= 3 u (|a x| + |y|)             (one FMA rounding vs two roundings)
//   rope      |d| <= 8 u (|x0| + |x1|)             (room for a vector sin/cos within 2u)
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "math_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

const int64_t kSizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128, 129, 1000, 4097};

std::string where(const std::string& level, const char* kernel, int64_t n, int offset, int64_t i) {
  std::ostringstream out;
  out << level << " " << kernel << " n=" << n << " offset=" << offset << " at " << i;
  return out.str();
}

class VectorTest : public LevelTest {};

TEST_P(VectorTest, Dot) {
  std::mt19937 rng(1);
  for (int64_t n : kSizes) {
    for (int offset = 0; offset < 4; ++offset) {
      GuardedFloats a(n, offset), b(n, (offset + 1) % 4);
      fill_uniform(a.data(), n, -1, 1, rng);
      fill_uniform(b.data(), n, -1, 1, rng);
      double sum_abs = 0;
      for (int64_t i = 0; i < n; ++i) sum_abs += std::fabs(double(a.data()[i]) * b.data()[i]);
      const float got = simd.dot_f32(a.data(), b.data(), n), want = ref.dot_f32(a.data(), b.data(), n);
      EXPECT_LE(std::fabs(double(got) - want), (1.2 * n + 8) * kU * sum_abs) << where(level(), "dot", n, offset, 0);
    }
  }
}

TEST_P(VectorTest, RmsNorm) {
  std::mt19937 rng(2);
  for (int64_t n : kSizes) {
    for (int offset = 0; offset < 4; ++offset) {
      GuardedFloats x(n, offset), w(n, (offset + 1) % 4), y_simd(n, (offset + 2) % 4), y_ref(n, 0);
      fill_uniform(x.data(), n, -3, 3, rng);
      fill_uniform(w.data(), n, 0.5f, 1.5f, rng);
      simd.rmsnorm(x.data(), w.data(), y_simd.data(), n, 1e-5f);
      ref.rmsnorm(x.data(), w.data(), y_ref.data(), n, 1e-5f);
      ASSERT_TRUE(y_simd.guards_intact()) << where(level(), "rmsnorm", n, offset, -1);
      for (int64_t i = 0; i < n; ++i) {
        const double want = y_ref.data()[i];
        ASSERT_LE(std::fabs(y_simd.data()[i] - want), (0.6 * n + 12) * kU * std::fabs(want))
            << where(level(), "rmsnorm", n, offset, i) << ": " << y_simd.data()[i] << " vs " << want;
      }
    }
  }
}

void check_softmax(const KernelTable& simd, const KernelTable& ref, const std::string& level, GuardedFloats& x,
                   int64_t n, int offset) {
  std::vector<float> want(x.data(), x.data() + n);
  ref.softmax(want.data(), n);
  simd.softmax(x.data(), n);
  ASSERT_TRUE(x.guards_intact()) << where(level, "softmax", n, offset, -1);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_LE(std::fabs(double(x.data()[i]) - want[i]), (1.2 * n + 16) * kU * std::fabs(want[i]))
        << where(level, "softmax", n, offset, i) << ": " << x.data()[i] << " vs " << want[i];
  }
}

TEST_P(VectorTest, Softmax) {
  std::mt19937 rng(3);
  for (int64_t n : kSizes) {
    for (int offset = 0; offset < 4; ++offset) {
      GuardedFloats x(n, offset);
      fill_uniform(x.data(), n, -20, 20, rng);  // exp over about 2^-58 .. 1
      check_softmax(simd, ref, level(), x, n, offset);
    }
  }
}

TEST_P(VectorTest, SoftmaxWithMaskedAndHugeLogits) {
  const float inf = INFINITY;
  const std::vector<float> cases[] = {
      {0.0f, -inf, -inf, 1.0f, -inf, 2.0f, -inf, -inf, -inf, 0.5f, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 3.0f},
      {1e30f, -1e30f, 0.0f, 1e30f, 5.0f},
      {-90.0f, -100.0f, -87.0f, -103.0f, -104.5f, -150.0f, 0.0f},
      {42.0f},
  };
  for (const std::vector<float>& values : cases) {
    const int64_t n = static_cast<int64_t>(values.size());
    GuardedFloats x(n, 1);
    std::copy(values.begin(), values.end(), x.data());
    check_softmax(simd, ref, level(), x, n, 1);
  }
}

TEST_P(VectorTest, SiluMul) {
  std::mt19937 rng(4);
  const float extremes[] = {-200.0f, -100.0f, -89.0f, -88.5f, -88.0f, -87.0f, -50.0f, -1e-30f, 0.0f,
                            1e-30f,  50.0f,   88.0f,  88.8f,  100.0f, 1e30f,  -1e30f};
  for (int64_t n : kSizes) {
    for (int offset = 0; offset < 4; ++offset) {
      GuardedFloats g(n, offset), u(n, (offset + 1) % 4), out_simd(n, (offset + 2) % 4), out_ref(n, 0);
      fill_uniform(g.data(), n, -12, 12, rng);
      fill_uniform(u.data(), n, -2, 2, rng);
      for (int64_t i = 0; i < n; i += 3) g.data()[i] = extremes[(i / 3) % std::size(extremes)];
      simd.silu_mul(g.data(), u.data(), out_simd.data(), n);
      ref.silu_mul(g.data(), u.data(), out_ref.data(), n);
      ASSERT_TRUE(out_simd.guards_intact()) << where(level(), "silu_mul", n, offset, -1);
      for (int64_t i = 0; i < n; ++i) {
        const double want = out_ref.data()[i];
        ASSERT_LE(std::fabs(out_simd.data()[i] - want), 16 * kU * std::fabs(want) + 1e-37 * std::fabs(u.data()[i]))
            << where(level(), "silu_mul", n, offset, i) << ": gate " << g.data()[i] << " -> " << out_simd.data()[i]
            << " vs " << want;
      }
    }
  }
}

// For gate <= -17, 1 + exp(-gate) rounds to exp(-gate), so silu_mul(gate, 1) = gate / exp(-gate)
// shows the vector exp's own error. Its stated accuracy, < 1 ulp (measured 0.94 ulp over every
// float input with a normal result), is < 2u relative; the sum and the division add u each:
// |out - exact| <= 4u |exact|.
TEST_P(VectorTest, ExpWithinOneUlpThroughSilu) {
  constexpr int64_t n = 100000;
  GuardedFloats g(n, 1), up(n, 2, 1.0f), out(n, 3);
  for (int64_t i = 0; i < n; ++i) g.data()[i] = -17.0f - 70.0f * static_cast<float>(i) / n;
  simd.silu_mul(g.data(), up.data(), out.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const double exact = g.data()[i] * std::exp(double(g.data()[i]));
    ASSERT_LE(std::fabs(out.data()[i] - exact), 4 * kU * std::fabs(exact))
        << level() << " exp(" << -g.data()[i] << "): silu " << out.data()[i] << " vs " << exact;
  }
}

TEST_P(VectorTest, Axpy) {
  std::mt19937 rng(5);
  for (int64_t n : kSizes) {
    for (int offset = 0; offset < 4; ++offset) {
      GuardedFloats x(n, offset), y_simd(n, (offset + 1) % 4);
      fill_uniform(x.data(), n, -1, 1, rng);
      fill_uniform(y_simd.data(), n, -1, 1, rng);
      const std::vector<float> y0(y_simd.data(), y_simd.data() + n);
      std::vector<float> y_ref = y0;
      const float a = 0.75f;
      simd.axpy(a, x.data(), y_simd.data(), n);
      ref.axpy(a, x.data(), y_ref.data(), n);
      ASSERT_TRUE(y_simd.guards_intact()) << where(level(), "axpy", n, offset, -1);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_LE(std::fabs(double(y_simd.data()[i]) - y_ref[i]), 3 * kU * (std::fabs(a * x.data()[i]) + std::fabs(y0[i])))
            << where(level(), "axpy", n, offset, i);
      }
    }
  }
}

TEST_P(VectorTest, Rope) {
  std::mt19937 rng(6);
  for (int64_t n_dims : {2, 4, 6, 8, 16, 30, 32, 64, 128, 256}) {
    std::vector<float> inv_freq(n_dims / 2);
    for (int64_t i = 0; i < n_dims / 2; ++i) inv_freq[i] = std::pow(10000.0f, -2.0f * i / n_dims);
    for (float pos : {0.0f, 1.0f, 17.0f, 4095.0f, 100000.0f}) {
      GuardedFloats x(n_dims, static_cast<int>(n_dims % 4));
      fill_uniform(x.data(), n_dims, -2, 2, rng);
      std::vector<float> want(x.data(), x.data() + n_dims);
      ref.rope(want.data(), n_dims, pos, inv_freq.data());
      const std::vector<float> x0(x.data(), x.data() + n_dims);
      simd.rope(x.data(), n_dims, pos, inv_freq.data());
      ASSERT_TRUE(x.guards_intact());
      for (int64_t i = 0; i < n_dims; ++i) {
        const int64_t pair = i / 2 * 2;
        ASSERT_LE(std::fabs(double(x.data()[i]) - want[i]), 8 * kU * (std::fabs(x0[pair]) + std::fabs(x0[pair + 1])))
            << level() << " rope n_dims=" << n_dims << " pos=" << pos << " at " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, VectorTest, ::testing::ValuesIn(kSimdLevels), level_test_name);

// The references against double-precision formulas.
class VectorReference : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(build_table(Isa::kScalar, &t)); }
  KernelTable t;
};

TEST_F(VectorReference, RmsNormMatchesTheFormula) {
  const int64_t n = 1000;
  std::vector<float> x(n), w(n), y(n);
  std::mt19937 rng(8);
  fill_uniform(x.data(), n, -3, 3, rng);
  fill_uniform(w.data(), n, 0.5f, 1.5f, rng);
  t.rmsnorm(x.data(), w.data(), y.data(), n, 1e-5f);
  double sum_sq = 0;
  for (float v : x) sum_sq += double(v) * v;
  const double scale = 1.0 / std::sqrt(sum_sq / n + 1e-5);
  for (int64_t i = 0; i < n; ++i) {
    const double want = x[i] * scale * w[i];
    EXPECT_NEAR(y[i], want, (n / 2.0 + 8) * kU * std::fabs(want)) << i;
  }
}

TEST_F(VectorReference, SoftmaxMatchesTheFormula) {
  std::vector<float> x = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f};
  std::vector<double> e(x.size());
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += e[i] = std::exp(double(x[i]) - 3.0);
  t.softmax(x.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], e[i] / sum, 16 * kU * e[i] / sum) << i;
}

TEST_F(VectorReference, SiluMulMatchesTheFormula) {
  for (float g : {-20.0f, -3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 7.0f, 30.0f}) {
    float out = 0;
    const float up = 1.5f;
    t.silu_mul(&g, &up, &out, 1);
    const double want = g / (1.0 + std::exp(-double(g))) * up;
    EXPECT_NEAR(out, want, 8 * kU * std::fabs(want)) << g;
  }
}

TEST_F(VectorReference, RopeRotatesAdjacentPairs) {
  const float inv_freq[2] = {1.0f, 0.5f};
  std::vector<float> x = {1.0f, 0.0f, 0.0f, 2.0f};
  t.rope(x.data(), 4, 0.5f, inv_freq);  // angles 0.5 and 0.25
  EXPECT_NEAR(x[0], std::cos(0.5), 1e-6);
  EXPECT_NEAR(x[1], std::sin(0.5), 1e-6);
  EXPECT_NEAR(x[2], -2 * std::sin(0.25), 1e-6);
  EXPECT_NEAR(x[3], 2 * std::cos(0.25), 1e-6);
  std::vector<float> y = {3.0f, -4.0f};
  t.rope(y.data(), 2, 0.0f, inv_freq);  // position 0: identity
  EXPECT_EQ(y[0], 3.0f);
  EXPECT_EQ(y[1], -4.0f);
}

}  // namespace
}  // namespace coreinfer::kernels::testing
