// The vectorised float erf (portable, AVX2, AVX-512) against std::erf in double, densely over
// all floats, and the Erf / Gelu ops that use it.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "graph/ops/elementwise/erf_kernels.h"
#include "kernels/kernel_table.h"
#include "op_runner.h"

namespace coreinfer {
namespace {

using elementwise::FloatArrayFn;
using test::random_floats;
using test::run_op;
using test::values_of;

constexpr double kMaxAbsError = 2e-7;
constexpr double kMaxRelError = 1e-5;  // where erf(x) is a normal float (subnormals round coarser)

struct ErrorStats {
  double max_abs = 0, max_rel = 0;
  float worst_abs_x = 0, worst_rel_x = 0;
};

void add_error(ErrorStats& s, float x, float y) {
  const double ref = std::erf(static_cast<double>(x));
  const double err = std::fabs(static_cast<double>(y) - ref);
  if (!(err <= s.max_abs)) s.max_abs = err, s.worst_abs_x = x;  // a NaN error is the worst
  if (std::fabs(ref) >= FLT_MIN && !(err / std::fabs(ref) <= s.max_rel))
    s.max_rel = err / std::fabs(ref), s.worst_rel_x = x;
}

// Every `step`th finite float of each sign (bit patterns, so all magnitudes from subnormals up),
// plus every (step / 32)th float in [0.5, 4], where erf nears 1 and the error is largest. (All
// 2^32 floats were checked once offline: max abs error 1.5e-7, max rel error 1.8e-7.)
std::vector<float> dense_inputs(uint32_t step = 997) {
  std::vector<float> xs;
  for (uint32_t u = 0; u < 0x7F800000u; u += step) {
    xs.push_back(std::bit_cast<float>(u));
    xs.push_back(-std::bit_cast<float>(u));
  }
  for (uint32_t u = std::bit_cast<uint32_t>(0.5f); u <= std::bit_cast<uint32_t>(4.0f); u += step / 32)
    xs.push_back(std::bit_cast<float>(u));
  return xs;
}

void expect_accurate(FloatArrayFn erf, const char* name) {
  const std::vector<float> xs = dense_inputs();
  std::vector<float> ys(xs.size());
  erf(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
  ErrorStats s;
  for (size_t i = 0; i < xs.size(); ++i) add_error(s, xs[i], ys[i]);
  EXPECT_LE(s.max_abs, kMaxAbsError) << name << " at x = " << s.worst_abs_x;
  EXPECT_LE(s.max_rel, kMaxRelError) << name << " at x = " << s.worst_rel_x;
}

void expect_special_values(FloatArrayFn erf, const char* name) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> xs = {inf, -inf, nan, -nan, 0.0f, -0.0f, 3.92f, -3.9200001f, 1e30f, -FLT_MAX, 1e-40f};
  std::vector<float> ys(xs.size());
  erf(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
  EXPECT_EQ(ys[0], 1.0f) << name;
  EXPECT_EQ(ys[1], -1.0f) << name;
  EXPECT_TRUE(std::isnan(ys[2]) && std::isnan(ys[3])) << name;
  EXPECT_EQ(std::bit_cast<uint32_t>(ys[4]), 0u) << name;
  EXPECT_EQ(std::bit_cast<uint32_t>(ys[5]), 0x80000000u) << name << ": erf(-0) is -0";
  EXPECT_EQ(ys[6], 1.0f) << name;
  EXPECT_EQ(ys[7], -1.0f) << name;
  EXPECT_EQ(ys[8], 1.0f) << name;
  EXPECT_EQ(ys[9], -1.0f) << name;
  EXPECT_GT(ys[10], 1e-40f) << name << ": subnormal input keeps the slope 2/sqrt(pi)";
}

#if defined(__x86_64__)
struct SimdVariant {
  const char* name;
  kernels::Isa isa;
  FloatArrayFn erf, gelu;
};

const SimdVariant kSimdVariants[] = {
    {"avx2", kernels::Isa::kAvx2, elementwise::erf_avx2, elementwise::gelu_erf_avx2},
    {"avx512", kernels::Isa::kAvx512, elementwise::erf_avx512, elementwise::gelu_erf_avx512},
};

TEST(ErfFast, SimdMatchesStdErfOverAllFloats) {
  for (const SimdVariant& v : kSimdVariants) {
    if (!kernels::isa_supported(v.isa)) continue;
    expect_accurate(v.erf, v.name);
    expect_special_values(v.erf, v.name);
  }
}

TEST(ErfFast, SimdMatchesPortableOnTails) {
  for (const SimdVariant& v : kSimdVariants) {
    if (!kernels::isa_supported(v.isa)) continue;
    for (int64_t n : {0, 1, 7, 15, 16, 17, 31, 33, 1000, 1031}) {
      const std::vector<float> x = random_floats(static_cast<size_t>(n) + 1, -6.0f, 6.0f, static_cast<uint32_t>(n));
      // Offset by one float so the vector loads are unaligned; the guard after n must stay untouched.
      std::vector<float> a(static_cast<size_t>(n) + 1, -7.0f), b(a), ga(a), gb(a);
      elementwise::erf_portable(x.data() + 1, a.data(), n);
      v.erf(x.data() + 1, b.data(), n);
      elementwise::gelu_erf_portable(x.data() + 1, ga.data(), n);
      v.gelu(x.data() + 1, gb.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_NEAR(a[i], b[i], 3e-7) << v.name << " n " << n << " i " << i;
        EXPECT_NEAR(ga[i], gb[i], 3e-7 * (1.0f + std::fabs(x[i + 1]))) << v.name << " n " << n << " i " << i;
      }
      EXPECT_EQ(b[n], -7.0f) << v.name << " n " << n;
      EXPECT_EQ(gb[n], -7.0f) << v.name << " n " << n;
    }
  }
}
#endif

TEST(ErfFast, PortableMatchesStdErfOverAllFloats) {
  expect_accurate(elementwise::erf_portable, "portable");
  expect_special_values(elementwise::erf_portable, "portable");
}

TEST(ErfFast, CheckerCatchesAnInaccurateErf) {
  // 3e-5 relative error: above both bounds, so the checks are not vacuous.
  FloatArrayFn rough = [](const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]) * (1.0f + 3e-5f);
  };
  const std::vector<float> xs = dense_inputs(100003);
  std::vector<float> ys(xs.size());
  rough(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
  ErrorStats s;
  for (size_t i = 0; i < xs.size(); ++i) add_error(s, xs[i], ys[i]);
  EXPECT_GT(s.max_abs, kMaxAbsError);
  EXPECT_GT(s.max_rel, kMaxRelError);
}

double gelu_ref(double x) { return 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752440)); }

