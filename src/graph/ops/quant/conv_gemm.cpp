#include "graph/ops/quant/conv_gemm.h"

#include <vector>

#include "core/cpu_features.h"
#include "graph/ops/quant/requant_row.h"

namespace coreinfer::quant {

void conv_gemm_portable(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                        int32_t* c) {
  const int64_t k4 = w.k_padded / 4;
  for (int64_t oc = oc_begin; oc < oc_end; ++oc) {
    int32_t* crow = c + oc * pixels;
    for (int64_t p = 0; p < pixels; ++p) crow[p] = 0;
    const int8_t* wr = w.w.data() + oc * w.k_padded;
    for (int64_t q = 0; q < k4; ++q) {
      const int32_t w0 = wr[4 * q], w1 = wr[4 * q + 1], w2 = wr[4 * q + 2], w3 = wr[4 * q + 3];
      const uint8_t* xq = x + q * pixels * 4;
      for (int64_t p = 0; p < pixels; ++p)
        crow[p] += w0 * xq[4 * p] + w1 * xq[4 * p + 1] + w2 * xq[4 * p + 2] + w3 * xq[4 * p + 3];
    }
  }
}

void conv_gemm_requant_portable(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                                int64_t pixels, const ConvRequantOutput& out) {
  std::vector<int32_t> c(static_cast<size_t>(oc_end * pixels));
  conv_gemm_portable(w, oc_begin, oc_end, x, pixels, c.data());
  for (int64_t oc = oc_begin; oc < oc_end; ++oc)
    requant_row_portable(c.data() + oc * pixels, out.rows, out.term[oc], w.zero_points[oc], out.pixel_sum,
                         out.requant[oc], out.is_signed, out.y + oc * out.ldy);
}

ConvGemmRequantFn best_conv_gemm_requant() {
#if defined(__x86_64__)
  if (best_conv_gemm() == conv_gemm_avx512vnni) return conv_gemm_requant_avx512vnni;
#endif
  return nullptr;
}

void requant_row_portable(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                          const Requant& rq, bool is_signed, void* y) {
  requant_row_dispatch(c, n, term, wz, pixel_sum, rq, is_signed, y);
}

RequantRowFn best_requant_row() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_zmm) return requant_row_avx512;
#endif
  return requant_row_portable;
}

void pack_quad_portable(const uint8_t* const* src, int64_t rows, int64_t pixels, uint8_t flip, uint32_t* dst) {
  uint32_t flips = 0;
  for (int j = 0; j < 4; ++j)
    if (src[j] != nullptr) flips |= uint32_t{flip} << (8 * j);
  if (src[0] && src[1] && src[2] && src[3]) {
    const uint8_t *__restrict s0 = src[0], *__restrict s1 = src[1], *__restrict s2 = src[2], *__restrict s3 = src[3];
    for (int64_t r = 0; r < rows; ++r)
      dst[r] = (uint32_t{s0[r]} | uint32_t{s1[r]} << 8 | uint32_t{s2[r]} << 16 | uint32_t{s3[r]} << 24) ^ flips;
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      uint32_t word = 0;
      for (int j = 0; j < 4; ++j)
        if (src[j] != nullptr) word |= uint32_t{src[j][r]} << (8 * j);
      dst[r] = word ^ flips;
    }
  }
  for (int64_t r = rows; r < pixels; ++r) dst[r] = 0;
}

PackQuadFn best_pack_quad() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.os_zmm) return pack_quad_avx512;
#endif
  return pack_quad_portable;
}

void gather_even_portable(const uint8_t* src, int64_t n, uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[2 * i];
}

GatherEvenFn best_gather_even() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.os_zmm) return gather_even_avx512;
#endif
  return gather_even_portable;
}

ConvGemmFn best_conv_gemm() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512_vnni && f.avx512bw && f.avx512f && f.os_zmm) return conv_gemm_avx512vnni;
#elif defined(__aarch64__)
  const CpuFeatures& f = cpu_features();
  if (f.i8mm && f.asimddp) return conv_gemm_i8mm;  // the i8mm file is built for Armv8.6 + dotprod
  if (f.asimddp) return conv_gemm_dotprod;
#endif
  return conv_gemm_portable;
}

}  // namespace coreinfer::quant
