#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

using RowFn = std::function<double(const std::vector<double>&)>;

// Reduces x [a,b,c] over `mask` axes by a plain loop (keepdims shape handled by the caller).
std::vector<double> reduce_ref(const Tensor& x, std::vector<bool> mask, const RowFn& f) {
  const Shape& s = x.shape();
  std::vector<double> out;
  const int64_t A = mask[0] ? 1 : s[0], B = mask[1] ? 1 : s[1], C = mask[2] ? 1 : s[2];
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c) {
        std::vector<double> vals;
        for (int64_t i = 0; i < s[0]; ++i)
          for (int64_t j = 0; j < s[1]; ++j)
            for (int64_t k = 0; k < s[2]; ++k)
              if ((mask[0] || i == a) && (mask[1] || j == b) && (mask[2] || k == c))
                vals.push_back(x.data<float>()[(i * s[1] + j) * s[2] + k]);
        out.push_back(f(vals));
      }
  return out;
}

TEST(Reduce, AllKindsAllAxisSetsMatchReference) {
  Tensor x = Tensor::allocate(ElemType::kFloat, {3, 4, 5}).value();
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(static_cast<float>(i)) * 2 + 0.1f * (i % 3);
  const std::vector<std::pair<const char*, RowFn>> kinds = {
      {"ReduceSum", [](const auto& v) { double s = 0; for (double a : v) s += a; return s; }},
      {"ReduceMean", [](const auto& v) { double s = 0; for (double a : v) s += a; return s / v.size(); }},
      {"ReduceMax", [](const auto& v) { return *std::max_element(v.begin(), v.end()); }},
      {"ReduceMin", [](const auto& v) { return *std::min_element(v.begin(), v.end()); }},
      {"ReduceProd", [](const auto& v) { double s = 1; for (double a : v) s *= a; return s; }},
      {"ReduceL1", [](const auto& v) { double s = 0; for (double a : v) s += std::fabs(a); return s; }},
      {"ReduceL2", [](const auto& v) { double s = 0; for (double a : v) s += a * a; return std::sqrt(s); }},
      {"ReduceSumSquare", [](const auto& v) { double s = 0; for (double a : v) s += a * a; return s; }},
      {"ReduceLogSum", [](const auto& v) { double s = 0; for (double a : v) s += std::fabs(a); return std::log(s); }},
      {"ReduceLogSumExp", [](const auto& v) { double s = 0; for (double a : v) s += std::exp(a); return std::log(s); }},
  };
  Tensor xabs = x.clone();
  for (int64_t i = 0; i < x.numel(); ++i) xabs.data<float>()[i] = std::fabs(x.data<float>()[i]);
  const std::vector<std::vector<int64_t>> axis_sets = {{0}, {1}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}, {}};
  for (const auto& [op, f] : kinds) {
    const Tensor& in = std::string(op) == "ReduceLogSum" ? xabs : x;
    for (const auto& axes : axis_sets) {
      std::vector<bool> mask(3, axes.empty());
      for (int64_t a : axes) mask[a < 0 ? a + 3 : a] = true;
      const std::vector<double> want = reduce_ref(in, mask, f);
      for (int64_t opset : {11, 18}) {  // attribute form and input form
        for (int keep : {0, 1}) {
          OpCall c{op};
          c.opset = opset;
          c.attrs.set_int("keepdims", keep);
          c.inputs = {in};
          const bool input_form = opset >= 18 || (std::string(op) == "ReduceSum" && opset >= 13);
          if (!axes.empty()) {
            if (input_form)
              c.inputs.push_back(i64v(axes));
            else
              c.attrs.set_ints("axes", axes);
          }
          Tensor y = run_ok(c);
          Shape shape;
          for (int d = 0; d < 3; ++d)
            if (!mask[d] || keep) shape.push_back(mask[d] ? 1 : in.dim(d));
          EXPECT_EQ(y.shape(), shape) << op;
          ASSERT_EQ(y.numel(), static_cast<int64_t>(want.size())) << op;
          for (size_t i = 0; i < want.size(); ++i)
            EXPECT_NEAR(y.data<float>()[i], want[i], 1e-4 * (1 + std::fabs(want[i]))) << op << " opset " << opset;
        }
      }
    }
  }
}

TEST(Reduce, NoopWithEmptyAxesIntTypesAndErrors) {
  OpCall c{"ReduceSum"};
  c.attrs.set_int("noop_with_empty_axes", 1);
  c.inputs = {iota_f32({2, 3})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{2, 3}));
  c.inputs = {iota_f32({2, 3}), i64({0}, {})};
  EXPECT_EQ(values<float>(run_ok(c)), values<float>(iota_f32({2, 3})));
  OpCall m{"ReduceMax"};
  m.attrs.set_int("keepdims", 0);
  m.inputs = {i64({2, 3}, {1, 9, -3, 4, 5, 6}), i64v({1})};
  EXPECT_EQ(values<int64_t>(run_ok(m)), (std::vector<int64_t>{9, 6}));
  m.inputs = {i32({2, 3}, {1, 9, -3, 4, 5, 6}), i64v({0})};
  EXPECT_EQ(values<int32_t>(run_ok(m)), (std::vector<int32_t>{4, 9, 6}));
  m.inputs = {i32({2, 3}, {1, 9, -3, 4, 5, 6}), i64v({2})};
  EXPECT_FALSE(run_op(m).is_ok());
  OpCall e{"ReduceSum"};  // empty reduction: 0
  e.inputs = {Tensor::allocate(ElemType::kFloat, {2, 0}).value(), i64v({1})};
  EXPECT_EQ(values<float>(run_ok(e)), (std::vector<float>{0, 0}));
}

TEST(ArgMaxMin, KeepdimsSelectLastIndex) {
  Tensor x = f32({2, 3}, {1, 5, 5, 7, 2, 7});
  OpCall c{"ArgMax"};
  c.attrs.set_int("axis", 1);
  c.inputs = {x};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 1}));
  EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{1, 0}));
  c.attrs.set_int("select_last_index", 1);
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{2, 2}));
  OpCall d{"ArgMin"};
  d.attrs.set_int("axis", -2);
  d.attrs.set_int("keepdims", 0);
  d.inputs = {x};
  y = run_ok(d);
  EXPECT_EQ(y.shape(), (Shape{3}));
  EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{0, 1, 0}));
  d.attrs.set_int("axis", 2);
  EXPECT_FALSE(run_op(d).is_ok());
}

TEST(CumSum, ExclusiveReverseAxis) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  OpCall c{"CumSum"};
  c.inputs = {x, i32({}, {1})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  c.attrs.set_int("exclusive", 1);
  c.attrs.set_int("reverse", 1);
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{5, 3, 0, 11, 6, 0}));
  c.inputs = {x, i64({}, {-2})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{4, 5, 6, 0, 0, 0}));
  c.inputs = {x, i64({}, {2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

}  // namespace
}  // namespace coreinfer::test
