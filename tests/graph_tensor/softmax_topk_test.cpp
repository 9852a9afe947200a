#include <gtest/gtest.h>

#include <cmath>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

Tensor sample(Shape s) {
  Tensor x = Tensor::allocate(ElemType::kFloat, std::move(s)).value();
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::cos(static_cast<float>(i) * 1.3f) * 3;
  return x;
}

// Softmax over rows of `n` with stride `inner` (the opset-13 single-axis layout).
std::vector<double> softmax_ref(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log) {
  std::vector<double> out(x.numel());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(x.data<float>()[(o * n + k) * inner + i]);
      for (int64_t k = 0; k < n; ++k) {
        const double v = x.data<float>()[(o * n + k) * inner + i];
        out[(o * n + k) * inner + i] = log ? v - std::log(sum) : std::exp(v) / sum;
      }
    }
  return out;
}

TEST(Softmax, Opset13SingleAxisVsOpset11Coerce2D) {
  Tensor x = sample({2, 3, 4});
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    const bool log = std::string(op) == "LogSoftmax";
    OpCall c{op};
    c.inputs = {x};
    std::vector<double> want = softmax_ref(x, 6, 4, 1, log);  // default axis -1
    Tensor y = run_ok(c);
    for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5) << op;
    c.attrs.set_int("axis", 1);  // middle axis, strided
    want = softmax_ref(x, 2, 3, 4, log);
    y = run_ok(c);
    for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5) << op;
    OpCall old{op};  // opset 11, axis 1: normalised over the flattened [3*4]
    old.opset = 11;
    old.inputs = {x};
    want = softmax_ref(x, 2, 12, 1, log);
    y = run_ok(old);
    for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5) << op;
    old.attrs.set_int("axis", 4);
    EXPECT_FALSE(run_op(old).is_ok());
    c.attrs.set_int("axis", 3);
    EXPECT_FALSE(run_op(c).is_ok());
  }
}

TEST(Softmax, LargeValuesStableAndDouble) {
  OpCall c{"Softmax"};
  c.inputs = {f32({3}, {1000, 1001, 1002})};
  std::vector<float> y = values<float>(run_ok(c));
  EXPECT_NEAR(y[2], 0.66524096f, 1e-6);
  c.inputs = {Tensor::from_vector<double>({2}, {-1000, -1000})};
  Tensor d = run_ok(c);
  EXPECT_EQ(d.type(), ElemType::kDouble);
  EXPECT_DOUBLE_EQ(d.data<double>()[0], 0.5);
  c.inputs = {i64v({1, 2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Hardmax, FirstMaxWins) {
  OpCall c{"Hardmax"};
  c.inputs = {f32({2, 3}, {1, 3, 3, -1, -2, -5})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{0, 1, 0, 1, 0, 0}));
  c.attrs.set_int("axis", 0);
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 1, 1, 0, 0, 0}));
}

TEST(TopK, LargestSmallestTiesAndKForms) {
  Tensor x = f32({2, 5}, {3, 1, 3, 5, 1, 0, 0, 2, 2, 1});
  OpCall c{"TopK"};
  c.inputs = {x, i64v({3})};
  c.outputs = 2;
  auto r = run_op(c);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values<float>((*r)[0]), (std::vector<float>{5, 3, 3, 2, 2, 1}));
  EXPECT_EQ(values<int64_t>((*r)[1]), (std::vector<int64_t>{3, 0, 2, 2, 3, 4}));
  c.attrs.set_int("largest", 0);
  c.attrs.set_int("axis", 0);
  c.inputs = {x, i64v({1})};
  r = run_op(c);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<float>((*r)[0]), (std::vector<float>{0, 0, 2, 2, 1}));
  EXPECT_EQ(values<int64_t>((*r)[1]), (std::vector<int64_t>{1, 1, 1, 1, 0}));
  OpCall old{"TopK"};  // opset 1-9: k attribute
  old.opset = 9;
  old.attrs.set_int("k", 2);
  old.inputs = {x};
  old.outputs = 2;
  r = run_op(old);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<int64_t>((*r)[1]), (std::vector<int64_t>{3, 0, 2, 3}));
  c.inputs = {x, i64v({3})};  // axis 0 has 2
  EXPECT_FALSE(run_op(c).is_ok());
}

}  // namespace
}  // namespace coreinfer::test
