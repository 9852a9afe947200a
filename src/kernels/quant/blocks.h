// The GGUF (ggml) weight block layouts, byte for byte as they sit in a GGUF file.
//
// Every struct is packed (alignment 1): rows of 18-, 22- or 110-byte blocks put fields at any
// address, and reading them through a packed struct is always well defined.
// Half-precision fields hold IEEE fp16 bits. Element order inside each block is documented on
// the struct; "element e" counts from the first value of the block.
//
// The helpers here have internal linkage on purpose: this header is included by files compiled
// with different ISA flags, and a shared (inline, COMDAT) copy could be the one built for the
// widest ISA and end up called on a CPU without it.
#pragma once

#include <cstdint>

namespace coreinfer::kernels {

// Elements per block of the legacy formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0).
inline constexpr int kLegacyBlockSize = 32;
// Elements per super-block of the K-quant formats.
inline constexpr int kSuperBlockSize = 256;
// Bytes of packed 6-bit sub-block scales (and mins) in Q3_K, Q4_K and Q5_K.
inline constexpr int kKScaleBytes = 12;

#pragma pack(push, 1)

// w[e] = d * (q[e] - 8); q[e] = e < 16 ? qs[e] & 0xF : qs[e - 16] >> 4.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kLegacyBlockSize / 2];
};

// w[e] = d * q[e] + m; q[e] as in Q4_0 (no offset).
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kLegacyBlockSize / 2];
};

// w[e] = d * (q[e] - 16); q[e] = nibble as in Q4_0 | (bit e of little-endian qh) << 4.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kLegacyBlockSize / 2];
};

// w[e] = d * q[e] + m; q[e] as in Q5_0 (no offset).
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kLegacyBlockSize / 2];
};

// w[e] = d * qs[e].
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kLegacyBlockSize];
};

// 16 sub-blocks of 16. Sub-block s: scale = scales[s] & 0xF, min = scales[s] >> 4;
// w[e] = (d * scale) * q[e] - dmin * min with q[e] 2 bits:
// e = 128 h + 32 j + l (h < 2, j < 4, l < 32) -> (qs[32 h + l] >> 2 j) & 3, s = e / 16.
struct BlockQ2_K {
  uint8_t scales[kSuperBlockSize / 16];
  uint8_t qs[kSuperBlockSize / 4];
  uint16_t d;
  uint16_t dmin;
};

// 16 sub-blocks of 16 with signed 6-bit scales (stored + 32, see q3k_scale);
// w[e] = (d * scale) * (low2[e] - (high bit of e clear ? 4 : 0)), low2 as in Q2_K,
// high bit of e = bit e / 32 of hmask[e % 32].
struct BlockQ3_K {
  uint8_t hmask[kSuperBlockSize / 8];
  uint8_t qs[kSuperBlockSize / 4];
  uint8_t scales[kKScaleBytes];
  uint16_t d;
};

// 8 sub-blocks of 32 with 6-bit scales and mins (see q4k_scale_min);
// w[e] = (d * scale) * q[e] - dmin * min with q[e] 4 bits:
// e = 64 c + l (c < 4, l < 32) -> qs[32 c + l] & 0xF, e = 64 c + 32 + l -> qs[32 c + l] >> 4.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kSuperBlockSize / 2];
};

// Q4_K plus a fifth bit: q[e] += 16 * (bit e / 32 of qh[e % 32]).
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kSuperBlockSize / 8];
  uint8_t qs[kSuperBlockSize / 2];
};

// 16 sub-blocks of 16 with int8 scales; w[e] = (d * scales[e / 16]) * (q[e] - 32), q[e] 6 bits:
// e = 128 h + 32 j + l (h < 2, j < 4, l < 32) -> low 4 bits from ql[64 h + 32 (j & 1) + l]
// (low nibble for j < 2, high nibble for j >= 2), high 2 bits = (qh[32 h + l] >> 2 j) & 3.
struct BlockQ6_K {
  uint8_t ql[kSuperBlockSize / 2];
  uint8_t qh[kSuperBlockSize / 4];
  int8_t scales[kSuperBlockSize / 16];
  uint16_t d;
};

// The activation format of ggml's integer dot products; here only for its size.
struct BlockQ8_K {
  float d;
  int8_t qs[kSuperBlockSize];
  int16_t bsums[kSuperBlockSize / 16];
};

#pragma pack(pop)

// Sizes must equal dtype.cpp's block_bytes.
static_assert(sizeof(BlockQ4_0) == 18 && alignof(BlockQ4_0) == 1);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Q4_K / Q5_K: sub-block j (< 8) scale and min, 6 bits each, from the 12 packed bytes.
// j < 4: low 6 bits of bytes j (scale) and j + 4 (min).
// j >= 4: low nibble (scale) / high nibble (min) of byte j + 4, with the top two bits taken
// from bits 6-7 of bytes j - 4 (scale) and j (min).
static inline void q4k_scale_min(const uint8_t* packed, int j, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// Q3_K: signed scale (-32..31) of sub-block s (< 16). Low 4 bits: nibble (s / 8) of byte s % 8;
// high 2 bits: bits 2 (s / 4) .. of byte 8 + s % 4.
static inline int q3k_scale(const uint8_t* packed, int s) {
  const int low = (packed[s % 8] >> (4 * (s / 8))) & 0xF;
  const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// --- the same scales, all at once with word-wide masks (for the SIMD kernels) ---

static inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
static inline void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Q4_K / Q5_K: the 8 scales and 8 mins of q4k_scale_min. Each byte lane of the masks below is
// one sub-block: bytes 0-3 and 4-7 hold scales / mins 0-3 in their low 6 bits and bits 4-5 of
// scales / mins 4-7 in their top 2 bits; bytes 8-11 hold the low nibbles of scales / mins 4-7.
static inline void q4k_scales_mins(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
  const uint32_t a = load_le32(packed), b = load_le32(packed + 4), c = load_le32(packed + 8);
  store_le32(scales, a & 0x3F3F3F3Fu);
  store_le32(scales + 4, (c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u));
  store_le32(mins, b & 0x3F3F3F3Fu);
  store_le32(mins + 4, ((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u));
}

// Q3_K: the 16 scales of q3k_scale, still biased (0..63 = scale + 32).
static inline void q3k_biased_scales(const uint8_t* packed, uint8_t* biased) {
  const uint32_t a = load_le32(packed), b = load_le32(packed + 4), c = load_le32(packed + 8);
  store_le32(biased, (a & 0x0F0F0F0Fu) | ((c << 4) & 0x30303030u));
  store_le32(biased + 4, (b & 0x0F0F0F0Fu) | ((c << 2) & 0x30303030u));
  store_le32(biased + 8, ((a >> 4) & 0x0F0F0F0Fu) | (c & 0x30303030u));
  store_le32(biased + 12, ((b >> 4) & 0x0F0F0F0Fu) | ((c >> 2) & 0x30303030u));
}

}  // namespace coreinfer::kernels
