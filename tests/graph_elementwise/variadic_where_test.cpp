#include <gtest/gtest.h>

#include <cmath>

#include "core/half.h"
#include "op_runner.h"

namespace coreinfer {
namespace {

using test::broadcast_source_index;
using test::random_floats;
using test::run_op;
using test::values_of;

TEST(ElementwiseVariadic, ThreeInputsBroadcast) {
  const Shape s0{2, 1, 4}, s1{3, 1}, s2{};
  const Shape out_shape{2, 3, 4};
  const std::vector<float> a = random_floats(8, -5, 5, 1), b = random_floats(3, -5, 5, 2), c = {0.25f};
  const std::vector<Tensor> ins = {Tensor::from_vector<float>(s0, a), Tensor::from_vector<float>(s1, b),
                                   Tensor::from_vector<float>(s2, c)};
  for (const char* op : {"Min", "Max", "Sum", "Mean"}) {
    auto y = run_op(op, ins);
    ASSERT_TRUE(y.is_ok()) << op << ": " << y.status().to_string();
    ASSERT_EQ(y->shape(), out_shape);
    for (int64_t i = 0; i < y->numel(); ++i) {
      const float x0 = a[broadcast_source_index(i, out_shape, s0)];
      const float x1 = b[broadcast_source_index(i, out_shape, s1)];
      const float x2 = c[0];
      float expected;
      if (std::string(op) == "Min") expected = std::min({x0, x1, x2});
      else if (std::string(op) == "Max") expected = std::max({x0, x1, x2});
      else if (std::string(op) == "Sum") expected = x0 + x1 + x2;
      else expected = (x0 + x1 + x2) / 3;
      EXPECT_FLOAT_EQ(y->data<float>()[i], expected) << op << " at " << i;
    }
  }
}

TEST(ElementwiseVariadic, SingleInputAndIntegers) {
  auto y = run_op("Max", {Tensor::from_vector<float>({3}, {1, -2, 3})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{1, -2, 3}));
  y = run_op("Min", {Tensor::from_vector<int64_t>({3}, {1, -2, 3}), Tensor::from_vector<int64_t>({1}, {0})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{0, -2, 0}));
  const float nan = std::nanf("");
  y = run_op("Max", {Tensor::from_vector<float>({2}, {1, nan}), Tensor::from_vector<float>({2}, {nan, 0})});
  ASSERT_TRUE(y.is_ok());
  EXPECT_TRUE(std::isnan(y->data<float>()[0]) && std::isnan(y->data<float>()[1]));  // NaN propagates
  EXPECT_FALSE(run_op("Sum", {Tensor::from_vector<float>({1}, {1}), Tensor::from_vector<int32_t>({1}, {1})}).is_ok());
  EXPECT_FALSE(
      run_op("Sum", {Tensor::from_vector<float>({2}, {1, 2}), Tensor::from_vector<float>({3}, {1, 2, 3})}).is_ok());
}

TEST(ElementwiseVariadic, LargeInParallel) {
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  const Shape shape{3, 70001};
  const std::vector<float> a = random_floats(3 * 70001, -5, 5, 8), b = random_floats(70001, -5, 5, 9);
  auto y = run_op(test::OpCall{"Sum",
                               {Tensor::from_vector<float>(shape, a), Tensor::from_vector<float>({70001}, b),
                                Tensor::scalar_f32(0.5f)},
                               {},
                               17,
                               &pool});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  for (int64_t i = 0; i < y->numel(); ++i) ASSERT_FLOAT_EQ(y->data<float>()[i], a[i] + b[i % 70001] + 0.5f) << i;
}

TEST(ElementwiseWhere, BroadcastsAllThree) {
  const Tensor cond = Tensor::from_vector<bool>({3, 1}, {true, false, true});
  const Tensor x = Tensor::from_vector<float>({1, 4}, {1, 2, 3, 4});
  const Tensor y = Tensor::scalar_f32(-1.0f);
  auto out = run_op("Where", {cond, x, y});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(out->shape(), (Shape{3, 4}));
  EXPECT_EQ(values_of<float>(*out), (std::vector<float>{1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4}));
  // Same shapes, int64, large enough to run in parallel.
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  const int64_t n = 50001;
  std::vector<bool> c(n);
  std::vector<int64_t> a(n), b(n);
  for (int64_t i = 0; i < n; ++i) {
    c[i] = (i * 7) % 3 == 0;
    a[i] = i;
    b[i] = -i;
  }
  auto big = run_op(test::OpCall{"Where",
                                 {Tensor::from_vector<bool>({n}, c), Tensor::from_vector<int64_t>({n}, a),
                                  Tensor::from_vector<int64_t>({n}, b)},
                                 {},
                                 17,
                                 &pool});
  ASSERT_TRUE(big.is_ok());
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(big->data<int64_t>()[i], c[i] ? i : -i);
}

TEST(ElementwiseWhere, AnyElementTypeAndErrors) {
  auto h = Tensor::allocate(ElemType::kFloat16, {2});
  ASSERT_TRUE(h.is_ok());
  h->data<uint16_t>()[0] = float_to_fp16(1.5f);
  h->data<uint16_t>()[1] = float_to_fp16(-2.0f);
  auto zero = Tensor::allocate(ElemType::kFloat16, {1});
  ASSERT_TRUE(zero.is_ok());
  auto out = run_op("Where", {Tensor::from_vector<bool>({2}, {false, true}), *h, *zero});
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->type(), ElemType::kFloat16);
  EXPECT_EQ(fp16_to_float(out->data<uint16_t>()[0]), 0.0f);
  EXPECT_EQ(fp16_to_float(out->data<uint16_t>()[1]), -2.0f);
  EXPECT_FALSE(run_op("Where", {Tensor::from_vector<float>({1}, {1}), *h, *zero}).is_ok());  // cond not bool
  EXPECT_FALSE(
      run_op("Where", {Tensor::from_vector<bool>({1}, {true}), *h, Tensor::from_vector<float>({1}, {1})}).is_ok());
  EXPECT_FALSE(run_op("Where", {Tensor::from_vector<bool>({3}, {true, true, true}), *h, *zero}).is_ok());  // shapes
  auto empty = run_op("Where", {Tensor::from_vector<bool>({0}, {}), *zero, *zero});
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->shape(), (Shape{0}));
}

