#include <gtest/gtest.h>

#include <limits>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

TEST(Slice, AttributeFormOpset9) {
  OpCall c{"Slice"};
  c.opset = 9;
  c.attrs.set_ints("starts", {0, 1});
  c.attrs.set_ints("ends", {1, 1000});
  c.inputs = {iota_f32({2, 4})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{1, 3}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{1, 2, 3}));
  c.attrs.set_ints("axes", {-1});
  c.attrs.set_ints("starts", {-2});
  c.attrs.set_ints("ends", {std::numeric_limits<int64_t>::max()});
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{2, 3, 6, 7}));
}

// A plain reference for one axis of a 1-D input.
std::vector<float> slice_ref(int64_t n, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += n;
  if (end < 0) end += n;
  std::vector<float> out;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, 0, n);
    for (int64_t i = start; i < end; i += step) out.push_back(static_cast<float>(i));
  } else {
    start = std::clamp<int64_t>(start, 0, n - 1);
    end = std::clamp<int64_t>(end, -1, n - 1);
    for (int64_t i = start; i > end; i += step) out.push_back(static_cast<float>(i));
  }
  return out;
}

TEST(Slice, InputFormStepsClampingMatchesReference) {
  const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
  for (int64_t n : {0, 1, 5, 10}) {
    for (int64_t start : {small, int64_t{-12}, int64_t{-3}, int64_t{-1}, int64_t{0}, int64_t{2}, int64_t{9}, big}) {
      for (int64_t end : {small, int64_t{-12}, int64_t{-1}, int64_t{0}, int64_t{3}, int64_t{11}, big}) {
        for (int64_t step : {-3, -1, 1, 2}) {
          OpCall c{"Slice"};
          c.inputs = {iota_f32({n}), i64v({start}), i64v({end}), i64v({0}), i64v({step})};
          Tensor y = run_ok(c);
          EXPECT_EQ(values<float>(y), slice_ref(n, start, end, step))
              << "n=" << n << " start=" << start << " end=" << end << " step=" << step;
        }
      }
    }
  }
}

TEST(Slice, MultiAxisNegativeStepInt32AndErrors) {
  OpCall c{"Slice"};
  c.inputs = {iota_f32({3, 4}), i32({2}, {-1, 3}), i32({2}, {-100, 0}), i32({2}, {0, 1}), i32({2}, {-2, -2})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{11, 9, 3, 1}));
  c.inputs = {iota_f32({3, 4}), i64v({0}), i64v({2}), i64v({1}), i64v({0})};
  auto r = run_op(c);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("step"), std::string::npos);
  c.inputs = {iota_f32({3, 4}), i64v({0, 0}), i64v({2, 2}), i64v({1, 1})};
  EXPECT_FALSE(run_op(c).is_ok());  // repeated axis
  c.inputs = {iota_f32({3, 4}), i64v({0}), i64v({2}), i64v({2})};
  EXPECT_FALSE(run_op(c).is_ok());  // axis out of range
  c.inputs = {iota_f32({3, 4}), i64v({0}), i64v({2, 3})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Slice, LargeThreadedInnerRuns) {
  Tensor x = iota_f32({64, 128, 33});
  OpCall c{"Slice"};
  c.threaded = true;
  c.inputs = {x, i64v({1, 5}), i64v({127, 30}), i64v({1, 2}), i64v({3, 1})};
  Tensor y = run_ok(c);
  ASSERT_EQ(y.shape(), (Shape{64, 42, 25}));
  for (int a = 0; a < 64; a += 7)
    for (int b = 0; b < 42; ++b)
      for (int d = 0; d < 25; ++d)
        ASSERT_EQ(y.data<float>()[(a * 42 + b) * 25 + d], x.data<float>()[(a * 128 + 1 + 3 * b) * 33 + 5 + d]);
}

