// The AVX-512 kernels under QLinearConv against the portable ones, bit for bit: the X-block
// packing (pack_quad) and the integer depthwise plane (depthwise_int8.h against depthwise_kernel.h)
// on random geometries, types, zero points and scales.
#include "core/cpu_features.h"
#include "graph/ops/quant/conv_gemm.h"
#include "graph/ops/quant/conv_gemm_nhwc.h"
#include "graph/ops/quant/depthwise_int8.h"
#include "graph/ops/quant/depthwise_kernel.h"
#include "graph/ops/quant/quant_util.h"
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {
#if defined(__x86_64__)  // the kernels compared here are x86-only

using quant::Window2d;

bool has_avx512vnni() {
  const CpuFeatures& f = cpu_features();
  return f.avx512_vnni && f.avx512bw && f.avx512f && f.os_zmm;
}

TEST(PackQuad, Avx512MatchesPortable) {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.os_zmm)) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(77);
  for (int t = 0; t < 200; ++t) {
    const int64_t rows = std::uniform_int_distribution<int64_t>(1, 300)(rng);
    const int64_t pixels = (rows + 15) / 16 * 16 + 16 * (t % 3 == 0);
    std::vector<std::vector<uint8_t>> data(4);
    const uint8_t* src[4];
    for (int j = 0; j < 4; ++j) {
      data[j] = random_ints<uint8_t>(static_cast<size_t>(rows), 0, 255, rng);
      src[j] = (t % 5 == 1 && j >= 4 - t % 4) ? nullptr : data[j].data();  // trailing padded K rows
    }
    const uint8_t flip = t % 2 ? 0x80 : 0;
    std::vector<uint32_t> want(static_cast<size_t>(pixels), 0xdeadbeef), got(want);
    quant::pack_quad_portable(src, rows, pixels, flip, want.data());
    quant::pack_quad_avx512(src, rows, pixels, flip, got.data());
    ASSERT_EQ(got, want) << "rows " << rows << " pixels " << pixels << " flip " << int(flip);
  }
}

// The fused GEMM + requantisation against conv_gemm_requant_portable (conv_gemm_portable then the
// row epilogue), bit for bit: output-channel tails of every tile height, pixel tails (rows <
// pixels: nothing written past rows), weight zero points (pixel sums), signed and unsigned y,
// per-channel scales, sub-ranges of output channels (other rows untouched).
TEST(ConvGemmRequant, Avx512VnniMatchesPortable) {
  if (!has_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(17);
  for (int t = 0; t < 120; ++t) {
    const int64_t m = std::uniform_int_distribution<int64_t>(1, 40)(rng);
    const int64_t k = std::uniform_int_distribution<int64_t>(1, 150)(rng);
    const int64_t rows = std::uniform_int_distribution<int64_t>(1, 128)(rng);
    const int64_t pixels = (rows + 15) / 16 * 16 + (t % 4 == 0 ? 16 : 0);
    const bool y_signed = t % 3 == 0, zero_points = t % 4 == 1;
    const auto wv = random_ints<int32_t>(static_cast<size_t>(m * k), -128, 127, rng);
    const std::vector<int32_t> wz = zero_points ? random_ints<int32_t>(static_cast<size_t>(m), -128, 127, rng)
                                                : std::vector<int32_t>(static_cast<size_t>(m), 0);
    const auto packed = quant::pack_conv_weights(m, k, true, [&](int64_t oc, int64_t kk) { return wv[oc * k + kk]; }, wz);
    const auto xp = random_ints<uint8_t>(static_cast<size_t>(packed.k_padded * pixels), 0, 255, rng);
    std::vector<int32_t> pixel_sum(static_cast<size_t>(pixels));
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t q = 0; q < packed.k_padded / 4; ++q)
        for (int j = 0; j < 4; ++j) pixel_sum[p] += xp[(q * pixels + p) * 4 + j];
    const auto term = random_ints<int32_t>(static_cast<size_t>(m), -200000, 200000, rng);
    std::vector<quant::Requant> rq;
    for (int64_t oc = 0; oc < m; ++oc)
      rq.push_back(quant::make_requant(std::uniform_real_distribution<float>(1e-5f, 2e-3f)(rng),
                                       random_ints<int32_t>(1, y_signed ? -128 : 0, y_signed ? 127 : 255, rng)[0],
                                       y_signed ? ElemType::kInt8 : ElemType::kUint8));
    const int64_t ldy = rows + 3;
    std::vector<uint8_t> want(static_cast<size_t>(m * ldy), 0xEE), got(want);
    quant::ConvRequantOutput out;
    out.term = term.data();
    out.pixel_sum = zero_points ? pixel_sum.data() : nullptr;
    out.requant = rq.data();
    out.ldy = ldy;
    out.rows = rows;
    out.is_signed = y_signed;
    out.small_scales = t % 5 < 3;  // the scales are <= 0.5: clamping by the packs, else in float
    const int64_t oc_begin = t % 2 ? m / 3 : 0, oc_end = t % 2 ? m - m / 4 : m;
    out.y = want.data();
    quant::conv_gemm_requant_portable(packed, oc_begin, oc_end, xp.data(), pixels, out);
    out.y = got.data();
    quant::conv_gemm_requant_avx512vnni(packed, oc_begin, oc_end, xp.data(), pixels, out);
    ASSERT_EQ(got, want) << "case " << t << ": " << m << "x" << k << " rows " << rows << " pixels " << pixels;
    int64_t written = 0;
    for (uint8_t b : want) written += b != 0xEE;
    ASSERT_GT(written, 0);
  }
}