TEST(ElementwiseClip, AttributeFormBeforeOpset11) {
  const Tensor x = Tensor::from_vector<float>({5}, {-3, -1, 0, 1, 3});
  Attributes a;
  a.set_float("min", -1.5f);
  a.set_float("max", 2.0f);
  auto y = run_op("Clip", {x}, a, 6);
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-1.5f, -1, 0, 1, 2}));
  y = run_op("Clip", {x}, {}, 6);  // no bounds: unchanged
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), values_of<float>(x));
}

TEST(ElementwiseClip, InputFormFromOpset11) {
  const Tensor x = Tensor::from_vector<float>({5}, {-3, -1, 0, 1, 3});
  auto y = run_op("Clip", {x, Tensor::scalar_f32(-1.5f), Tensor::scalar_f32(2.0f)}, {}, 13);
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-1.5f, -1, 0, 1, 2}));
  y = run_op("Clip", {x, Tensor(), Tensor::scalar_f32(0.5f)}, {}, 13);  // min absent
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{-3, -1, 0, 0.5f, 0.5f}));
  y = run_op("Clip", {x, Tensor::scalar_f32(2.0f), Tensor::scalar_f32(1.0f)}, {}, 13);  // min > max: max
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), (std::vector<float>{1, 1, 1, 1, 1}));
  // Attributes are ignored from opset 11: the attribute form's bounds must not apply.
  Attributes a;
  a.set_float("min", 0.0f);
  y = run_op("Clip", {x}, a, 13);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<float>(*y), values_of<float>(x));
  // Integers.
  y = run_op("Clip", {Tensor::from_vector<int64_t>({3}, {-9, 4, 9}), Tensor::from_vector<int64_t>({}, {0}),
                      Tensor::from_vector<int64_t>({}, {5})},
             {}, 13);
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{0, 4, 5}));
  EXPECT_FALSE(run_op("Clip", {x, Tensor::from_vector<int64_t>({}, {0})}, {}, 13).is_ok());       // type
  EXPECT_FALSE(run_op("Clip", {x, Tensor::from_vector<float>({2}, {0, 1})}, {}, 13).is_ok());  // not scalar
}

TEST(ElementwisePRelu, SlopeBroadcastsToX) {
  const Shape xs{2, 3, 2, 2};
  const std::vector<float> xv = random_floats(24, -2, 2, 4);
  const std::vector<float> slope = {0.1f, 0.2f, 0.3f};
  auto y = run_op("PRelu", {Tensor::from_vector<float>(xs, xv), Tensor::from_vector<float>({3, 1, 1}, slope)});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->shape(), xs);
  for (int64_t i = 0; i < 24; ++i) {
    const float s = slope[(i / 4) % 3];
    EXPECT_FLOAT_EQ(y->data<float>()[i], xv[i] < 0 ? xv[i] * s : xv[i]);
  }
  // Slope may not grow the output.
  EXPECT_FALSE(run_op("PRelu", {Tensor::from_vector<float>({3}, {1, 2, 3}),
                                Tensor::from_vector<float>({2, 3}, {1, 1, 1, 1, 1, 1})})
                   .is_ok());
}

}  // namespace
}  // namespace coreinfer
