// Armv8.6 (bf16) kernels of BF16's bf16-activation path (kernels/quant/int8_path.h, BF16A): the
// BF16A quantizer and the GEMV of GGUF BF16 rows with BF16A vectors, by bfdot for a lone row or
// vector and bfmmla for pairs of rows x pairs of vectors. (The fp32 path keeps its NEON kernels,
// see quant_i8mm.cpp; this path is the default one, --fp32-activations leaves it.)
//
// Quantizer: float_to_bf16's round-to-nearest-even on the integer bits (vaddhn adds the 0x7FFF +
// lsb bias and keeps the high halves), NaN lanes to the quiet NaN. bfcvtn rounds the same way
// under the default FPCR but follows FPCR (FZ would flush denormals), the reference does not.
//
// Dot. BFDOT and BFMMLA round their sums to odd and flush denormals, irrespective of FPCR (with
// FEAT_EBF16 and FPCR.EBF = 1 both fuse the pair instead: still the same for both). A BFMMLA
// element is "two 2-way unfused dot products accumulated", i.e. two BFDOT steps on that element:
// elements (0, 1) of its 4, then (2, 3). So the two give the same bits when every result lane
// sees the same pairs in the same order. The defined order, per (row, vector): 16-element blocks
// alternate between two accumulator sets (block b into set b % 2); in a block, lane q (< 4) of
// the set takes elements 4q, 4q + 1 then 4q + 2, 4q + 3; a row tail is a zero-padded block (0 * 0
// adds nothing). At the end lane q = set0[q] + set1[q], y = (lane0 + lane1) + (lane2 + lane3).
//   bfdot:  the block's two 8-element registers unzipped by 32-bit pairs (uzp1 / uzp2) give the
//           pairs (4q, 4q + 1) of the four lanes, then the pairs (4q + 2, 4q + 3);
//   bfmmla: chunk q (64 bits) of two rows against chunk q of two vectors, into accumulator q of
//           the set (a 2x2 tile), so lane q of (row, vector) is the same chain; the four
//           accumulators are transposed at the end.
// So every (row, vector) result is the one it gets alone, whatever the call's rows and vectors.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/half.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/int8_path.h"

namespace coreinfer::kernels {
namespace {

constexpr int kBlock = 16;  // elements per block: 32 bytes, two registers

// ---------------- quantizer ----------------

uint16x4_t to_bf16(uint32x4_t u) {
  const uint32x4_t high = vshrq_n_u32(u, 16);
  const uint32x4_t bias = vaddq_u32(vandq_u32(high, vdupq_n_u32(1)), vdupq_n_u32(0x7FFF));
  const uint16x4_t rounded = vaddhn_u32(u, bias);
  const uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7FFFFFFF)), vdupq_n_u32(0x7F800000));
  const uint16x4_t quiet = vmovn_u32(vorrq_u32(high, vdupq_n_u32(0x40)));
  return vbsl_u16(vmovn_u32(nan), quiet, rounded);
}

void quantize_bf16a(const float* x, void* xq, int64_t n) {
  auto* out = static_cast<uint8_t*>(xq);
  const auto* xu = reinterpret_cast<const uint32_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t v = vcombine_u16(to_bf16(vld1q_u32(xu + i)), to_bf16(vld1q_u32(xu + i + 4)));
    vst1q_u8(out + 2 * i, vreinterpretq_u8_u16(v));
  }
  for (; i < n; ++i) {
    const uint16_t b = float_to_bf16(x[i]);
    std::memcpy(out + 2 * i, &b, sizeof b);
  }
}

// ---------------- dot ----------------

// One block of a row or vector: 32 bytes, from p, or the first `left` elements zero-padded.
struct Block {
  uint16x8_t lo, hi;
};
[[gnu::always_inline]] inline Block load_block(const uint8_t* p) {
  return {vld1q_u16(reinterpret_cast<const uint16_t*>(p)), vld1q_u16(reinterpret_cast<const uint16_t*>(p + 16))};
}
Block load_tail(const uint8_t* p, int64_t left) {
  alignas(16) uint8_t buf[2 * kBlock] = {};
  std::memcpy(buf, p, static_cast<size_t>(2 * left));
  return load_block(buf);
}

