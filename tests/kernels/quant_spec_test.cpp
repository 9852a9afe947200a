// Spec tests: blocks built by hand from the GGUF block-layout descriptions, with chosen scales,
// mins, quants and high bits, decode to the values the description gives. The packing here
// follows the layout text (ggml's field order), not kernels/quant/blocks.h. Every chosen value
// is a short dyadic number, so the expected fp32 results are exact and compared for equality.
// Each supported level is checked, and its dot_row against unit vectors (which returns single
// weights exactly in any summation order).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/half.h"
#include "kernels/quant_test_util.h"

namespace coreinfer::kernels::testing {
namespace {

struct SpecCase {
  DType type;
  int64_t n;
  std::vector<uint8_t> bytes;
  std::vector<float> expected;
};

void append_half(std::vector<uint8_t>& out, float v) {
  const uint16_t h = float_to_fp16(v);
  ASSERT_EQ(fp16_to_float(h), v) << "spec values must be exact in fp16";
  out.push_back(static_cast<uint8_t>(h & 0xFF));
  out.push_back(static_cast<uint8_t>(h >> 8));
}
void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

// ---- legacy formats: 32 elements; nibble j holds element j (low) and j + 16 (high) ----

std::vector<uint8_t> pack_nibbles(const std::vector<int>& q) {
  std::vector<uint8_t> qs(16);
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
  return qs;
}
// Bit 4 of element j is bit j of a little-endian uint32.
std::vector<uint8_t> pack_qh32(const std::vector<int>& q) {
  uint32_t h = 0;
  for (int j = 0; j < 32; ++j) h |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
  return {static_cast<uint8_t>(h), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h >> 16), static_cast<uint8_t>(h >> 24)};
}
std::vector<int> pattern(int count, int mul, int add, int modulo) {
  std::vector<int> q(count);
  for (int e = 0; e < count; ++e) q[e] = (e * mul + add + e / 7) % modulo;
  return q;
}

SpecCase q4_0_case() {
  SpecCase c{DType::kQ4_0, 64, {}, {}};
  const float d[2] = {0.5f, -0.375f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(32, 5, 3 * b, 16);
    append_half(c.bytes, d[b]);
    append(c.bytes, pack_nibbles(q));
    for (int e = 0; e < 32; ++e) c.expected.push_back(static_cast<float>((q[e] - 8) * static_cast<double>(d[b])));
  }
  return c;
}

SpecCase q4_1_case() {
  SpecCase c{DType::kQ4_1, 64, {}, {}};
  const float d[2] = {0.25f, -0.125f}, m[2] = {-1.5f, 2.75f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(32, 7, b, 16);
    append_half(c.bytes, d[b]);
    append_half(c.bytes, m[b]);
    append(c.bytes, pack_nibbles(q));
    for (int e = 0; e < 32; ++e) c.expected.push_back(static_cast<float>(q[e] * static_cast<double>(d[b]) + m[b]));
  }
  return c;
}

SpecCase q5_0_case() {
  SpecCase c{DType::kQ5_0, 64, {}, {}};
  const float d[2] = {-0.0625f, 1.5f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(32, 11, 5 * b, 32);
    append_half(c.bytes, d[b]);
    append(c.bytes, pack_qh32(q));
    append(c.bytes, pack_nibbles(q));
    for (int e = 0; e < 32; ++e) c.expected.push_back(static_cast<float>((q[e] - 16) * static_cast<double>(d[b])));
  }
  return c;
}

SpecCase q5_1_case() {
  SpecCase c{DType::kQ5_1, 64, {}, {}};
  const float d[2] = {0.75f, -0.5f}, m[2] = {-10.0f, 0.25f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(32, 13, 2 * b, 32);
    append_half(c.bytes, d[b]);
    append_half(c.bytes, m[b]);
    append(c.bytes, pack_qh32(q));
    append(c.bytes, pack_nibbles(q));
    for (int e = 0; e < 32; ++e) c.expected.push_back(static_cast<float>(q[e] * static_cast<double>(d[b]) + m[b]));
  }
  return c;
}

SpecCase q8_0_case() {
  SpecCase c{DType::kQ8_0, 64, {}, {}};
  const float d[2] = {0.0625f, -1.5f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(32, 37, 11 * b, 256);  // stored as int8: q - 128
    append_half(c.bytes, d[b]);
    for (int e = 0; e < 32; ++e) {
      c.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(q[e] - 128)));
      c.expected.push_back(static_cast<float>((q[e] - 128) * static_cast<double>(d[b])));
    }
  }
  return c;
}

