#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "core/half.h"
#include "op_runner.h"

namespace coreinfer {
namespace {

using test::close;
using test::random_floats;
using test::run_op;
using test::values_of;

struct UnaryCase {
  const char* op;
  std::function<double(double)> ref;
  float lo, hi;  // input range (inside the function's domain)
};

const double kSqrtHalf = 0.70710678118654752440;

std::vector<UnaryCase> float_cases() {
  auto softplus = [](double x) { return std::log1p(std::exp(x)); };
  // Attribute defaults are float attributes: 0.2f and 0.01f, not 0.2 and 0.01.
  return {
      {"Sqrt", [](double x) { return std::sqrt(x); }, 0.0f, 100.0f},
      {"Exp", [](double x) { return std::exp(x); }, -20.0f, 20.0f},
      {"Log", [](double x) { return std::log(x); }, 1e-3f, 1e3f},
      {"Reciprocal", [](double x) { return 1.0 / x; }, 0.5f, 50.0f},
      {"Floor", [](double x) { return std::floor(x); }, -10.0f, 10.0f},
      {"Ceil", [](double x) { return std::ceil(x); }, -10.0f, 10.0f},
      {"Erf", [](double x) { return std::erf(x); }, -4.0f, 4.0f},
      {"Sin", [](double x) { return std::sin(x); }, -3.0f, 3.0f},
      {"Cos", [](double x) { return std::cos(x); }, -3.0f, 3.0f},
      {"Tan", [](double x) { return std::tan(x); }, -1.2f, 1.2f},
      {"Asin", [](double x) { return std::asin(x); }, -0.99f, 0.99f},
      {"Acos", [](double x) { return std::acos(x); }, -0.99f, 0.99f},
      {"Atan", [](double x) { return std::atan(x); }, -10.0f, 10.0f},
      {"Sinh", [](double x) { return std::sinh(x); }, -5.0f, 5.0f},
      {"Cosh", [](double x) { return std::cosh(x); }, -5.0f, 5.0f},
      {"Asinh", [](double x) { return std::asinh(x); }, -10.0f, 10.0f},
      {"Acosh", [](double x) { return std::acosh(x); }, 1.0f, 10.0f},
      {"Atanh", [](double x) { return std::atanh(x); }, -0.95f, 0.95f},
      {"Neg", [](double x) { return -x; }, -10.0f, 10.0f},
      {"Abs", [](double x) { return std::fabs(x); }, -10.0f, 10.0f},
      {"Sign", [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }, -2.0f, 2.0f},
      {"Relu", [](double x) { return x < 0 ? 0.0 : x; }, -5.0f, 5.0f},
      {"Sigmoid", [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -20.0f, 20.0f},
      {"Tanh", [](double x) { return std::tanh(x); }, -8.0f, 8.0f},
      {"HardSwish", [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); }, -8.0f, 8.0f},
      {"HardSigmoid", [](double x) { return std::clamp(double(0.2f) * x + 0.5, 0.0, 1.0); }, -8.0f, 8.0f},
      {"LeakyRelu", [](double x) { return x < 0 ? double(0.01f) * x : x; }, -5.0f, 5.0f},
      {"Elu", [](double x) { return x < 0 ? std::exp(x) - 1 : x; }, -5.0f, 5.0f},
      {"Selu",
       [](double x) {
         const double a = 1.67326319217681884765625, g = 1.05070102214813232421875;
         return x <= 0 ? g * (a * std::exp(x) - a) : g * x;
       },
       -5.0f, 5.0f},
      {"Celu", [](double x) { return std::max(0.0, x) + std::min(0.0, std::exp(x) - 1); }, -5.0f, 5.0f},
      {"ThresholdedRelu", [](double x) { return x > 1.0 ? x : 0.0; }, -3.0f, 3.0f},
      {"Softplus", softplus, -30.0f, 30.0f},
      {"Softsign", [](double x) { return x / (1 + std::fabs(x)); }, -30.0f, 30.0f},
      {"Mish", [softplus](double x) { return x * std::tanh(softplus(x)); }, -10.0f, 10.0f},
      {"Gelu", [](double x) { return 0.5 * x * (1 + std::erf(x * kSqrtHalf)); }, -6.0f, 6.0f},
  };
}

TEST(ElementwiseUnary, FloatOpsMatchScalarReference) {
  for (const UnaryCase& c : float_cases()) {
    SCOPED_TRACE(c.op);
    // 1000 elements: odd length, not a multiple of any vector width.
    const std::vector<float> x = random_floats(1001, c.lo, c.hi, 11);
    auto y = run_op(c.op, {Tensor::from_vector<float>({7, 143}, x)});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    ASSERT_EQ(y->type(), ElemType::kFloat);
    ASSERT_EQ(y->shape(), (Shape{7, 143}));
    const float* out = y->data<float>();
    int bad = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      // float ops from float inputs: a few ulp relative, plus a tiny absolute floor near zero.
      if (!close(out[i], c.ref(x[i]), 1e-6, 4e-6) && bad++ < 3)
        ADD_FAILURE() << c.op << "(" << x[i] << ") = " << out[i] << ", expected " << c.ref(x[i]);
    }
  }
}

TEST(ElementwiseUnary, DoubleOpsMatchScalarReference) {
  for (const UnaryCase& c : float_cases()) {
    SCOPED_TRACE(c.op);
    const std::vector<float> xf = random_floats(257, c.lo, c.hi, 5);
    const std::vector<double> x(xf.begin(), xf.end());
    auto y = run_op(c.op, {Tensor::from_vector<double>({257}, x)});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    ASSERT_EQ(y->type(), ElemType::kDouble);
    const double* out = y->data<double>();
    for (size_t i = 0; i < x.size(); ++i) ASSERT_TRUE(close(out[i], c.ref(x[i]), 1e-12, 1e-12)) << x[i];
  }
}

TEST(ElementwiseUnary, RoundIsHalfToEven) {
  auto y = run_op("Round", {Tensor::from_vector<float>({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, -2.6f, 3.0f})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{0, 2, 2, -0.0f, -2, 2, -3, 3}));
}

TEST(ElementwiseUnary, AttributesChangeTheFunction) {
  const Tensor x = Tensor::from_vector<float>({4}, {-2.0f, -0.5f, 0.5f, 3.0f});
  Attributes leaky;
  leaky.set_float("alpha", 0.5f);
  auto y = run_op("LeakyRelu", {x}, leaky);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-1.0f, -0.25f, 0.5f, 3.0f}));

  Attributes thr;
  thr.set_float("alpha", 0.4f);
  y = run_op("ThresholdedRelu", {x}, thr);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{0, 0, 0.5f, 3.0f}));

  Attributes hs;
  hs.set_float("alpha", 0.5f);
  hs.set_float("beta", 0.25f);
  y = run_op("HardSigmoid", {x}, hs);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{0, 0, 0.5f, 1.0f}));

  Attributes celu;
  celu.set_float("alpha", 2.0f);
  y = run_op("Celu", {x}, celu);
  ASSERT_TRUE(y.is_ok());
  EXPECT_NEAR(y->data<float>()[0], 2.0 * (std::exp(-1.0) - 1), 1e-6);
  celu.set_float("alpha", 0.0f);
  EXPECT_FALSE(run_op("Celu", {x}, celu).is_ok());

  Attributes tanh_gelu;
  tanh_gelu.set_string("approximate", "tanh");
  y = run_op("Gelu", {x}, tanh_gelu, 20);
  ASSERT_TRUE(y.is_ok());
  for (int i = 0; i < 4; ++i) {
    const double v = x.data<float>()[i];
    const double ref = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(y->data<float>()[i], ref, 1e-6);
  }
  tanh_gelu.set_string("approximate", "fast");
  EXPECT_FALSE(run_op("Gelu", {x}, tanh_gelu, 20).is_ok());
}

