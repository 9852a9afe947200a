// HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix against hand-computed values.
// Tolerance 1e-6 for float32 outputs, 1e-12 for float64.
#include <gtest/gtest.h>

#include <cmath>

#include "signal_test_util.h"

namespace coreinfer::sigtest {
namespace {

Result<Tensor> window(const std::string& op, int64_t size, int periodic, int64_t datatype = 1) {
  OpCall c;
  c.op = op;
  c.inputs = {Tensor::from_vector<int64_t>({}, {size})};
  c.attrs.set_int("periodic", periodic);
  c.attrs.set_int("output_datatype", datatype);
  CI_ASSIGN_OR_RETURN(auto out, run_op(c));
  return out[0];
}

void expect_values(const Result<Tensor>& t, const std::vector<double>& want, double tol, const std::string& what) {
  ASSERT_TRUE(t.is_ok()) << what << ": " << t.status().to_string();
  ASSERT_EQ(t->shape(), (Shape{static_cast<int64_t>(want.size())})) << what;
  const auto got = t->to_double_vector().value();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " [" << i << "]";
}

TEST(Window, HandComputedValues) {
  const double a = 25.0 / 46.0, b = 21.0 / 46.0;
  expect_values(window("HannWindow", 4, 1), {0, 0.5, 1, 0.5}, 1e-6, "hann periodic 4");
  expect_values(window("HannWindow", 5, 0), {0, 0.5, 1, 0.5, 0}, 1e-6, "hann symmetric 5");
  expect_values(window("HammingWindow", 4, 1), {a - b, a, a + b, a}, 1e-6, "hamming periodic 4");
  expect_values(window("HammingWindow", 3, 0), {a - b, a + b, a - b}, 1e-6, "hamming symmetric 3");
  // Blackman: 0.42 - 0.5 cos x + 0.08 cos 2x.
  expect_values(window("BlackmanWindow", 4, 1), {0, 0.34, 1, 0.34}, 1e-6, "blackman periodic 4");
  expect_values(window("BlackmanWindow", 3, 0), {0, 1, 0}, 1e-6, "blackman symmetric 3");
  expect_values(window("HannWindow", 4, 1, 11), {0, 0.5, 1, 0.5}, 1e-12, "hann as double");
  auto d = window("HannWindow", 4, 1, 11);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->type(), ElemType::kDouble);
}

TEST(Window, PeriodicIsSymmetricOfOneMoreAndSymmetricIsPalindrome) {
  for (const char* op : {"HannWindow", "HammingWindow", "BlackmanWindow"}) {
    for (const int64_t n : {2, 7, 10, 33}) {
      auto per = window(op, n, 1), sym = window(op, n + 1, 0);
      ASSERT_TRUE(per.is_ok() && sym.is_ok()) << op;
      const float *p = per->data<float>(), *s = sym->data<float>();
      for (int64_t k = 0; k < n; ++k) EXPECT_NEAR(p[k], s[k], 1e-6) << op << " n " << n << " k " << k;
      for (int64_t k = 0; k <= n; ++k) EXPECT_NEAR(s[k], s[n - k], 1e-6) << op << " n " << n << " k " << k;
    }
  }
}

TEST(Window, EdgeSizesAndErrors) {
  expect_values(window("HannWindow", 0, 1), {}, 0, "size 0");
  expect_values(window("BlackmanWindow", 1, 0), {1}, 1e-12, "symmetric size 1");
  EXPECT_NE(window("HannWindow", -1, 1).status().to_string().find("size must be >= 0"), std::string::npos);
  EXPECT_NE(window("HannWindow", 4, 1, 8).status().to_string().find("output_datatype"), std::string::npos);
  OpCall c;
  c.op = "HammingWindow";
  c.inputs = {Tensor::scalar_f32(4)};
  EXPECT_NE(op_error(c).find("int32 or int64"), std::string::npos);
  c.inputs = {Tensor::from_vector<int32_t>({2}, {4, 4})};
  EXPECT_NE(op_error(c).find("one value"), std::string::npos);
}

OpCall mel_call(int64_t bins, int64_t dft_length, int64_t rate, float lo, float hi) {
  OpCall c;
  c.op = "MelWeightMatrix";
  c.inputs = {Tensor::from_vector<int32_t>({}, {static_cast<int32_t>(bins)}),
              Tensor::from_vector<int64_t>({}, {dft_length}), Tensor::from_vector<int32_t>({}, {static_cast<int32_t>(rate)}),
              Tensor::scalar_f32(lo), Tensor::scalar_f32(hi)};
  return c;
}

TEST(MelWeightMatrix, TrianglesBetweenMelSpacedBins) {
  // 3 bands, dft_length 32 (17 bins), 1000 Hz, 50..500 Hz: edges one fifth of the mel range
  // apart (the ONNX definition divides by num_mel_bins + 2), 50, 123.9, 205.1, 294.3, 392.3 Hz,
  // fall on bins floor(33 * hz / 1000) = 1, 4, 6, 9, 12.
  auto out = run_op(mel_call(3, 32, 1000, 50, 500));
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const Tensor& m = (*out)[0];
  ASSERT_EQ(m.shape(), (Shape{17, 3}));
  const int64_t edges[] = {1, 4, 6, 9, 12};
  for (int64_t band = 0; band < 3; ++band) {
    const double l = static_cast<double>(edges[band]), c = static_cast<double>(edges[band + 1]),
                 r = static_cast<double>(edges[band + 2]);
    for (int64_t row = 0; row < 17; ++row) {
      const double x = static_cast<double>(row);
      const double want = x < l || x >= r ? 0.0 : x <= c ? (x - l) / (c - l) : (r - x) / (r - c);
      EXPECT_NEAR(m.data<float>()[row * 3 + band], want, 1e-6) << "row " << row << " band " << band;
    }
  }
}

TEST(MelWeightMatrix, OnnxExampleAndErrors) {
  // The ONNX example: 8 bands over 16-point DFT bins at 8192 Hz, 0..4096 Hz: single-bin peaks.
  OpCall c = mel_call(8, 16, 8192, 0, 4096);
  c.attrs.set_int("output_datatype", 11);
  auto out = run_op(c);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{9, 8}));
  ASSERT_EQ((*out)[0].type(), ElemType::kDouble);
  const int64_t peak_row[] = {0, 0, 1, 1, 2, 3, 4, 5};
  const double* d = (*out)[0].data<double>();
  for (int64_t row = 0; row < 9; ++row)
    for (int64_t band = 0; band < 8; ++band)
      EXPECT_EQ(d[row * 8 + band], row == peak_row[band] ? 1.0 : 0.0) << row << "," << band;
  EXPECT_NE(op_error(mel_call(0, 16, 8192, 0, 4096)).find("num_mel_bins"), std::string::npos);
  EXPECT_NE(op_error(mel_call(8, 0, 8192, 0, 4096)).find("dft_length"), std::string::npos);
  EXPECT_NE(op_error(mel_call(8, 16, 0, 0, 4096)).find("sample_rate"), std::string::npos);
  EXPECT_NE(op_error(mel_call(8, 16, 8192, 100, 50)).find("lower_edge_hertz < upper_edge_hertz"), std::string::npos);
  EXPECT_NE(op_error(mel_call(8, 16, 8192, -5, 50)).find("0 <= lower_edge_hertz"), std::string::npos);
  // An upper edge above Nyquist only drops the rows outside the matrix.
  EXPECT_EQ(op_error(mel_call(4, 16, 1000, 0, 4000)), "");
  EXPECT_NE(op_error(mel_call(4, int64_t{1} << 40, 1000, 0, 400)), "");  // too big to allocate
}

}  // namespace
}  // namespace coreinfer::sigtest
