#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "op_runner.h"

namespace coreinfer {
namespace {

using test::broadcast_source_index;
using test::random_floats;
using test::run_op;
using test::values_of;

// Checks op(A, B) for float tensors of the given shapes against `ref` applied through explicit
// broadcast indexing.
void check_float_binary(const std::string& op, const Shape& sa, const Shape& sb, const Shape& expected_shape,
                        const std::function<double(double, double)>& ref, ThreadPool* pool = nullptr) {
  SCOPED_TRACE(op + " " + shape_string(sa) + " " + shape_string(sb));
  const std::vector<float> a = random_floats(static_cast<size_t>(shape_numel(sa)), -4, 4, 1);
  std::vector<float> b = random_floats(static_cast<size_t>(shape_numel(sb)), 0.5f, 3, 2);
  const Tensor ta = Tensor::from_vector<float>(sa, a), tb = Tensor::from_vector<float>(sb, b);
  auto y = run_op(test::OpCall{op, {ta, tb}, {}, 17, pool});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->shape(), expected_shape);
  ASSERT_EQ(y->type(), ElemType::kFloat);
  const float* out = y->data<float>();
  for (int64_t i = 0; i < y->numel(); ++i) {
    const float x0 = a[broadcast_source_index(i, expected_shape, sa)];
    const float x1 = b[broadcast_source_index(i, expected_shape, sb)];
    const double expected = static_cast<float>(ref(x0, x1));
    ASSERT_TRUE(test::close(out[i], expected, 1e-6, 1e-6)) << "at " << i << ": " << x0 << ", " << x1 << " gave "
                                                         << out[i] << ", expected " << expected;
  }
}

TEST(ElementwiseBinary, ArithmeticBroadcasting) {
  const std::vector<std::pair<std::string, std::function<double(double, double)>>> ops = {
      {"Add", [](double x, double y) { return float(x) + float(y); }},
      {"Sub", [](double x, double y) { return float(x) - float(y); }},
      {"Mul", [](double x, double y) { return float(x) * float(y); }},
      {"Div", [](double x, double y) { return float(x) / float(y); }},
      {"Pow", [](double x, double y) { return std::pow(float(x), float(y)); }},
  };
  for (const auto& [op, ref] : ops) {
    check_float_binary(op, {2, 3, 4}, {3, 1}, {2, 3, 4}, ref);
    check_float_binary(op, {3, 1}, {2, 3, 4}, {2, 3, 4}, ref);
    check_float_binary(op, {}, {5, 7}, {5, 7}, ref);      // scalar + tensor
    check_float_binary(op, {5, 7}, {1}, {5, 7}, ref);     // tensor + one-element
    check_float_binary(op, {4, 1, 6}, {1, 5, 1}, {4, 5, 6}, ref);  // both broadcast
    check_float_binary(op, {3, 17}, {3, 17}, {3, 17}, ref);          // same shape
    check_float_binary(op, {2, 3, 5, 7}, {1, 3, 1, 1}, {2, 3, 5, 7}, ref);  // bias
    check_float_binary(op, {2, 3, 5, 7}, {3, 1, 1}, {2, 3, 5, 7}, ref);
    check_float_binary(op, {2, 3, 5, 7}, {7}, {2, 3, 5, 7}, ref);
    check_float_binary(op, {1, 1}, {1}, {1, 1}, ref);
  }
}

TEST(ElementwiseBinary, LargeBiasBroadcastInParallel) {
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  auto add = [](double x, double y) { return float(x) + float(y); };
  auto mul = [](double x, double y) { return float(x) * float(y); };
  check_float_binary("Add", {2, 64, 33, 35}, {1, 64, 1, 1}, {2, 64, 33, 35}, add, &pool);
  check_float_binary("Mul", {2, 64, 33, 35}, {64, 1, 1}, {2, 64, 33, 35}, mul, &pool);
  check_float_binary("Add", {3, 100, 257}, {257}, {3, 100, 257}, add, &pool);
  // Long runs split across threads: tensor and scalar, and rows longer than two chunks.
  check_float_binary("Mul", {300001}, {}, {300001}, mul, &pool);
  check_float_binary("Add", {}, {3, 70001}, {3, 70001}, add, &pool);
  check_float_binary("Add", {3, 70001}, {1, 70001}, {3, 70001}, add, &pool);
  check_float_binary("Mul", {2, 1, 50000}, {3, 1}, {2, 3, 50000}, mul, &pool);
  check_float_binary("Sub", {100, 1000}, {100, 1000}, {100, 1000},
                     [](double x, double y) { return float(x) - float(y); }, &pool);
}

TEST(ElementwiseBinary, ZeroSizedDims) {
  auto y = run_op("Add", {Tensor::from_vector<float>({2, 0, 3}, {}), Tensor::from_vector<float>({3}, {1, 2, 3})});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{2, 0, 3}));
  y = run_op("Mul", {Tensor::from_vector<float>({0}, {}), Tensor::from_vector<float>({1}, {2})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(y->shape(), (Shape{0}));
}

TEST(ElementwiseBinary, ErrorsNameTypesAndShapes) {
  auto y = run_op("Add", {Tensor::from_vector<float>({2}, {1, 2}), Tensor::from_vector<int64_t>({2}, {1, 2})});
  ASSERT_FALSE(y.is_ok());
  EXPECT_NE(y.status().message().find("float32"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("int64"), std::string::npos) << y.status().message();
  y = run_op("Add", {Tensor::from_vector<float>({2, 3}, {}), Tensor::from_vector<float>({4}, {})});
  ASSERT_FALSE(y.is_ok());
  EXPECT_NE(y.status().message().find("[2,3]"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("[4]"), std::string::npos) << y.status().message();
  EXPECT_FALSE(run_op("Add", {Tensor::from_vector<float>({2}, {1, 2})}).is_ok());  // B missing
  EXPECT_FALSE(run_op("Add", {Tensor::from_vector<bool>({1}, {true}), Tensor::from_vector<bool>({1}, {true})}).is_ok());
}

TEST(ElementwiseBinary, IntegerArithmetic) {
  const Tensor a = Tensor::from_vector<int32_t>({6}, {7, -7, 7, -7, std::numeric_limits<int32_t>::min(), 0});
  const Tensor b = Tensor::from_vector<int32_t>({6}, {2, 2, -2, -2, -1, 5});
  auto y = run_op("Div", {a, b});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int32_t>(*y),
            (std::vector<int32_t>{3, -3, -3, 3, std::numeric_limits<int32_t>::min(), 0}));  // toward zero
  y = run_op("Add", {Tensor::from_vector<int64_t>({2}, {std::numeric_limits<int64_t>::max(), 5}),
                     Tensor::from_vector<int64_t>({1}, {1})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 6}));  // wraps
  y = run_op("Mul", {Tensor::from_vector<uint8_t>({2}, {16, 3}), Tensor::from_vector<uint8_t>({2}, {17, 5})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*y), (std::vector<uint8_t>{16, 15}));  // 272 mod 256
  y = run_op("Sub", {Tensor::from_vector<int8_t>({2}, {-100, 5}), Tensor::from_vector<int8_t>({2}, {100, 7})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int8_t>(*y), (std::vector<int8_t>{56, -2}));
}

TEST(ElementwiseBinary, IntegerDivisionByZeroIsAnError) {
  auto y = run_op("Div", {Tensor::from_vector<int64_t>({3}, {1, 2, 3}), Tensor::from_vector<int64_t>({3}, {1, 0, 1})});
  ASSERT_FALSE(y.is_ok());
  EXPECT_NE(y.status().message().find("division by zero"), std::string::npos) << y.status().message();
  y = run_op("Mod", {Tensor::from_vector<int32_t>({1}, {1}), Tensor::from_vector<int32_t>({1}, {0})});
  EXPECT_FALSE(y.is_ok());
  // Float division by zero is IEEE: infinity.
  y = run_op("Div", {Tensor::from_vector<float>({1}, {1}), Tensor::from_vector<float>({1}, {0})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_TRUE(std::isinf(y->data<float>()[0]));
}

TEST(ElementwiseBinary, ModSignRules) {
  const Tensor a = Tensor::from_vector<int32_t>({4}, {7, -7, 7, -7});
  const Tensor b = Tensor::from_vector<int32_t>({4}, {3, 3, -3, -3});
  auto y = run_op("Mod", {a, b});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{1, 2, -2, -1}));  // sign of the divisor
  Attributes fmod;
  fmod.set_int("fmod", 1);
  y = run_op("Mod", {a, b}, fmod);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{1, -1, 1, -1}));  // sign of the dividend
  y = run_op("Mod", {Tensor::from_vector<float>({2}, {-4.5f, 7.5f}), Tensor::from_vector<float>({2}, {2, -2})},
             fmod);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-0.5f, 1.5f}));
  fmod.set_int("fmod", 2);
  EXPECT_FALSE(run_op("Mod", {a, b}, fmod).is_ok());
}

