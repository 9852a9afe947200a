// MeanVarianceNormalization and BatchNormalization training_mode=1 against straightforward
// double references. Tolerance: 1e-5 relative to the magnitude (fp32 outputs of O(1) values).
#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"

namespace coreinfer::nntest {
namespace {

// Reference MVN: for every group (index with the `axes` dims dropped), mean and population
// variance over the group's elements; y = (x - mean) / (sqrt(var) + 1e-9).
std::vector<float> ref_mvn(const Tensor& x, const std::vector<int64_t>& axes) {
  const Shape& s = x.shape();
  const int64_t n = x.numel(), rank = x.rank();
  std::vector<bool> red(rank, false);
  for (int64_t a : axes) red[a < 0 ? a + rank : a] = true;
  auto key = [&](int64_t i) {
    // Decompose i and rebuild it with reduced dims zeroed: a unique id per group.
    int64_t k = 0, mul = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      const int64_t idx = i % s[d];
      i /= s[d];
      if (!red[d]) k += idx * mul;
      mul *= s[d];
    }
    return k;
  };
  std::vector<float> y(n);
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0, cnt = 0;
    for (int64_t j = 0; j < n; ++j)
      if (key(j) == key(i)) sum += x.data<float>()[j], cnt += 1;
    const double mean = sum / cnt;
    double sq = 0;
    for (int64_t j = 0; j < n; ++j)
      if (key(j) == key(i)) sq += (x.data<float>()[j] - mean) * (x.data<float>()[j] - mean);
    y[i] = static_cast<float>((x.data<float>()[i] - mean) / (std::sqrt(sq / cnt) + 1e-9));
  }
  return y;
}

TEST(MeanVarianceNormalization, DefaultAxesAndOthersMatchReference) {
  std::mt19937 rng(3);
  struct Case {
    Shape shape;
    std::vector<int64_t> axes;  // empty: the default [0, 2, 3]
  };
  const std::vector<Case> cases = {{{2, 3, 4, 5}, {}}, {{3, 2, 3, 1}, {}}, {{2, 3, 5}, {2}},
                                   {{2, 3, 4, 3}, {1, -1}}, {{4, 5}, {0, 1}}, {{3, 4, 2}, {0}}};
  for (const Case& c : cases) {
    Tensor x = random_tensor(c.shape, rng, -3, 5);
    OpCall call;
    call.op = "MeanVarianceNormalization";
    call.opset = 13;
    call.inputs = {x};
    if (!c.axes.empty()) call.attrs.set_ints("axes", c.axes);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    ASSERT_EQ((*out)[0].shape(), c.shape);
    expect_close((*out)[0], ref_mvn(x, c.axes.empty() ? std::vector<int64_t>{0, 2, 3} : c.axes), {}, 1e-5, 1e-5,
                 "MVN " + shape_string(c.shape));
  }
}

TEST(MeanVarianceNormalization, ConstantGroupGivesZerosAndBadAxesFail) {
  OpCall call;
  call.op = "MeanVarianceNormalization";
  call.inputs = {Tensor::from_vector<float>({1, 2, 1, 2}, {5, 5, -1, 3})};
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const float* y = (*out)[0].data<float>();
  EXPECT_EQ(y[0], 0.0f);  // channel 0 is constant: (x - mean) = 0
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_NEAR(y[2], -1.0f, 1e-6);  // channel 1: mean 1, std 2
  EXPECT_NEAR(y[3], 1.0f, 1e-6);
  call.inputs = {Tensor::from_vector<float>({2, 3}, std::vector<float>(6, 1.0f))};  // default axes need rank 4
  out = run_op(call);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("axes"), std::string::npos) << out.status().message();
}

TEST(BatchNormalization, TrainingModeUsesBatchStatisticsAndUpdatesRunningOnes) {
  std::mt19937 rng(8);
  for (const Shape& shape : {Shape{2, 3, 4, 5}, Shape{3, 2}, Shape{1, 4, 7}}) {
    const int64_t n = shape[0], c = shape[1], size = shape_numel(shape) / (n * c);
    Tensor x = random_tensor(shape, rng, -2, 3);
    Tensor scale = random_tensor({c}, rng, 0.5, 1.5), bias = random_tensor({c}, rng);
    Tensor mean = random_tensor({c}, rng), var = random_tensor({c}, rng, 0.5, 2);
    const float eps = 1e-3f, momentum = 0.8f;
    OpCall call;
    call.op = "BatchNormalization";
    call.opset = 15;
    call.attrs.set_int("training_mode", 1);
    call.attrs.set_float("epsilon", eps);
    call.attrs.set_float("momentum", momentum);
    call.inputs = {x, scale, bias, mean, var};
    call.outputs = 3;
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    std::vector<float> y(x.numel()), rm(c), rv(c);
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0, sq = 0;
      for (int64_t b = 0; b < n; ++b)
        for (int64_t j = 0; j < size; ++j) sum += x.data<float>()[(b * c + ch) * size + j];
      const double m = sum / (n * size);
      for (int64_t b = 0; b < n; ++b)
        for (int64_t j = 0; j < size; ++j) sq += std::pow(x.data<float>()[(b * c + ch) * size + j] - m, 2);
      const double v = sq / (n * size);
      for (int64_t b = 0; b < n; ++b)
        for (int64_t j = 0; j < size; ++j) {
          const int64_t i = (b * c + ch) * size + j;
          y[i] = static_cast<float>((x.data<float>()[i] - m) / std::sqrt(v + eps) * scale.data<float>()[ch] +
                                    bias.data<float>()[ch]);
        }
      rm[ch] = static_cast<float>(mean.data<float>()[ch] * momentum + m * (1 - momentum));
      rv[ch] = static_cast<float>(var.data<float>()[ch] * momentum + v * (1 - momentum));
    }
    expect_close((*out)[0], y, {}, 1e-5, 1e-5, "Y " + shape_string(shape));
    expect_close((*out)[1], rm, {}, 1e-5, 1e-6, "running_mean");
    expect_close((*out)[2], rv, {}, 1e-5, 1e-6, "running_var");
  }
}

TEST(BatchNormalization, TrainingModeChecksParameterShapes) {
  std::mt19937 rng(1);
  OpCall call;
  call.op = "BatchNormalization";
  call.opset = 15;
  call.attrs.set_int("training_mode", 1);
  call.inputs = {random_tensor({2, 3, 2}, rng), random_tensor({3}, rng), random_tensor({3}, rng),
                 random_tensor({2}, rng), random_tensor({3}, rng)};
  call.outputs = 3;
  auto out = run_op(call);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("input_mean"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace coreinfer::nntest