TEST(Pad, ModesOnRowMatchNumpy) {
  // numpy.pad([1,2,3,4], (3,5), mode) for each mode.
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"constant", {9, 9, 9, 1, 2, 3, 4, 9, 9, 9, 9, 9}},
      {"edge", {1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4}},
      {"reflect", {4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3}},
      {"wrap", {2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1}},
  };
  for (const auto& [mode, want] : cases) {
    OpCall c{"Pad"};
    c.attrs.set_string("mode", mode);
    c.inputs = {f32({4}, {1, 2, 3, 4}), i64v({3, 5}), Tensor::scalar_f32(9)};
    EXPECT_EQ(values<float>(run_ok(c)), want) << mode;
  }
}

TEST(Pad, TwoDimensionalNegativeAndAxes) {
  Tensor x = iota_f32({2, 3});
  OpCall c{"Pad"};
  c.inputs = {x, i64v({1, -1, 0, 1})};  // one row on top, drop first column, one column at the end
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{3, 3}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{0, 0, 0, 1, 2, 0, 4, 5, 0}));
  OpCall e{"Pad"};
  e.opset = 18;
  e.attrs.set_string("mode", "edge");
  e.inputs = {x, i64v({2, 1}), Tensor(), i64v({-1})};
  EXPECT_EQ(values<float>(run_ok(e)), (std::vector<float>{0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5}));
  e.inputs = {x, i64v({2, 1, 0})};
  EXPECT_FALSE(run_op(e).is_ok());
  e.inputs = {x, i64v({0, -4, 0, 0})};
  EXPECT_FALSE(run_op(e).is_ok());
}

TEST(Pad, AttributeFormOpset2AndIntTypes) {
  OpCall c{"Pad"};
  c.opset = 2;
  c.attrs.set_ints("pads", {0, 1, 0, 1});
  c.attrs.set_float("value", 1.5f);
  c.inputs = {iota_f32({1, 2})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1.5f, 0, 1, 1.5f}));
  OpCall d{"Pad"};
  d.attrs.set_string("mode", "reflect");
  d.inputs = {i64({2, 3}, {1, 2, 3, 4, 5, 6}), i64v({1, 2, 1, 2})};
  Tensor y = run_ok(d);
  ASSERT_EQ(y.shape(), (Shape{4, 7}));
  EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4,
                                                       3, 2, 1, 2, 3, 2, 1}));
}

}  // namespace
}  // namespace coreinfer::test

namespace coreinfer::test {
namespace {

// Wide rows take the run-copy path, narrow rows the element-gather path: both against a loop.
TEST(Pad, WideAndNarrowRowsMatchReference) {
  for (int64_t width : {3, 200}) {
    for (const char* mode : {"constant", "edge", "reflect", "wrap"}) {
      Tensor x = iota_f32({5, width});
      OpCall c{"Pad"};
      c.attrs.set_string("mode", mode);
      c.threaded = true;
      c.inputs = {x, i64v({2, 2, 1, 3}), Tensor::scalar_f32(-1)};
      Tensor y = run_ok(c);
      ASSERT_EQ(y.shape(), (Shape{8, width + 5}));
      auto src = [&](int64_t o, int64_t pad, int64_t n) -> int64_t {
        int64_t i = o - pad;
        if (i >= 0 && i < n) return i;
        const std::string m = mode;
        if (m == "constant") return -1;
        if (m == "edge") return std::clamp<int64_t>(i, 0, n - 1);
        if (m == "wrap") return ((i % n) + n) % n;
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
      };
      for (int64_t a = 0; a < 8; ++a)
        for (int64_t b = 0; b < width + 5; ++b) {
          const int64_t sa = src(a, 2, 5), sb = src(b, 2, width);
          const float want = sa < 0 || sb < 0 ? -1.0f : x.data<float>()[sa * width + sb];
          ASSERT_EQ(y.data<float>()[a * (width + 5) + b], want) << mode << " width " << width << " at " << a << "," << b;
        }
    }
  }
}

}  // namespace
}  // namespace coreinfer::test
