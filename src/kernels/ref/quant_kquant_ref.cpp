// Scalar dequantisation and dot products of the K-quant formats: Q2_K, Q3_K, Q4_K, Q5_K and
// Q6_K (256-element super-blocks). Each element is decoded straight from the layout described
// in kernels/quant/blocks.h; the quantizers are in quant_kquant_quantize_ref.cpp.
#include "kernels/quant/blocks.h"
#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

constexpr int kN = kSuperBlockSize;

// 2-bit field of element e in the Q2_K / Q3_K quant bytes: e = 128 h + 32 j + l.
int two_bits(const uint8_t* qs, int e) {
  const int h = e / 128, j = (e % 128) / 32, l = e % 32;
  return (qs[32 * h + l] >> (2 * j)) & 3;
}
// Bit e / 32 of byte e % 32: the Q3_K hmask and Q5_K qh planes.
int plane_bit(const uint8_t* plane, int e) { return (plane[e % 32] >> (e / 32)) & 1; }
// 4-bit field of element e in the Q4_K / Q5_K quant bytes: e = 64 c + 32 upper + l.
int four_bits(const uint8_t* qs, int e) {
  const int c = e / 64, upper = (e % 64) / 32, l = e % 32;
  return (qs[32 * c + l] >> (4 * upper)) & 0xF;
}

void dequant_q2_k(const BlockQ2_K& b, float* y) {
  const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
  for (int e = 0; e < kN; ++e) {
    const uint8_t packed = b.scales[e / 16];
    const float scale = d * static_cast<float>(packed & 0xF);
    const float min = dmin * static_cast<float>(packed >> 4);
    y[e] = scale * static_cast<float>(two_bits(b.qs, e)) - min;
  }
}

void dequant_q3_k(const BlockQ3_K& b, float* y) {
  const float d = fp16_to_float(b.d);
  for (int e = 0; e < kN; ++e) {
    const float scale = d * static_cast<float>(q3k_scale(b.scales, e / 16));
    const int q = two_bits(b.qs, e) - (plane_bit(b.hmask, e) ? 0 : 4);
    y[e] = scale * static_cast<float>(q);
  }
}

void dequant_q4_k(const BlockQ4_K& b, float* y) {
  const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
  for (int e = 0; e < kN; ++e) {
    uint8_t sc, m;
    q4k_scale_min(b.scales, e / 32, &sc, &m);
    y[e] = (d * static_cast<float>(sc)) * static_cast<float>(four_bits(b.qs, e)) - dmin * static_cast<float>(m);
  }
}

void dequant_q5_k(const BlockQ5_K& b, float* y) {
  const float d = fp16_to_float(b.d), dmin = fp16_to_float(b.dmin);
  for (int e = 0; e < kN; ++e) {
    uint8_t sc, m;
    q4k_scale_min(b.scales, e / 32, &sc, &m);
    const int q = four_bits(b.qs, e) + 16 * plane_bit(b.qh, e);
    y[e] = (d * static_cast<float>(sc)) * static_cast<float>(q) - dmin * static_cast<float>(m);
  }
}

void dequant_q6_k(const BlockQ6_K& b, float* y) {
  const float d = fp16_to_float(b.d);
  for (int e = 0; e < kN; ++e) {
    const int h = e / 128, j = (e % 128) / 32, l = e % 32;
    const int low = (b.ql[64 * h + 32 * (j & 1) + l] >> (4 * (j / 2))) & 0xF;
    const int high = (b.qh[32 * h + l] >> (2 * j)) & 3;
    y[e] = (d * static_cast<float>(b.scales[e / 16])) * static_cast<float>((low | high << 4) - 32);
  }
}

template <typename Block, void (*Dequant)(const Block&, float*)>
void set_kquant(KernelTable& t, DType type, QuantizeRowFn quantize) {
  set_weight_kernels<dot_row_by_blocks<Block, kN, Dequant>>(t, type, dequant_row_by_blocks<Block, kN, Dequant>,
                                                            quantize);
}

}  // namespace

void register_quant_kquant_ref(KernelTable& t) {
  set_kquant<BlockQ2_K, dequant_q2_k>(t, DType::kQ2_K, quantize_row_q2_k_ref);
  set_kquant<BlockQ3_K, dequant_q3_k>(t, DType::kQ3_K, quantize_row_q3_k_ref);
  set_kquant<BlockQ4_K, dequant_q4_k>(t, DType::kQ4_K, quantize_row_q4_k_ref);
  set_kquant<BlockQ5_K, dequant_q5_k>(t, DType::kQ5_K, quantize_row_q5_k_ref);
  set_kquant<BlockQ6_K, dequant_q6_k>(t, DType::kQ6_K, quantize_row_q6_k_ref);
}

}  // namespace coreinfer::kernels
