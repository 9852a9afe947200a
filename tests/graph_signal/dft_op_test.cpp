// The DFT and STFT ops against a naive double-precision DFT of the same (float-rounded) inputs.
// Tolerance for float32 outputs: |y - ref| <= 1e-6 * (sum of |terms| of that bin) + 1e-6; for
// float64 outputs 1e-12 of the same sum.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops/signal/fft.h"
#include "signal_test_util.h"

namespace coreinfer::sigtest {
namespace {

using cd = std::complex<double>;

Tensor float_tensor(Shape shape, const std::vector<double>& v) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::from_vector<float>(std::move(shape), f);
}

Tensor random_float(Shape shape, std::mt19937& rng) {
  return float_tensor(shape, random_values(static_cast<size_t>(shape_numel(shape)), rng));
}

struct Expected {
  Shape shape;
  std::vector<double> values, scale;
};

// Reference DFT of x (real or complex last dim) along axis, length n (truncate / zero-pad).
Expected reference_dft(const Tensor& x, int64_t axis, int64_t n, bool inverse, bool onesided) {
  std::vector<double> xv = x.to_double_vector().value();
  const int64_t comps = x.dim(-1), len = x.dim(static_cast<int>(axis));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.dim(static_cast<int>(d));
  for (int64_t d = axis + 1; d + 1 < x.rank(); ++d) inner *= x.dim(static_cast<int>(d));
  const int64_t out_len = onesided ? n / 2 + 1 : n;
  Expected e;
  e.shape = x.shape();
  e.shape[axis] = out_len;
  e.shape.back() = 2;
  e.values.assign(static_cast<size_t>(outer * out_len * inner * 2), 0.0);
  e.scale = e.values;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<cd> line(static_cast<size_t>(n));
      double sum = 0;
      for (int64_t j = 0; j < std::min(n, len); ++j) {
        const int64_t at = ((o * len + j) * inner + i) * comps;
        line[j] = cd(xv[at], comps == 2 ? xv[at + 1] : 0.0);
        sum += std::abs(line[j]);
      }
      const auto X = naive_dft(line, inverse ? +1 : -1);
      const double s = inverse ? 1.0 / static_cast<double>(n) : 1.0;
      for (int64_t k = 0; k < out_len; ++k) {
        const int64_t at = ((o * out_len + k) * inner + i) * 2;
        e.values[at] = X[k].real() * s;
        e.values[at + 1] = X[k].imag() * s;
        e.scale[at] = e.scale[at + 1] = sum * s;
      }
    }
  }
  return e;
}

void expect_matches(const Tensor& y, const Expected& e, double rtol, double atol, const std::string& what) {
  ASSERT_EQ(y.shape(), e.shape) << what;
  const std::vector<double> got = y.to_double_vector().value();
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - e.values[i]) <= atol + rtol * e.scale[i]) && ++bad <= 5)
      ADD_FAILURE() << what << " element " << i << ": " << got[i] << " vs " << e.values[i];
  EXPECT_EQ(bad, 0) << what;
}

OpCall dft_call(const Tensor& x, int64_t axis, int64_t dft_length, bool inverse, bool onesided) {
  OpCall c;
  c.op = "DFT";
  c.inputs = {x};
  if (dft_length > 0) c.inputs.push_back(Tensor::from_vector<int64_t>({}, {dft_length}));
  c.attrs.set_int("axis", axis);
  c.attrs.set_int("inverse", inverse);
  c.attrs.set_int("onesided", onesided);
  return c;
}

TEST(Dft, RealAndComplexAlongEachAxis) {
  std::mt19937 rng(3);
  struct Case {
    Shape shape;
    int64_t axis, dft_length;  // dft_length 0: absent
    bool inverse, onesided;
  };
  const Case cases[] = {
      {{2, 12, 3, 1}, 1, 0, false, false},  {{2, 12, 3, 1}, 1, 0, false, true},   {{2, 12, 3, 1}, 1, 8, false, false},
      {{2, 12, 3, 1}, 1, 20, false, true},  {{2, 12, 3, 1}, 2, 0, false, false},  {{2, 12, 3, 1}, -2, 5, false, false},
      {{3, 5, 7, 2}, 2, 0, false, false},   {{3, 5, 7, 2}, 1, 0, true, false},    {{3, 5, 7, 2}, 2, 9, true, true},
      {{1, 100, 1}, 1, 0, false, false},    {{2, 128, 2}, 1, 0, false, false},    {{2, 97, 2}, 1, 200, true, false},
      {{4, 6, 1}, 0, 0, false, false},      {{1, 3, 1}, 1, 1, false, false},
  };
  for (const auto& c : cases) {
    const Tensor x = random_float(c.shape, rng);
    const int64_t axis = c.axis < 0 ? c.axis + static_cast<int64_t>(c.shape.size()) : c.axis;
    const int64_t n = c.dft_length > 0 ? c.dft_length : c.shape[axis];
    auto out = run_op(dft_call(x, c.axis, c.dft_length, c.inverse, c.onesided));
    const std::string what = "DFT " + shape_string(c.shape) + " axis " + std::to_string(c.axis) + " n " + std::to_string(n) +
                             (c.inverse ? " inverse" : "") + (c.onesided ? " onesided" : "");
    ASSERT_TRUE(out.is_ok()) << what << ": " << out.status().to_string();
    ASSERT_EQ((*out)[0].type(), ElemType::kFloat);
    expect_matches((*out)[0], reference_dft(x, axis, n, c.inverse, c.onesided), 1e-6, 1e-6, what);
  }
}

