// Pools, BatchNormalization, InstanceNormalization, LayerNormalization, ConvTranspose against
// scalar references. Tolerances: max is exact; averages and norms rtol 1e-5 of the magnitude.
#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"
#include "reference.h"

namespace coreinfer::nntest {
namespace {

struct PoolCase {
  Shape x;
  std::vector<int64_t> kernel, strides, dilations, pads;
  bool ceil_mode = false;
  bool include_pad = false;
};

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> k = {
      {{1, 2, 8, 8}, {2, 2}, {2, 2}, {}, {}},
      {{2, 3, 9, 11}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}},
      {{1, 2, 10, 7}, {3, 2}, {2, 3}, {}, {0, 1, 2, 0}, true},
      {{1, 1, 9, 9}, {3, 3}, {1, 1}, {2, 2}, {1, 1, 1, 1}},
      {{1, 2, 6, 6}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, true, true},
      {{3, 2, 13}, {4}, {3}, {}, {1, 2}, true},
      {{1, 2, 4, 5, 6}, {2, 3, 2}, {1, 2, 2}, {}, {0, 1, 1, 1, 0, 1}},
  };
  return k;
}

void run_pool_case(const std::string& op, const std::string& kind, const PoolCase& c, bool include_pad, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor x = random_tensor(c.x, rng);
  OpCall call;
  call.op = op;
  call.inputs = {x};
  call.attrs.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) call.attrs.set_ints("strides", c.strides);
  if (!c.dilations.empty()) call.attrs.set_ints("dilations", c.dilations);
  if (!c.pads.empty()) call.attrs.set_ints("pads", c.pads);
  if (kind != "lp") call.attrs.set_int("ceil_mode", c.ceil_mode);
  call.attrs.set_int("count_include_pad", include_pad);
  call.attrs.set_int("p", 3);
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const RefResult ref = ref_pool(x, kind, {c.kernel, c.strides, c.dilations, c.pads}, kind != "lp" && c.ceil_mode,
                                 include_pad, 3);
  ASSERT_EQ((*out)[0].shape(), ref.shape) << op << " " << shape_string(c.x);
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, op + " " + shape_string(c.x));
}

TEST(Pool, MaxAverageLpMatchReference) {
  uint32_t seed = 1;
  for (const auto& c : pool_cases()) {
    run_pool_case("MaxPool", "max", c, false, seed++);
    run_pool_case("AveragePool", "avg", c, false, seed++);
    run_pool_case("AveragePool", "avg", c, true, seed++);
    run_pool_case("LpPool", "lp", c, false, seed++);
  }
}

TEST(Pool, MaxPoolIndices) {
  // 1x1x2x3, kernel 2x2 stride 1: windows pick the max; indices are flat in NCHW order
  // (storage_order 0) or with H fastest (storage_order 1).
  Tensor x = Tensor::from_vector<float>({1, 1, 2, 3}, {1, 6, 2, 5, 3, 4});
  for (int order : {0, 1}) {
    OpCall call;
    call.op = "MaxPool";
    call.inputs = {x};
    call.outputs = 2;
    call.attrs.set_ints("kernel_shape", {2, 2});
    call.attrs.set_int("storage_order", order);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok());
    EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 1, 2}));
    EXPECT_EQ((*out)[0].data<float>()[0], 6.0f);
    EXPECT_EQ((*out)[0].data<float>()[1], 6.0f);
    // The max 6 is at (h=0, w=1): row-major 1, column-major 0 + 1 * 2 = 2.
    EXPECT_EQ((*out)[1].data<int64_t>()[0], order == 0 ? 1 : 2);
  }
}

TEST(Pool, AutoPadSame) {
  std::mt19937 rng(3);
  Tensor x = random_tensor({1, 1, 5, 5}, rng);
  OpCall call;
  call.op = "AveragePool";
  call.inputs = {x};
  call.attrs.set_ints("kernel_shape", {2, 2});
  call.attrs.set_string("auto_pad", "SAME_LOWER");
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok());
  const RefResult ref = ref_pool(x, "avg", {{2, 2}, {}, {}, {1, 1, 0, 0}}, false, false);
  ASSERT_EQ((*out)[0].shape(), ref.shape);
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, "SAME_LOWER");
}