// The channels-last GEMM against nhwc_gemm_portable, bit for bit: every row tail (1-5 below the
// 6-row tile) and output-channel tail (1-3 vectors, partial vectors), rows wider than K (ldx),
// int8 input (flip), weight zero points (pixel sums), signed and unsigned y, clamping in float or
// by the packs, sub-ranges of output channels (the others untouched).
TEST(NhwcGemm, Avx512VnniMatchesPortable) {
  if (!has_avx512vnni() || !cpu_features().avx512vl) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(23);
  for (int t = 0; t < 150; ++t) {
    const int64_t m = std::uniform_int_distribution<int64_t>(1, 150)(rng);
    const int64_t k = std::uniform_int_distribution<int64_t>(1, 120)(rng);
    const int64_t rows = std::uniform_int_distribution<int64_t>(1, 40)(rng);
    const bool y_signed = t % 3 == 0, zero_points = t % 4 == 1;
    const uint8_t flip = t % 5 == 2 ? 0x80 : 0;
    const auto wv = random_ints<int32_t>(static_cast<size_t>(m * k), -128, 127, rng);
    const std::vector<int32_t> wz = zero_points ? random_ints<int32_t>(static_cast<size_t>(m), -128, 127, rng)
                                                : std::vector<int32_t>(static_cast<size_t>(m), 0);
    const auto packed = quant::pack_nhwc_weights(m, k, true, [&](int64_t oc, int64_t kk) { return wv[oc * k + kk]; }, wz);
    const int64_t ldx = packed.k_padded + 4 * (t % 3);
    auto x = random_ints<uint8_t>(static_cast<size_t>(rows * ldx), 0, 255, rng);
    std::vector<int32_t> pixel_sum(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t kk = k; kk < packed.k_padded; ++kk) x[r * ldx + kk] = flip;  // zero after the flip
      for (int64_t kk = 0; kk < k; ++kk) pixel_sum[r] += x[r * ldx + kk] ^ flip;
    }
    const int64_t mp = packed.m_padded;
    auto term = random_ints<int32_t>(static_cast<size_t>(mp), -200000, 200000, rng);
    std::vector<float> scale(static_cast<size_t>(mp));
    for (auto& v : scale) v = std::uniform_real_distribution<float>(1e-5f, 2e-3f)(rng);
    const quant::Requant rq = quant::make_requant(1.0f, random_ints<int32_t>(1, y_signed ? -128 : 0, y_signed ? 127 : 255, rng)[0],
                                                  y_signed ? ElemType::kInt8 : ElemType::kUint8);
    const int64_t ldy = m + 5;
    std::vector<uint8_t> want(static_cast<size_t>(rows * ldy), 0xEE), got(want);
    quant::NhwcRequantOutput out;
    out.term = term.data();
    out.scale = scale.data();
    out.pixel_sum = zero_points ? pixel_sum.data() : nullptr;
    out.zero_point = rq.zero_point;
    out.lo = rq.lo;
    out.hi = rq.hi;
    out.is_signed = y_signed;
    out.small_scales = t % 5 < 3;  // the scales are <= 0.5: clamping by the packs, else in float
    out.ldy = ldy;
    const int64_t oc_begin = t % 2 ? (m / 3) / 16 * 16 : 0, oc_end = t % 2 ? m - m / 4 : m;
    out.y = want.data();
    quant::nhwc_gemm_portable(packed, oc_begin, oc_end, x.data(), ldx, rows, flip, out);
    out.y = got.data();
    quant::nhwc_gemm_avx512vnni(packed, oc_begin, oc_end, x.data(), ldx, rows, flip, out);
    ASSERT_EQ(got, want) << "case " << t << ": " << m << "x" << k << " rows " << rows << " ldx " << ldx;
    int64_t written = 0;
    for (uint8_t b : want) written += b != 0xEE;
    ASSERT_EQ(written > 0, oc_end > oc_begin);
  }
}

