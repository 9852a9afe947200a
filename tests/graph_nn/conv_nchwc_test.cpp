// The NCHWc operators (coreinfer::NchwcConv, NchwcMaxPool, NchwcGlobalAveragePool and the two
// reorders) against the scalar references in NCHW order, reordered: random geometries (odd
// sizes, strides and dilations per axis, asymmetric pads, 1-3 images, output groups of 1-4
// blocks, NCHW input of 1-5 channels), bias, residual and activations, on 1-3 threads, with this
// CPU's kernel and the plain one ("scalar"). Ranges of input blocks (weights over 384 KB) and
// the prefetch of the next range run in the big cases.
// Tolerance as in conv_test: |diff| <= 1e-5 * sum|x*w| + 1e-6.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "graph/ops/nn/conv_nchwc.h"
#include "kernels/kernel_table.h"
#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

constexpr int64_t B = 16;

// [N, C, H, W] -> [N, C/16, H, W, 16]
std::vector<float> blocked(const std::vector<float>& v, const Shape& s) {
  const int64_t n = s[0], c = s[1], plane = s[2] * s[3];
  std::vector<float> out(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < plane; ++p)
        out[((i * (c / B) + ch / B) * plane + p) * B + ch % B] = v[(i * c + ch) * plane + p];
  return out;
}

Tensor blocked(const Tensor& t) {
  const float* d = t.data<float>();
  return Tensor::from_vector<float>({t.dim(0), t.dim(1) / B, t.dim(2), t.dim(3), B},
                                    blocked(std::vector<float>(d, d + t.numel()), t.shape()));
}

struct Case {
  Shape x;  // NCHW
  int64_t m;
  std::vector<int64_t> kernel, strides, dilations, pads;
  bool bias = true, residual = false;
  std::string act;  // "", "Relu", "Clip", "Sigmoid"
  std::string name() const {
    return "x " + shape_string(x) + " m " + std::to_string(m) + " k " + shape_string(kernel) + " s " +
           shape_string(strides) + " d " + shape_string(dilations) + " p " + shape_string(pads) +
           (bias ? " bias" : "") + (residual ? " residual" : "") + " " + act;
  }
};

void run_case(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const bool nchw_input = c.x[1] % B != 0;
  Tensor x = random_tensor(c.x, rng);
  Tensor w = random_tensor({c.m, c.x[1], c.kernel[0], c.kernel[1]}, rng);
  Tensor b = c.bias ? random_tensor({c.m}, rng) : Tensor();
  RefResult ref = ref_conv(x, w, c.bias ? &b : nullptr, 1, {c.kernel, c.strides, c.dilations, c.pads});
  Tensor z = c.residual ? random_tensor(ref.shape, rng) : Tensor();
  for (size_t i = 0; i < ref.values.size(); ++i) {
    float& v = ref.values[i];
    if (c.residual) v += z.data<float>()[i];
    if (c.act == "Relu") v = std::max(v, 0.0f);
    if (c.act == "Clip") v = std::min(std::max(v, -0.5f), 0.75f);
    if (c.act == "Sigmoid") v = 1.0f / (1.0f + std::exp(-v));
  }
  OpCall call;
  call.op = "NchwcConv";
  call.domain = "coreinfer";
  call.inputs = {nchw_input ? x : blocked(x), w, b};
  call.constant = {false, true, true, false};
  if (c.residual) call.inputs.push_back(blocked(z));
  call.attrs.set_ints("strides", c.strides);
  call.attrs.set_ints("dilations", c.dilations);
  call.attrs.set_ints("pads", c.pads);
  if (nchw_input) call.attrs.set_int("nchw_input", 1);
  if (!c.act.empty()) call.attrs.set_string("activation", c.act);
  if (c.act == "Clip") call.attrs.set_floats("activation_params", {-0.5f, 0.75f});
  const std::vector<float> want = blocked(ref.values, ref.shape), scale = blocked(ref.scale, ref.shape);
  for (const char* isa : {"", "scalar"})
    for (int threads : {1, 2, 3}) {
      if (*isa && !nn::has_nchwc_kernels(kernels::active())) continue;  // "" was the plain kernel already
      call.isa = isa;
      call.threads = threads;
      auto out = run_op(call);
      ASSERT_TRUE(out.is_ok()) << c.name() << ": " << out.status().to_string();
      const Shape y_shape{ref.shape[0], ref.shape[1] / B, ref.shape[2], ref.shape[3], B};
      ASSERT_EQ((*out)[0].shape(), y_shape) << c.name();
      expect_close((*out)[0], want, scale, 1e-5, 1e-6,
                   c.name() + " isa=" + isa + " threads " + std::to_string(threads));
    }
}