TEST(ElementwiseUnary, IntegerOps) {
  const int32_t lo = std::numeric_limits<int32_t>::min();
  const Tensor x = Tensor::from_vector<int32_t>({5}, {-7, 0, 3, lo, 9});
  auto y = run_op("Relu", {x});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{0, 0, 3, 0, 9}));
  y = run_op("Neg", {x});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{7, 0, -3, lo, -9}));  // -INT_MIN wraps
  y = run_op("Abs", {Tensor::from_vector<int8_t>({3}, {-128, -5, 5})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int8_t>(*y), (std::vector<int8_t>{-128, 5, 5}));
  y = run_op("Sign", {Tensor::from_vector<int64_t>({3}, {-9, 0, 4})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{-1, 0, 1}));
  // Float-only ops reject integers, naming the type.
  auto bad = run_op("Sqrt", {x});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("int32"), std::string::npos) << bad.status().message();
}

TEST(ElementwiseUnary, PredicatesAndNot) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  const Tensor x = Tensor::from_vector<float>({4}, {1.0f, inf, -inf, nan});
  auto y = run_op("IsNaN", {x});
  ASSERT_TRUE(y.is_ok());
  ASSERT_EQ(y->type(), ElemType::kBool);
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, false, false, true}));
  y = run_op("IsInf", {x});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true, true, false}));
  Attributes only_neg;
  only_neg.set_int("detect_positive", 0);
  y = run_op("IsInf", {x}, only_neg);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, false, true, false}));
  y = run_op("Not", {Tensor::from_vector<bool>({2}, {true, false})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true}));
  EXPECT_FALSE(run_op("Not", {x}).is_ok());
}

