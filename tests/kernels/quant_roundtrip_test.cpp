// Quantize -> dequantize round trips: every element comes back within the error bound that
// follows from how the quantizers (kernels/ref/quant_*_ref.cpp) choose their scales:
//   every value is rounded to the nearest level of a grid that covers its (sub-)block, so the
//   error is at most half the grid step t; t is the ideal step rounded up by the stored
//   precision (fp16 super-scales rounded up, 4/6/8-bit sub-scales rounded up to a multiple of
//   the super-scale), which gives, per format,
//     F16 / BF16       half an ulp: |x| 2^-11 (+ 2^-25 for fp16 subnormals) / |x| 2^-8
//     Q8_0 Q4_0 Q5_0   t <= up(amax / (qmax + 1/2)),               qmax = 127, 7, 15
//     Q4_1 Q5_1        t <= up((max - min + |min| 2^-10) / L),     L = 15, 31 (min rounded down)
//     Q3_K Q6_K        t <= s + up(max s / P), s = amax_sub / (qmax + 1/2), qmax = 3, 31, P = 31, 127
//     Q2_K Q4_K Q5_K   t <= s + up(max s / P), s = (max_sub - min(min_sub, 0) + up(max off / P)) / L,
//                      L = 3, 15, 31, P = 15, 63, 63, off = max(-min_sub, 0)
//   with up(v) = v (1 + 2^-10) + 2^-24 the largest fp16 rounding up of v, plus 2^-20 amax of the
//   block for the fp32 rounding inside quantizer and decoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/quant_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

double up(double v) { return v * (1.0 + 0x1p-10) + 0x1p-24; }

double abs_max(const float* x, int n) {
  double m = 0;
  for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(static_cast<double>(x[i])));
  return m;
}

struct SubBlockStats {
  double lo, hi, amax;
};
SubBlockStats stats(const float* x, int n) {
  SubBlockStats s{x[0], x[0], 0};
  for (int i = 0; i < n; ++i) {
    s.lo = std::min(s.lo, static_cast<double>(x[i]));
    s.hi = std::max(s.hi, static_cast<double>(x[i]));
  }
  s.amax = std::max(std::fabs(s.lo), std::fabs(s.hi));
  return s;
}

// Bounds of one block of `size` elements split into sub-blocks of `sub`.
void symmetric_kquant_bounds(const float* x, int sub, int qmax, int p, double* bound) {
  const int n_sub = 256 / sub;
  std::vector<double> step(n_sub);
  double max_step = 0;
  for (int s = 0; s < n_sub; ++s) {
    step[s] = abs_max(x + s * sub, sub) / (qmax + 0.5);
    max_step = std::max(max_step, step[s]);
  }
  const double slop = 0x1p-20 * abs_max(x, 256);
  for (int s = 0; s < n_sub; ++s)
    for (int i = 0; i < sub; ++i) bound[s * sub + i] = (step[s] + up(max_step / p)) / 2 + slop;
}

void min_kquant_bounds(const float* x, int sub, int levels, int p, double* bound) {
  const int n_sub = 256 / sub;
  double max_offset = 0;
  for (int s = 0; s < n_sub; ++s) max_offset = std::max(max_offset, -std::min(stats(x + s * sub, sub).lo, 0.0));
  const double offset_slack = up(max_offset / p);
  std::vector<double> step(n_sub);
  double max_step = 0;
  for (int s = 0; s < n_sub; ++s) {
    const SubBlockStats st = stats(x + s * sub, sub);
    step[s] = (st.hi - std::min(st.lo, 0.0) + offset_slack) / levels;
    max_step = std::max(max_step, step[s]);
  }
  const double slop = 0x1p-20 * abs_max(x, 256);
  for (int s = 0; s < n_sub; ++s)
    for (int i = 0; i < sub; ++i) bound[s * sub + i] = (step[s] + up(max_step / p)) / 2 + slop;
}

void legacy_symmetric_bounds(const float* x, int qmax, double* bound) {
  const double amax = abs_max(x, 32);
  for (int i = 0; i < 32; ++i) bound[i] = up(amax / (qmax + 0.5)) / 2 + 0x1p-20 * amax;
}

void legacy_min_bounds(const float* x, int levels, double* bound) {
  const SubBlockStats st = stats(x, 32);
  const double range = st.hi - st.lo + std::fabs(st.lo) * 0x1p-10 + 0x1p-24;
  for (int i = 0; i < 32; ++i) bound[i] = up(range / levels) / 2 + 0x1p-20 * st.amax;
}

