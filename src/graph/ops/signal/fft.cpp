#include "graph/ops/signal/fft.h"

#include <cmath>
#include <numbers>
#include <string>
#include <utility>

namespace coreinfer::signal {
namespace {

// Non-power-of-two lengths up to this use the direct sum (fewer operations than Bluestein's
// three FFTs of >= 2n points, and no extra rounding).
constexpr int64_t kDirectMaxLength = 64;

bool is_power_of_two(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// exp(-2*pi*i*k/len) for k < count, each from its own angle (no accumulated recurrence error).
std::vector<cplx> unit_roots(int64_t len, int64_t count) {
  std::vector<cplx> w(static_cast<size_t>(count));
  const double step = -2.0 * std::numbers::pi / static_cast<double>(len);
  for (int64_t k = 0; k < count; ++k) w[k] = std::polar(1.0, step * static_cast<double>(k));
  return w;
}

// In-place iterative radix-2 decimation-in-time FFT of length len (a power of two) with
// twiddles[k] = exp(-2*pi*i*k/len), k < len/2.
void radix2(cplx* a, int64_t len, const std::vector<cplx>& twiddles) {
  for (int64_t i = 1, j = 0; i < len; ++i) {  // bit-reversal permutation
    int64_t bit = len >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (int64_t half = 1; half < len; half <<= 1) {
    const int64_t stride = len / (2 * half);
    for (int64_t start = 0; start < len; start += 2 * half) {
      for (int64_t k = 0; k < half; ++k) {
        const cplx t = a[start + k + half] * twiddles[k * stride];
        a[start + k + half] = a[start + k] - t;
        a[start + k] += t;
      }
    }
  }
}

}  // namespace

Result<FftPlan> FftPlan::create(int64_t n) {
  if (n < 1 || n > kMaxFftLength)
    return invalid_argument("DFT length " + std::to_string(n) + " is out of range [1, " + std::to_string(kMaxFftLength) + "]");
  FftPlan p;
  p.n_ = n;
  if (is_power_of_two(n)) {
    p.kind_ = Kind::kRadix2;
    p.twiddles_ = unit_roots(n, n / 2);
  } else if (n <= kDirectMaxLength) {
    p.kind_ = Kind::kDirect;
    p.twiddles_ = unit_roots(n, n);
  } else {
    p.kind_ = Kind::kBluestein;
    int64_t m = 1;
    while (m < 2 * n - 1) m <<= 1;
    p.m_ = m;
    p.twiddles_ = unit_roots(m, m / 2);
    // j*j reduced mod 2n keeps the angle small and exact (j < 2^24, so j*j fits int64).
    p.chirp_.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      const int64_t r = (j * j) % (2 * n);
      p.chirp_[j] = std::polar(1.0, -std::numbers::pi * static_cast<double>(r) / static_cast<double>(n));
    }
    p.filter_fft_.assign(static_cast<size_t>(m), cplx{});
    p.filter_fft_[0] = std::conj(p.chirp_[0]);
    for (int64_t j = 1; j < n; ++j) p.filter_fft_[j] = p.filter_fft_[m - j] = std::conj(p.chirp_[j]);
    radix2(p.filter_fft_.data(), m, p.twiddles_);
    const double inv_m = 1.0 / static_cast<double>(m);
    for (auto& v : p.filter_fft_) v *= inv_m;
  }
  return p;
}

int64_t FftPlan::scratch_size() const {
  switch (kind_) {
    case Kind::kRadix2: return 0;
    case Kind::kDirect: return n_;
    case Kind::kBluestein: return m_;
  }
  return 0;
}

void FftPlan::forward(cplx* data, cplx* scratch) const {
  switch (kind_) {
    case Kind::kRadix2:
      radix2(data, n_, twiddles_);
      return;
    case Kind::kDirect:
      for (int64_t k = 0; k < n_; ++k) {
        cplx sum{};
        for (int64_t j = 0, idx = 0; j < n_; ++j) {  // idx = j*k mod n
          sum += data[j] * twiddles_[idx];
          idx += k;
          if (idx >= n_) idx -= n_;
        }
        scratch[k] = sum;
      }
      for (int64_t k = 0; k < n_; ++k) data[k] = scratch[k];
      return;
    case Kind::kBluestein: {
      // X_k = c_k * sum_j (x_j c_j) conj(c_{k-j}): a circular convolution of length m done as
      // FFT, pointwise product with the filter's FFT, and an inverse FFT by conjugation.
      for (int64_t j = 0; j < n_; ++j) scratch[j] = data[j] * chirp_[j];
      for (int64_t j = n_; j < m_; ++j) scratch[j] = cplx{};
      radix2(scratch, m_, twiddles_);
      for (int64_t j = 0; j < m_; ++j) scratch[j] = std::conj(scratch[j] * filter_fft_[j]);
      radix2(scratch, m_, twiddles_);
      for (int64_t k = 0; k < n_; ++k) data[k] = std::conj(scratch[k]) * chirp_[k];
      return;
    }
  }
}

void FftPlan::backward(cplx* data, cplx* scratch) const {
  for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]);
  forward(data, scratch);
  for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]);
}

}  // namespace coreinfer::signal