TEST(ElementwiseUnary, HalfInputsComputeInFloat) {
  auto x = Tensor::allocate(ElemType::kFloat16, {3});
  ASSERT_TRUE(x.is_ok());
  const float v[] = {4.0f, 2.25f, 0.0f};
  for (int i = 0; i < 3; ++i) x->data<uint16_t>()[i] = float_to_fp16(v[i]);
  auto y = run_op("Sqrt", {*x});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->type(), ElemType::kFloat16);
  EXPECT_EQ(fp16_to_float(y->data<uint16_t>()[0]), 2.0f);
  EXPECT_EQ(fp16_to_float(y->data<uint16_t>()[1]), 1.5f);
  EXPECT_EQ(fp16_to_float(y->data<uint16_t>()[2]), 0.0f);
}

TEST(ElementwiseUnary, ZeroSizedAndScalar) {
  auto y = run_op("Exp", {Tensor::from_vector<float>({2, 0, 3}, {})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(y->shape(), (Shape{2, 0, 3}));
  y = run_op("Exp", {Tensor::scalar_f32(1.0f)});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(y->shape(), Shape{});
  EXPECT_FLOAT_EQ(y->data<float>()[0], std::exp(1.0f));
  EXPECT_FALSE(run_op("Exp", {Tensor()}).is_ok());  // missing input
}

TEST(ElementwiseUnary, ParallelMatchesSerial) {
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  const std::vector<float> x = random_floats(100003, -8, 8, 3);
  const Tensor t = Tensor::from_vector<float>({100003}, x);
  auto serial = run_op("Sigmoid", {t});
  auto parallel = run_op(test::OpCall{"Sigmoid", {t}, {}, 17, &pool});
  ASSERT_TRUE(serial.is_ok() && parallel.is_ok());
  EXPECT_EQ(values_of<float>(*serial), values_of<float>(*parallel));
  EXPECT_FLOAT_EQ(parallel->data<float>()[100002], 1.0f / (1.0f + std::exp(-x[100002])));
}

}  // namespace
}  // namespace coreinfer

namespace coreinfer {
namespace {

TEST(ElementwiseUnary, Shrink) {
  Attributes a;
  a.set_float("lambd", 1.5f);
  a.set_float("bias", 1.0f);
  auto y = test::run_op("Shrink", {Tensor::from_vector<float>({5}, {-2, -1.5f, 0, 1.5f, 3})}, a);
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(test::values_of<float>(*y), (std::vector<float>{-1, 0, 0, 0, 2}));
  y = test::run_op("Shrink", {Tensor::from_vector<int32_t>({3}, {-3, 0, 4})}, a);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(test::values_of<int32_t>(*y), (std::vector<int32_t>{-2, 0, 3}));
}

}  // namespace
}  // namespace coreinfer

namespace coreinfer {
namespace {

// Sigmoid and Tanh use a vectorisable exp on float: check saturation, NaN and a dense sweep.
TEST(ElementwiseUnary, FastSigmoidAndTanhEdgeCases) {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({9}, {-inf, -1000, -100, -0.0f, 0.0f, 1e-30f, 100, 1000, inf});
  auto s = run_op("Sigmoid", {x});
  ASSERT_TRUE(s.is_ok());
  const std::vector<float> sv = values_of<float>(*s);
  EXPECT_LT(sv[0], 1e-37f);
  EXPECT_LT(sv[2], 1e-37f);
  EXPECT_EQ(sv[3], 0.5f);
  EXPECT_EQ(sv[6], 1.0f);
  EXPECT_EQ(sv[8], 1.0f);
  auto t = run_op("Tanh", {x});
  ASSERT_TRUE(t.is_ok());
  const std::vector<float> tv = values_of<float>(*t);
  EXPECT_EQ(tv[0], -1.0f);
  EXPECT_EQ(tv[1], -1.0f);
  EXPECT_EQ(tv[4], 0.0f);
  EXPECT_EQ(tv[5], 1e-30f);
  EXPECT_EQ(tv[7], 1.0f);
  EXPECT_EQ(tv[8], 1.0f);
  auto n = run_op("Tanh", {Tensor::from_vector<float>({1}, {nan})});
  ASSERT_TRUE(n.is_ok());
  EXPECT_TRUE(std::isnan(n->data<float>()[0]));
  n = run_op("Sigmoid", {Tensor::from_vector<float>({1}, {nan})});
  ASSERT_TRUE(n.is_ok());
  EXPECT_TRUE(std::isnan(n->data<float>()[0]));

  std::vector<float> sweep;
  for (float v = -30.0f; v <= 30.0f; v += 0.001953125f) sweep.push_back(v);
  const Tensor xs = Tensor::from_vector<float>({static_cast<int64_t>(sweep.size())}, sweep);
  s = run_op("Sigmoid", {xs});
  t = run_op("Tanh", {xs});
  ASSERT_TRUE(s.is_ok() && t.is_ok());
  for (size_t i = 0; i < sweep.size(); ++i) {
    const double v = sweep[i];
    ASSERT_TRUE(close(s->data<float>()[i], 1.0 / (1.0 + std::exp(-v)), 1e-30, 1e-6)) << v;
    ASSERT_TRUE(close(t->data<float>()[i], std::tanh(v), 1e-30, 1e-6)) << v;
  }
}

}  // namespace
}  // namespace coreinfer
