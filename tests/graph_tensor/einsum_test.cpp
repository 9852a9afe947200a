#include <gtest/gtest.h>

#include <cmath>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

Tensor sample(Shape s, float phase) {
  Tensor x = Tensor::allocate(ElemType::kFloat, std::move(s)).value();
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(static_cast<float>(i) * 0.7f + phase);
  return x;
}

Tensor einsum(const std::string& eq, std::vector<Tensor> inputs) {
  OpCall c{"Einsum"};
  c.attrs.set_string("equation", eq);
  c.inputs = std::move(inputs);
  return run_ok(c);
}

TEST(Einsum, BatchedMatmulForms) {
  const int64_t B = 2, H = 3, I = 4, J = 5, D = 6;
  Tensor q = sample({B, H, I, D}, 0), k = sample({B, H, J, D}, 1), v = sample({B, H, J, D}, 2);
  Tensor s = einsum("bhid,bhjd->bhij", {q, k});
  ASSERT_EQ(s.shape(), (Shape{B, H, I, J}));
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t j = 0; j < J; ++j) {
        double ref = 0;
        for (int64_t d = 0; d < D; ++d) ref += q.data<float>()[(bh * I + i) * D + d] * k.data<float>()[(bh * J + j) * D + d];
        EXPECT_NEAR(s.data<float>()[(bh * I + i) * J + j], ref, 1e-5);
      }
  Tensor o = einsum("bhij,bhjd->bhid", {s, v});
  ASSERT_EQ(o.shape(), (Shape{B, H, I, D}));
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t d = 0; d < D; ++d) {
        double ref = 0;
        for (int64_t j = 0; j < J; ++j) ref += s.data<float>()[(bh * I + i) * J + j] * v.data<float>()[(bh * J + j) * D + d];
        EXPECT_NEAR(o.data<float>()[(bh * I + i) * D + d], ref, 1e-5);
      }
  Tensor a = sample({3, 4}, 0), b = sample({4, 5}, 1);
  Tensor c = einsum("ij,jk->ik", {a, b});
  Tensor c2 = einsum("ij, jk", {a, b});  // implicit output, spaces
  ASSERT_EQ(c.shape(), (Shape{3, 5}));
  EXPECT_EQ(values<float>(c), values<float>(c2));
  for (int i = 0; i < 3; ++i)
    for (int kk = 0; kk < 5; ++kk) {
      double ref = 0;
      for (int j = 0; j < 4; ++j) ref += a.data<float>()[i * 4 + j] * b.data<float>()[j * 5 + kk];
      EXPECT_NEAR(c.data<float>()[i * 5 + kk], ref, 1e-5);
    }
  Tensor ct = einsum("ij,jk->ki", {a, b});
  ASSERT_EQ(ct.shape(), (Shape{5, 3}));
  EXPECT_NEAR(ct.data<float>()[2 * 3 + 1], c.data<float>()[1 * 5 + 2], 1e-6);
}

TEST(Einsum, ReductionsTransposeDiagonalDouble) {
  Tensor x = sample({3, 4}, 0.5f), y = sample({3, 4}, 1.5f);
  Tensor d = einsum("bi,bi->b", {x, y});
  ASSERT_EQ(d.shape(), (Shape{3}));
  for (int b = 0; b < 3; ++b) {
    double ref = 0;
    for (int i = 0; i < 4; ++i) ref += x.data<float>()[b * 4 + i] * y.data<float>()[b * 4 + i];
    EXPECT_NEAR(d.data<float>()[b], ref, 1e-5);
  }
  Tensor t = einsum("ij->ji", {x});
  EXPECT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t.data<float>()[1 * 3 + 2], x.data<float>()[2 * 4 + 1]);
  Tensor s = einsum("ij->i", {x});
  EXPECT_NEAR(s.data<float>()[1], x.data<float>()[4] + x.data<float>()[5] + x.data<float>()[6] + x.data<float>()[7], 1e-6);
  Tensor total = einsum("ij->", {x});
  EXPECT_EQ(total.rank(), 0);
  Tensor m = Tensor::from_vector<double>({2, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
  Tensor diag = einsum("...ii ->...i", {m});
  ASSERT_EQ(diag.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<double>(diag), (std::vector<double>{1, 5, 9, 10, 14, 18}));
  Tensor inner = einsum("i,i", {Tensor::from_vector<double>({3}, {1, 2, 3}), Tensor::from_vector<double>({3}, {4, 5, 6})});
  EXPECT_EQ(inner.rank(), 0);
  EXPECT_EQ(inner.data<double>()[0], 32.0);
  Tensor outer = einsum("i,j->ij", {i64v({1, 2}), i64v({3, 4, 5})});
  EXPECT_EQ(values<int64_t>(outer), (std::vector<int64_t>{3, 4, 5, 6, 8, 10}));
}

TEST(Einsum, ThreeOperandsAndBroadcastEllipsis) {
  Tensor a = sample({2, 3}, 0), b = sample({3, 4}, 1), c = sample({4, 2}, 2);
  Tensor r = einsum("ij,jk,kl->il", {a, b, c});
  ASSERT_EQ(r.shape(), (Shape{2, 2}));
  for (int i = 0; i < 2; ++i)
    for (int l = 0; l < 2; ++l) {
      double ref = 0;
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k)
          ref += a.data<float>()[i * 3 + j] * b.data<float>()[j * 4 + k] * c.data<float>()[k * 2 + l];
      EXPECT_NEAR(r.data<float>()[i * 2 + l], ref, 1e-5);
    }
  Tensor x = sample({1, 2, 3}, 0), w = sample({4, 3, 5}, 1);
  Tensor bm = einsum("...ij,...jk->...ik", {x, w});
  ASSERT_EQ(bm.shape(), (Shape{4, 2, 5}));
  double ref = 0;
  for (int j = 0; j < 3; ++j) ref += x.data<float>()[1 * 3 + j] * w.data<float>()[(3 * 3 + j) * 5 + 4];
  EXPECT_NEAR(bm.data<float>()[(3 * 2 + 1) * 5 + 4], ref, 1e-5);
}

TEST(Einsum, Errors) {
  OpCall c{"Einsum"};
  c.attrs.set_string("equation", "ij,jk->ik");
  c.inputs = {sample({2, 3}, 0), sample({4, 5}, 0)};
  EXPECT_FALSE(run_op(c).is_ok());  // j sizes differ
  c.inputs = {sample({2, 3}, 0)};
  EXPECT_FALSE(run_op(c).is_ok());  // operand count
  c.attrs.set_string("equation", "ij->iz");
  EXPECT_FALSE(run_op(c).is_ok());
  c.attrs.set_string("equation", "i1->i");
  EXPECT_FALSE(run_op(c).is_ok());
  c.attrs.set_string("equation", "ijk->i");
  EXPECT_FALSE(run_op(c).is_ok());  // rank mismatch
  c.attrs.set_string("equation", "ij->ii");
  EXPECT_FALSE(run_op(c).is_ok());
}

}  // namespace
}  // namespace coreinfer::test
