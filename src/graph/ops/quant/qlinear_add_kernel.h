// The QLinearAdd inner loop, written once and compiled twice: portable (std::fma is a library
// call without FMA hardware) and in qlinear_add_kernel_avx2.cpp (one vfmadd). ONNX Runtime's
// x86 kernel folds the zero points into one constant and fuses the multiply-adds:
//   c = round_half_even(fma(a, ra, fma(b, rb, fixed)))   with ra = sa/sc, rb = sb/sc,
//   fixed = zc - (ra*za + rb*zb); a scalar side is folded into `fixed` by the caller.
#pragma once

#include <cmath>
#include <cstdint>

namespace coreinfer::quant {

struct QAddRow {
  float ra = 0, rb = 0, fixed = 0;
  int32_t qmin = 0, qmax = 255;
};

// a_step / b_step: 1 for a vector, 0 for a value already folded into `fixed` (then unused).
using QAddRowFn = void (*)(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n,
                           const QAddRow& p, bool is_signed);

void qadd_row_portable(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n,
                       const QAddRow& p, bool is_signed);
#if defined(__x86_64__)
void qadd_row_avx2(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n,
                   const QAddRow& p, bool is_signed);
#endif

// Internal linkage: each including file compiles its own copy with its own ISA flags (a shared
// inline definition would let the linker pick the AVX2 copy for the portable caller).
namespace {
namespace detail {

template <typename T>
inline void qadd_row_impl(const T* a, int64_t a_step, const T* b, int64_t b_step, T* c, int64_t n, const QAddRow& p) {
  // Clamping to the integer bounds before rounding half to even gives the same value as after it
  // (for finite v) and keeps |v| small enough for the magic-number rounding: no branch, so the
  // loops vectorise.
  const float lo = static_cast<float>(p.qmin), hi = static_cast<float>(p.qmax);
  auto finish = [lo, hi](float v) {
    const float c = v < lo ? lo : (v > hi ? hi : v);
    return static_cast<T>(static_cast<int32_t>((c + 12582912.0f) - 12582912.0f));
  };
  // local copies: stores through T* (a char type) may alias p, which would stop vectorisation
  const float ra = p.ra, rb = p.rb, fixed = p.fixed;
  const T* __restrict av = a;
  const T* __restrict bv = b;
  T* __restrict cv = c;
  if (a_step != 0 && b_step != 0) {
    for (int64_t i = 0; i < n; ++i)
      cv[i] = finish(std::fma(static_cast<float>(av[i]), ra, std::fma(static_cast<float>(bv[i]), rb, fixed)));
  } else if (a_step != 0) {
    for (int64_t i = 0; i < n; ++i) cv[i] = finish(std::fma(static_cast<float>(av[i]), ra, fixed));
  } else if (b_step != 0) {
    for (int64_t i = 0; i < n; ++i) cv[i] = finish(std::fma(static_cast<float>(bv[i]), rb, fixed));
  } else {
    for (int64_t i = 0; i < n; ++i) cv[i] = finish(fixed);
  }
}

inline void qadd_row_dispatch(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n,
                              const QAddRow& p, bool is_signed) {
  if (is_signed)
    qadd_row_impl(static_cast<const int8_t*>(a), a_step, static_cast<const int8_t*>(b), b_step, static_cast<int8_t*>(c), n, p);
  else
    qadd_row_impl(static_cast<const uint8_t*>(a), a_step, static_cast<const uint8_t*>(b), b_step, static_cast<uint8_t*>(c), n,
                  p);
}

}  // namespace detail
}  // namespace
}  // namespace coreinfer::quant
