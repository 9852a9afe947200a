// Det against hand-computed determinants and a permutation-expansion reference; Dropout's
// deterministic training-mode cases (ratio 0) and the error for a random one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

// Leibniz formula: sum over permutations of sign * product (fine for n <= 5).
double leibniz_det(const float* m, int n) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double total = 0;
  do {
    int inversions = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) inversions += perm[i] > perm[j];
    double prod = 1;
    for (int i = 0; i < n; ++i) prod *= m[i * n + perm[i]];
    total += inversions % 2 ? -prod : prod;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return total;
}

TEST(Det, HandComputed2x2And3x3) {
  Tensor y = run_ok(OpCall("Det", 13, {}, {f32({2, 2}, {1, 2, 3, 4})}));
  ASSERT_EQ(y.shape(), Shape{});
  EXPECT_FLOAT_EQ(values<float>(y)[0], -2.0f);
  // Needs a row swap (zero leading pivot): det = -(2*... ) computed by hand = 3.
  y = run_ok(OpCall("Det", 13, {}, {f32({3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8})}));
  // 0*(0*8-3*-3) - 1*(1*8-3*4) + 2*(1*-3-0*4) = 0 + 4 - 6 = -2
  EXPECT_NEAR(values<float>(y)[0], -2.0f, 1e-5);
  // Singular matrix.
  y = run_ok(OpCall("Det", 13, {}, {f32({2, 2}, {1, 2, 2, 4})}));
  EXPECT_EQ(values<float>(y)[0], 0.0f);
}

TEST(Det, BatchedMatchesLeibniz) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-2, 2);
  for (int n : {1, 2, 3, 5}) {
    Tensor x = Tensor::allocate(ElemType::kFloat, {2, 3, n, n}).value();
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = dist(rng);
    OpCall call("Det", 13, {}, {x});
    call.threaded = true;
    Tensor y = run_ok(call);
    ASSERT_EQ(y.shape(), (Shape{2, 3}));
    for (int b = 0; b < 6; ++b) {
      const double want = leibniz_det(x.data<float>() + b * n * n, n);
      EXPECT_NEAR(y.data<float>()[b], want, 1e-5 + 1e-5 * std::fabs(want)) << "n " << n << " batch " << b;
    }
  }
}

TEST(Det, DoubleAndErrors) {
  Tensor x = Tensor::from_vector<double>({2, 2}, {3, 1, 4, 2});
  Tensor y = run_ok(OpCall("Det", 13, {}, {x}));
  ASSERT_EQ(y.type(), ElemType::kDouble);
  EXPECT_DOUBLE_EQ(y.data<double>()[0], 2.0);
  auto r = run_op(OpCall("Det", 13, {}, {f32({2, 3}, {1, 2, 3, 4, 5, 6})}));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("square"), std::string::npos) << r.status().message();
  r = run_op(OpCall("Det", 13, {}, {f32({3}, {1, 2, 3})}));
  EXPECT_FALSE(r.is_ok());
  r = run_op(OpCall("Det", 13, {}, {i64({1, 1}, {2})}));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("float32"), std::string::npos) << r.status().message();
}

Tensor bool_scalar(bool v) { return Tensor::from_vector<bool>({}, {v}); }

TEST(Dropout, TrainingWithZeroRatioIsIdentityWithAllTrueMask) {
  Tensor x = iota_f32({3, 4});
  OpCall call("Dropout", 13, {}, {x, f32({}, {0.0f}), bool_scalar(true)});
  call.outputs = 2;
  auto r = run_op(call);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values<float>((*r)[0]), values<float>(x));
  ASSERT_EQ((*r)[1].type(), ElemType::kBool);
  ASSERT_EQ((*r)[1].shape(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_TRUE((*r)[1].data<bool>()[i]);
}

TEST(Dropout, TrainingWithNonzeroRatioIsUnsupportedAndSaysWhy) {
  OpCall call("Dropout", 13, {}, {iota_f32({2, 2}), f32({}, {0.5f}), bool_scalar(true)});
  auto r = run_op(call);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("random"), std::string::npos) << r.status().message();
  // Inference mode with any ratio is the identity.
  OpCall infer("Dropout", 13, {}, {iota_f32({2, 2}), f32({}, {0.5f}), bool_scalar(false)});
  EXPECT_EQ(values<float>(run_ok(infer)), values<float>(iota_f32({2, 2})));
}

}  // namespace
}  // namespace coreinfer::test