TEST(Pool, GlobalPools) {
  std::mt19937 rng(4);
  Tensor x = random_tensor({2, 3, 5, 7}, rng);
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    OpCall call;
    call.op = op;
    call.inputs = {x};
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok());
    EXPECT_EQ((*out)[0].shape(), (Shape{2, 3, 1, 1}));
    const RefResult ref = ref_pool(x, std::string(op) == "GlobalMaxPool" ? "max" : "avg", {{5, 7}, {}, {}, {}}, false, false);
    expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, op);
  }
}

TEST(Pool, Errors) {
  std::mt19937 rng(5);
  OpCall call;
  call.op = "MaxPool";
  call.inputs = {random_tensor({1, 1, 2, 2}, rng)};
  call.attrs.set_ints("kernel_shape", {3, 3});
  auto r = run_op(call);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("larger than the padded input"), std::string::npos) << r.status().message();
  call.attrs = {};
  EXPECT_FALSE(run_op(call).is_ok());  // kernel_shape missing
  call.attrs.set_ints("kernel_shape", {2});
  EXPECT_FALSE(run_op(call).is_ok());  // wrong rank
  call.attrs.set_ints("kernel_shape", {2, 2});
  call.attrs.set_ints("pads", {2, 0, 0, 0});
  r = run_op(call);
  ASSERT_FALSE(r.is_ok());  // a window entirely in the padding
  EXPECT_NE(r.status().message().find("smaller than the window"), std::string::npos) << r.status().message();
}

TEST(BatchNorm, MatchesFormulaConstantAndRuntime) {
  std::mt19937 rng(6);
  Tensor x = random_tensor({2, 3, 4, 5}, rng), s = random_tensor({3}, rng), b = random_tensor({3}, rng),
         mean = random_tensor({3}, rng), var = random_tensor({3}, rng, 0.1f, 2.0f);
  std::vector<float> expected(x.numel()), scale(x.numel());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / 20) % 3;
    const double v = (x.data<float>()[i] - mean.data<float>()[c]) / std::sqrt(var.data<float>()[c] + 1e-3) *
                         s.data<float>()[c] + b.data<float>()[c];
    expected[i] = static_cast<float>(v);
    scale[i] = static_cast<float>(std::fabs(v) + std::fabs(b.data<float>()[c]) + 1);
  }
  for (bool constant : {false, true}) {
    OpCall call;
    call.op = "BatchNormalization";
    call.inputs = {x, s, b, mean, var};
    call.constant = {false, constant, constant, constant, constant};
    call.attrs.set_float("epsilon", 1e-3f);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    expect_close((*out)[0], expected, scale, 1e-5, 1e-6, "batchnorm");
  }
  OpCall train;
  train.op = "BatchNormalization";
  train.inputs = {x, s, b, mean, var};
  train.attrs.set_int("training_mode", 1);
  train.opset = 13;  // training_mode exists from opset 14 (mvn_batchnorm_training_test.cpp covers it)
  auto r = run_op(train);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  OpCall bad;
  bad.op = "BatchNormalization";
  bad.inputs = {x, random_tensor({4}, rng), b, mean, var};
  EXPECT_FALSE(run_op(bad).is_ok());
}

std::vector<float> normalize_rows(const Tensor& x, int64_t size, double eps) {
  std::vector<float> out(x.numel());
  for (int64_t r = 0; r < x.numel() / size; ++r) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < size; ++j) mean += x.data<float>()[r * size + j];
    mean /= size;
    for (int64_t j = 0; j < size; ++j) var += std::pow(x.data<float>()[r * size + j] - mean, 2);
    var /= size;
    for (int64_t j = 0; j < size; ++j)
      out[r * size + j] = static_cast<float>((x.data<float>()[r * size + j] - mean) / std::sqrt(var + eps));
  }
  return out;
}

TEST(LayerNorm, AxisScaleBiasAndStats) {
  std::mt19937 rng(7);
  Tensor x = random_tensor({2, 3, 4, 5}, rng);
  for (int64_t axis : {-1, 1, 2}) {
    const int64_t a = axis < 0 ? axis + 4 : axis;
    Shape norm(x.shape().begin() + a, x.shape().end());
    const int64_t size = shape_numel(norm);
    Tensor scale = random_tensor(norm, rng), bias = random_tensor({norm.back()}, rng);  // B broadcasts
    OpCall call;
    call.op = "LayerNormalization";
    call.inputs = {x, scale, bias};
    call.outputs = 3;
    call.attrs.set_int("axis", axis);
    call.attrs.set_float("epsilon", 1e-4f);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    std::vector<float> expected = normalize_rows(x, size, 1e-4);
    for (size_t i = 0; i < expected.size(); ++i)
      expected[i] = expected[i] * scale.data<float>()[i % size] + bias.data<float>()[i % norm.back()];
    expect_close((*out)[0], expected, {}, 1e-5, 1e-5, "layernorm axis " + std::to_string(axis));
    Shape stat(x.shape().begin(), x.shape().begin() + a);
    stat.resize(4, 1);
    EXPECT_EQ((*out)[1].shape(), stat);
    EXPECT_EQ((*out)[2].shape(), stat);
  }
}

