// Scalar reference of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A activation
// quantizer, the Q8_0I / Q4_0I repacks and decoders, and the integer dot products of Q8_0I,
// Q4_0I, Q4_K and Q6_K. These define the path's results; the SIMD kernels are tested against them.
#include <cmath>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"
#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

constexpr int kB = kLegacyBlockSize;

void quantize_act_ref(const float* x, void* xq, int64_t n) {
  auto* p = static_cast<uint8_t*>(xq);
  auto* q = reinterpret_cast<int8_t*>(p);
  for (int64_t b = 0; b < n / kB; ++b) {
    const float* xb = x + b * kB;
    float amax = 0.0f;
    for (int i = 0; i < kB; ++i) amax = std::fmax(amax, std::fabs(xb[i]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int i = 0; i < kB; ++i) q[b * kB + i] = static_cast<int8_t>(round_clamped(xb[i] * id, -127, 127));
    std::memcpy(p + n + 4 * b, &d, sizeof d);
  }
  for (int64_t g = 0; g < n / kQ8AGroup; ++g) {
    int sum = 0;
    for (int i = 0; i < kQ8AGroup; ++i) sum += q[g * kQ8AGroup + i];
    const auto s = static_cast<int16_t>(sum);
    std::memcpy(p + n + n / 8 + 2 * g, &s, sizeof s);
  }
}

float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  return fp16_to_float(h);
}

// --- Q8_0I ---

void repack_q8_0i(const void* src, void* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t nb = n / kB;
  for (int64_t b = 0; b < nb; ++b) {
    std::memcpy(out + 2 * b, &blocks[b].d, 2);
    std::memcpy(out + 2 * nb + kB * b, blocks[b].qs, kB);
  }
}

void dequant_q8_0i(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  const auto* q = reinterpret_cast<const int8_t*>(p + 2 * nb);
  for (int64_t b = 0; b < nb; ++b) {
    const float d = half_at(p + 2 * b);
    for (int i = 0; i < kB; ++i) dst[b * kB + i] = d * static_cast<float>(q[b * kB + i]);
  }
}

float dot_q8_0i(const uint8_t* w, const void* xq, int64_t n) {
  const int64_t nb = n / kB;
  const auto* qw = reinterpret_cast<const int8_t*>(w + 2 * nb);
  const Q8AView x = q8a_view(xq, n);
  float y = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    int isum = 0;
    for (int i = 0; i < kB; ++i) isum += qw[b * kB + i] * x.q[b * kB + i];
    y += (half_at(w + 2 * b) * q8a_scale(xq, n, b)) * static_cast<float>(isum);
  }
  return y;
}

// --- Q4_0I ---

void repack_q4_0i(const void* src, void* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t nb = n / kB;
  uint8_t* quants = out + 2 * nb;
  auto q_of = [&](int64_t e) {  // GGUF quant of element e of the row
    const BlockQ4_0& b = blocks[e / kB];
    const int i = static_cast<int>(e % kB);
    return i < 16 ? b.qs[i] & 0xF : b.qs[i - 16] >> 4;
  };
  for (int64_t b = 0; b < nb; ++b) std::memcpy(out + 2 * b, &blocks[b].d, 2);
  for (int64_t pair = 0; pair < nb / 2; ++pair)
    for (int l = 0; l < 32; ++l)
      quants[32 * pair + l] = static_cast<uint8_t>(q_of(64 * pair + l) | q_of(64 * pair + 32 + l) << 4);
  if (nb % 2 != 0) std::memcpy(quants + 32 * (nb / 2), blocks[nb - 1].qs, 16);
}