// ---- K-quants: 256 elements ----

// 2-bit fields: for each 128-element half, byte l holds elements l, l+32, l+64, l+96 at bits
// 0, 2, 4, 6.
std::vector<uint8_t> pack_2bit(const std::vector<int>& q) {
  std::vector<uint8_t> qs(64);
  for (int n = 0; n < 256; n += 128)
    for (int l = 0; l < 32; ++l)
      qs[n / 4 + l] = static_cast<uint8_t>((q[n + l] & 3) | (q[n + l + 32] & 3) << 2 | (q[n + l + 64] & 3) << 4 |
                                           (q[n + l + 96] & 3) << 6);
  return qs;
}
// 4-bit fields: for each 64-element chunk, byte l holds element l (low) and l + 32 (high).
std::vector<uint8_t> pack_4bit(const std::vector<int>& q) {
  std::vector<uint8_t> qs(128);
  for (int n = 0; n < 256; n += 64)
    for (int l = 0; l < 32; ++l) qs[n / 2 + l] = static_cast<uint8_t>((q[n + l] & 0xF) | (q[n + l + 32] & 0xF) << 4);
  return qs;
}
// A bit plane of 32 bytes: element e's bit is bit e / 32 of byte e % 32.
std::vector<uint8_t> pack_plane(const std::vector<int>& bits) {
  std::vector<uint8_t> plane(32);
  for (int e = 0; e < 256; ++e) plane[e % 32] |= static_cast<uint8_t>(bits[e] << (e / 32));
  return plane;
}
// Q4_K / Q5_K: 8 six-bit scales and mins in 12 bytes. Sub-blocks 0-3: low 6 bits of bytes 0-3
// (scales) and 4-7 (mins). Sub-blocks 4-7: low 4 bits in bytes 8-11 (scale low nibble, min high
// nibble), top 2 bits in bits 6-7 of bytes 0-3 (scales) and 4-7 (mins).
std::vector<uint8_t> pack_scale_min_6bit(const int* sc, const int* m) {
  std::vector<uint8_t> p(12);
  for (int j = 0; j < 4; ++j) {
    p[j] = static_cast<uint8_t>(sc[j] | (sc[j + 4] >> 4) << 6);
    p[j + 4] = static_cast<uint8_t>(m[j] | (m[j + 4] >> 4) << 6);
    p[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
  }
  return p;
}
// Q3_K: 16 six-bit scales stored + 32. Low 4 bits: scales 0-7 in the low nibbles of bytes 0-7,
// scales 8-15 in the high nibbles; top 2 bits of scale s in byte 8 + s % 4, bits 2 (s / 4).
std::vector<uint8_t> pack_scales_q3k(const int* sc) {
  std::vector<uint8_t> p(12);
  for (int s = 0; s < 16; ++s) {
    const int v = sc[s] + 32;
    p[s % 8] |= static_cast<uint8_t>((v & 0xF) << (s < 8 ? 0 : 4));
    p[8 + s % 4] |= static_cast<uint8_t>((v >> 4) << (2 * (s / 4)));
  }
  return p;
}

SpecCase q2_k_case() {
  SpecCase c{DType::kQ2_K, 512, {}, {}};
  const float d[2] = {0.5f, -0.125f}, dmin[2] = {0.25f, -0.75f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(256, 3, b, 4);
    int sc[16], m[16];
    for (int s = 0; s < 16; ++s) {
      sc[s] = (s * 3 + 1 + b) % 16;
      m[s] = (s * 5 + 2 + b) % 16;
      c.bytes.push_back(static_cast<uint8_t>(sc[s] | m[s] << 4));
    }
    append(c.bytes, pack_2bit(q));
    append_half(c.bytes, d[b]);
    append_half(c.bytes, dmin[b]);
    for (int e = 0; e < 256; ++e)
      c.expected.push_back(static_cast<float>(static_cast<double>(d[b]) * sc[e / 16] * q[e] -
                                              static_cast<double>(dmin[b]) * m[e / 16]));
  }
  return c;
}

SpecCase q3_k_case() {
  SpecCase c{DType::kQ3_K, 512, {}, {}};
  const float d[2] = {0.25f, -1.0f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> level = pattern(256, 5, b, 8);  // value = level - 4, in -4..3
    std::vector<int> low(256), high(256);
    for (int e = 0; e < 256; ++e) {
      low[e] = level[e] & 3;
      high[e] = level[e] >> 2;  // set: no -4
    }
    int sc[16];
    for (int s = 0; s < 16; ++s) sc[s] = (s * 9 + 5 * b) % 64 - 32;  // covers -32 and 31
    append(c.bytes, pack_plane(high));
    append(c.bytes, pack_2bit(low));
    append(c.bytes, pack_scales_q3k(sc));
    append_half(c.bytes, d[b]);
    for (int e = 0; e < 256; ++e)
      c.expected.push_back(static_cast<float>(static_cast<double>(d[b]) * sc[e / 16] * (level[e] - 4)));
  }
  return c;
}

// Sub-block scales and mins that use all 6 bits (>= 32 sets the top bits).
constexpr int kScales6[2][8] = {{1, 63, 32, 17, 48, 5, 60, 33}, {0, 2, 31, 63, 16, 47, 9, 40}};
constexpr int kMins6[2][8] = {{0, 63, 31, 2, 47, 16, 59, 8}, {63, 1, 32, 0, 33, 15, 50, 7}};

SpecCase q4_k_case() {
  SpecCase c{DType::kQ4_K, 512, {}, {}};
  const float d[2] = {0.5f, -0.0625f}, dmin[2] = {0.125f, 0.375f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(256, 7, b, 16);
    append_half(c.bytes, d[b]);
    append_half(c.bytes, dmin[b]);
    append(c.bytes, pack_scale_min_6bit(kScales6[b], kMins6[b]));
    append(c.bytes, pack_4bit(q));
    for (int e = 0; e < 256; ++e)
      c.expected.push_back(static_cast<float>(static_cast<double>(d[b]) * kScales6[b][e / 32] * q[e] -
                                              static_cast<double>(dmin[b]) * kMins6[b][e / 32]));
  }
  return c;
}

SpecCase q5_k_case() {
  SpecCase c{DType::kQ5_K, 512, {}, {}};
  const float d[2] = {-0.25f, 0.125f}, dmin[2] = {0.5f, -0.25f};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(256, 11, 3 * b, 32);
    std::vector<int> fifth(256);
    for (int e = 0; e < 256; ++e) fifth[e] = q[e] >> 4;
    append_half(c.bytes, d[b]);
    append_half(c.bytes, dmin[b]);
    append(c.bytes, pack_scale_min_6bit(kScales6[1 - b], kMins6[b]));
    append(c.bytes, pack_plane(fifth));
    append(c.bytes, pack_4bit(q));
    for (int e = 0; e < 256; ++e)
      c.expected.push_back(static_cast<float>(static_cast<double>(d[b]) * kScales6[1 - b][e / 32] * q[e] -
                                              static_cast<double>(dmin[b]) * kMins6[b][e / 32]));
  }
  return c;
}

