// Conv with the fused residual input Z (fourth input, added before the activation) and the
// batched-column GEMM (all images in one GEMM, tiles crossing image boundaries), against the
// scalar reference plus Z. Tolerance as in conv_test: 1e-5 * sum|x*w| + 1e-5.
#include <gtest/gtest.h>

#include <algorithm>

#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

struct ResidualCase {
  std::string name;
  Shape x;
  int64_t m;
  std::vector<int64_t> kernel;
  int64_t group = 1;
  std::vector<int64_t> strides, pads;
  bool relu = true;
  bool bias = true;
};

void run_residual(const ResidualCase& c, const std::string& isa, uint32_t seed, bool broadcast_z) {
  std::mt19937 rng(seed);
  Tensor x = random_tensor(c.x, rng);
  Shape ws{c.m, c.x[1] / c.group};
  for (int64_t k : c.kernel) ws.push_back(k);
  Tensor w = random_tensor(ws, rng);
  Tensor b = c.bias ? random_tensor({c.m}, rng) : Tensor();
  RefResult ref = ref_conv(x, w, c.bias ? &b : nullptr, c.group, {c.kernel, c.strides, {}, c.pads});
  // Z: the output shape, or [M, 1, ..., 1] (broadcast per channel).
  Shape zs = ref.shape;
  if (broadcast_z) {
    zs.erase(zs.begin());
    std::fill(zs.begin() + 1, zs.end(), 1);
  }
  Tensor z = random_tensor(zs, rng);
  int64_t plane = 1;
  for (size_t d = 2; d < ref.shape.size(); ++d) plane *= ref.shape[d];
  for (size_t i = 0; i < ref.values.size(); ++i) {
    const int64_t zi = broadcast_z ? (static_cast<int64_t>(i) / plane) % c.m : static_cast<int64_t>(i);
    ref.values[i] += z.data<float>()[zi];
    if (c.relu) ref.values[i] = std::max(ref.values[i], 0.0f);
  }
  OpCall call;
  call.op = "Conv";
  call.isa = isa;
  call.inputs = {x, w, b, z};
  call.constant = {false, true, true, false};
  if (c.group != 1) call.attrs.set_int("group", c.group);
  if (!c.strides.empty()) call.attrs.set_ints("strides", c.strides);
  if (!c.pads.empty()) call.attrs.set_ints("pads", c.pads);
  if (c.relu) call.attrs.set_string("activation", "Relu");
  auto out = run_op(call);
  if (!out.is_ok() && out.status().code() == StatusCode::kUnsupported && !isa.empty()) GTEST_SKIP() << isa;
  ASSERT_TRUE(out.is_ok()) << c.name << ": " << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), ref.shape) << c.name;
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-5, c.name + " isa=" + isa);
}

const std::vector<ResidualCase>& residual_cases() {
  static const std::vector<ResidualCase> kCases = {
      // 7x7 maps: 49 columns per image, so most tiles of the batched GEMM span two images.
      {"1x1_7x7_batch5", {5, 24, 7, 7}, 40, {1, 1}, 1, {}, {}},
      {"1x1_odd_batch3_norelu", {3, 5, 3, 11}, 9, {1, 1}, 1, {}, {}, false},
      {"3x3_pad_batch4", {4, 8, 9, 7}, 17, {3, 3}, 1, {}, {1, 1, 1, 1}},
      {"3x3_stride2_batch2", {2, 6, 13, 11}, 33, {3, 3}, 1, {2, 2}, {0, 1, 2, 1}, true, false},
      {"1x1_stride2_batch3", {3, 16, 14, 14}, 20, {1, 1}, 1, {2, 2}, {}},
      {"groups_batch2", {2, 12, 9, 9}, 18, {3, 3}, 3, {1, 1}, {1, 1, 1, 1}},
      {"depthwise_batch2", {2, 8, 6, 5}, 8, {3, 3}, 8, {1, 1}, {1, 1, 1, 1}},
      {"conv1d_batch3", {3, 6, 31}, 10, {5}, 1, {2}, {2, 1}},
      {"conv3d_batch2", {2, 3, 4, 5, 6}, 7, {3, 2, 3}, 1, {1, 2, 1}, {1, 0, 1, 1, 1, 2}},
      {"deep_k_batch2", {2, 150, 5, 6}, 70, {3, 3}, 1, {}, {1, 1, 1, 1}},
  };
  return kCases;
}

TEST(ConvResidual, MatchesReferenceEveryKernelLevel) {
  uint32_t seed = 1;
  for (const std::string isa : {"", "scalar", "avx2"})
    for (const ResidualCase& c : residual_cases()) {
      SCOPED_TRACE(c.name + " isa=" + isa);
      run_residual(c, isa, seed++, false);
    }
}

TEST(ConvResidual, BroadcastZ) {
  uint32_t seed = 100;
  for (const ResidualCase& c : residual_cases()) {
    SCOPED_TRACE(c.name);
    run_residual(c, "", seed++, true);
  }
}

TEST(ConvResidual, ZThatDoesNotBroadcastIsAnError) {
  std::mt19937 rng(5);
  OpCall call;
  call.op = "Conv";
  call.inputs = {random_tensor({1, 2, 4, 4}, rng), random_tensor({3, 2, 1, 1}, rng), Tensor(),
                 random_tensor({1, 2, 4, 4}, rng)};
  auto out = run_op(call);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().to_string().find("input Z"), std::string::npos) << out.status().to_string();
}

}  // namespace
}  // namespace coreinfer::nntest
