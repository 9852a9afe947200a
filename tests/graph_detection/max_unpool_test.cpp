// MaxUnpool: the ONNX example by hand, a scalar scatter reference over batches and channels
// (1-D, 2-D, 3-D, padded output_shape, non-float types), and index/shape errors.
#include <gtest/gtest.h>

#include "det_test_util.h"

namespace coreinfer::dettest {
namespace {

Result<Tensor> run_unpool(const Tensor& x, const Tensor& indices, const Tensor& output_shape,
                          std::vector<int64_t> kernel, std::vector<int64_t> strides = {},
                          std::vector<int64_t> pads = {}) {
  OpCall call;
  call.op = "MaxUnpool";
  call.opset = 11;
  call.inputs = {x, indices};
  if (output_shape.defined()) call.inputs.push_back(output_shape);
  if (!kernel.empty()) call.attrs.set_ints("kernel_shape", kernel);
  if (!strides.empty()) call.attrs.set_ints("strides", strides);
  if (!pads.empty()) call.attrs.set_ints("pads", pads);
  return run_op(call);
}

TEST(MaxUnpool, OnnxExampleWithAndWithoutOutputShape) {
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {5, 6, 7, 8});
  const Tensor idx = Tensor::from_vector<int64_t>({1, 1, 2, 2}, {5, 7, 13, 15});
  auto plain = run_unpool(x, idx, Tensor(), {2, 2}, {2, 2});
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  EXPECT_EQ(plain->shape(), (Shape{1, 1, 4, 4}));
  expect_close(*plain, {0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8}, 0, 0, "4x4");
  // A larger output_shape keeps positions of the inferred 4x4 and pads zeros at the end.
  auto padded = run_unpool(x, idx, Tensor::from_vector<int64_t>({4}, {1, 1, 5, 5}), {2, 2}, {2, 2});
  ASSERT_TRUE(padded.is_ok()) << padded.status().to_string();
  EXPECT_EQ(padded->shape(), (Shape{1, 1, 5, 5}));
  expect_close(*padded, {0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0}, 0, 0, "5x5");
}

TEST(MaxUnpool, ScattersAcrossBatchesAndChannels) {
  std::mt19937 rng(2);
  struct Case {
    Shape x;
    std::vector<int64_t> kernel, strides, pads;
    Shape out, given;
  };
  const std::vector<Case> cases = {
      {{2, 3, 5}, {3}, {2}, {1, 0}, {2, 3, 10}, {}},
      {{2, 2, 3, 4}, {2, 3}, {2, 2}, {}, {2, 2, 6, 9}, {}},
      {{1, 2, 3, 3}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 2, 5, 5}, {2, 3, 7, 6}},
      {{1, 1, 2, 2, 3}, {2, 2, 2}, {2, 2, 2}, {}, {1, 1, 4, 4, 6}, {}},
  };
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, rng);
    const int64_t total = shape_numel(c.out);
    // Distinct random positions anywhere in the unpooled tensor (not only in the own plane).
    std::vector<int64_t> positions(total);
    for (int64_t i = 0; i < total; ++i) positions[i] = i;
    std::shuffle(positions.begin(), positions.end(), rng);
    positions.resize(x.numel());
    const Tensor idx = Tensor::from_vector<int64_t>(c.x, positions);
    Tensor given;
    if (!c.given.empty()) given = Tensor::from_vector<int64_t>({int64_t(c.given.size())}, c.given);
    auto out = run_unpool(x, idx, given, c.kernel, c.strides, c.pads);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const Shape& shape = c.given.empty() ? c.out : c.given;
    ASSERT_EQ(out->shape(), shape);
    std::vector<float> expected(shape_numel(shape), 0.0f);
    for (int64_t i = 0; i < x.numel(); ++i) {
      // Unravel in the inferred shape, ravel in the output shape.
      int64_t rest = positions[i], at = 0, stride = 1;
      for (size_t d = c.out.size(); d-- > 0;) {
        at += (rest % c.out[d]) * stride;
        rest /= c.out[d];
        stride *= shape[d];
      }
      expected[at] = x.data<float>()[i];
    }
    expect_close(*out, expected, 0, 0, shape_string(c.x));
  }
}

TEST(MaxUnpool, KeepsElementTypeAndLastDuplicateWins) {
  const Tensor x = Tensor::from_vector<int64_t>({1, 1, 3}, {7, -8, 9});
  const Tensor idx = Tensor::from_vector<int64_t>({1, 1, 3}, {4, 0, 4});
  auto out = run_unpool(x, idx, Tensor(), {2}, {2});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ(out->type(), ElemType::kInt64);
  ASSERT_EQ(out->shape(), (Shape{1, 1, 6}));
  const std::vector<int64_t> got(out->data<int64_t>(), out->data<int64_t>() + 6);
  EXPECT_EQ(got, (std::vector<int64_t>{-8, 0, 0, 0, 9, 0}));
}

TEST(MaxUnpool, RejectsBadIndicesAndShapes) {
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {5, 6, 7, 8});
  const auto idx = [](std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({1, 1, 2, 2}, v); };
  auto too_big = run_unpool(x, idx({0, 1, 2, 16}), Tensor(), {2, 2}, {2, 2});
  ASSERT_FALSE(too_big.is_ok());
  EXPECT_NE(too_big.status().to_string().find("I[3] = 16"), std::string::npos) << too_big.status().to_string();
  EXPECT_FALSE(run_unpool(x, idx({0, -1, 2, 3}), Tensor(), {2, 2}, {2, 2}).is_ok());
  // An index valid for the padded output_shape but not for the inferred 4x4 is still refused.
  EXPECT_FALSE(
      run_unpool(x, idx({0, 1, 2, 20}), Tensor::from_vector<int64_t>({4}, {1, 1, 5, 5}), {2, 2}, {2, 2}).is_ok());
  EXPECT_FALSE(run_unpool(x, Tensor::from_vector<int64_t>({1, 1, 4}, {0, 1, 2, 3}), Tensor(), {2, 2}, {2, 2}).is_ok());
  EXPECT_FALSE(run_unpool(x, Tensor::from_vector<int32_t>({1, 1, 2, 2}, {0, 1, 2, 3}), Tensor(), {2, 2}).is_ok());
  EXPECT_FALSE(
      run_unpool(x, idx({0, 1, 2, 3}), Tensor::from_vector<int64_t>({4}, {1, 1, 3, 4}), {2, 2}, {2, 2}).is_ok());
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor::from_vector<int64_t>({3}, {1, 1, 4}), {2, 2}, {2, 2}).is_ok());
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {}).is_ok());                        // no kernel_shape
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {2}).is_ok());                       // rank mismatch
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {2, 0}).is_ok());                    // kernel 0
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {2, 2}, {1, -1}).is_ok());           // stride < 1
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {2, 2}, {}, {0, 0, 9, 9}).is_ok());  // negative size
  // A huge stride must fail cleanly rather than overflow or allocate.
  EXPECT_FALSE(run_unpool(x, idx({0, 1, 2, 3}), Tensor(), {2, 2}, {int64_t{1} << 62, 1}).is_ok());
}

}  // namespace
}  // namespace coreinfer::dettest
