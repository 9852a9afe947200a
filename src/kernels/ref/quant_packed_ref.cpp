// Scalar kernels of the packed layouts (kernels/quant/packed.h): the repack from GGUF order,
// the decoders (bit for bit the GGUF decoders' values) and the reference dot product (decode,
// then one running fp32 sum in element order, as the GGUF-layout reference does).
#include <cstring>

#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

constexpr int kB = kLegacyBlockSize;
constexpr int kN = kSuperBlockSize;

// --- Q4_0P ---

void repack_q4_0(const void* src, void* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t nb = n / kB;
  const int64_t full = nb / kQ4_0GroupBlocks * kQ4_0GroupBlocks;
  uint8_t* scales = out;
  uint8_t* quants = out + 2 * nb;
  const auto q = [&](int64_t e) {
    const BlockQ4_0& b = blocks[e / kB];
    const int j = static_cast<int>(e % kB);
    return j < 16 ? b.qs[j] & 0xF : b.qs[j - 16] >> 4;
  };
  for (int64_t g = 0; g < full / kQ4_0GroupBlocks; ++g) {
    for (int i = 0; i < 16; ++i) {
      uint32_t word = 0;
      for (int k = 0; k < 8; ++k) word |= static_cast<uint32_t>(q(128 * g + 16 * k + i)) << (4 * k);
      store_le32(quants + 64 * g + 4 * i, word);
    }
  }
  for (int64_t b = full; b < nb; ++b) std::memcpy(quants + 16 * b, blocks[b].qs, 16);
  for (int64_t b = 0; b < nb; ++b) std::memcpy(scales + 2 * b, &blocks[b].d, 2);
}

// Decodes block b of a packed Q4_0 row (nb blocks) into y[0..32).
void decode_q4_0p_block(const uint8_t* p, int64_t nb, int64_t b, float* y) {
  uint16_t dh;
  std::memcpy(&dh, p + 2 * b, 2);
  const float d = fp16_to_float(dh);
  for (int j = 0; j < kB; ++j) y[j] = static_cast<float>(q4_0p_quant(p + 2 * nb, nb, b * kB + j) - 8) * d;
}

// --- Q4_KP ---

void repack_q4_k(const void* src, void* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t ns = n / kN;
  for (int64_t s = 0; s < ns; ++s) {
    const BlockQ4_K& b = blocks[s];
    const auto q = [&](int e) {  // GGUF order: e = 64 c + 32 upper + l
      const int c = e / 64, upper = (e % 64) / 32, l = e % 32;
      return (b.qs[32 * c + l] >> (4 * upper)) & 0xF;
    };
    for (int h = 0; h < 2; ++h) {
      for (int i = 0; i < 16; ++i) {
        uint32_t word = 0;
        for (int k = 0; k < 8; ++k) word |= static_cast<uint32_t>(q(128 * h + 16 * k + i)) << (4 * k);
        store_le32(out + kQ4KHeaderBytes * ns + 128 * s + 64 * h + 4 * i, word);
      }
    }
    uint8_t* header = out + kQ4KHeaderBytes * s;
    std::memcpy(header, &b.d, 2);
    std::memcpy(header + 2, &b.dmin, 2);
    std::memcpy(header + 4, b.scales, kKScaleBytes);
  }
}

// Decodes super-block s of a packed Q4_K row (ns super-blocks) into y[0..256).
void decode_q4_kp_block(const uint8_t* p, int64_t ns, int64_t s, float* y) {
  const uint8_t* header = p + kQ4KHeaderBytes * s;
  uint16_t dh, mh;
  std::memcpy(&dh, header, 2);
  std::memcpy(&mh, header + 2, 2);
  const float d = fp16_to_float(dh), dmin = fp16_to_float(mh);
  for (int e = 0; e < kN; ++e) {
    uint8_t sc, m;
    q4k_scale_min(header + 4, e / 32, &sc, &m);
    y[e] = (d * static_cast<float>(sc)) * static_cast<float>(q4kp_quant(p + kQ4KHeaderBytes * ns + 128 * s, e)) - dmin * static_cast<float>(m);
  }
}

// --- Q6_KP ---

void repack_q6_k(const void* src, void* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t ns = n / kN;
  for (int64_t s = 0; s < ns; ++s) {
    const BlockQ6_K& b = blocks[s];
    const auto q = [&](int e) {  // GGUF order, see BlockQ6_K
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      const int low = (b.ql[64 * h + 32 * (j & 1) + l] >> (4 * (j / 2))) & 0xF;
      const int high = (b.qh[32 * h + l] >> (2 * j)) & 3;
      return static_cast<uint32_t>(low | high << 4);
    };
    uint8_t* quants = out + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
    for (int v = 0; v < 3; ++v) {
      for (int i = 0; i < 16; ++i) {
        uint32_t word = ((q(240 + i) >> (2 * (2 - v))) & 3) << 30;
        for (int j = 0; j < kQ6KFieldsPerWord; ++j) word |= q(16 * (kQ6KFieldsPerWord * v + j) + i) << (6 * j);
        store_le32(quants + 64 * v + 4 * i, word);
      }
    }
    std::memcpy(out + 2 * s, &b.d, 2);
    std::memcpy(out + 2 * ns + 16 * s, b.scales, 16);
  }
}

// Decodes super-block s of a packed Q6_K row (ns super-blocks) into y[0..256), as dequant_q6_k.
void decode_q6_kp_block(const uint8_t* p, int64_t ns, int64_t s, float* y) {
  uint16_t dh;
  std::memcpy(&dh, p + 2 * s, 2);
  const float d = fp16_to_float(dh);
  const auto* scales = reinterpret_cast<const int8_t*>(p + 2 * ns + 16 * s);
  const uint8_t* quants = p + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
  for (int e = 0; e < kN; ++e)
    y[e] = (d * static_cast<float>(scales[e / 16])) * static_cast<float>(q6kp_quant(quants, e) - 32);
}

template <int kSize, void (*Decode)(const uint8_t*, int64_t, int64_t, float*)>
void dequant_packed(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  for (int64_t b = 0; b < n / kSize; ++b) Decode(p, n / kSize, b, dst + b * kSize);
}

// Decode a block, then one running sum in element order (as dot_row_by_blocks).
template <int kSize, void (*Decode)(const uint8_t*, int64_t, int64_t, float*)>
float dot_packed(const void* w, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(w);
  float decoded[kSize];
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kSize; ++b) {
    Decode(p, n / kSize, b, decoded);
    for (int i = 0; i < kSize; ++i) sum += decoded[i] * x[b * kSize + i];
  }
  return sum;
}

void set_packed(KernelTable& t, DType type, RepackRowFn repack, DequantRowFn dequant, DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.repack_row = repack;
  k.packed_dequant_row = dequant;
  k.packed_dot_multi = dot;
  k.packed_isa = Isa::kScalar;
}

}  // namespace

void register_quant_packed_ref(KernelTable& t) {
  set_packed(t, DType::kQ4_0, repack_q4_0, dequant_packed<kB, decode_q4_0p_block>,
             dot_multi_by_rows<dot_packed<kB, decode_q4_0p_block>>);
  set_packed(t, DType::kQ4_K, repack_q4_k, dequant_packed<kN, decode_q4_kp_block>,
             dot_multi_by_rows<dot_packed<kN, decode_q4_kp_block>>);
  set_packed(t, DType::kQ6_K, repack_q6_k, dequant_packed<kN, decode_q6_kp_block>,
             dot_multi_by_rows<dot_packed<kN, decode_q6_kp_block>>);
}

}  // namespace coreinfer::kernels