SpecCase q6_k_case() {
  SpecCase c{DType::kQ6_K, 512, {}, {}};
  const float d[2] = {-0.25f, 0.03125f};
  const int scales[16] = {-128, 127, -1, 1, 64, -64, 3, 0, 100, -100, 7, -7, 33, -33, 126, -127};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int> q = pattern(256, 13, b, 64);  // value = q - 32
    // For each 128-element half: ql byte l holds elements l (low) and l + 64 (high), ql byte
    // l + 32 holds l + 32 and l + 96; qh byte l holds the top 2 bits of l, l+32, l+64, l+96.
    std::vector<uint8_t> ql(128), qh(64);
    for (int n = 0; n < 256; n += 128) {
      for (int l = 0; l < 32; ++l) {
        ql[n / 2 + l] = static_cast<uint8_t>((q[n + l] & 0xF) | (q[n + l + 64] & 0xF) << 4);
        ql[n / 2 + l + 32] = static_cast<uint8_t>((q[n + l + 32] & 0xF) | (q[n + l + 96] & 0xF) << 4);
        qh[n / 4 + l] = static_cast<uint8_t>((q[n + l] >> 4) | (q[n + l + 32] >> 4) << 2 | (q[n + l + 64] >> 4) << 4 |
                                             (q[n + l + 96] >> 4) << 6);
      }
    }
    append(c.bytes, ql);
    append(c.bytes, qh);
    for (int s = 0; s < 16; ++s) c.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(scales[(s + 5 * b) % 16])));
    append_half(c.bytes, d[b]);
    for (int e = 0; e < 256; ++e)
      c.expected.push_back(
          static_cast<float>(static_cast<double>(d[b]) * scales[(e / 16 + 5 * b) % 16] * (q[e] - 32)));
  }
  return c;
}

// ---- plain float types: element i is the i-th 2- or 4-byte little-endian value ----

