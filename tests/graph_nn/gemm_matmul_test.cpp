// Gemm and MatMul against the scalar reference. Tolerance: |diff| <= 1e-5 * sum|a*b| + 1e-6.
#include <gtest/gtest.h>

#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

struct GemmCase {
  int64_t m, k, n;
  bool ta, tb;
  float alpha, beta;
  Shape c;  // {} = no C; {-1} = absent with beta given
};

TEST(Gemm, MatchesReference) {
  const GemmCase cases[] = {
      {1, 1, 1, false, false, 1, 1, {}},        {3, 5, 7, false, false, 1, 1, {7}},
      {17, 33, 65, true, false, 0.5f, 2, {17, 65}}, {9, 130, 40, false, true, 1, 1, {17 * 0 + 9, 1}},
      {70, 8, 3, true, true, -1.5f, 0.25f, {1, 3}}, {64, 257, 96, false, true, 1, 1, {1}},
      {200, 400, 37, false, false, 1, 0, {200, 37}}, {1, 2048, 1000, false, true, 1, 1, {1000}},
      // Bias in the epilogue: per row with beta, per column on a big runtime A (packed in parallel).
      {300, 64, 50, false, false, 1, 0.5f, {300, 1}}, {1100, 70, 33, true, false, 2, -1, {33}},
  };
  uint32_t seed = 1;
  for (const auto& c : cases) {
    for (bool const_b : {false, true}) {
      for (const char* isa : {"", "scalar"}) {
        std::mt19937 rng(seed++);
        Tensor a = random_tensor(c.ta ? Shape{c.k, c.m} : Shape{c.m, c.k}, rng);
        Tensor b = random_tensor(c.tb ? Shape{c.n, c.k} : Shape{c.k, c.n}, rng);
        Tensor cc = c.c.empty() ? Tensor() : random_tensor(c.c, rng);
        OpCall call;
        call.op = "Gemm";
        call.isa = isa;
        call.inputs = {a, b, cc};
        call.constant = {false, const_b, const_b};
        call.attrs.set_int("transA", c.ta);
        call.attrs.set_int("transB", c.tb);
        call.attrs.set_float("alpha", c.alpha);
        call.attrs.set_float("beta", c.beta);
        auto out = run_op(call);
        ASSERT_TRUE(out.is_ok()) << out.status().to_string();
        const RefResult ref = ref_gemm(a, b, c.c.empty() ? nullptr : &cc, c.ta, c.tb, c.alpha, c.beta);
        ASSERT_EQ((*out)[0].shape(), ref.shape);
        expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6,
                     "gemm m=" + std::to_string(c.m) + " k=" + std::to_string(c.k) + " n=" + std::to_string(c.n));
      }
    }
  }
}

TEST(Gemm, FusedReluAndErrors) {
  std::mt19937 rng(5);
  Tensor a = random_tensor({6, 10}, rng), b = random_tensor({10, 9}, rng), c = random_tensor({9}, rng);
  OpCall call;
  call.op = "Gemm";
  call.inputs = {a, b, c};
  call.attrs.set_string("activation", "Relu");
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok());
  RefResult ref = ref_gemm(a, b, &c, false, false, 1, 1);
  for (float& v : ref.values) v = std::max(v, 0.0f);
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, "gemm+relu");

  OpCall bad = call;
  bad.inputs = {a, random_tensor({11, 9}, rng), c};
  auto r = run_op(bad);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("inner dimensions"), std::string::npos);
  bad.inputs = {a, b, random_tensor({4}, rng)};
  EXPECT_FALSE(run_op(bad).is_ok());
  bad.inputs = {random_tensor({6}, rng), b, c};
  EXPECT_FALSE(run_op(bad).is_ok());
}

TEST(MatMul, MatchesReferenceWithBroadcasting) {
  const std::pair<Shape, Shape> cases[] = {
      {{3, 4}, {4, 5}},          {{7}, {7, 3}},           {{2, 5, 7}, {7}},        {{9}, {9}},
      {{2, 3, 4, 5}, {5, 6}},    {{2, 1, 4, 5}, {3, 5, 2}}, {{4, 5}, {2, 3, 5, 6}}, {{1, 40, 70}, {2, 70, 33}},
      {{65, 300}, {300, 130}},   {{3, 1, 8}, {1, 8, 17}},
  };
  uint32_t seed = 50;
  for (const auto& [as, bs] : cases) {
    for (bool const_b : {false, true}) {
      std::mt19937 rng(seed++);
      Tensor a = random_tensor(as, rng), b = random_tensor(bs, rng);
      OpCall call;
      call.op = "MatMul";
      call.inputs = {a, b};
      call.constant = {false, const_b};
      auto out = run_op(call);
      ASSERT_TRUE(out.is_ok()) << out.status().to_string();
      const RefResult ref = ref_matmul(a, b);
      ASSERT_EQ((*out)[0].shape(), ref.shape) << shape_string(as) << " x " << shape_string(bs);
      expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, shape_string(as) + " x " + shape_string(bs));
    }
  }
}

TEST(MatMul, Errors) {
  std::mt19937 rng(1);
  OpCall call;
  call.op = "MatMul";
  call.inputs = {random_tensor({3, 4}, rng), random_tensor({5, 6}, rng)};
  auto r = run_op(call);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("inner dimensions"), std::string::npos);
  call.inputs = {random_tensor({2, 3, 4}, rng), random_tensor({3, 4, 6}, rng)};
  EXPECT_FALSE(run_op(call).is_ok());  // batch 2 vs 3
  call.inputs = {Tensor::from_vector<int64_t>({2, 2}, {1, 2, 3, 4}), random_tensor({2, 2}, rng)};
  EXPECT_FALSE(run_op(call).is_ok());
}

}  // namespace
}  // namespace coreinfer::nntest

namespace coreinfer::nntest {
namespace {

TEST(GemmMatMul, EmptyInnerDimension) {
  // k = 0: the product is zero, so Gemm gives beta * C and MatMul zeros.
  OpCall gemm;
  gemm.op = "Gemm";
  gemm.inputs = {Tensor::allocate(ElemType::kFloat, {3, 0}).value(), Tensor::allocate(ElemType::kFloat, {0, 4}).value(),
                 Tensor::from_vector<float>({4}, {1, 2, 3, 4})};
  gemm.attrs.set_float("beta", 2.0f);
  auto out = run_op(gemm);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{3, 4}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ((*out)[0].data<float>()[i], 2.0f * (i % 4 + 1));
  OpCall mm;
  mm.op = "MatMul";
  mm.inputs = {Tensor::allocate(ElemType::kFloat, {2, 0}).value(), Tensor::allocate(ElemType::kFloat, {0, 3}).value()};
  out = run_op(mm);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], 0.0f);
}

}  // namespace
}  // namespace coreinfer::nntest