TEST(ErfOps, FloatErfAndGeluOnManyChunks) {
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  const std::vector<float> x = random_floats(3 * 16384 + 5, -5.0f, 5.0f, 11);
  const Tensor tx = Tensor::from_vector<float>({static_cast<int64_t>(x.size())}, x);
  auto erf = run_op(test::OpCall{"Erf", {tx}, {}, 13, &pool});
  auto gelu = run_op(test::OpCall{"Gelu", {tx}, {}, 20, &pool});
  ASSERT_TRUE(erf.is_ok()) << erf.status().message();
  ASSERT_TRUE(gelu.is_ok()) << gelu.status().message();
  ASSERT_EQ(erf->type(), ElemType::kFloat);
  const std::vector<float> e = values_of<float>(*erf), g = values_of<float>(*gelu);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_NEAR(e[i], std::erf(static_cast<double>(x[i])), kMaxAbsError) << "x = " << x[i];
    ASSERT_NEAR(g[i], gelu_ref(x[i]), 2e-7 * (1.0 + std::fabs(x[i]))) << "x = " << x[i];
  }
}

TEST(ErfOps, EmptyAndScalarFloat) {
  auto empty = run_op("Erf", {Tensor::from_vector<float>({0, 3}, {})});
  ASSERT_TRUE(empty.is_ok()) << empty.status().message();
  EXPECT_EQ(empty->shape(), (Shape{0, 3}));
  auto scalar = run_op("Gelu", {Tensor::from_vector<float>({}, {1.0f})}, {}, 20);
  ASSERT_TRUE(scalar.is_ok()) << scalar.status().message();
  EXPECT_TRUE(scalar->shape().empty());
  EXPECT_NEAR(values_of<float>(*scalar)[0], gelu_ref(1.0), 2e-7);
}

TEST(ErfOps, DoubleKeepsStdErf) {
  const std::vector<double> x = {-3.0, -0.5, 1e-300, 0.75, 2.5};
  auto erf = run_op("Erf", {Tensor::from_vector<double>({5}, x)});
  auto gelu = run_op("Gelu", {Tensor::from_vector<double>({5}, x)}, {}, 20);
  ASSERT_TRUE(erf.is_ok() && gelu.is_ok());
  const std::vector<double> e = values_of<double>(*erf), g = values_of<double>(*gelu);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(e[i], std::erf(x[i]));
    EXPECT_DOUBLE_EQ(g[i], gelu_ref(x[i]));
  }
}

}  // namespace
}  // namespace coreinfer
