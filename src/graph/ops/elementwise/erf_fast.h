// Branch-free float erf that the compiler vectorises (std::erf is a scalar library call). Over
// all floats: max abs error 1.5e-7, max rel error 1.8e-7 (erf_test.cpp checks densely; rel error
// counted where erf(x) is a normal float). Two minimax fits, both computed, one kept:
//   |x| <  1:  erf(x) = x * S(x^2)                 (S: degree 6, rel fit error 1.2e-9)
//   |x| >= 1:  erf(x) = 1 - exp(L(|x| - 2.46))     (L ~ log erfc, degree 6, erfc fit error 1e-9)
// A single rational x P(x^2) / Q(x^2) is cheaper but its float rounding reaches 6 ulp near 1;
// the 1 - erfc form keeps the rounding in the small erfc. Beyond kErfOne erf is +-1 in float.
// The AVX-512 loop in erf_avx512.cpp evaluates the same formulas with the same constants.
#pragma once

#include "graph/ops/elementwise/fast_math.h"

namespace coreinfer::elementwise {

namespace erf_coeff {
// S(t), t = x^2, lowest degree first.
inline constexpr float kS0 = 1.1283791657265874f, kS1 = -0.3761262582314582f, kS2 = 0.11283585134224211f,
                       kS3 = -0.026853811250613008f, kS4 = 0.005188326229606063f,
                       kS5 = -0.0008010179475696072f, kS6 = 7.853810160933505e-05f;
// L(s), s = |x| - kLogCenter.
inline constexpr float kL0 = -7.59421956857447f, kL1 = -5.277235217819308f, kL2 = -0.9425755395790524f,
                       kL3 = -0.011113734285983279f, kL4 = 0.0024934566963723537f,
                       kL5 = -0.00020052715308960245f, kL6 = 0.0001855757245063927f;
inline constexpr float kLogCenter = 2.46f;
inline constexpr float kSplit = 1.0f;
// |x| from which float erf(x) is exactly +-1 (1 - erf(3.92) < 2e-8, below half an ulp of 1).
inline constexpr float kErfOne = 3.92f;
}  // namespace erf_coeff

inline float erf_fast(float x) {
  using namespace erf_coeff;
  const float a = abs_bits(x);
  const float c = select_bits(a > kErfOne, kErfOne, a);  // NaN stays NaN (the compare is false)
  const float t = c * c;
  float p = kS6;
  p = p * t + kS5;
  p = p * t + kS4;
  p = p * t + kS3;
  p = p * t + kS2;
  p = p * t + kS1;
  p = p * t + kS0;
  const float small = c * p;
  const float s = c - kLogCenter;
  float l = kL6;
  l = l * s + kL5;
  l = l * s + kL4;
  l = l * s + kL3;
  l = l * s + kL2;
  l = l * s + kL1;
  l = l * s + kL0;
  const float large = 1.0f - exp_clamped(l);
  const float r = select_bits(a > kErfOne, 1.0f, select_bits(c < kSplit, small, large));
  return copysign_bits(r, x);
}

// Gelu with the exact (erf) form: x/2 * (1 + erf(x / sqrt 2)).
inline float gelu_erf_fast(float x) { return 0.5f * x * (1.0f + erf_fast(x * 0.70710678118654752440f)); }

}  // namespace coreinfer::elementwise