// Block by block (prompt processing decodes whole matrices with this where no SIMD level has one).
void dequant_q4_0i(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  const uint8_t* quants = p + 2 * nb;
  for (int64_t pair = 0; pair < nb / 2; ++pair) {
    const float d0 = half_at(p + 4 * pair), d1 = half_at(p + 4 * pair + 2);
    const uint8_t* q = quants + 32 * pair;
    float* y = dst + 64 * pair;
    for (int l = 0; l < 32; ++l) {
      y[l] = d0 * static_cast<float>((q[l] & 0xF) - 8);
      y[32 + l] = d1 * static_cast<float>((q[l] >> 4) - 8);
    }
  }
  if (nb % 2 != 0) {
    const float d = half_at(p + 2 * (nb - 1));
    const uint8_t* q = quants + 32 * (nb / 2);
    float* y = dst + 64 * (nb / 2);
    for (int l = 0; l < 16; ++l) {
      y[l] = d * static_cast<float>((q[l] & 0xF) - 8);
      y[16 + l] = d * static_cast<float>((q[l] >> 4) - 8);
    }
  }
}

float dot_q4_0i(const uint8_t* w, const void* xq, int64_t n) {
  const int64_t nb = n / kB;
  const Q8AView x = q8a_view(xq, n);
  float y = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    int isum = 0;
    for (int i = 0; i < kB; ++i) isum += q4_0i_quant(w + 2 * nb, nb, b * kB + i) * x.q[b * kB + i];
    const int sx = q8a_sum(xq, n, 2 * b) + q8a_sum(xq, n, 2 * b + 1);
    y += (half_at(w + 2 * b) * q8a_scale(xq, n, b)) * static_cast<float>(isum - 8 * sx);
  }
  return y;
}

// --- Q4_K (GGUF layout) ---

float dot_q4_k(const uint8_t* w, const void* xq, int64_t n) {
  const auto* blocks = reinterpret_cast<const BlockQ4_K*>(w);
  const Q8AView x = q8a_view(xq, n);
  float y = 0.0f;
  for (int64_t s = 0; s < n / kSuperBlockSize; ++s) {
    const BlockQ4_K& blk = blocks[s];
    const float d = fp16_to_float(blk.d), dmin = fp16_to_float(blk.dmin);
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      q4k_scale_min(blk.scales, j, &sc, &m);
      const int64_t b = s * 8 + j;
      const uint8_t* qs = blk.qs + 32 * (j / 2);
      int isum = 0;
      for (int l = 0; l < 32; ++l) {
        const int q = j % 2 == 0 ? qs[l] & 0xF : qs[l] >> 4;
        isum += q * x.q[b * kB + l];
      }
      const int sx = q8a_sum(xq, n, 2 * b) + q8a_sum(xq, n, 2 * b + 1);
      const float dx = q8a_scale(xq, n, b);
      y += (d * static_cast<float>(sc) * dx) * static_cast<float>(isum) -
           (dmin * static_cast<float>(m) * dx) * static_cast<float>(sx);
    }
  }
  return y;
}

// --- Q6_K (GGUF layout) ---

float dot_q6_k(const uint8_t* w, const void* xq, int64_t n) {
  const auto* blocks = reinterpret_cast<const BlockQ6_K*>(w);
  const Q8AView x = q8a_view(xq, n);
  float y = 0.0f;
  for (int64_t s = 0; s < n / kSuperBlockSize; ++s) {
    const BlockQ6_K& blk = blocks[s];
    const float d = fp16_to_float(blk.d);
    for (int g = 0; g < 16; ++g) {
      int isum = 0;
      for (int i = 0; i < 16; ++i) {
        const int e = 16 * g + i;  // element in the super-block
        const int h = e / 128, j = (e % 128) / 32, l = e % 32;
        const uint8_t low_byte = blk.ql[64 * h + 32 * (j & 1) + l];
        const int low = j < 2 ? low_byte & 0xF : low_byte >> 4;
        const int high = (blk.qh[32 * h + l] >> (2 * j)) & 3;
        isum += (low | high << 4) * x.q[s * kSuperBlockSize + e];
      }
      const int64_t gx = s * 16 + g;
      const float dx = q8a_scale(xq, n, gx / 2);
      y += (d * static_cast<float>(blk.scales[g]) * dx) * static_cast<float>(isum - 32 * q8a_sum(xq, n, gx));
    }
  }
  return y;
}

// --- row pairs (Q8_0I2, Q4_0I2): the row layout's scales of both rows, then their quants 8 bytes
// at a time (int8_path.h). Scalar: done once at load, and per tile in prompt processing, where
// the decode itself costs far more than the copies. ---