TEST(Dft, DoubleInputKeepsDoublePrecision) {
  std::mt19937 rng(5);
  for (const int64_t len : {64, 75}) {
    const Tensor x = Tensor::from_vector<double>({2, len, 2}, random_values(static_cast<size_t>(4 * len), rng));
    auto out = run_op(dft_call(x, 1, 0, false, false));
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    ASSERT_EQ((*out)[0].type(), ElemType::kDouble);
    expect_matches((*out)[0], reference_dft(x, 1, len, false, false), 1e-12, 0.0, "double DFT " + std::to_string(len));
  }
}

TEST(Dft, InverseUndoesForward) {
  std::mt19937 rng(11);
  const Tensor x = random_float({2, 30, 2}, rng);
  auto fwd = run_op(dft_call(x, 1, 0, false, false));
  ASSERT_TRUE(fwd.is_ok());
  auto back = run_op(dft_call((*fwd)[0], 1, 0, true, false));
  ASSERT_TRUE(back.is_ok());
  const float *a = x.data<float>(), *b = (*back)[0].data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(Dft, RejectsBadInputs) {
  std::mt19937 rng(1);
  const Tensor x = random_float({1, 8, 1}, rng);
  EXPECT_NE(op_error(dft_call(random_float({1, 8, 3}, rng), 1, 0, false, false)).find("1 (real) or 2 (complex)"),
            std::string::npos);
  EXPECT_NE(op_error(dft_call(random_float({8, 1}, rng), 1, 0, false, false)).find("rank >= 3"), std::string::npos);
  EXPECT_NE(op_error(dft_call(x, 2, 0, false, false)).find("axis 2 is out of range"), std::string::npos);
  EXPECT_NE(op_error(dft_call(x, -1, 0, false, false)).find("out of range"), std::string::npos);
  EXPECT_NE(op_error(dft_call(x, -4, 0, false, false)).find("out of range"), std::string::npos);
  OpCall zero = dft_call(x, 1, 0, false, false);
  zero.inputs.push_back(Tensor::from_vector<int32_t>({}, {0}));
  EXPECT_NE(op_error(zero).find("dft_length must be >= 1"), std::string::npos);
  // A huge dft_length is refused before any allocation of its size.
  EXPECT_NE(op_error(dft_call(x, 1, int64_t{1} << 40, false, false)), "");
  EXPECT_NE(op_error(dft_call(x, 1, signal::kMaxFftLength + 1, false, false)).find("out of range"), std::string::npos);
  OpCall float_len = dft_call(x, 1, 0, false, false);
  float_len.inputs.push_back(Tensor::scalar_f32(8));
  EXPECT_NE(op_error(float_len).find("int32 or int64"), std::string::npos);
  OpCall int_input = dft_call(Tensor::from_vector<int64_t>({1, 4, 1}, {1, 2, 3, 4}), 1, 0, false, false);
  EXPECT_NE(op_error(int_input).find("float32 or float64"), std::string::npos);
  EXPECT_NE(op_error(dft_call(random_float({1, 0, 1}, rng), 1, 0, false, false)).find("empty"), std::string::npos);
}

// STFT reference: frames of the signal times the window, each transformed naively.
Expected reference_stft(const Tensor& sig, int64_t step, const std::vector<double>& window, bool onesided) {
  const std::vector<double> xv = sig.to_double_vector().value();
  const int64_t batch = sig.dim(0), len = sig.dim(1), comps = sig.dim(2), fl = static_cast<int64_t>(window.size());
  const int64_t frames = (len - fl) / step + 1, bins = onesided ? fl / 2 + 1 : fl;
  Expected e;
  e.shape = {batch, frames, bins, 2};
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      std::vector<cd> line(static_cast<size_t>(fl));
      double sum = 0;
      for (int64_t j = 0; j < fl; ++j) {
        const int64_t at = (b * len + f * step + j) * comps;
        line[j] = cd(xv[at], comps == 2 ? xv[at + 1] : 0.0) * window[j];
        sum += std::abs(line[j]);
      }
      const auto X = naive_dft(line, -1);
      for (int64_t k = 0; k < bins; ++k) {
        e.values.push_back(X[k].real());
        e.values.push_back(X[k].imag());
        e.scale.push_back(sum);
        e.scale.push_back(sum);
      }
    }
  }
  return e;
}

