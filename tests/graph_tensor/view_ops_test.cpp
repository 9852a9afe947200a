#include <gtest/gtest.h>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

TEST(Reshape, CopiesZeroInfersMinusOneAndShares) {
  Tensor x = iota_f32({2, 3, 4});
  OpCall c{"Reshape"};
  c.inputs = {x, i64v({0, -1})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 12}));
  EXPECT_TRUE(y.shares_storage_with(x));
  c.inputs = {x, i64v({-1, 2, 2})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{6, 2, 2}));
  c.inputs = {x, i32({3}, {4, 0, -1})};  // int32 shape input; 0 copies dim 1 (3)
  EXPECT_EQ(run_ok(c).shape(), (Shape{4, 3, 2}));
}

TEST(Reshape, AllowZeroKeepsLiteralZero) {
  OpCall c{"Reshape"};
  c.attrs.set_int("allowzero", 1);
  c.inputs = {Tensor::allocate(ElemType::kFloat, {0, 3}).value(), i64v({3, 0})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{3, 0}));
  c.inputs = {iota_f32({2, 3}), i64v({0, 6})};
  EXPECT_FALSE(run_op(c).is_ok());  // 0 elements != 6
}

TEST(Reshape, Errors) {
  OpCall c{"Reshape"};
  c.inputs = {iota_f32({2, 3}), i64v({4, 2})};
  auto r = run_op(c);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("[2,3]"), std::string::npos) << r.status().message();
  c.inputs = {iota_f32({2, 3}), i64v({-1, -1})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {iota_f32({2, 3}), i64v({-1, 4})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {iota_f32({2, 3}), i64v({1, 1, 0, 6})};  // copies a dim the input lacks
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {iota_f32({2, 3}), f32({2}, {3, 2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Flatten, AxisZeroNegativeAndRange) {
  OpCall c{"Flatten"};
  c.inputs = {iota_f32({2, 3, 4})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{2, 12}));
  c.attrs.set_int("axis", 0);
  EXPECT_EQ(run_ok(c).shape(), (Shape{1, 24}));
  c.attrs.set_int("axis", -1);
  EXPECT_EQ(run_ok(c).shape(), (Shape{6, 4}));
  c.attrs.set_int("axis", 3);
  EXPECT_EQ(run_ok(c).shape(), (Shape{24, 1}));
  c.attrs.set_int("axis", 4);
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Squeeze, AttributeAndInputForms) {
  Tensor x = iota_f32({1, 3, 1, 2});
  OpCall c{"Squeeze"};
  c.opset = 11;
  c.inputs = {x};
  EXPECT_EQ(run_ok(c).shape(), (Shape{3, 2}));  // no axes: every 1
  c.attrs.set_ints("axes", {-2});
  EXPECT_EQ(run_ok(c).shape(), (Shape{1, 3, 2}));
  OpCall d{"Squeeze"};
  d.opset = 13;
  d.inputs = {x, i64v({0})};
  EXPECT_EQ(run_ok(d).shape(), (Shape{3, 1, 2}));
  d.inputs = {x, i64v({1})};  // size 3: error
  EXPECT_FALSE(run_op(d).is_ok());
  d.inputs = {x, i64v({4})};
  EXPECT_FALSE(run_op(d).is_ok());
}

TEST(Unsqueeze, AttributeAndInputForms) {
  Tensor x = iota_f32({3, 4});
  OpCall c{"Unsqueeze"};
  c.opset = 11;
  c.attrs.set_ints("axes", {0, -1});
  c.inputs = {x};
  EXPECT_EQ(run_ok(c).shape(), (Shape{1, 3, 4, 1}));
  OpCall d{"Unsqueeze"};
  d.opset = 13;
  d.inputs = {x, i64v({1, 3})};
  Tensor y = run_ok(d);
  EXPECT_EQ(y.shape(), (Shape{3, 1, 4, 1}));
  EXPECT_TRUE(y.shares_storage_with(x));
  d.inputs = {x, i64v({1, 1})};
  EXPECT_FALSE(run_op(d).is_ok());
  d.inputs = {x};
  EXPECT_FALSE(run_op(d).is_ok());
  d.inputs = {Tensor::scalar_f32(2), i64v({0})};
  EXPECT_EQ(run_ok(d).shape(), (Shape{1}));
}

TEST(IdentityDropout, ReturnInputAndMask) {
  Tensor x = iota_f32({2, 2});
  EXPECT_TRUE(run_ok(OpCall{"Identity", 21, {}, {x}}).shares_storage_with(x));
  OpCall c{"Dropout"};
  c.inputs = {x, Tensor::scalar_f32(0.3f)};
  c.outputs = 2;
  auto r = run_op(c);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<float>((*r)[0]), values<float>(x));
  ASSERT_EQ((*r)[1].type(), ElemType::kBool);
  for (bool b : values<bool>((*r)[1])) EXPECT_TRUE(b);
  c.inputs = {x, Tensor::scalar_f32(0.3f), Tensor::from_vector<bool>({}, {true})};
  EXPECT_FALSE(run_op(c).is_ok());  // training mode refused
  c.inputs = {x, Tensor::scalar_f32(0.0f), Tensor::from_vector<bool>({}, {true})};
  EXPECT_TRUE(run_op(c).is_ok());  // ratio 0 is the identity even in training mode
  OpCall old{"Dropout"};
  old.opset = 7;
  old.attrs.set_float("ratio", 0.2f);
  old.inputs = {x};
  old.outputs = 2;
  r = run_op(old);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)[1].type(), ElemType::kFloat);
  EXPECT_EQ(values<float>((*r)[1]), std::vector<float>(4, 1.0f));
}

}  // namespace
}  // namespace coreinfer::test
