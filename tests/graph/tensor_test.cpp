#include "graph/tensor.h"

#include <gtest/gtest.h>

#include "graph/broadcast.h"

namespace coreinfer {
namespace {

TEST(Tensor, AllocateRejectsBadShapes) {
  EXPECT_FALSE(Tensor::allocate(ElemType::kFloat, {2, -1}).is_ok());
  EXPECT_FALSE(Tensor::allocate(ElemType::kFloat, {int64_t{1} << 40, int64_t{1} << 30}).is_ok());
  EXPECT_FALSE(Tensor::allocate(ElemType::kString, {2}).is_ok());
  auto t = Tensor::allocate(ElemType::kInt64, {2, 0, 3});
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->numel(), 0);
}

TEST(Tensor, ReshapedSharesStorage) {
  Tensor t = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto v = t.reshaped({3, 2});
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE(v->shares_storage_with(t));
  EXPECT_EQ(v->data<float>()[5], 6.0f);
  EXPECT_FALSE(t.reshaped({4}).is_ok());
  Tensor c = t.clone();
  EXPECT_FALSE(c.shares_storage_with(t));
}

TEST(Broadcast, Shapes) {
  std::vector<Shape> s = {{2, 1, 4}, {3, 1}};
  auto out = broadcast_shapes(s);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(*out, (Shape{2, 3, 4}));
  std::vector<Shape> bad = {{2, 3}, {4}};
  EXPECT_FALSE(broadcast_shapes(bad).is_ok());
  EXPECT_EQ(broadcast_strides({3, 1}, {2, 3, 4}), (std::vector<int64_t>{0, 1, 0}));
}

}  // namespace
}  // namespace coreinfer