TEST(NchwcConv, MatchesReferenceOnRandomGeometries) {
  std::mt19937 rng(7);
  auto pick = [&](std::initializer_list<int64_t> v) { return *(v.begin() + rng() % v.size()); };
  const char* acts[] = {"", "Relu", "Clip", "Sigmoid"};
  int ran = 0;
  for (uint32_t i = 0; ran < 40; ++i) {
    Case c;
    const int64_t cin = i % 5 == 0 ? pick({1, 3, 5}) : pick({16, 32, 48, 64});
    c.x = {pick({1, 1, 2, 3}), cin, pick({3, 5, 7, 8, 13, 19}), pick({3, 4, 7, 11, 17})};
    c.m = pick({16, 32, 48, 64, 80, 112, 128});
    const int64_t ks[][2] = {{1, 1}, {3, 3}, {5, 5}, {7, 7}, {1, 3}, {3, 1}, {2, 2}};
    const auto& k = ks[rng() % 7];
    c.kernel = {k[0], k[1]};
    c.strides = {pick({1, 1, 2}), pick({1, 1, 2, 3})};
    c.dilations = {pick({1, 1, 2}), pick({1, 1, 2})};
    c.pads = {pick({0, 1, 2}), pick({0, 1, 3}), pick({0, 1}), pick({0, 2})};
    bool fits = true;
    for (int d = 0; d < 2; ++d)
      fits = fits && c.x[2 + d] + c.pads[d] + c.pads[2 + d] >= (c.kernel[d] - 1) * c.dilations[d] + 1;
    if (!fits) continue;
    c.bias = rng() % 3 != 0;
    c.residual = rng() % 2 == 0;
    c.act = acts[rng() % 4];
    SCOPED_TRACE(c.name());
    run_case(c, 100 + i);
    ++ran;
  }
}

// Weights over 384 KB a worker: input blocks in ranges (the output accumulated across them),
// one group at a time with the next range prefetched, across groups too.
TEST(NchwcConv, LargeWeightsInRanges) {
  run_case({{1, 192, 7, 6}, 80, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, true, true, "Relu"}, 1);
  run_case({{2, 256, 5, 5}, 256, {3, 3}, {2, 2}, {1, 1}, {1, 0, 1, 0}, true, false, "Clip"}, 2);
  run_case({{1, 1600, 3, 4}, 32, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, false, true, ""}, 3);
}

TEST(NchwcConv, Errors) {
  std::mt19937 rng(1);
  OpCall call;
  call.op = "NchwcConv";
  call.domain = "coreinfer";
  call.constant = {false, true};
  // output channels not a multiple of 16
  call.inputs = {random_tensor({1, 1, 4, 4, 16}, rng), random_tensor({8, 16, 3, 3}, rng)};
  EXPECT_FALSE(run_op(call).is_ok());
  // weights not constant
  call.inputs = {random_tensor({1, 1, 4, 4, 16}, rng), random_tensor({16, 16, 3, 3}, rng)};
  call.constant = {false, false};
  EXPECT_FALSE(run_op(call).is_ok());
  // X in the wrong layout (NCHW where NCHWc is expected) or with the wrong channels
  call.constant = {false, true};
  call.inputs = {random_tensor({1, 16, 4, 4}, rng), random_tensor({16, 16, 3, 3}, rng)};
  auto out = run_op(call);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().to_string().find("[N, 1, H, W, 16]"), std::string::npos) << out.status().to_string();
  call.inputs = {random_tensor({1, 2, 4, 4, 16}, rng), random_tensor({16, 16, 3, 3}, rng)};
  EXPECT_FALSE(run_op(call).is_ok());
  // kernel_shape other than W's
  call.inputs = {random_tensor({1, 1, 4, 4, 16}, rng), random_tensor({16, 16, 3, 3}, rng)};
  call.attrs.set_ints("kernel_shape", {2, 2});
  EXPECT_FALSE(run_op(call).is_ok());
  call.attrs = Attributes();
  // a residual of another shape
  call.inputs = {random_tensor({1, 1, 4, 4, 16}, rng), random_tensor({16, 16, 1, 1}, rng), Tensor(),
                 random_tensor({1, 1, 4, 3, 16}, rng)};
  call.constant = {false, true, false, false};
  EXPECT_FALSE(run_op(call).is_ok());
}

