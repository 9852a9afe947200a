#include <gtest/gtest.h>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

TEST(Shape, StartEnd) {
  Tensor x = iota_f32({2, 3, 4, 5});
  OpCall c{"Shape"};
  c.inputs = {x};
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{2, 3, 4, 5}));
  c.attrs.set_int("start", 1);
  c.attrs.set_int("end", -1);
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{3, 4}));
  c.attrs.set_int("start", -10);  // clamped
  c.attrs.set_int("end", 10);
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{2, 3, 4, 5}));
  c.attrs.set_int("start", 3);
  c.attrs.set_int("end", 1);
  EXPECT_EQ(run_ok(c).numel(), 0);
}

TEST(Size, CountsElements) {
  Tensor s = run_ok(OpCall{"Size", 21, {}, {iota_f32({2, 0, 3})}});
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.data<int64_t>()[0], 0);
  EXPECT_EQ(run_ok(OpCall{"Size", 21, {}, {iota_f32({2, 3})}}).data<int64_t>()[0], 6);
}

TEST(Constant, AllAttributeForms) {
  OpCall c{"Constant"};
  c.attrs.set("value", tensor_attr(i64({2}, {7, 8})));
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{7, 8}));
  OpCall f{"Constant"};
  f.attrs.set_float("value_float", 2.5f);
  Tensor t = run_ok(f);
  EXPECT_EQ(t.rank(), 0);
  EXPECT_EQ(t.data<float>()[0], 2.5f);
  OpCall fs{"Constant"};
  fs.attrs.set_floats("value_floats", {1, 2, 3});
  EXPECT_EQ(values<float>(run_ok(fs)), (std::vector<float>{1, 2, 3}));
  OpCall i{"Constant"};
  i.attrs.set_int("value_int", -4);
  EXPECT_EQ(run_ok(i).data<int64_t>()[0], -4);
  OpCall is{"Constant"};
  is.attrs.set_ints("value_ints", {5, 6});
  EXPECT_EQ(values<int64_t>(run_ok(is)), (std::vector<int64_t>{5, 6}));
  EXPECT_FALSE(run_op(OpCall{"Constant"}).is_ok());
}

TEST(ConstantOfShape, DefaultAndValue) {
  OpCall c{"ConstantOfShape"};
  c.inputs = {i64v({2, 3})};
  Tensor t = run_ok(c);
  EXPECT_EQ(t.type(), ElemType::kFloat);
  EXPECT_EQ(values<float>(t), std::vector<float>(6, 0.0f));
  c.attrs.set("value", tensor_attr(Tensor::from_vector<int32_t>({1}, {7})));
  t = run_ok(c);
  EXPECT_EQ(t.type(), ElemType::kInt32);
  EXPECT_EQ(values<int32_t>(t), std::vector<int32_t>(6, 7));
  c.inputs = {i64v({})};  // scalar output
  EXPECT_EQ(run_ok(c).rank(), 0);
  c.inputs = {i64v({2, -1})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Range, FloatIntAndErrors) {
  OpCall c{"Range"};
  c.inputs = {Tensor::scalar_f32(1), Tensor::scalar_f32(2), Tensor::scalar_f32(0.3f)};
  auto v = values<float>(run_ok(c));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_NEAR(v[3], 1.9f, 1e-6);
  c.inputs = {i64({}, {10}), i64({}, {4}), i64({}, {-3})};
  EXPECT_EQ(values<int64_t>(run_ok(c)), (std::vector<int64_t>{10, 7}));
  c.inputs = {i32({}, {0}), i32({}, {5}), i32({}, {-1})};
  EXPECT_EQ(run_ok(c).numel(), 0);
  c.inputs = {i64({}, {0}), i64({}, {5}), i64({}, {0})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {i64({}, {0}), Tensor::scalar_f32(5), i64({}, {1})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(EyeLike, DiagonalsAndType) {
  OpCall c{"EyeLike"};
  c.inputs = {iota_f32({3, 4})};
  c.attrs.set_int("k", 1);
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  c.attrs.set_int("k", -2);
  c.attrs.set_int("dtype", 7);
  Tensor t = run_ok(c);
  EXPECT_EQ(t.type(), ElemType::kInt64);
  EXPECT_EQ(values<int64_t>(t), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}));
  c.inputs = {iota_f32({3})};
  EXPECT_FALSE(run_op(c).is_ok());
}

}  // namespace
}  // namespace coreinfer::test