TEST(Stft, WindowedFramesMatchReference) {
  std::mt19937 rng(9);
  const Tensor sig = random_float({2, 50, 1}, rng);
  const std::vector<double> window = random_values(12, rng);
  const Tensor win = float_tensor({12}, window);
  const std::vector<double> win_rounded = win.to_double_vector().value();
  for (const bool onesided : {true, false}) {
    OpCall c;
    c.op = "STFT";
    c.inputs = {sig, Tensor::from_vector<int64_t>({}, {7}), win};
    c.attrs.set_int("onesided", onesided);
    auto out = run_op(c);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    expect_matches((*out)[0], reference_stft(sig, 7, win_rounded, onesided), 1e-6, 1e-6,
                   onesided ? "onesided" : "full");
  }
}

TEST(Stft, FrameLengthWithoutWindowAndComplexSignal) {
  std::mt19937 rng(10);
  const Tensor sig = random_float({1, 40, 2}, rng);
  OpCall c;
  c.op = "STFT";
  c.inputs = {sig, Tensor::from_vector<int32_t>({}, {5}), Tensor(), Tensor::from_vector<int64_t>({}, {16})};
  c.attrs.set_int("onesided", 0);
  auto out = run_op(c);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  // frames = (40 - 16) / 5 + 1 = 5
  expect_matches((*out)[0], reference_stft(sig, 5, std::vector<double>(16, 1.0), false), 1e-6, 1e-6, "complex STFT");
}

TEST(Stft, RejectsBadInputs) {
  std::mt19937 rng(2);
  const Tensor sig = random_float({1, 32, 1}, rng);
  const auto call = [&](std::vector<Tensor> extra) {
    OpCall c;
    c.op = "STFT";
    c.inputs = {sig};
    for (auto& t : extra) c.inputs.push_back(t);
    return op_error(c);
  };
  const Tensor step = Tensor::from_vector<int64_t>({}, {4});
  EXPECT_NE(call({step}).find("needs a window or a frame_length"), std::string::npos);
  EXPECT_NE(call({Tensor::from_vector<int64_t>({}, {0}), Tensor(), Tensor::from_vector<int64_t>({}, {8})}).find("frame_step"),
            std::string::npos);
  EXPECT_NE(call({step, random_float({8}, rng), Tensor::from_vector<int64_t>({}, {9})}).find("differs"), std::string::npos);
  EXPECT_NE(call({step, Tensor(), Tensor::from_vector<int64_t>({}, {33})}).find("frame length 33"), std::string::npos);
  EXPECT_NE(call({step, random_float({2, 4}, rng)}).find("rank 1"), std::string::npos);
  OpCall bad_rank;
  bad_rank.op = "STFT";
  bad_rank.inputs = {random_float({32, 1}, rng), step, Tensor(), Tensor::from_vector<int64_t>({}, {8})};
  EXPECT_NE(op_error(bad_rank).find("[batch, signal_length, 1 or 2]"), std::string::npos);
}

}  // namespace
}  // namespace coreinfer::sigtest

namespace coreinfer::sigtest {
namespace {

TEST(Dft, Opset20TakesTheAxisAsAnInput) {
  std::mt19937 rng(4);
  const Tensor x = random_float({2, 6, 5, 1}, rng);
  OpCall c;
  c.op = "DFT";
  c.opset = 20;
  c.inputs = {x, Tensor(), Tensor::from_vector<int64_t>({}, {1})};
  auto out = run_op(c);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  expect_matches((*out)[0], reference_dft(x, 1, 6, false, false), 1e-6, 1e-6, "opset 20 axis 1");
  c.inputs.resize(1);  // default axis -2: the last signal dimension
  out = run_op(c);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  expect_matches((*out)[0], reference_dft(x, 2, 5, false, false), 1e-6, 1e-6, "opset 20 default axis");
  c.attrs.set_int("inverse", 1);
  c.attrs.set_int("onesided", 1);
  EXPECT_NE(op_error(c).find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace coreinfer::sigtest