TEST(NchwcOps, ReordersRoundTrip) {
  std::mt19937 rng(3);
  Tensor x = random_tensor({2, 32, 5, 3}, rng);
  OpCall to;
  to.op = "ReorderToNchwc";
  to.domain = "coreinfer";
  to.inputs = {x};
  auto b = run_op(to);
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  const Tensor want = blocked(x);
  ASSERT_EQ((*b)[0].shape(), want.shape());
  expect_close((*b)[0], std::vector<float>(want.data<float>(), want.data<float>() + want.numel()), {}, 0, 0, "to");
  OpCall from = to;
  from.op = "ReorderFromNchwc";
  from.inputs = {(*b)[0]};
  auto back = run_op(from);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ((*back)[0].shape(), x.shape());
  expect_close((*back)[0], std::vector<float>(x.data<float>(), x.data<float>() + x.numel()), {}, 0, 0, "from");
  to.inputs = {random_tensor({1, 24, 2, 2}, rng)};  // channels not a multiple of 16
  EXPECT_FALSE(run_op(to).is_ok());
  from.inputs = {random_tensor({1, 16, 2, 2}, rng)};  // not blocked
  EXPECT_FALSE(run_op(from).is_ok());
}

TEST(NchwcOps, MaxPoolMatchesReference) {
  struct PoolCase {
    Shape x;
    std::vector<int64_t> kernel, strides, dilations, pads;
  };
  const PoolCase cases[] = {
      {{1, 32, 12, 12}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},  // ResNet's stem pool
      {{2, 16, 7, 9}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 48, 9, 8}, {3, 2}, {1, 2}, {2, 1}, {2, 0, 1, 1}},
  };
  std::mt19937 rng(4);
  for (const PoolCase& c : cases) {
    Tensor x = random_tensor(c.x, rng);
    const RefResult ref = ref_pool(x, "max", {c.kernel, c.strides, c.dilations, c.pads}, false, false);
    OpCall call;
    call.op = "NchwcMaxPool";
    call.domain = "coreinfer";
    call.inputs = {blocked(x)};
    call.attrs.set_ints("kernel_shape", c.kernel);
    call.attrs.set_ints("strides", c.strides);
    call.attrs.set_ints("dilations", c.dilations);
    call.attrs.set_ints("pads", c.pads);
    for (const char* isa : {"", "scalar"}) {
      call.isa = isa;
      auto out = run_op(call);
      ASSERT_TRUE(out.is_ok()) << out.status().to_string();
      expect_close((*out)[0], blocked(ref.values, ref.shape), {}, 0, 0,
                   "max pool " + shape_string(c.x) + " isa=" + isa);
    }
  }
  // a window wholly in the padding
  OpCall call;
  call.op = "NchwcMaxPool";
  call.domain = "coreinfer";
  call.inputs = {random_tensor({1, 1, 4, 4, 16}, rng)};
  call.attrs.set_ints("kernel_shape", {2, 2});
  call.attrs.set_ints("pads", {2, 0, 0, 0});
  EXPECT_FALSE(run_op(call).is_ok());
}

TEST(NchwcOps, GlobalAveragePoolWritesNchw) {
  std::mt19937 rng(5);
  Tensor x = random_tensor({2, 32, 5, 7}, rng);
  OpCall call;
  call.op = "NchwcGlobalAveragePool";
  call.domain = "coreinfer";
  call.inputs = {blocked(x)};
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 32, 1, 1}));
  std::vector<float> want(64), scale(64);
  for (int64_t i = 0; i < 64; ++i) {
    double sum = 0, mag = 0;
    for (int64_t s = 0; s < 35; ++s) sum += x.data<float>()[i * 35 + s], mag += std::fabs(x.data<float>()[i * 35 + s]);
    want[i] = static_cast<float>(sum / 35);
    scale[i] = static_cast<float>(mag / 35);
  }
  expect_close((*out)[0], want, scale, 1e-6, 1e-7, "global average pool");
}

}  // namespace
}  // namespace coreinfer::nntest
