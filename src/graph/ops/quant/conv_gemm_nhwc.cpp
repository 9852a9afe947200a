#include "graph/ops/quant/conv_gemm_nhwc.h"

#include "core/cpu_features.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

PackedNhwcWeights to_nhwc_layout(const PackedConvWeights& p) {
  PackedNhwcWeights n;
  n.m = p.m;
  n.k = p.k;
  n.k_padded = p.k_padded;
  n.m_padded = (p.m + kNhwcColumnBlock - 1) / kNhwcColumnBlock * kNhwcColumnBlock;
  n.w.assign(static_cast<size_t>(n.k_padded * n.m_padded), 0);
  for (int64_t oc = 0; oc < p.m; ++oc)
    for (int64_t kk = 0; kk < p.k_padded; ++kk) n.w[nhwc_weight_index(n.k_padded, oc, kk)] = p.w[oc * p.k_padded + kk];
  n.weight_sums = p.weight_sums;
  n.zero_points = p.zero_points;
  n.zero_points.resize(static_cast<size_t>(n.m_padded), 0);  // the kernel loads whole vectors
  n.any_zero_point = p.any_zero_point;
  return n;
}

void nhwc_gemm_portable(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t ldx,
                        int64_t rows, uint8_t flip, const NhwcRequantOutput& out) {
  const Requant base{1.0f, out.lo, out.hi, out.zero_point};
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* xr = x + r * ldx;
    for (int64_t oc = oc_begin; oc < oc_end; ++oc) {
      int32_t acc = 0;
      for (int64_t kk = 0; kk < w.k_padded; ++kk)
        acc += int32_t{static_cast<uint8_t>(xr[kk] ^ flip)} * w.w[nhwc_weight_index(w.k_padded, oc, kk)];
      acc += out.term[oc];
      if (out.pixel_sum != nullptr) acc -= w.zero_points[oc] * out.pixel_sum[r];
      Requant rq = base;
      rq.scale = out.scale[oc];
      const int32_t q = requantize(acc, rq);
      out.y[r * out.ldy + oc] = out.is_signed ? static_cast<uint8_t>(static_cast<int8_t>(q)) : static_cast<uint8_t>(q);
    }
  }
}

NhwcGemmFn best_nhwc_gemm() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512_vnni && f.avx512bw && f.avx512f && f.avx512vl && f.os_zmm) return nhwc_gemm_avx512vnni;
#endif
  return nullptr;
}

}  // namespace coreinfer::quant