TEST(GatherEven, Avx512MatchesPortable) {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.os_zmm)) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(5);
  for (int t = 0; t < 300; ++t) {
    const int64_t n = std::uniform_int_distribution<int64_t>(0, 200)(rng);
    // exactly the bytes that may be read, so a read past them shows under sanitizers
    const std::vector<uint8_t> src = random_ints<uint8_t>(static_cast<size_t>(std::max<int64_t>(2 * n - 1, 0)), 0, 255, rng);
    std::vector<uint8_t> want(static_cast<size_t>(n + 40), 0xCD), got(want);
    quant::gather_even_portable(src.data(), n, want.data());
    quant::gather_even_avx512(src.data(), n, got.data());
    ASSERT_EQ(got, want) << "n " << n;  // equal tails: nothing written past n
  }
}

struct DwCase {
  int64_t h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return (in + pb + pe - d * (k - 1) - 1) / s + 1;
}

void check_depthwise(const DwCase& c, bool x_signed, bool w_signed, bool w_zero, bool y_signed, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " in " + std::to_string(c.h) + "x" + std::to_string(c.w) + " k " +
               std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s " + std::to_string(c.sh) + "," +
               std::to_string(c.sw) + " d " + std::to_string(c.dh) + "," + std::to_string(c.dw));
  std::mt19937 rng(seed);
  Window2d g;
  g.in_h = c.h; g.in_w = c.w; g.k_h = c.kh; g.k_w = c.kw; g.stride_h = c.sh; g.stride_w = c.sw;
  g.dil_h = c.dh; g.dil_w = c.dw; g.pad_t = c.pt; g.pad_l = c.pl; g.pad_b = c.pb; g.pad_r = c.pr;
  g.out_h = out_len(c.h, c.kh, c.sh, c.dh, c.pt, c.pb);
  g.out_w = out_len(c.w, c.kw, c.sw, c.dw, c.pl, c.pr);
  ASSERT_TRUE(quant::depthwise_int8_fits(g));
  const int64_t ks = g.kernel_size();
  const std::vector<uint8_t> x = random_ints<uint8_t>(static_cast<size_t>(g.in_size()), 0, 255, rng);
  const int32_t xz = x_signed ? random_ints<int32_t>(1, -128, 127, rng)[0] : random_ints<int32_t>(1, 0, 255, rng)[0];
  const std::vector<int32_t> wv = w_signed ? random_ints<int32_t>(static_cast<size_t>(ks), -128, 127, rng)
                                           : random_ints<int32_t>(static_cast<size_t>(ks), 0, 255, rng);
  const int32_t wz = !w_zero ? 0 : (w_signed ? random_ints<int32_t>(1, -128, 127, rng)[0] : random_ints<int32_t>(1, 0, 255, rng)[0]);
  const int32_t bias = random_ints<int32_t>(1, -20000, 20000, rng)[0];
  const ElemType y_type = y_signed ? ElemType::kInt8 : ElemType::kUint8;
  std::uniform_real_distribution<float> sd(0.0005f, 0.02f);
  const quant::Requant rq = quant::make_requant(sd(rng), random_ints<int32_t>(1, y_signed ? -128 : 0, y_signed ? 127 : 255, rng)[0], y_type);

  // the portable float plane: taps minus the zero point, x as its own type
  std::vector<double> taps(static_cast<size_t>(ks));
  for (int64_t i = 0; i < ks; ++i) taps[i] = wv[i] - wz;
  std::vector<double> scratch(static_cast<size_t>(quant::depthwise_scratch_size(g)));
  std::vector<uint8_t> want(static_cast<size_t>(g.out_size()), 0xAB), got(want);
  quant::depthwise_plane_portable(x.data(), x_signed ? ElemType::kInt8 : ElemType::kUint8, xz, taps.data(), g, bias, rq,
                                  want.data(), y_type, scratch.data());

  std::vector<int8_t> s(static_cast<size_t>(ks));
  int64_t sum = 0;
  for (int64_t i = 0; i < ks; ++i) {
    s[i] = static_cast<int8_t>(w_signed ? wv[i] : wv[i] - 128);
    sum += s[i];
  }
  const int64_t uz = xz + (x_signed ? 128 : 0), sz = wz - (w_signed ? 0 : 128);
  quant::DepthwiseInt8Plane p;
  p.x = x.data();
  p.y = got.data();
  p.w = s.data();
  p.flip = x_signed ? 0x80 : 0;
  p.y_signed = y_signed;
  p.x_zero_raw = static_cast<uint8_t>(xz);
  p.w_zero = static_cast<int32_t>(sz);
  p.constant = static_cast<int32_t>(bias - uz * sum + ks * uz * sz);
  p.rq = rq;
  quant::depthwise_int8_planes_avx512vnni(&p, 1, g);
  int bad = 0;
  for (int64_t i = 0; i < g.out_size() && bad < 5; ++i)
    if (got[i] != want[i]) {
      ++bad;
      ADD_FAILURE() << "output " << i << ": got " << int(got[i]) << ", want " << int(want[i]);
    }
  std::vector<uint8_t> nhwc(want.size(), 0xAB);
  p.y = nhwc.data();
  std::vector<uint8_t> nhwc_scratch(quant::depthwise_int8_nhwc_scratch_bytes(g));
  quant::depthwise_int8_nhwc_avx512vnni(&p, 1, g, nhwc_scratch.data());
  for (int64_t i = 0; i < g.out_size() && bad < 5; ++i)
    if (nhwc[i] != want[i]) {
      ++bad;
      ADD_FAILURE() << "nhwc kernel, output " << i << ": got " << int(nhwc[i]) << ", want " << int(want[i]);
    }
}

