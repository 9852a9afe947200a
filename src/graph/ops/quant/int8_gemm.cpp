#include "graph/ops/quant/int8_gemm.h"

#include <algorithm>

#include "core/cpu_features.h"

namespace coreinfer::quant {

PackedInt8Weights pack_int8_weights(int64_t k, int64_t n, bool is_signed,
                                    const std::function<int32_t(int64_t, int64_t)>& value,
                                    const std::vector<int32_t>& zero_points) {
  PackedInt8Weights p;
  p.k = k;
  p.n = n;
  p.k_padded = (k + 3) / 4 * 4;
  p.n_panels = (n + kPanelCols - 1) / kPanelCols;
  p.data.assign(static_cast<size_t>(p.n_panels * p.k_padded * kPanelCols), 0);
  p.column_sums.assign(static_cast<size_t>(n), 0);
  p.zero_points.assign(static_cast<size_t>(n), 0);
  const int32_t shift = is_signed ? 0 : 128;
  for (int64_t col = 0; col < n; ++col) {
    const int32_t zp = zero_points.empty() ? 0 : zero_points[zero_points.size() == 1 ? 0 : col];
    p.zero_points[col] = zp - shift;
    const int64_t panel = col / kPanelCols, lane = col % kPanelCols;
    int8_t* base = p.data.data() + panel * p.k_padded * kPanelCols;
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      const int32_t v = value(kk, col) - shift;
      base[(kk / 4) * kPanelCols * 4 + lane * 4 + (kk % 4)] = static_cast<int8_t>(v);
      sum += v;
    }
    p.column_sums[col] = sum;
  }
  return p;
}

void int8_gemm_portable(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                        int64_t ldc) {
  const int64_t k4 = b.k_padded / 4;
  for (int64_t m = 0; m < rows; ++m) {
    const uint8_t* ar = a + m * lda;
    for (int64_t panel = 0; panel < b.n_panels; ++panel) {
      const int8_t* bp = b.data.data() + panel * b.k_padded * kPanelCols;
      int32_t acc[kPanelCols] = {};
      for (int64_t q = 0; q < k4; ++q) {
        const int32_t a0 = ar[4 * q], a1 = ar[4 * q + 1], a2 = ar[4 * q + 2], a3 = ar[4 * q + 3];
        const int8_t* bq = bp + q * kPanelCols * 4;
        for (int64_t j = 0; j < kPanelCols; ++j)
          acc[j] += a0 * bq[4 * j] + a1 * bq[4 * j + 1] + a2 * bq[4 * j + 2] + a3 * bq[4 * j + 3];
      }
      std::copy(acc, acc + kPanelCols, c + m * ldc + panel * kPanelCols);
    }
  }
}

Int8GemmFn best_int8_gemm() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512_vnni && f.avx512bw && f.avx512f && f.os_zmm) return int8_gemm_avx512vnni;
#elif defined(__aarch64__)
  const CpuFeatures& f = cpu_features();
  if (f.i8mm && f.asimddp) return int8_gemm_i8mm;  // the i8mm file is built for Armv8.6 + dotprod
  if (f.asimddp) return int8_gemm_dotprod;
#endif
  return int8_gemm_portable;
}

const char* best_int8_gemm_name() {
#if defined(__x86_64__)
  if (best_int8_gemm() == int8_gemm_avx512vnni) return "avx512vnni";
#elif defined(__aarch64__)
  if (best_int8_gemm() == int8_gemm_i8mm) return "i8mm";
  if (best_int8_gemm() == int8_gemm_dotprod) return "dotprod";
#endif
  return "portable";
}

}  // namespace coreinfer::quant
