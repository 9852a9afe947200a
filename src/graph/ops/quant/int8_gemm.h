// The row-major integer GEMM under QLinearMatMul / MatMulInteger (convolutions use conv_gemm.h,
// the same scheme in NCHW orientation).
//
// Everything is brought to one form: activations A as uint8 rows and weights B as int8 (a signed
// activation is shifted by +128, an unsigned weight by -128, and their zero points with them), so
// the raw dot product D[m][n] = sum_k A[m][k] * B[k][n] is exactly what AVX-512 VNNI's vpdpbusd
// computes. The true product follows from the zero points with the row and column sums:
//   sum_k (A - az)(B - bz) = D - bz * rowsum(A) - az * colsum(B) + K * az * bz.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace coreinfer::quant {

inline constexpr int64_t kPanelCols = 16;  // output columns per packed panel (one zmm of int32)

// Weights packed once (at build time when constant): panels of 16 columns, K padded to a
// multiple of 4 with zeros; layout [panel][k / 4][16 columns][4 k].
struct PackedInt8Weights {
  int64_t k = 0, n = 0;         // depth and columns
  int64_t k_padded = 0;         // k rounded up to 4
  int64_t n_panels = 0;         // ceil(n / 16)
  std::vector<int8_t> data;
  std::vector<int32_t> column_sums;  // sum_k B[k][n] of the int8 values
  std::vector<int32_t> zero_points;  // per column, in the int8 domain
  int64_t padded_cols() const { return n_panels * kPanelCols; }
};

// Packs B given by value(k, n) (the stored weight, uint8 or int8 as int32) and its per-column
// zero point (1 value or n). `is_signed`: the stored type is int8.
PackedInt8Weights pack_int8_weights(int64_t k, int64_t n, bool is_signed,
                                    const std::function<int32_t(int64_t k, int64_t n)>& value,
                                    const std::vector<int32_t>& zero_points);

// C[m][c] = sum over k_padded of A[m][k] * B[k][c] for every padded column c, for m < rows.
// A: rows of at least b.k_padded readable bytes, `lda` apart, zero beyond k.
using Int8GemmFn = void (*)(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                            int64_t ldc);

void int8_gemm_portable(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                        int64_t ldc);
#if defined(__x86_64__)
void int8_gemm_avx512vnni(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                          int64_t ldc);
#elif defined(__aarch64__)
void int8_gemm_dotprod(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c,
                       int64_t ldc);
void int8_gemm_i8mm(const uint8_t* a, int64_t lda, int64_t rows, const PackedInt8Weights& b, int32_t* c, int64_t ldc);
#endif

// The fastest GEMM this CPU runs (VNNI; i8mm, dotprod on Arm; else portable).
Int8GemmFn best_int8_gemm();
const char* best_int8_gemm_name();

// The exact integer result from the raw product: D - bz*rowsum - az*colsum + K*az*bz.
inline int32_t zero_point_corrected(int32_t d, int32_t row_sum, int32_t a_zero, int32_t col_sum, int32_t b_zero,
                                    int64_t k) {
  return static_cast<int32_t>(static_cast<int64_t>(d) - static_cast<int64_t>(b_zero) * row_sum -
                              static_cast<int64_t>(a_zero) * col_sum +
                              k * static_cast<int64_t>(a_zero) * static_cast<int64_t>(b_zero));
}

}  // namespace coreinfer::quant
