// Conv against the scalar reference: 1-D/2-D/3-D, groups, depthwise, strides, dilations,
// asymmetric pads, auto_pad, batch > 1, constant and runtime weights, every GEMM kernel level.
// Tolerance: |diff| <= 1e-5 * sum|x*w| + 1e-6 (fp32 sums of up to a few thousand terms).
#include <gtest/gtest.h>

#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

struct ConvCase {
  std::string name;
  Shape x;  // [N, C, spatial...]
  int64_t m;
  std::vector<int64_t> kernel;
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;
  bool bias = true;
};

void run_case(const ConvCase& c, const std::string& isa, bool const_weights, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor x = random_tensor(c.x, rng);
  Shape ws{c.m, c.x[1] / c.group};
  for (int64_t k : c.kernel) ws.push_back(k);
  Tensor w = random_tensor(ws, rng);
  Tensor b = c.bias ? random_tensor({c.m}, rng) : Tensor();
  OpCall call;
  call.op = "Conv";
  call.isa = isa;
  call.inputs = {x, w, b};
  call.constant = {false, const_weights, const_weights};
  if (c.group != 1) call.attrs.set_int("group", c.group);
  if (!c.strides.empty()) call.attrs.set_ints("strides", c.strides);
  if (!c.dilations.empty()) call.attrs.set_ints("dilations", c.dilations);
  if (!c.pads.empty()) call.attrs.set_ints("pads", c.pads);
  if (seed % 2) call.attrs.set_ints("kernel_shape", c.kernel);
  auto out = run_op(call);
  if (!out.is_ok() && out.status().code() == StatusCode::kUnsupported && !isa.empty()) GTEST_SKIP() << isa;
  ASSERT_TRUE(out.is_ok()) << c.name << ": " << out.status().to_string();
  const RefResult ref = ref_conv(x, w, c.bias ? &b : nullptr, c.group, {c.kernel, c.strides, c.dilations, c.pads});
  ASSERT_EQ((*out)[0].shape(), ref.shape) << c.name;
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, c.name + " isa=" + isa);
}

const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> kCases = {
      {"1x1", {1, 16, 7, 9}, 24, {1, 1}, 1, {}, {}, {}},
      {"1x1_batch_odd", {3, 5, 3, 11}, 7, {1, 1}, 1, {}, {}, {}, false},
      {"3x3_pad", {1, 8, 10, 10}, 16, {3, 3}, 1, {}, {}, {1, 1, 1, 1}},
      {"3x3_stride2_asym", {2, 3, 13, 11}, 10, {3, 3}, 1, {2, 2}, {}, {0, 1, 2, 1}},
      {"5x3_dilated", {1, 4, 17, 15}, 9, {5, 3}, 1, {1, 2}, {2, 3}, {2, 1, 0, 3}},
      {"7x7_stem", {1, 3, 32, 30}, 16, {7, 7}, 1, {2, 2}, {}, {3, 3, 3, 3}},
      {"groups", {2, 12, 9, 9}, 18, {3, 3}, 3, {1, 1}, {}, {1, 1, 1, 1}},
      {"depthwise", {2, 16, 11, 13}, 16, {3, 3}, 16, {1, 1}, {}, {1, 1, 1, 1}},
      {"depthwise_s2", {1, 8, 12, 15}, 8, {3, 3}, 8, {2, 2}, {}, {1, 0, 1, 2}},
      {"depthwise_s3_dil", {1, 5, 17, 16}, 5, {5, 5}, 5, {3, 3}, {2, 2}, {4, 4, 4, 4}},
      {"depth_multiplier", {1, 4, 8, 8}, 8, {3, 3}, 4, {}, {}, {1, 1, 1, 1}},
      {"conv1d", {2, 6, 31}, 10, {5}, 1, {2}, {1}, {2, 1}},
      {"conv1d_depthwise", {1, 6, 20}, 6, {3}, 6, {1}, {2}, {2, 2}},
      {"conv3d", {1, 3, 5, 6, 7}, 4, {3, 2, 3}, 1, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 1, 1, 2}},
      {"conv3d_depthwise", {1, 3, 4, 5, 6}, 3, {3, 3, 3}, 3, {}, {}, {1, 1, 1, 1, 1, 1}},
      {"deep_k", {1, 300, 6, 6}, 70, {3, 3}, 1, {}, {}, {1, 1, 1, 1}},
      {"wide_n", {1, 5, 40, 50}, 33, {3, 3}, 1, {}, {}, {1, 1, 1, 1}},
      {"kernel_equals_input", {1, 2, 3, 3}, 3, {3, 3}, 1, {}, {}, {}},
  };
  return kCases;
}

TEST(Conv, MatchesReferenceConstantWeights) {
  uint32_t seed = 1;
  for (const auto& c : cases()) run_case(c, "", true, seed++);
}