TEST(ElementwiseBinary, PowMixedTypes) {
  // Float base, int64 exponent: float output.
  auto y = run_op("Pow", {Tensor::from_vector<float>({3}, {2, -3, 0.5f}), Tensor::from_vector<int64_t>({1}, {3})});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->type(), ElemType::kFloat);
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{8, -27, 0.125f}));
  // Integer base and exponent: exact.
  y = run_op("Pow", {Tensor::from_vector<int64_t>({3}, {3, -2, 2}), Tensor::from_vector<int64_t>({3}, {39, 3, -1})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{4052555153018976267LL, -8, 0}));
  // Integer base, float exponent: int output.
  y = run_op("Pow", {Tensor::from_vector<int32_t>({2}, {4, 9}), Tensor::from_vector<float>({1}, {0.5f})});
  ASSERT_TRUE(y.is_ok());
  ASSERT_EQ(y->type(), ElemType::kInt32);
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{2, 3}));
}

TEST(ElementwiseBinary, Comparisons) {
  const Tensor a = Tensor::from_vector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = Tensor::from_vector<int64_t>({3}, {2, 2, 7});
  const std::vector<std::pair<std::string, std::vector<bool>>> cases = {
      {"Equal", {false, true, false, false, false, false}},
      {"Less", {true, false, true, false, false, true}},
      {"Greater", {false, false, false, true, true, false}},
      {"LessOrEqual", {true, true, true, false, false, true}},
      {"GreaterOrEqual", {false, true, false, true, true, false}},
  };
  for (const auto& [op, expected] : cases) {
    auto y = run_op(op, {a, b});
    ASSERT_TRUE(y.is_ok()) << op << ": " << y.status().to_string();
    ASSERT_EQ(y->type(), ElemType::kBool);
    EXPECT_EQ(y->shape(), (Shape{2, 3}));
    EXPECT_EQ(values_of<bool>(*y), expected) << op;
  }
  auto y = run_op("Less", {Tensor::from_vector<float>({2}, {1, std::nanf("")}), Tensor::from_vector<float>({1}, {2})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{true, false}));
  y = run_op("Equal", {Tensor::from_vector<bool>({2}, {true, false}), Tensor::from_vector<bool>({1}, {false})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true}));
}

