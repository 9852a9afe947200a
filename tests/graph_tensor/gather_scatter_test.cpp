#include <gtest/gtest.h>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

TEST(Gather, Axis0EmbeddingRowsNegativeIndices) {
  Tensor table = iota_f32({5, 3});
  OpCall c{"Gather"};
  c.inputs = {table, i64({2, 2}, {4, -5, 1, -1})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{12, 13, 14, 0, 1, 2, 3, 4, 5, 12, 13, 14}));
  c.inputs = {table, i32({}, {2})};  // scalar index drops the axis
  Tensor s = run_ok(c);
  EXPECT_EQ(s.shape(), (Shape{3}));
  EXPECT_EQ(values<float>(s), (std::vector<float>{6, 7, 8}));
}

TEST(Gather, Axis1MatchesReferenceAndBoundsChecked) {
  Tensor x = iota_f32({2, 4, 3});
  OpCall c{"Gather"};
  c.attrs.set_int("axis", -2);
  c.inputs = {x, i64v({3, 0, 3})};
  Tensor y = run_ok(c);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  const int64_t idx[] = {3, 0, 3};
  for (int a = 0; a < 2; ++a)
    for (int j = 0; j < 3; ++j)
      for (int b = 0; b < 3; ++b) EXPECT_EQ(y.data<float>()[(a * 3 + j) * 3 + b], x.data<float>()[(a * 4 + idx[j]) * 3 + b]);
  c.inputs = {x, i64v({4})};
  auto r = run_op(c);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
  c.inputs = {x, i64v({-5})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {x, f32({1}, {0})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {x, i64({0}, {})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{2, 0, 3}));
}

TEST(GatherElements, Axis1) {
  OpCall c{"GatherElements"};
  c.attrs.set_int("axis", 1);
  c.inputs = {f32({2, 2}, {1, 2, 3, 4}), i64({2, 2}, {0, 0, 1, 0})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 1, 4, 3}));
  c.attrs.set_int("axis", 0);
  c.inputs = {iota_f32({3, 3}), i32({2, 3}, {1, 2, 0, 2, 0, -3})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{3, 7, 2, 6, 1, 2}));
  c.inputs = {iota_f32({3, 3}), i32({1, 3}, {3, 0, 0})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(GatherND, BatchDims) {
  OpCall c{"GatherND"};
  c.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({2, 2}, {0, 0, 1, 1})};
  EXPECT_EQ(values<int32_t>(run_ok(c)), (std::vector<int32_t>{0, 3}));
  c.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({2, 1}, {1, 0})};
  EXPECT_EQ(values<int32_t>(run_ok(c)), (std::vector<int32_t>{2, 3, 0, 1}));
  OpCall b{"GatherND"};
  b.attrs.set_int("batch_dims", 1);
  b.inputs = {iota_f32({2, 2, 2}), i64({2, 1}, {1, 0})};
  EXPECT_EQ(values<float>(run_ok(b)), (std::vector<float>{2, 3, 4, 5}));
  b.inputs = {iota_f32({2, 2, 2}), i64({2, 1}, {2, 0})};
  EXPECT_FALSE(run_op(b).is_ok());
}

TEST(ScatterND, NoneAndAdd) {
  OpCall c{"ScatterND"};
  c.inputs = {f32({8}, {1, 2, 3, 4, 5, 6, 7, 8}), i64({4, 1}, {4, 3, 1, 7}), f32({4}, {9, 10, 11, 12})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 11, 3, 10, 9, 6, 7, 12}));
  c.attrs.set_string("reduction", "add");
  c.inputs = {f32({4}, {1, 1, 1, 1}), i64({2, 1}, {0, 0}), f32({2}, {2, 3})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{6, 1, 1, 1}));
  c.inputs = {f32({4}, {1, 1, 1, 1}), i64({1, 1}, {4}), f32({1}, {2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(ScatterElements, AxisAndReductions) {
  OpCall c{"ScatterElements"};
  c.attrs.set_int("axis", 1);
  c.inputs = {f32({1, 5}, {1, 2, 3, 4, 5}), i64({1, 2}, {1, 3}), f32({1, 2}, {1.1f, 2.1f})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 1.1f, 3, 2.1f, 5}));
  c.attrs.set_string("reduction", "max");
  c.inputs = {f32({1, 5}, {1, 2, 3, 4, 5}), i64({1, 2}, {-1, -1}), f32({1, 2}, {7, 6})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 2, 3, 4, 7}));
  OpCall s{"Scatter"};  // opset 9-10 name
  s.opset = 10;
  s.inputs = {f32({3, 3}, {0, 0, 0, 0, 0, 0, 0, 0, 0}), i64({2, 3}, {1, 0, 2, 0, 2, 1}),
              f32({2, 3}, {1, 1.1f, 1.2f, 2, 2.1f, 2.2f})};
  EXPECT_EQ(values<float>(run_ok(s)), (std::vector<float>{2, 1.1f, 0, 1, 0, 2.2f, 0, 2.1f, 1.2f}));
}

TEST(NonZero, IndicesPerDim) {
  OpCall c{"NonZero"};
  c.inputs = {f32({2, 2}, {1, 0, -0.0f, 3})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{0, 1, 0, 1}));
  c.inputs = {Tensor::from_vector<bool>({3}, {false, true, true})};
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{1, 2}));
}

TEST(OneHot, AxisAndNegativeIndices) {
  OpCall c{"OneHot"};
  c.inputs = {i64v({1, -1, 5}), i64({}, {3}), f32({2}, {0, 1})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{3, 3}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{0, 1, 0, 0, 0, 1, 0, 0, 0}));
  c.attrs.set_int("axis", 0);
  c.inputs = {i64v({1, 2}), f32({1}, {3}), i32({2}, {-1, 7})};
  y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(values<int32_t>(y), (std::vector<int32_t>{-1, -1, 7, -1, -1, 7}));
}

}  // namespace
}  // namespace coreinfer::test