TEST(InstanceNorm, MatchesFormula) {
  std::mt19937 rng(8);
  Tensor x = random_tensor({2, 3, 4, 5}, rng), s = random_tensor({3}, rng), b = random_tensor({3}, rng);
  OpCall call;
  call.op = "InstanceNormalization";
  call.inputs = {x, s, b};
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok());
  std::vector<float> expected = normalize_rows(x, 20, 1e-5);
  for (size_t i = 0; i < expected.size(); ++i) {
    const int64_t c = (i / 20) % 3;
    expected[i] = expected[i] * s.data<float>()[c] + b.data<float>()[c];
  }
  expect_close((*out)[0], expected, {}, 1e-5, 1e-5, "instancenorm");
}

TEST(ConvTranspose, MatchesReference) {
  struct Case {
    Shape x;
    int64_t mg;
    std::vector<int64_t> kernel;
    int64_t group;
    std::vector<int64_t> strides, dilations, pads, output_padding;
  };
  const Case cases[] = {
      {{1, 2, 3, 3}, 3, {3, 3}, 1, {}, {}, {}, {}},
      {{2, 4, 5, 4}, 2, {3, 2}, 2, {2, 3}, {}, {1, 0, 0, 1}, {1, 2}},
      {{1, 3, 6}, 4, {4}, 1, {2}, {2}, {1, 2}, {}},
      {{1, 2, 4, 4}, 1, {3, 3}, 2, {2, 2}, {2, 1}, {1, 1, 1, 1}, {1, 0}},
      {{1, 2, 2, 3, 3}, 2, {2, 2, 2}, 1, {2, 1, 2}, {}, {}, {}},
  };
  uint32_t seed = 30;
  for (const Case& c : cases) {
    std::mt19937 rng(seed++);
    Tensor x = random_tensor(c.x, rng);
    Shape ws{c.x[1], c.mg};
    for (int64_t k : c.kernel) ws.push_back(k);
    Tensor w = random_tensor(ws, rng), b = random_tensor({c.mg * c.group}, rng);
    OpCall call;
    call.op = "ConvTranspose";
    call.inputs = {x, w, b};
    call.attrs.set_int("group", c.group);
    if (!c.strides.empty()) call.attrs.set_ints("strides", c.strides);
    if (!c.dilations.empty()) call.attrs.set_ints("dilations", c.dilations);
    if (!c.pads.empty()) call.attrs.set_ints("pads", c.pads);
    if (!c.output_padding.empty()) call.attrs.set_ints("output_padding", c.output_padding);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const RefResult ref = ref_conv_transpose(x, w, &b, c.group, {c.kernel, c.strides, c.dilations, c.pads}, c.output_padding);
    ASSERT_EQ((*out)[0].shape(), ref.shape) << shape_string(c.x);
    expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, "convtranspose " + shape_string(c.x));
  }
}

TEST(ConvTranspose, OutputShapeSetsPads) {
  // Input 3x3, stride 3, kernel 3x3: the full output is 9x9; output_shape 10x8 needs total
  // padding -1 and 1, split begin = total - total/2 (NOTSET), which the reference gets as pads.
  std::mt19937 rng(40);
  Tensor x = random_tensor({1, 1, 3, 3}, rng), w = random_tensor({1, 2, 3, 3}, rng);
  OpCall call;
  call.op = "ConvTranspose";
  call.inputs = {x, w};
  call.attrs.set_ints("strides", {3, 3});
  call.attrs.set_ints("output_shape", {9, 7});
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 9, 7}));
  const RefResult ref = ref_conv_transpose(x, w, nullptr, 1, {{3, 3}, {3, 3}, {}, {0, 1, 0, 1}}, {});
  expect_close((*out)[0], ref.values, ref.scale, 1e-5, 1e-6, "output_shape");
}

}  // namespace
}  // namespace coreinfer::nntest