// Pairs (4q, 4q + 1) of lanes q = 0..3, then pairs (4q + 2, 4q + 3).
[[gnu::always_inline]] inline bfloat16x8_t first_pairs(Block b) {
  return vreinterpretq_bf16_u32(vuzp1q_u32(vreinterpretq_u32_u16(b.lo), vreinterpretq_u32_u16(b.hi)));
}
[[gnu::always_inline]] inline bfloat16x8_t second_pairs(Block b) {
  return vreinterpretq_bf16_u32(vuzp2q_u32(vreinterpretq_u32_u16(b.lo), vreinterpretq_u32_u16(b.hi)));
}

[[gnu::always_inline]] inline float32x4_t bfdot_block(float32x4_t acc, Block w, Block x) {
  acc = vbfdotq_f32(acc, first_pairs(w), first_pairs(x));
  return vbfdotq_f32(acc, second_pairs(w), second_pairs(x));
}

// The final sum of one (row, vector) from its lanes q (the two sets added).
[[gnu::always_inline]] inline float lane_sum(float32x4_t s) {
  return (vgetq_lane_f32(s, 0) + vgetq_lane_f32(s, 1)) + (vgetq_lane_f32(s, 2) + vgetq_lane_f32(s, 3));
}

// R rows (row r at w + r * row_stride) against one vector x, by bfdot.
template <int R>
void bfdot_rows(const uint8_t* w, size_t row_stride, const uint8_t* x, float* y, int64_t n) {
  float32x4_t acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = vdupq_n_f32(0.0f);
  const int64_t full = n / kBlock;
  int64_t b = 0;
  for (; b + 2 <= full; b += 2) {
    const Block x0 = load_block(x + 32 * b), x1 = load_block(x + 32 * (b + 1));
    for (int r = 0; r < R; ++r) {
      const uint8_t* p = w + r * row_stride + 32 * b;
      __builtin_prefetch(p + 1024);
      acc[r][0] = bfdot_block(acc[r][0], load_block(p), x0);
      acc[r][1] = bfdot_block(acc[r][1], load_block(p + 32), x1);
    }
  }
  for (; b * kBlock < n; ++b) {  // at most one full and one partial block, sets by parity
    const int64_t left = n - b * kBlock;
    const Block xb = left >= kBlock ? load_block(x + 32 * b) : load_tail(x + 32 * b, left);
    for (int r = 0; r < R; ++r) {
      const uint8_t* p = w + r * row_stride + 32 * b;
      acc[r][b % 2] = bfdot_block(acc[r][b % 2], left >= kBlock ? load_block(p) : load_tail(p, left), xb);
    }
  }
  for (int r = 0; r < R; ++r) y[r] = lane_sum(vaddq_f32(acc[r][0], acc[r][1]));
}

// Chunk q (64 bits: elements 4q .. 4q + 3 of the block) of a and of b, as one bfmmla operand.
template <int Q>
[[gnu::always_inline]] inline bfloat16x8_t chunks(Block a, Block b) {
  const uint64x2_t ra = vreinterpretq_u64_u16(Q < 2 ? a.lo : a.hi), rb = vreinterpretq_u64_u16(Q < 2 ? b.lo : b.hi);
  return vreinterpretq_bf16_u64(Q % 2 == 0 ? vzip1q_u64(ra, rb) : vzip2q_u64(ra, rb));
}

struct MmlaSet {
  float32x4_t q[4];  // q[c] lanes: (row 0, vec 0), (row 0, vec 1), (row 1, vec 0), (row 1, vec 1)
};
[[gnu::always_inline]] inline void mmla_block(MmlaSet& s, Block w0, Block w1, Block x0, Block x1) {
  s.q[0] = vbfmmlaq_f32(s.q[0], chunks<0>(w0, w1), chunks<0>(x0, x1));
  s.q[1] = vbfmmlaq_f32(s.q[1], chunks<1>(w0, w1), chunks<1>(x0, x1));
  s.q[2] = vbfmmlaq_f32(s.q[2], chunks<2>(w0, w1), chunks<2>(x0, x1));
  s.q[3] = vbfmmlaq_f32(s.q[3], chunks<3>(w0, w1), chunks<3>(x0, x1));
}