SpecCase f16_case() {
  SpecCase c{DType::kF16, 37, {}, {}};
  // normal, subnormal (2^-24, 2^-15), largest finite, signed zero
  const uint16_t halves[] = {0x3C00, 0xC000, 0x0001, 0x0200, 0x7BFF, 0xFBFF, 0x8000, 0x0000, 0x3555, 0x4248};
  for (int i = 0; i < 37; ++i) {
    const uint16_t h = halves[i % 10] ^ static_cast<uint16_t>(i >= 10 ? (i & 0x3) : 0);
    c.bytes.push_back(static_cast<uint8_t>(h & 0xFF));
    c.bytes.push_back(static_cast<uint8_t>(h >> 8));
    // sign, 5-bit exponent (bias 15), 10-bit mantissa; exponent 0 = subnormal
    const int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    const double magnitude = exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1024 + mantissa, exponent - 25);
    c.expected.push_back(static_cast<float>(sign ? -magnitude : magnitude));
  }
  return c;
}

SpecCase bf16_case() {
  SpecCase c{DType::kBF16, 37, {}, {}};
  for (int i = 0; i < 37; ++i) {
    // the top 16 bits of an fp32: here sign, exponents across the range and varied mantissas
    const uint16_t h = static_cast<uint16_t>(((i & 1) << 15) | ((20 + i * 6) << 7) | ((i * 37) & 0x7F));
    c.bytes.push_back(static_cast<uint8_t>(h & 0xFF));
    c.bytes.push_back(static_cast<uint8_t>(h >> 8));
    const int exponent = (h >> 7) & 0xFF, mantissa = h & 0x7F;
    const double magnitude = std::ldexp(128 + mantissa, exponent - 127 - 7);
    c.expected.push_back(static_cast<float>((h >> 15) ? -magnitude : magnitude));
  }
  return c;
}

SpecCase f32_case() {
  SpecCase c{DType::kF32, 37, {}, {}};
  for (int i = 0; i < 37; ++i) {
    const float v = static_cast<float>((i * 7919) % 1000 - 500) / 64.0f;
    uint8_t raw[4];
    std::memcpy(raw, &v, 4);
    c.bytes.insert(c.bytes.end(), raw, raw + 4);
    c.expected.push_back(v);
  }
  return c;
}

std::vector<SpecCase> all_cases() {
  return {f32_case(),  f16_case(),  bf16_case(), q4_0_case(), q4_1_case(), q5_0_case(), q5_1_case(),
          q8_0_case(), q2_k_case(), q3_k_case(), q4_k_case(), q5_k_case(), q6_k_case()};
}

TEST(QuantSpec, CasesCoverEveryFormatWithTheRightSize) {
  const std::vector<SpecCase> cases = all_cases();
  ASSERT_EQ(cases.size(), weight_formats().size());
  for (const SpecCase& c : cases) {
    EXPECT_EQ(c.bytes.size(), row_bytes(c.type, c.n)) << dtype_name(c.type);
    EXPECT_EQ(c.expected.size(), static_cast<size_t>(c.n)) << dtype_name(c.type);
  }
}

TEST(QuantSpec, DequantizeHandBuiltBlocksAtEveryLevel) {
  for (const LevelTable& lt : tables_for_this_cpu()) {
    for (const SpecCase& c : all_cases()) {
      const WeightKernels* k = lt.table.weight(c.type);
      ASSERT_NE(k, nullptr) << lt.level << " " << dtype_name(c.type);
      std::vector<float> out(c.n, -999.0f);
      k->dequant_row(c.bytes.data(), out.data(), c.n);
      for (int64_t i = 0; i < c.n; ++i) {
        ASSERT_EQ(out[i], c.expected[i]) << lt.level << " " << dtype_name(c.type) << " element " << i;
      }
    }
  }
}

TEST(QuantSpec, DotWithUnitVectorsPicksSingleWeightsAtEveryLevel) {
  for (const LevelTable& lt : tables_for_this_cpu()) {
    for (const SpecCase& c : all_cases()) {
      const WeightKernels* k = lt.table.weight(c.type);
      ASSERT_NE(k, nullptr);
      std::vector<float> unit(c.n, 0.0f);
      for (int64_t i = 0; i < c.n; ++i) {
        unit[i] = 1.0f;
        ASSERT_EQ(k->dot_row(c.bytes.data(), unit.data(), c.n), c.expected[i])
            << lt.level << " " << dtype_name(c.type) << " element " << i;
        unit[i] = 0.0f;
      }
    }
  }
}

}  // namespace
}  // namespace coreinfer::kernels::testing
