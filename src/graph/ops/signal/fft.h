// Complex discrete Fourier transforms of any length, in double precision: an iterative radix-2
// FFT for powers of two, a direct O(n^2) sum over a twiddle table for other short lengths, and
// Bluestein's chirp-z algorithm (a power-of-two convolution) for other long lengths.
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace coreinfer::signal {

using cplx = std::complex<double>;

// Longest transform accepted: bounds the plan and scratch memory (Bluestein needs ~3 buffers
// of up to 2^25 complex doubles at this length).
inline constexpr int64_t kMaxFftLength = int64_t{1} << 24;

class FftPlan {
 public:
  // A plan for length n in [1, kMaxFftLength].
  static Result<FftPlan> create(int64_t n);

  int64_t size() const { return n_; }
  // Complex elements of scratch forward() needs.
  int64_t scratch_size() const;
  // In place: data[k] = sum_j data[j] * exp(-2*pi*i*j*k/n), k in [0, n).
  void forward(cplx* data, cplx* scratch) const;
  // In place: data[k] = sum_j data[j] * exp(+2*pi*i*j*k/n) (unnormalised).
  void backward(cplx* data, cplx* scratch) const;

 private:
  enum class Kind { kRadix2, kDirect, kBluestein };
  int64_t n_ = 0;
  int64_t m_ = 0;  // Bluestein: the power-of-two convolution length
  Kind kind_ = Kind::kRadix2;
  std::vector<cplx> twiddles_;    // radix-2 (of n, or of m for Bluestein): exp(-2*pi*i*k/len), k < len/2;
                                  // direct: exp(-2*pi*i*k/n), k < n
  std::vector<cplx> chirp_;       // Bluestein: exp(-pi*i*j^2/n), j < n
  std::vector<cplx> filter_fft_;  // Bluestein: FFT (length m) of the conjugate chirp filter, divided by m
};

}  // namespace coreinfer::signal