TEST(Conv, MatchesReferenceRuntimeWeights) {
  uint32_t seed = 100;
  for (const auto& c : cases()) run_case(c, "", false, seed++);
}

TEST(Conv, MatchesReferenceEveryKernelLevel) {
  for (const char* isa : {"scalar", "avx2", "avx512"}) {
    uint32_t seed = 200;
    for (const auto& c : cases()) run_case(c, isa, true, seed++);
  }
}

TEST(Conv, AutoPadMatchesExplicitPads) {
  std::mt19937 rng(7);
  Tensor x = random_tensor({1, 3, 7, 8}, rng), w = random_tensor({4, 3, 3, 2}, rng);
  struct Mode {
    const char* name;
    std::vector<int64_t> pads;  // the explicit equivalent for stride 2, kernel 3x2, input 7x8
    Shape out;
  };
  // SAME: out = ceil(in / 2) = [4, 4]; total pad = (4-1)*2 + k - in = 2 (h), 0 (w).
  const Mode modes[] = {{"SAME_UPPER", {1, 0, 1, 0}, {1, 4, 4, 4}},
                        {"SAME_LOWER", {1, 0, 1, 0}, {1, 4, 4, 4}},
                        {"VALID", {0, 0, 0, 0}, {1, 4, 3, 4}}};
  for (const Mode& m : modes) {
    OpCall call;
    call.op = "Conv";
    call.inputs = {x, w};
    call.attrs.set_string("auto_pad", m.name);
    call.attrs.set_ints("strides", {2, 2});
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ((*out)[0].shape(), m.out) << m.name;
    const RefResult ref = ref_conv(x, w, nullptr, 1, {{3, 2}, {2, 2}, {}, m.pads});
    expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, m.name);
  }
  // Odd total padding: SAME_UPPER puts the extra at the end, SAME_LOWER at the start.
  Tensor x5 = random_tensor({1, 1, 5, 5}, rng), w2 = random_tensor({1, 1, 2, 2}, rng);
  for (const auto& [mode, pads] : {std::pair<const char*, std::vector<int64_t>>{"SAME_UPPER", {0, 0, 1, 1}},
                                   std::pair<const char*, std::vector<int64_t>>{"SAME_LOWER", {1, 1, 0, 0}}}) {
    OpCall call;
    call.op = "Conv";
    call.inputs = {x5, w2};
    call.attrs.set_string("auto_pad", mode);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok());
    const RefResult ref = ref_conv(x5, w2, nullptr, 1, {{2, 2}, {}, {}, pads});
    expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, mode);
  }
}

TEST(Conv, FusedActivation) {
  std::mt19937 rng(9);
  Tensor x = random_tensor({1, 4, 6, 6}, rng), w = random_tensor({5, 4, 3, 3}, rng), b = random_tensor({5}, rng);
  OpCall call;
  call.op = "Conv";
  call.inputs = {x, w, b};
  call.constant = {false, true, true};
  call.attrs.set_string("activation", "Clip");
  call.attrs.set_floats("activation_params", {-0.5f, 0.75f});
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  RefResult ref = ref_conv(x, w, &b, 1, {{3, 3}, {}, {}, {}});
  for (float& v : ref.values) v = std::min(std::max(v, -0.5f), 0.75f);
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, "conv+clip");
}

TEST(Conv, Errors) {
  std::mt19937 rng(3);
  const auto run = [&](Shape xs, Shape ws, Attributes attrs) {
    OpCall call;
    call.op = "Conv";
    call.inputs = {random_tensor(xs, rng), random_tensor(ws, rng)};
    call.attrs = attrs;
    return run_op(call);
  };
  auto r = run({1, 3, 8, 8}, {4, 2, 3, 3}, {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("channels"), std::string::npos) << r.status().message();
  Attributes g3;
  g3.set_int("group", 3);
  r = run({1, 6, 8, 8}, {4, 2, 3, 3}, g3);  // 4 output channels not divisible by 3
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("group"), std::string::npos) << r.status().message();
  r = run({1, 2, 2, 2}, {1, 2, 3, 3}, {});  // kernel larger than the input
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("larger than the padded input"), std::string::npos) << r.status().message();
  Attributes g0;
  g0.set_int("group", 0);
  EXPECT_FALSE(run({1, 2, 4, 4}, {1, 2, 3, 3}, g0).is_ok());
  Attributes bad_strides;
  bad_strides.set_ints("strides", {1});
  EXPECT_FALSE(run({1, 2, 4, 4}, {1, 2, 3, 3}, bad_strides).is_ok());
  Attributes ks;
  ks.set_ints("kernel_shape", {2, 2});
  EXPECT_FALSE(run({1, 2, 4, 4}, {1, 2, 3, 3}, ks).is_ok());
  EXPECT_FALSE(run({1, 2, 4}, {1, 2, 3, 3}, {}).is_ok());  // rank mismatch
}

}  // namespace
}  // namespace coreinfer::nntest