// Rows w0, w1 against vectors x0, x1: y[j * y_stride + r].
void bfmmla_tile(const uint8_t* w0, const uint8_t* w1, const uint8_t* x0, const uint8_t* x1, float* y,
                 int64_t y_stride, int64_t n) {
  MmlaSet set[2];
  for (MmlaSet& s : set)
    for (float32x4_t& v : s.q) v = vdupq_n_f32(0.0f);
  const int64_t full = n / kBlock;
  int64_t b = 0;
  for (; b + 2 <= full; b += 2) {
    __builtin_prefetch(w0 + 32 * b + 1024);
    __builtin_prefetch(w1 + 32 * b + 1024);
    mmla_block(set[0], load_block(w0 + 32 * b), load_block(w1 + 32 * b), load_block(x0 + 32 * b),
               load_block(x1 + 32 * b));
    mmla_block(set[1], load_block(w0 + 32 * b + 32), load_block(w1 + 32 * b + 32), load_block(x0 + 32 * b + 32),
               load_block(x1 + 32 * b + 32));
  }
  for (; b * kBlock < n; ++b) {
    const int64_t left = n - b * kBlock;
    auto ld = [&](const uint8_t* p) { return left >= kBlock ? load_block(p + 32 * b) : load_tail(p + 32 * b, left); };
    mmla_block(set[b % 2], ld(w0), ld(w1), ld(x0), ld(x1));
  }
  // Lane-wise set sum, then a 4x4 transpose: t[k] holds lanes q = 0..3 of tile element k.
  float32x4_t s[4];
  for (int c = 0; c < 4; ++c) s[c] = vaddq_f32(set[0].q[c], set[1].q[c]);
  const float32x4_t a01 = vzip1q_f32(s[0], s[1]), b01 = vzip2q_f32(s[0], s[1]);
  const float32x4_t a23 = vzip1q_f32(s[2], s[3]), b23 = vzip2q_f32(s[2], s[3]);
  const float32x4_t t[4] = {
      vreinterpretq_f32_u64(vzip1q_u64(vreinterpretq_u64_f32(a01), vreinterpretq_u64_f32(a23))),
      vreinterpretq_f32_u64(vzip2q_u64(vreinterpretq_u64_f32(a01), vreinterpretq_u64_f32(a23))),
      vreinterpretq_f32_u64(vzip1q_u64(vreinterpretq_u64_f32(b01), vreinterpretq_u64_f32(b23))),
      vreinterpretq_f32_u64(vzip2q_u64(vreinterpretq_u64_f32(b01), vreinterpretq_u64_f32(b23)))};
  y[0] = lane_sum(t[0]);             // (row 0, vec 0)
  y[y_stride] = lane_sum(t[1]);      // (row 0, vec 1)
  y[1] = lane_sum(t[2]);             // (row 1, vec 0)
  y[y_stride + 1] = lane_sum(t[3]);  // (row 1, vec 1)
}

void dot_multi_bf16a(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                     float* y, int64_t y_stride, int64_t n) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  if (n_x == 1) {  // decode GEMV: four rows at a time share the vector's loads
    int64_t r = 0;
    for (; r + 4 <= n_rows; r += 4) bfdot_rows<4>(wb + r * row_stride, row_stride, xb, y + r, n);
    for (; r < n_rows; ++r) bfdot_rows<1>(wb + r * row_stride, row_stride, xb, y + r, n);
    return;
  }
  int64_t r = 0;
  for (; r + 2 <= n_rows; r += 2) {
    const uint8_t* w0 = wb + r * row_stride;
    int64_t j = 0;
    for (; j + 2 <= n_x; j += 2)
      bfmmla_tile(w0, w0 + row_stride, xb + j * xq_stride, xb + (j + 1) * xq_stride, y + j * y_stride + r, y_stride, n);
    if (j < n_x) bfdot_rows<2>(w0, row_stride, xb + j * xq_stride, y + j * y_stride + r, n);
  }
  if (r < n_rows)
    for (int64_t j = 0; j < n_x; ++j) bfdot_rows<1>(wb + r * row_stride, row_stride, xb + j * xq_stride, y + j * y_stride + r, n);
}

}  // namespace

void register_bf16_act_i8mm(KernelTable& t) {
  set_bf16_act_path(t.weights[static_cast<uint32_t>(DType::kBF16)], dot_multi_bf16a, quantize_bf16a, Isa::kI8mm);
}

}  // namespace coreinfer::kernels
