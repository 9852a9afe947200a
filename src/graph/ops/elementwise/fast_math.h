// Branch-free float exp/sigmoid/tanh that the compiler vectorises (std::exp and std::tanh are
// scalar library calls). A few ulp of accuracy, for activations; the Exp op itself uses std::exp.
//
// Choices are made with bit masks, not ?: — with a ?: whose one side is a constant, GCC sinks
// the other side's computation into a branch and the loop no longer vectorises.
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>

namespace coreinfer::elementwise {

// cond ? a : b, as bit operations.
inline float select_bits(bool cond, float a, float b) {
  const uint32_t mask = 0u - static_cast<uint32_t>(cond);
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & mask) | (std::bit_cast<uint32_t>(b) & ~mask));
}

inline double select_bits(bool cond, double a, double b) {
  const uint64_t mask = 0u - static_cast<uint64_t>(cond);
  return std::bit_cast<double>((std::bit_cast<uint64_t>(a) & mask) | (std::bit_cast<uint64_t>(b) & ~mask));
}

// cond ? a : b for any arithmetic T, branch-free for float and double.
template <typename T>
inline T pick(bool cond, T a, T b) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) return select_bits(cond, a, b);
  else return cond ? a : b;
}

inline float abs_bits(float x) { return std::bit_cast<float>(std::bit_cast<uint32_t>(x) & 0x7FFFFFFFu); }

// |magnitude| with the sign of `sign`.
inline float copysign_bits(float magnitude, float sign) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(magnitude) & 0x7FFFFFFFu) |
                              (std::bit_cast<uint32_t>(sign) & 0x80000000u));
}

// e^x with x clamped to [-87, 88] (callers only need saturation beyond), ~2 ulp; NaN stays NaN.
inline float exp_clamped(float x) {
  x = select_bits(x < -87.0f, -87.0f, x);
  x = select_bits(x > 88.0f, 88.0f, x);
  // n = round(x / ln2) by the 1.5 * 2^23 trick: t's low mantissa bits hold n.
  const float magic = 12582912.0f;
  const float t = x * 1.44269504088896341f + magic;
  const float n = t - magic;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;  // x - n ln2, ln2 in two parts
  const float z = r * r;
  float p = 1.9875691500e-4f;  // Cephes expf polynomial on [-ln2/2, ln2/2]
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * z + r + 1.0f;
  const uint32_t scale = (std::bit_cast<uint32_t>(t) - std::bit_cast<uint32_t>(magic) + 127u) << 23;  // 2^n
  return e * std::bit_cast<float>(scale);
}

inline float sigmoid_fast(float x) { return 1.0f / (1.0f + exp_clamped(-x)); }

inline float tanh_fast(float x) {
  const float ax = abs_bits(x);
  // Small |x|: odd polynomial (Cephes tanhf); larger: 1 - 2 / (e^{2|x|} + 1) with x's sign.
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = copysign_bits(1.0f - 2.0f / (exp_clamped(2.0f * ax) + 1.0f), x);
  return select_bits(ax < 0.625f, small, big);
}

}  // namespace coreinfer::elementwise
