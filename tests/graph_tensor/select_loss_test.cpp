#include <gtest/gtest.h>

#include <cmath>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

Tensor bools(Shape s, std::vector<bool> v) { return Tensor::from_vector<bool>(std::move(s), v); }

TEST(Compress, AxisAndFlattened) {
  Tensor x = iota_f32({3, 2});
  OpCall c{"Compress"};
  c.attrs.set_int("axis", 0);
  c.inputs = {x, bools({2}, {false, true})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{2, 3}));
  c.attrs.set_int("axis", -1);
  c.inputs = {x, bools({2}, {true, false})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{0, 2, 4}));
  OpCall f{"Compress"};
  f.inputs = {x, bools({5}, {false, true, false, false, true})};
  EXPECT_EQ(values<float>(run_ok(f)), (std::vector<float>{1, 4}));
  c.attrs.set_int("axis", 0);
  c.inputs = {x, bools({4}, {false, false, false, true})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(ReverseSequence, BatchAndTimeAxes) {
  OpCall c{"ReverseSequence"};
  c.attrs.set_int("batch_axis", 0);
  c.attrs.set_int("time_axis", 1);
  c.inputs = {iota_f32({2, 4}), i64v({3, 1})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{2, 1, 0, 3, 4, 5, 6, 7}));
  OpCall t{"ReverseSequence"};  // default: time 0, batch 1
  t.inputs = {iota_f32({3, 2}), i64v({2, 3})};
  EXPECT_EQ(values<float>(run_ok(t)), (std::vector<float>{2, 5, 0, 3, 4, 1}));
  t.inputs = {iota_f32({3, 2}), i64v({4, 3})};
  EXPECT_FALSE(run_op(t).is_ok());
}

TEST(CenterCropPad, CropAndPadCentred) {
  OpCall c{"CenterCropPad"};
  c.inputs = {iota_f32({5, 2}), i64v({2, 5})};  // crop 5->2 (start 1), pad 2->5 (begin 1)
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 5}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{0, 2, 3, 0, 0, 0, 4, 5, 0, 0}));
  c.attrs.set_ints("axes", {-1});
  c.inputs = {iota_f32({2, 4}), i64v({1})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{1, 5}));
  c.inputs = {iota_f32({2, 4}), i64v({1, 1})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(NegativeLogLikelihoodLoss, ReductionsWeightsIgnoreIndex) {
  Tensor x = f32({2, 3}, {-1, -2, -3, -4, -5, -6});
  OpCall c{"NegativeLogLikelihoodLoss"};
  c.attrs.set_string("reduction", "none");
  c.inputs = {x, i64v({2, 0})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{3, 4}));
  c.attrs.set_string("reduction", "mean");
  c.inputs = {x, i64v({2, 0}), f32({3}, {0.5f, 1, 2})};
  EXPECT_NEAR(run_ok(c).data<float>()[0], (3 * 2 + 4 * 0.5) / 2.5, 1e-6);
  c.attrs.set_int("ignore_index", 2);
  c.inputs = {x, i64v({2, 1})};
  EXPECT_NEAR(run_ok(c).data<float>()[0], 5.0, 1e-6);  // one counted target
  c.attrs.set_string("reduction", "sum");
  EXPECT_NEAR(run_ok(c).data<float>()[0], 5.0, 1e-6);
  c.inputs = {x, i64v({3, 1})};
  EXPECT_FALSE(run_op(c).is_ok());  // class out of range
  c.inputs = {x, i64v({1})};
  EXPECT_FALSE(run_op(c).is_ok());  // target shape
}

TEST(SoftmaxCrossEntropyLoss, SpatialWithLogProb) {
  // [N=1, C=2, D=2]: per position log-softmax over C.
  Tensor x = f32({1, 2, 2}, {0, 1, 1, 3});
  OpCall c{"SoftmaxCrossEntropyLoss"};
  c.attrs.set_string("reduction", "none");
  c.inputs = {x, i64({1, 2}, {1, 0})};
  c.outputs = 2;
  auto r = run_op(c);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const double l0 = -(1 - std::log(std::exp(0.0) + std::exp(1.0)));
  const double l1 = -(1 - std::log(std::exp(1.0) + std::exp(3.0)));
  EXPECT_NEAR((*r)[0].data<float>()[0], l0, 1e-6);
  EXPECT_NEAR((*r)[0].data<float>()[1], l1, 1e-6);
  EXPECT_EQ((*r)[1].shape(), x.shape());
  EXPECT_NEAR((*r)[1].data<float>()[2], -l0, 1e-6);
}

}  // namespace
}  // namespace coreinfer::test

namespace coreinfer::test {
namespace {

TEST(Unique, SortedUnsortedAndAxis) {
  OpCall c{"Unique"};
  c.outputs = 4;
  c.inputs = {f32({6}, {2, 1, 1, 3, 4, 3})};
  auto r = run_op(c);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values<float>((*r)[0]), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(values<int64_t>((*r)[1]), (std::vector<int64_t>{1, 0, 3, 4}));
  EXPECT_EQ(values<int64_t>((*r)[2]), (std::vector<int64_t>{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(values<int64_t>((*r)[3]), (std::vector<int64_t>{2, 1, 2, 1}));
  c.attrs.set_int("sorted", 0);
  r = run_op(c);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<float>((*r)[0]), (std::vector<float>{2, 1, 3, 4}));
  EXPECT_EQ(values<int64_t>((*r)[2]), (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  OpCall a{"Unique"};  // rows of a matrix
  a.attrs.set_int("axis", 0);
  a.inputs = {i64({3, 2}, {1, 0, 1, 0, 0, 5})};
  a.outputs = 4;
  r = run_op(a);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(values<int64_t>((*r)[0]), (std::vector<int64_t>{0, 5, 1, 0}));
  EXPECT_EQ(values<int64_t>((*r)[2]), (std::vector<int64_t>{1, 1, 0}));
  a.attrs.set_int("axis", 2);
  EXPECT_FALSE(run_op(a).is_ok());
}

}  // namespace
}  // namespace coreinfer::test