template <RepackRowFn Repack, int kRowBytesPerBlock>
void repack_pair(const void* src, size_t src_stride, void* dst, int64_t n) {
  const int64_t nb = n / kB;
  const size_t row_bytes = static_cast<size_t>(kRowBytesPerBlock * nb), head = static_cast<size_t>(2 * nb);
  std::vector<uint8_t> rows(2 * row_bytes);
  Repack(src, rows.data(), n);
  Repack(static_cast<const uint8_t*>(src) + src_stride, rows.data() + row_bytes, n);
  auto* out = static_cast<uint8_t*>(dst);
  std::memcpy(out, rows.data(), head);
  std::memcpy(out + head, rows.data() + row_bytes, head);
  for (size_t c = 0; c < row_bytes - head; c += 8) {
    std::memcpy(out + 2 * head + 2 * c, rows.data() + head + c, 8);
    std::memcpy(out + 2 * head + 2 * c + 8, rows.data() + row_bytes + head + c, 8);
  }
}

template <DequantRowFn Dequant, int kRowBytesPerBlock>
void dequant_pair(const void* w, size_t, float* y, int64_t n) {
  const int64_t nb = n / kB;
  const size_t row_bytes = static_cast<size_t>(kRowBytesPerBlock * nb), head = static_cast<size_t>(2 * nb);
  const auto* p = static_cast<const uint8_t*>(w);
  std::vector<uint8_t> rows(2 * row_bytes);
  std::memcpy(rows.data(), p, head);
  std::memcpy(rows.data() + row_bytes, p + head, head);
  for (size_t c = 0; c < row_bytes - head; c += 8) {
    std::memcpy(rows.data() + head + c, p + 2 * head + 2 * c, 8);
    std::memcpy(rows.data() + row_bytes + head + c, p + 2 * head + 2 * c + 8, 8);
  }
  Dequant(rows.data(), y, n);
  Dequant(rows.data() + row_bytes, y + n, n);
}

template <float (*Dot)(const uint8_t*, const void*, int64_t)>
void int8_dot_multi_by_rows(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride,
                            int64_t n_x, float* y, int64_t y_stride, int64_t n) {
  const auto* rows = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  for (int64_t j = 0; j < n_x; ++j)
    for (int64_t r = 0; r < n_rows; ++r) y[j * y_stride + r] = Dot(rows + r * row_stride, acts + j * xq_stride, n);
}

void set_int8(KernelTable& t, DType type, RepackRowFn repack, DequantRowFn dequant, Int8DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.int8_repack_row = repack;
  k.int8_dequant_row = dequant != nullptr ? dequant : k.dequant_row;
  k.int8_dot_multi = dot;
  k.int8_isa = Isa::kScalar;
}

}  // namespace

void set_int8_row_pairs(WeightKernels& k, DType type) {
  k.int8_row_group = 2;
  if (type == DType::kQ8_0) {
    k.int8_repack_group = repack_pair<repack_q8_0i, 34>;
    k.int8_dequant_group = dequant_pair<dequant_q8_0i, 34>;
  } else if (type == DType::kQ4_0) {
    k.int8_repack_group = repack_pair<repack_q4_0i, 18>;
    k.int8_dequant_group = dequant_pair<dequant_q4_0i, 18>;
  } else {
    set_int8_row_layout(k);
  }
}

void register_int8_ref(KernelTable& t) {
  t.quantize_act = quantize_act_ref;
  t.quantize_act_isa = Isa::kScalar;
  set_int8(t, DType::kQ8_0, repack_q8_0i, dequant_q8_0i, int8_dot_multi_by_rows<dot_q8_0i>);
  set_int8(t, DType::kQ4_0, repack_q4_0i, dequant_q4_0i, int8_dot_multi_by_rows<dot_q4_0i>);
  set_int8(t, DType::kQ4_K, nullptr, nullptr, int8_dot_multi_by_rows<dot_q4_k>);
  set_int8(t, DType::kQ6_K, nullptr, nullptr, int8_dot_multi_by_rows<dot_q6_k>);
}

}  // namespace coreinfer::kernels
