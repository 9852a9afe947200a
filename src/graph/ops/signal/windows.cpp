// HannWindow, HammingWindow, BlackmanWindow (opset 17) and MelWeightMatrix (opset 17).
// Values are computed in double and converted to output_datatype.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "graph/ops/signal/signal_common.h"

namespace coreinfer::signal {
namespace {

// A generalised cosine window a0 - a1 cos(x) + a2 cos(2x), x = 2*pi*k/N.
struct CosineWindow {
  double a0, a1, a2;
};

Status run_window(const CosineWindow& w, bool periodic, ElemType type, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const int64_t size, scalar_int(ctx.input(0), "size"));
  if (size < 0) return invalid_argument("size must be >= 0, got " + std::to_string(size));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, type, {size}));
  // Periodic: the first `size` points of a symmetric window of size + 1 (denominator size);
  // symmetric: denominator size - 1. A one-point symmetric window is 1 (its 0/0 limit).
  const int64_t denom = periodic ? size : size - 1;
  void* out = y->raw();
  if (denom == 0) {
    if (size == 1) store_converted(type, out, 0, 1.0);
    return Status::ok();
  }
  const double step = 2.0 * std::numbers::pi / static_cast<double>(denom);
  ctx.parallel_for(size, 4096, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const double x = step * static_cast<double>(k);
      store_converted(type, out, k, w.a0 - w.a1 * std::cos(x) + w.a2 * std::cos(2.0 * x));
    }
  });
  return Status::ok();
}

OpFactory window_factory(CosineWindow w) {
  return [w](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    CI_ASSIGN_OR_RETURN(const ElemType type, output_datatype(ctx));
    const bool periodic = ctx.attrs().get_int("periodic", 1) != 0;
    return make_kernel([w, periodic, type](OpRunContext& rc) { return run_window(w, periodic, type, rc); });
  };
}

// More mel bands than this is not a mel spectrogram (typical: 40-128); it bounds the band table.
constexpr int64_t kMaxMelBins = int64_t{1} << 20;

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

Status run_mel_weight_matrix(ElemType type, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const int64_t num_mel_bins, scalar_int(ctx.input(0), "num_mel_bins"));
  CI_ASSIGN_OR_RETURN(const int64_t dft_length, scalar_int(ctx.input(1), "dft_length"));
  CI_ASSIGN_OR_RETURN(const int64_t sample_rate, scalar_int(ctx.input(2), "sample_rate"));
  CI_ASSIGN_OR_RETURN(const double lower_hz, scalar_float(ctx.input(3), "lower_edge_hertz"));
  CI_ASSIGN_OR_RETURN(const double upper_hz, scalar_float(ctx.input(4), "upper_edge_hertz"));
  if (num_mel_bins < 1 || num_mel_bins > kMaxMelBins)
    return invalid_argument("num_mel_bins must be in [1, " + std::to_string(kMaxMelBins) + "], got " +
                            std::to_string(num_mel_bins));
  if (dft_length < 1) return invalid_argument("dft_length must be >= 1, got " + std::to_string(dft_length));
  if (sample_rate < 1) return invalid_argument("sample_rate must be >= 1, got " + std::to_string(sample_rate));
  if (!(lower_hz >= 0.0) || !(upper_hz > lower_hz) || !std::isfinite(upper_hz))
    return invalid_argument("edges must satisfy 0 <= lower_edge_hertz < upper_edge_hertz (finite), got " +
                            std::to_string(lower_hz) + " and " + std::to_string(upper_hz));
  const int64_t spectrogram_bins = dft_length / 2 + 1;
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, type, {spectrogram_bins, num_mel_bins}));
  // Band edges: num_mel_bins + 2 points spaced (high - low) / (num_mel_bins + 2) apart in mel
  // (so the last edge stops one step short of upper_edge_hertz), mapped to DFT bin indices
  // floor((dft_length + 1) * hz / sample_rate): the ONNX reference and its test data.
  const double low_mel = hz_to_mel(lower_hz), high_mel = hz_to_mel(upper_hz);
  const double mel_step = (high_mel - low_mel) / static_cast<double>(num_mel_bins + 2);
  std::vector<int64_t> edges(static_cast<size_t>(num_mel_bins + 2));
  for (int64_t i = 0; i < num_mel_bins + 2; ++i) {
    const double hz = mel_to_hz(static_cast<double>(i) * mel_step + low_mel);
    const double bin = std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate));
    if (!(std::fabs(bin) < 9.0e15)) return invalid_argument("upper_edge_hertz " + std::to_string(upper_hz) + " is too large");
    edges[i] = static_cast<int64_t>(bin);
  }
  // Writes outside the matrix (an upper edge above the Nyquist frequency) are dropped.
  void* out = y->raw();
  const auto put = [&](int64_t row, int64_t band, double v) {
    if (row >= 0 && row < spectrogram_bins) store_converted(type, out, row * num_mel_bins + band, v);
  };
  for (int64_t band = 0; band < num_mel_bins; ++band) {
    const int64_t left = edges[band], center = edges[band + 1], right = edges[band + 2];
    const int64_t rise = center - left, fall = right - center;
    if (rise == 0) {
      put(center, band, 1.0);
    } else {
      for (int64_t j = std::max<int64_t>(left, 0); j <= std::min(center, spectrogram_bins - 1); ++j)
        put(j, band, static_cast<double>(j - left) / static_cast<double>(rise));
    }
    for (int64_t j = std::max<int64_t>(center, 0); fall > 0 && j < std::min(right, spectrogram_bins); ++j)
      put(j, band, static_cast<double>(right - j) / static_cast<double>(fall));
  }
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_mel_weight_matrix(const OpBuildContext& ctx) {
  CI_ASSIGN_OR_RETURN(const ElemType type, output_datatype(ctx));
  return make_kernel([type](OpRunContext& rc) { return run_mel_weight_matrix(type, rc); });
}

}  // namespace

void register_windows(OpRegistry& r) {
  r.add("", "HannWindow", window_factory({0.5, 0.5, 0.0}));
  r.add("", "HammingWindow", window_factory({25.0 / 46.0, 21.0 / 46.0, 0.0}));
  r.add("", "BlackmanWindow", window_factory({0.42, 0.5, 0.08}));
  r.add("", "MelWeightMatrix", make_mel_weight_matrix);
}

}  // namespace coreinfer::signal