TEST(ElementwiseBinary, BooleanLogic) {
  const Tensor a = Tensor::from_vector<bool>({2, 2}, {false, false, true, true});
  const Tensor b = Tensor::from_vector<bool>({2}, {false, true});
  auto y = run_op("And", {a, b});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, false, false, true}));
  y = run_op("Or", {a, b});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true, true, true}));
  y = run_op("Xor", {a, b});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true, true, false}));
  EXPECT_FALSE(run_op("And", {Tensor::from_vector<float>({1}, {1}), Tensor::from_vector<float>({1}, {1})}).is_ok());
}

TEST(ElementwiseBinary, BitShift) {
  Attributes left, right;
  left.set_string("direction", "LEFT");
  right.set_string("direction", "RIGHT");
  const Tensor x = Tensor::from_vector<uint8_t>({3}, {16, 4, 1});
  const Tensor s = Tensor::from_vector<uint8_t>({3}, {1, 2, 9});
  auto y = run_op("BitShift", {x, s}, left);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*y), (std::vector<uint8_t>{32, 16, 0}));
  y = run_op("BitShift", {x, s}, right);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*y), (std::vector<uint8_t>{8, 1, 0}));
  EXPECT_FALSE(run_op("BitShift", {x, s}).is_ok());  // direction is required
}

TEST(ElementwiseBinary, DoubleAndHalf) {
  auto y = run_op("Div", {Tensor::from_vector<double>({2}, {1, 2}), Tensor::from_vector<double>({1}, {3})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<double>(*y), (std::vector<double>{1.0 / 3, 2.0 / 3}));
}

}  // namespace
}  // namespace coreinfer