std::vector<double> error_bounds(DType type, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<double> bound(x.size(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const double a = std::fabs(static_cast<double>(x[i]));
    if (type == DType::kF16) bound[i] = a * 0x1p-11 + 0x1p-25;
    if (type == DType::kBF16) bound[i] = a * 0x1p-8;
  }
  for (int64_t b = 0; b < n; b += 32) {
    const float* xb = x.data() + b;
    double* out = bound.data() + b;
    if (type == DType::kQ8_0) legacy_symmetric_bounds(xb, 127, out);
    if (type == DType::kQ4_0) legacy_symmetric_bounds(xb, 7, out);
    if (type == DType::kQ5_0) legacy_symmetric_bounds(xb, 15, out);
    if (type == DType::kQ4_1) legacy_min_bounds(xb, 15, out);
    if (type == DType::kQ5_1) legacy_min_bounds(xb, 31, out);
  }
  for (int64_t b = 0; b < n; b += 256) {
    const float* xb = x.data() + b;
    double* out = bound.data() + b;
    if (type == DType::kQ3_K) symmetric_kquant_bounds(xb, 16, 3, 31, out);
    if (type == DType::kQ6_K) symmetric_kquant_bounds(xb, 16, 31, 127, out);
    if (type == DType::kQ2_K) min_kquant_bounds(xb, 16, 3, 15, out);
    if (type == DType::kQ4_K) min_kquant_bounds(xb, 32, 15, 63, out);
    if (type == DType::kQ5_K) min_kquant_bounds(xb, 32, 31, 63, out);
  }
  return bound;
}

struct DataSet {
  std::string name;
  std::vector<float> values;  // a multiple of 256 long
};

std::vector<DataSet> data_sets() {
  constexpr int kN = 4096;
  std::mt19937 rng(1234);
  std::vector<DataSet> sets;
  for (float sigma : {0.02f, 1.0f, 40.0f}) {
    std::normal_distribution<float> normal(0.0f, sigma);
    DataSet d{"normal sigma " + std::to_string(sigma), std::vector<float>(kN)};
    for (float& v : d.values) v = normal(rng);
    sets.push_back(d);
  }
  {
    // blocks shifted to mostly one sign, as weights with a bias
    std::normal_distribution<float> normal(0.0f, 1.0f);
    DataSet d{"shifted", std::vector<float>(kN)};
    for (int i = 0; i < kN; ++i) d.values[i] = normal(rng) + ((i / 32) % 3 == 0 ? 4.0f : (i / 32) % 3 == 1 ? -4.0f : 0.0f);
    sets.push_back(d);
  }
  {
    // each 16-element run has its own magnitude (1e-2 .. 10): exercises the sub-block scales
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> exponent(-2.0f, 1.0f);
    DataSet d{"varying magnitude", std::vector<float>(kN)};
    float scale = 1.0f;
    for (int i = 0; i < kN; ++i) {
      if (i % 16 == 0) scale = std::pow(10.0f, exponent(rng));
      d.values[i] = normal(rng) * scale;
    }
    sets.push_back(d);
  }
  {
    // outliers: one large value per 64
    std::normal_distribution<float> normal(0.0f, 0.5f);
    DataSet d{"outliers", std::vector<float>(kN)};
    for (int i = 0; i < kN; ++i) d.values[i] = i % 64 == 17 ? (i % 128 == 17 ? 60.0f : -45.0f) : normal(rng);
    sets.push_back(d);
  }
  {
    DataSet d{"constant runs", std::vector<float>(kN)};
    for (int i = 0; i < kN; ++i) d.values[i] = i < 1024 ? 0.0f : i < 2048 ? 1.25f : i < 3072 ? -3.0f : 0.001f;
    sets.push_back(d);
  }
  return sets;
}

TEST(QuantRoundTrip, DequantizedValuesStayWithinTheQuantizerBound) {
  const KernelTable table = scalar_table();
  for (const WeightFormat& f : weight_formats()) {
    const WeightKernels* k = table.weight(f.type);
    ASSERT_NE(k, nullptr) << format_name(f);
    ASSERT_NE(k->quantize_row, nullptr) << format_name(f);
    for (const DataSet& d : data_sets()) {
      const int64_t n = static_cast<int64_t>(d.values.size());
      const size_t bytes = row_bytes(f.type, n);
      constexpr uint8_t kGuard = 0xA5;
      std::vector<uint8_t> packed(bytes + 64, kGuard);
      k->quantize_row(d.values.data(), packed.data(), n);
      for (size_t i = bytes; i < packed.size(); ++i) ASSERT_EQ(packed[i], kGuard) << format_name(f) << " wrote past the row";

      std::vector<float> back(n);
      k->dequant_row(packed.data(), back.data(), n);
      const std::vector<double> bound = error_bounds(f.type, d.values);
      double worst_ratio = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double err = std::fabs(static_cast<double>(back[i]) - d.values[i]);
        ASSERT_LE(err, bound[i]) << format_name(f) << ", " << d.name << ", element " << i << ": " << d.values[i]
                                 << " came back as " << back[i];
        if (bound[i] > 0) worst_ratio = std::max(worst_ratio, err / bound[i]);
      }
      // The bound is a worst case, but random data must get close to it (else it is too loose).
      if (d.name.rfind("normal", 0) == 0 && f.type != DType::kF32) {
        EXPECT_GT(worst_ratio, 0.5) << format_name(f) << ", " << d.name;
      }
    }
  }
}

TEST(QuantRoundTrip, ZerosStayZero) {
  const KernelTable table = scalar_table();
  for (const WeightFormat& f : weight_formats()) {
    const int64_t n = 512;
    std::vector<float> zeros(n, 0.0f), back(n, 1.0f);
    std::vector<uint8_t> packed(row_bytes(f.type, n));
    table.weight(f.type)->quantize_row(zeros.data(), packed.data(), n);
    table.weight(f.type)->dequant_row(packed.data(), back.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(back[i], 0.0f) << format_name(f) << " element " << i;
  }
}

}  // namespace
}  // namespace coreinfer::kernels::testing
