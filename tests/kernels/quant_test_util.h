// Shared by the weight-format kernel tests: the formats under test with the byte offsets of
// their fp16 scale fields (from the GGUF block layouts, not from kernels/quant/blocks.h), random
// blocks, and the scalar reference table.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/half.h"
#include "kernels/kernel_table.h"

namespace coreinfer::kernels::testing {

struct WeightFormat {
  DType type;
  int block_size;
  int block_bytes;
  int scale_offset;  // fp16 d (-1 for the plain float types)
  int min_offset;    // fp16 m / dmin: w = a + b with b the part that does not scale with the quants
                     // (-1 when the format has none)
};

inline const std::vector<WeightFormat>& weight_formats() {
  static const std::vector<WeightFormat> formats = {
      {DType::kF32, 1, 4, -1, -1},       {DType::kF16, 1, 2, -1, -1},     {DType::kBF16, 1, 2, -1, -1},
      {DType::kQ4_0, 32, 18, 0, -1},     {DType::kQ4_1, 32, 20, 0, 2},    {DType::kQ5_0, 32, 22, 0, -1},
      {DType::kQ5_1, 32, 24, 0, 2},      {DType::kQ8_0, 32, 34, 0, -1},   {DType::kQ2_K, 256, 84, 80, 82},
      {DType::kQ3_K, 256, 110, 108, -1}, {DType::kQ4_K, 256, 144, 0, 2}, {DType::kQ5_K, 256, 176, 0, 2},
      {DType::kQ6_K, 256, 210, 208, -1},
  };
  return formats;
}

inline std::string format_name(const WeightFormat& f) { return std::string(dtype_name(f.type)); }

inline void put_half(uint8_t* p, uint16_t h) { std::memcpy(p, &h, sizeof h); }

// A random fp16 value with magnitude in [2^-9, 2^-3] and random sign: finite, normal, and
// small enough that products with the largest quants stay far from overflow.
inline uint16_t random_scale(std::mt19937& rng) {
  std::uniform_real_distribution<float> mag(-9.0f, -3.0f);
  const float v = std::exp2(mag(rng));
  return float_to_fp16(rng() & 1u ? -v : v);
}

// `n` elements of random weights in the format: every quant and packed-scale byte is random
// (all bit patterns are valid), the fp16 scales are random_scale(); float types hold random
// values in [-2, 2].
inline std::vector<uint8_t> random_weights(const WeightFormat& f, int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> bytes(static_cast<size_t>(n / f.block_size * f.block_bytes));
  if (f.scale_offset < 0) {
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    for (int64_t i = 0; i < n; ++i) {
      const float v = dist(rng);
      if (f.type == DType::kF32) std::memcpy(&bytes[4 * i], &v, 4);
      if (f.type == DType::kF16) put_half(&bytes[2 * i], float_to_fp16(v));
      if (f.type == DType::kBF16) put_half(&bytes[2 * i], float_to_bf16(v));
    }
    return bytes;
  }
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  for (size_t block = 0; block < bytes.size(); block += f.block_bytes) {
    put_half(&bytes[block + f.scale_offset], random_scale(rng));
    if (f.min_offset >= 0) put_half(&bytes[block + f.min_offset], random_scale(rng));
  }
  return bytes;
}

inline std::vector<float> random_floats(int64_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  return x;
}

// The scalar weight kernels alone (every format has its reference kernels there).
inline KernelTable scalar_table() {
  KernelTable t;
  register_quant_ref(t);
  return t;
}

struct LevelTable {
  std::string level;
  KernelTable table;
};

// The scalar kernels, then the dispatcher's table for every SIMD level this CPU supports.
inline std::vector<LevelTable> tables_for_this_cpu() {
  std::vector<LevelTable> out = {{"scalar", scalar_table()}};
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kDotprod, Isa::kI8mm, Isa::kSve}) {
    KernelTable t;
    if (build_table(isa, &t)) out.push_back({isa_name(isa), t});
  }
  return out;
}

// S = sum |x_i| (|a_i| + |b_i|): a from the blocks with the min field zeroed, b with the scale
// field zeroed (for formats without a min, a = w and b = 0).
inline double magnitude(const WeightFormat& f, const KernelTable& ref, const std::vector<uint8_t>& w, const float* x, int64_t n) {
  std::vector<float> a(n), b(n, 0.0f);
  if (f.min_offset < 0) {
    ref.weight(f.type)->dequant_row(w.data(), a.data(), n);
  } else {
    std::vector<uint8_t> scaled_only = w, offset_only = w;
    for (size_t block = 0; block < w.size(); block += f.block_bytes) {
      put_half(&scaled_only[block + f.min_offset], 0);
      put_half(&offset_only[block + f.scale_offset], 0);
    }
    ref.weight(f.type)->dequant_row(scaled_only.data(), a.data(), n);
    ref.weight(f.type)->dequant_row(offset_only.data(), b.data(), n);
  }
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::fabs(static_cast<double>(x[i])) * (std::fabs(a[i]) + std::fabs(b[i]));
  return s;
}

}  // namespace coreinfer::kernels::testing