TEST(DepthwiseInt8, Avx512VnniMatchesPortablePlane) {
  if (!has_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  const std::vector<DwCase> fixed{
      {112, 112, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, {112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
      {7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     {14, 14, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},
      {9, 70, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},    {11, 37, 3, 7, 1, 3, 1, 1, 1, 3, 1, 3},
      {10, 33, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2},   {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      {5, 17, 2, 8, 1, 1, 1, 1, 0, 4, 1, 3},    {6, 80, 3, 3, 1, 4, 1, 1, 1, 1, 1, 1}};
  for (size_t t = 0; t < fixed.size(); ++t)
    check_depthwise(fixed[t], t % 2 == 1, t % 3 != 1, t % 4 == 2, t % 3 == 2, 300 + static_cast<uint32_t>(t));
  std::mt19937 rng(4242);
  for (int t = 0; t < 150; ++t) {
    std::uniform_int_distribution<int64_t> d(1, 3);
    DwCase c{};
    c.kh = std::uniform_int_distribution<int64_t>(1, 5)(rng);
    c.kw = std::uniform_int_distribution<int64_t>(1, 6)(rng);
    c.sh = d(rng);
    c.sw = d(rng);
    c.dh = d(rng) == 3 ? 2 : 1;
    c.dw = c.sw == 3 ? 1 : (d(rng) == 3 ? 2 : 1);
    c.pt = d(rng) - 1; c.pl = d(rng) - 1; c.pb = d(rng) - 1; c.pr = d(rng) - 1;
    c.h = std::uniform_int_distribution<int64_t>(c.dh * (c.kh - 1) + 1, 40)(rng);
    c.w = std::uniform_int_distribution<int64_t>(c.dw * (c.kw - 1) + 1, 90)(rng);
    check_depthwise(c, t % 2 == 1, t % 3 != 0, t % 5 < 2, t % 7 < 3, 1000 + t);
  }
}

// Many planes per call (groups of 16 channels and a partial group; the padding is refilled when
// the zero point changes): the channels-last kernel against the row kernel, plane by plane.
TEST(DepthwiseInt8, NhwcMatchesRowKernelOverPlaneSequences) {
  if (!has_avx512vnni()) GTEST_SKIP() << "no AVX-512 VNNI";
  std::mt19937 rng(99);
  for (int t = 0; t < 60; ++t) {
    Window2d g;
    // every third case MobileNet's 3x3 (the unrolled path of the kernel)
    g.k_h = t % 3 == 0 ? 3 : std::uniform_int_distribution<int64_t>(1, 4)(rng);
    g.k_w = t % 3 == 0 ? 3 : std::uniform_int_distribution<int64_t>(1, 7)(rng);
    g.stride_h = g.stride_w = std::uniform_int_distribution<int64_t>(1, 2)(rng);
    g.dil_h = g.dil_w = 1;
    g.pad_t = g.pad_b = g.k_h / 2;
    g.pad_l = g.pad_r = g.k_w / 2;
    g.in_h = std::uniform_int_distribution<int64_t>(g.k_h, 20)(rng);
    g.in_w = std::uniform_int_distribution<int64_t>(g.k_w, 20)(rng);
    g.out_h = out_len(g.in_h, g.k_h, g.stride_h, 1, g.pad_t, g.pad_b);
    g.out_w = out_len(g.in_w, g.k_w, g.stride_w, 1, g.pad_l, g.pad_r);
    ASSERT_TRUE(quant::depthwise_int8_fits(g));
    const int64_t count = std::uniform_int_distribution<int64_t>(1, 40)(rng), ks = g.kernel_size();
    const auto x = random_ints<uint8_t>(static_cast<size_t>(count * g.in_size()), 0, 255, rng);
    const auto w = random_ints<int8_t>(static_cast<size_t>(count * ks), -128, 127, rng);
    std::vector<uint8_t> want(static_cast<size_t>(count * g.out_size()), 0xAB), got(want);
    std::vector<quant::DepthwiseInt8Plane> planes(static_cast<size_t>(count));
    const bool x_signed = t % 2 == 1, y_signed = t % 3 == 0;
    for (int64_t i = 0; i < count; ++i) {
      quant::DepthwiseInt8Plane& p = planes[i];
      p.x = x.data() + i * g.in_size();
      p.w = w.data() + i * ks;
      p.flip = x_signed ? 0x80 : 0;
      p.y_signed = y_signed;
      p.x_zero_raw = static_cast<uint8_t>(random_ints<int32_t>(1, 0, 255, rng)[0]);
      p.w_zero = t % 4 == 1 || t % 6 == 3 ? random_ints<int32_t>(1, -128, 127, rng)[0] : 0;
      p.constant = random_ints<int32_t>(1, -3000, 3000, rng)[0];
      // most outputs inside the range (saturated ones would hide errors)
      p.rq = quant::make_requant(std::uniform_real_distribution<float>(1.0f / 4000, 1.0f / 400)(rng),
                                 random_ints<int32_t>(1, y_signed ? -128 : 0, y_signed ? 127 : 255, rng)[0],
                                 y_signed ? ElemType::kInt8 : ElemType::kUint8);
    }
    if (t % 5 == 2)
      for (auto& p : planes) p.x_zero_raw = planes[0].x_zero_raw;  // the padding is kept between planes
    for (int64_t i = 0; i < count; ++i) planes[i].y = want.data() + i * g.out_size();
    quant::depthwise_int8_planes_avx512vnni(planes.data(), count, g);
    for (int64_t i = 0; i < count; ++i) planes[i].y = got.data() + i * g.out_size();
    std::vector<uint8_t> scratch(quant::depthwise_int8_nhwc_scratch_bytes(g));
    quant::depthwise_int8_nhwc_avx512vnni(planes.data(), count, g, scratch.data());
    ASSERT_EQ(got, want) << "case " << t << ": " << count << " planes " << g.in_h << "x" << g.in_w << " k " << g.k_h << "x"
                         << g.k_w << " s " << g.stride_h;
  }
}

#endif
}  // namespace
}  // namespace coreinfer::quant_test
