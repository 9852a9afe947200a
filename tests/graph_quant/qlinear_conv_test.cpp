// QLinearConv / ConvInteger against a direct scalar convolution (exact int64 sums, then the
// same float requantisation), on random shapes, groups, strides, pads, dilations and types.
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, group;
  int64_t sh, sw, dh, dw;
  std::vector<int64_t> pads;  // t, l, b, r
  bool x_signed, w_signed, per_channel, bias;
  std::string auto_pad = "NOTSET";
  bool conv1d = false;
  bool channels_last = false;  // com.microsoft QLinearConv on NHWC x and y
  bool nchw_input = false;     // with channels_last: coreinfer's QLinearConv, NCHW x
};

struct Raw {
  std::vector<int32_t> x, w;
};

int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return (in + pb + pe - d * (k - 1) - 1) / s + 1;
}

// Reference: y[n][m][oh][ow] = sum (x - xz)(w - wz[m]) (+ bias) with zero padding in x - xz.
std::vector<int64_t> ref_conv(const ConvCase& cc, const Raw& r, int32_t xz, const std::vector<int32_t>& wz,
                              const std::vector<int32_t>& bias, int64_t oh_n, int64_t ow_n, int64_t pt, int64_t pl) {
  const int64_t cg = cc.c / cc.group, mg = cc.m / cc.group;
  std::vector<int64_t> out(static_cast<size_t>(cc.n * cc.m * oh_n * ow_n));
  for (int64_t n = 0; n < cc.n; ++n)
    for (int64_t m = 0; m < cc.m; ++m) {
      const int64_t g = m / mg;
      for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow) {
          int64_t acc = bias.empty() ? 0 : bias[m];
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t kh = 0; kh < cc.kh; ++kh)
              for (int64_t kw = 0; kw < cc.kw; ++kw) {
                const int64_t ih = oh * cc.sh - pt + kh * cc.dh, iw = ow * cc.sw - pl + kw * cc.dw;
                if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
                const int64_t c = g * cg + ci;
                const int32_t xv = r.x[((n * cc.c + c) * cc.h + ih) * cc.w + iw];
                const int32_t wv = r.w[((m * cg + ci) * cc.kh + kh) * cc.kw + kw];
                acc += static_cast<int64_t>(xv - xz) * (wv - wz[wz.size() == 1 ? 0 : m]);
              }
          out[((n * cc.m + m) * oh_n + oh) * ow_n + ow] = acc;
        }
    }
  return out;
}

template <typename T>
Tensor typed(Shape s, const std::vector<int32_t>& v) {
  std::vector<T> t(v.begin(), v.end());
  return make<T>(std::move(s), t);
}

Tensor int_tensor(bool is_signed, Shape s, const std::vector<int32_t>& v) {
  return is_signed ? typed<int8_t>(std::move(s), v) : typed<uint8_t>(std::move(s), v);
}

void run_case(const ConvCase& cc, uint32_t seed, bool qlinear, bool constant_w, ThreadPool* pool = nullptr) {
  SCOPED_TRACE("case seed " + std::to_string(seed) + " c=" + std::to_string(cc.c) + " m=" + std::to_string(cc.m) +
               " group=" + std::to_string(cc.group) + " k=" + std::to_string(cc.kh) + "x" + std::to_string(cc.kw) +
               " x_signed=" + std::to_string(cc.x_signed) + " w_signed=" + std::to_string(cc.w_signed));
  std::mt19937 rng(seed);
  const int xlo = cc.x_signed ? -128 : 0, xhi = cc.x_signed ? 127 : 255;
  const int wlo = cc.w_signed ? -128 : 0, whi = cc.w_signed ? 127 : 255;
  Raw r;
  r.x = random_ints<int32_t>(static_cast<size_t>(cc.n * cc.c * cc.h * cc.w), xlo, xhi, rng);
  r.w = random_ints<int32_t>(static_cast<size_t>(cc.m * (cc.c / cc.group) * cc.kh * cc.kw), wlo, whi, rng);
  const int32_t xz = random_ints<int32_t>(1, xlo, xhi, rng)[0];
  std::vector<int32_t> wz = random_ints<int32_t>(cc.per_channel ? cc.m : 1, wlo, whi, rng);
  std::vector<int32_t> bias = cc.bias ? random_ints<int32_t>(cc.m, -5000, 5000, rng) : std::vector<int32_t>{};
  std::uniform_real_distribution<float> sd(0.001f, 0.05f);
  const float xs = sd(rng), ys = sd(rng) * 20.0f;
  std::vector<float> ws(cc.per_channel ? cc.m : 1);
  for (auto& s : ws) s = sd(rng) * 0.2f;
  const int32_t yz = random_ints<int32_t>(1, xlo, xhi, rng)[0];

  Shape xshape = cc.conv1d ? Shape{cc.n, cc.c, cc.w} : Shape{cc.n, cc.c, cc.h, cc.w};
  Shape wshape = cc.conv1d ? Shape{cc.m, cc.c / cc.group, cc.kw} : Shape{cc.m, cc.c / cc.group, cc.kh, cc.kw};
  Attributes attrs;
  attrs.set_int("group", cc.group);
  if (cc.conv1d) {
    attrs.set_ints("strides", {cc.sw});
    attrs.set_ints("dilations", {cc.dw});
  } else {
    attrs.set_ints("strides", {cc.sh, cc.sw});
    attrs.set_ints("dilations", {cc.dh, cc.dw});
  }
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  if (cc.auto_pad == "NOTSET") {
    pt = cc.pads[0]; pl = cc.pads[1]; pb = cc.pads[2]; pr = cc.pads[3];
    if (cc.conv1d) attrs.set_ints("pads", {pl, pr});
    else attrs.set_ints("pads", {pt, pl, pb, pr});
  } else {
    attrs.set_string("auto_pad", cc.auto_pad);
    auto same = [&](int64_t in, int64_t k, int64_t s, int64_t d, int64_t& b, int64_t& e) {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
      b = cc.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      e = total - b;
    };
    same(cc.h, cc.kh, cc.sh, cc.dh, pt, pb);
    same(cc.w, cc.kw, cc.sw, cc.dw, pl, pr);
  }
  const int64_t oh = out_dim(cc.h, cc.kh, cc.sh, cc.dh, pt, pb), ow = out_dim(cc.w, cc.kw, cc.sw, cc.dw, pl, pr);
  auto ref = ref_conv(cc, r, xz, wz, qlinear ? bias : std::vector<int32_t>{}, oh, ow, pt, pl);

  std::vector<int32_t> x_values = r.x;
  const int64_t in_pixels = cc.conv1d ? cc.w : cc.h * cc.w, out_pixels = cc.conv1d ? ow : oh * ow;
  if (cc.channels_last && cc.nchw_input) attrs.set_int("nchw_input", 1);
  if (cc.channels_last && !cc.nchw_input) {  // x as [n][pixels][c]
    xshape = cc.conv1d ? Shape{cc.n, cc.w, cc.c} : Shape{cc.n, cc.h, cc.w, cc.c};
    for (int64_t n = 0; n < cc.n; ++n)
      for (int64_t c = 0; c < cc.c; ++c)
        for (int64_t p = 0; p < in_pixels; ++p) x_values[(n * in_pixels + p) * cc.c + c] = r.x[(n * cc.c + c) * in_pixels + p];
  }
  if (cc.channels_last) attrs.set_int("channels_last", 1);
  Tensor x = int_tensor(cc.x_signed, xshape, x_values);
  Tensor w = int_tensor(cc.w_signed, wshape, r.w);
  Tensor xzt = cc.x_signed ? scalar<int8_t>(static_cast<int8_t>(xz)) : scalar<uint8_t>(static_cast<uint8_t>(xz));
  Tensor wzt = int_tensor(cc.w_signed, cc.per_channel ? Shape{cc.m} : Shape{}, wz);
  Result<std::vector<Tensor>> out = Status(StatusCode::kInternal, "unset");
  if (qlinear) {
    Tensor yzt = cc.x_signed ? scalar<int8_t>(static_cast<int8_t>(yz)) : scalar<uint8_t>(static_cast<uint8_t>(yz));
    std::vector<Tensor> ins{x, scalar<float>(xs), xzt, w, make<float>(cc.per_channel ? Shape{cc.m} : Shape{}, ws), wzt,
                            scalar<float>(ys), yzt};
    if (cc.bias) ins.push_back(make<int32_t>({cc.m}, bias));
    out = run_op(cc.channels_last ? (cc.nchw_input ? "coreinfer" : "com.microsoft") : "", "QLinearConv", ins, attrs, 1, {false, true, true, constant_w, true, true, true, true, true}, pool);
  } else {
    out = run_op("", "ConvInteger", {x, w, xzt, wzt}, attrs, 1, {false, constant_w, true, true}, pool);
  }
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const Tensor& y = (*out)[0];
  Shape expect_shape = cc.conv1d ? Shape{cc.n, cc.m, ow} : Shape{cc.n, cc.m, oh, ow};
  if (cc.channels_last) expect_shape = cc.conv1d ? Shape{cc.n, ow, cc.m} : Shape{cc.n, oh, ow, cc.m};
  ASSERT_EQ(y.shape(), expect_shape);
  const int32_t lo = cc.x_signed ? -128 : 0, hi = cc.x_signed ? 127 : 255;
  int bad = 0;
  for (int64_t i = 0; i < y.numel() && bad < 5; ++i) {
    const int64_t m = (i / (oh * ow)) % cc.m;
    // y's element of ref[i] (NCHW order)
    const int64_t at = cc.channels_last ? (i / (cc.m * out_pixels) * out_pixels + i % out_pixels) * cc.m + m : i;
    int64_t expect;
    int64_t got;
    if (qlinear) {
      const float scale = xs * ws[ws.size() == 1 ? 0 : m] / ys;
      expect = ref_requant(ref[i], scale, yz, lo, hi);
      got = cc.x_signed ? y.data<int8_t>()[at] : y.data<uint8_t>()[at];
    } else {
      expect = ref[i];
      got = y.data<int32_t>()[i];
    }
    if (got != expect) {
      ++bad;
      ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << expect;
    }
  }
}

TEST(QLinearConv, MatchesScalarReferenceOnRandomShapes) {
  std::mt19937 rng(1234);
  for (int t = 0; t < 60; ++t) {
    ConvCase cc{};
    std::uniform_int_distribution<int> small(1, 3);
    cc.n = small(rng) == 3 ? 2 : 1;
    cc.group = std::vector<int>{1, 1, 1, 2, 3}[t % 5];
    cc.c = cc.group * std::uniform_int_distribution<int>(1, 7)(rng);
    cc.m = cc.group * std::uniform_int_distribution<int>(1, 21)(rng);
    cc.h = std::uniform_int_distribution<int>(3, 11)(rng);
    cc.w = std::uniform_int_distribution<int>(3, 13)(rng);
    cc.kh = std::min<int64_t>(small(rng), cc.h);
    cc.kw = std::min<int64_t>(small(rng), cc.w);
    cc.sh = small(rng) == 3 ? 2 : 1;
    cc.sw = small(rng) == 3 ? 2 : 1;
    cc.dh = (t % 7 == 0) ? 2 : 1;
    cc.dw = 1;
    if (cc.dh * (cc.kh - 1) + 1 > cc.h) cc.dh = 1;
    cc.pads = {small(rng) - 1, small(rng) - 1, small(rng) - 1, small(rng) - 1};
    cc.x_signed = t % 4 == 1;
    cc.w_signed = t % 3 != 0;
    cc.per_channel = t % 2 == 0;
    cc.bias = t % 3 != 2;
    run_case(cc, 100 + t, true, t % 2 == 0);
  }
}

TEST(QLinearConv, DepthwiseStridesPadsPerChannel) {
  for (int t = 0; t < 12; ++t) {
    ConvCase cc{};
    cc.n = 1 + t % 2;
    cc.c = cc.m = cc.group = 3 + 5 * (t % 3);
    cc.h = 9 + t % 4;
    cc.w = 7 + t % 5;
    cc.kh = cc.kw = 3;
    cc.sh = cc.sw = 1 + t % 2;
    cc.dh = cc.dw = t == 5 ? 2 : 1;
    cc.pads = {1, 1, 1, 1};
    if (t % 4 == 3) cc.pads = {0, 2, 1, 0};
    cc.x_signed = t % 3 == 2;
    cc.w_signed = t % 2 == 0 || cc.x_signed;
    cc.per_channel = t % 2 == 1;
    cc.bias = true;
    run_case(cc, 500 + t, true, t % 2 == 0);
  }
}

TEST(QLinearConv, DepthwiseUnequalStridesAndLargeKernels) {
  struct Geo { int64_t h, w, kh, kw, sh, sw, dh, dw; std::vector<int64_t> pads; };
  const std::vector<Geo> geos{{9, 10, 3, 3, 2, 1, 1, 1, {1, 1, 1, 1}}, {8, 13, 3, 2, 1, 3, 1, 2, {0, 1, 2, 1}},
                              {11, 11, 5, 5, 3, 3, 1, 1, {2, 2, 2, 2}}, {20, 20, 17, 17, 1, 1, 1, 1, {1, 0, 0, 1}},
                              {7, 7, 3, 3, 2, 2, 2, 2, {2, 2, 2, 2}}, {1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}}};
  for (size_t t = 0; t < geos.size(); ++t) {
    const Geo& ge = geos[t];
    ConvCase cc{};
    cc.n = 1;
    cc.c = cc.m = cc.group = 5;
    cc.h = ge.h; cc.w = ge.w; cc.kh = ge.kh; cc.kw = ge.kw;
    cc.sh = ge.sh; cc.sw = ge.sw; cc.dh = ge.dh; cc.dw = ge.dw; cc.pads = ge.pads;
    cc.x_signed = t % 2 == 1; cc.w_signed = true; cc.per_channel = true; cc.bias = true;
    run_case(cc, 600 + static_cast<uint32_t>(t), true, true);   // 17x17 = 289 taps: the double path
    run_case(cc, 650 + static_cast<uint32_t>(t), false, true);  // ConvInteger
  }
}

TEST(QLinearConv, AutoPadSameAndOneDimensional) {
  for (int t = 0; t < 6; ++t) {
    ConvCase cc{};
    cc.n = 1;
    cc.group = 1;
    cc.c = 5;
    cc.m = 17;
    cc.h = 8;
    cc.w = 11;
    cc.kh = 3;
    cc.kw = 4;
    cc.sh = cc.sw = 1 + t % 2;
    cc.dh = cc.dw = 1;
    cc.auto_pad = t < 3 ? "SAME_UPPER" : "SAME_LOWER";
    cc.x_signed = false;
    cc.w_signed = true;
    cc.per_channel = true;
    cc.bias = true;
    run_case(cc, 700 + t, true, true);
  }
  ConvCase cc{};
  cc.n = 2; cc.group = 1; cc.c = 3; cc.m = 9; cc.h = 1; cc.w = 20; cc.kh = 1; cc.kw = 5;
  cc.sh = 1; cc.sw = 2; cc.dh = 1; cc.dw = 2; cc.pads = {0, 2, 0, 1};
  cc.x_signed = false; cc.w_signed = false; cc.per_channel = false; cc.bias = false; cc.conv1d = true;
  run_case(cc, 800, true, true);
}

TEST(QLinearConv, ThreadedMatchesReference) {
  ThreadPoolOptions o;
  o.threads = 2;
  o.pin = false;
  ThreadPool pool(o);
  ConvCase cc{};
  cc.n = 2; cc.group = 1; cc.c = 16; cc.m = 40; cc.h = 17; cc.w = 19; cc.kh = 3; cc.kw = 3;
  cc.sh = cc.sw = 1; cc.dh = cc.dw = 1; cc.pads = {1, 1, 1, 1};
  cc.x_signed = false; cc.w_signed = true; cc.per_channel = true; cc.bias = true;
  run_case(cc, 900, true, true, &pool);
  cc.c = cc.m = cc.group = 24;
  run_case(cc, 901, true, false, &pool);
  // one small image, weights larger than X: the output channels are split across the threads
  cc.n = 1; cc.c = 16; cc.m = 250; cc.group = 1; cc.h = cc.w = 7; cc.kh = cc.kw = 1; cc.pads = {0, 0, 0, 0};
  run_case(cc, 902, true, true, &pool);
  cc.per_channel = false; cc.w_signed = false;  // uint8 weights with a non-zero zero point: pixel sums
  run_case(cc, 903, true, true, &pool);
  cc.m = 40;  // fewer output channels than pixels: the 49 pixels are split (32 + 17)
  run_case(cc, 911, true, true, &pool);
  // one image larger than the weights: more, equal pixel blocks (28x28: 8 of 96-112 pixels)
  cc.m = 12; cc.h = cc.w = 28;
  run_case(cc, 904, true, true, &pool);
  cc.c = 5; cc.m = 7; cc.h = 13; cc.w = 15; cc.kh = cc.kw = 3; cc.pads = {1, 1, 1, 1};  // 195 pixels: 96 + 99
  run_case(cc, 905, true, true, &pool);
  ThreadPoolOptions three;
  three.threads = 3;
  three.pin = false;
  ThreadPool pool3(three);
  run_case(cc, 906, true, true, &pool3);
  cc.h = cc.w = 28; cc.kh = cc.kw = 1; cc.pads = {0, 0, 0, 0};
  run_case(cc, 907, true, false, &pool3);
}

// One large image with several threads: the int8 depthwise kernel splits output rows into bands
// (56x56 and up, stride 1), each band reading the input rows it needs, padding rows included.
TEST(QLinearConv, DepthwiseRowBandsMatchReference) {
  for (int threads : {2, 3}) {
    ThreadPoolOptions o;
    o.threads = threads;
    o.pin = false;
    ThreadPool pool(o);
    ConvCase cc{};
    cc.n = 1; cc.c = cc.m = cc.group = 20; cc.h = 56; cc.w = 56; cc.kh = cc.kw = 3;
    cc.sh = cc.sw = 1; cc.dh = cc.dw = 1; cc.pads = {1, 1, 1, 1};
    cc.x_signed = false; cc.w_signed = true; cc.per_channel = true; cc.bias = true;
    run_case(cc, 920 + threads, true, true, &pool);
    cc.h = 61; cc.w = 57; cc.pads = {2, 0, 0, 1};  // uneven bands, padding only on some sides
    cc.x_signed = true; cc.per_channel = false;
    run_case(cc, 930 + threads, true, false, &pool);
    cc.h = cc.w = 64; cc.kh = cc.kw = 5; cc.pads = {2, 2, 2, 2};
    run_case(cc, 940 + threads, true, true, &pool);
  }
}

// com.microsoft QLinearConv with channels_last = 1 (NHWC x and y; the NHWC GEMM and depthwise
// kernels with AVX-512 VNNI, the NCHW path between layout changes elsewhere).
TEST(QLinearConv, ChannelsLastMatchesReference) {
  std::mt19937 rng(4321);
  for (int t = 0; t < 40; ++t) {
    ConvCase cc{};
    std::uniform_int_distribution<int> small(1, 3);
    cc.n = small(rng) == 3 ? 2 : 1;
    cc.group = std::vector<int>{1, 1, 1, 2, 3}[t % 5];
    cc.c = cc.group * std::uniform_int_distribution<int>(1, 9)(rng) * (t % 3 == 0 ? 4 : 1);
    cc.m = cc.group * std::uniform_int_distribution<int>(1, 70)(rng);
    cc.h = std::uniform_int_distribution<int>(1, 11)(rng);
    cc.w = std::uniform_int_distribution<int>(1, 13)(rng);
    cc.kh = std::min<int64_t>(small(rng), cc.h);
    cc.kw = std::min<int64_t>(small(rng), cc.w);
    if (t % 4 == 0) cc.kh = cc.kw = 1;
    cc.sh = small(rng) == 3 ? 2 : 1;
    cc.sw = small(rng) == 3 ? 2 : 1;
    cc.dh = (t % 7 == 0 && 2 * (cc.kh - 1) + 1 <= cc.h) ? 2 : 1;
    cc.dw = (t % 9 == 0 && 2 * (cc.kw - 1) + 1 <= cc.w) ? 2 : 1;
    cc.pads = {small(rng) - 1, small(rng) - 1, small(rng) - 1, small(rng) - 1};
    if (t % 4 == 0) cc.pads = {0, 0, 0, 0};
    cc.x_signed = t % 4 == 1;
    cc.w_signed = t % 3 != 0;
    cc.per_channel = t % 2 == 0;
    cc.bias = t % 3 != 2;
    cc.channels_last = true;
    run_case(cc, 1000 + t, true, t % 2 == 0);
    if (cc.c / cc.group == 1 && cc.m == cc.group) continue;  // depthwise: always NHWC x
    cc.nchw_input = true;
    run_case(cc, 1050 + t, true, t % 2 == 1);
  }
  for (int t = 0; t < 8; ++t) {  // depthwise, 16 channels and not
    ConvCase cc{};
    cc.n = 1 + t % 2;
    cc.c = cc.m = cc.group = std::vector<int>{16, 5, 32, 21}[t % 4];
    cc.h = 9 + t;
    cc.w = 7 + 2 * t;
    cc.kh = cc.kw = t == 6 ? 5 : 3;
    cc.sh = cc.sw = 1 + t % 2;
    cc.dh = cc.dw = 1;
    cc.pads = t % 4 == 3 ? std::vector<int64_t>{0, 2, 1, 0} : std::vector<int64_t>{1, 1, 1, 1};
    cc.x_signed = t % 3 == 2;
    cc.w_signed = t != 4;
    cc.per_channel = t % 2 == 1;
    cc.bias = true;
    cc.channels_last = true;
    run_case(cc, 1100 + t, true, t % 2 == 0);
  }
  ConvCase cc{};  // one-dimensional
  cc.n = 2; cc.group = 1; cc.c = 8; cc.m = 9; cc.h = 1; cc.w = 20; cc.kh = 1; cc.kw = 5;
  cc.sh = 1; cc.sw = 2; cc.dh = 1; cc.dw = 2; cc.pads = {0, 2, 0, 1};
  cc.x_signed = false; cc.w_signed = true; cc.per_channel = false; cc.bias = true; cc.conv1d = true;
  cc.channels_last = true;
  run_case(cc, 1200, true, true);
}

// The same on 2 and 3 threads: row blocks, output-channel splits of few pixels, depthwise bands
// and channel splits.
TEST(QLinearConv, ChannelsLastThreadedMatchesReference) {
  for (int threads : {2, 3}) {
    ThreadPoolOptions o;
    o.threads = threads;
    o.pin = false;
    ThreadPool pool(o);
    ConvCase cc{};
    cc.n = 1; cc.group = 1; cc.c = 24; cc.m = 144; cc.h = 28; cc.w = 28; cc.kh = cc.kw = 1;
    cc.sh = cc.sw = 1; cc.dh = cc.dw = 1; cc.pads = {0, 0, 0, 0};
    cc.x_signed = false; cc.w_signed = true; cc.per_channel = true; cc.bias = true; cc.channels_last = true;
    run_case(cc, 1300 + threads, true, true, &pool);
    cc.c = 160; cc.m = 960; cc.h = cc.w = 7;  // 49 pixels: output channels split
    run_case(cc, 1310 + threads, true, true, &pool);
    cc.per_channel = false; cc.w_signed = false;  // uint8 weights, a zero point: pixel sums
    run_case(cc, 1320 + threads, true, false, &pool);
    cc.c = 3; cc.m = 32; cc.h = cc.w = 45; cc.kh = cc.kw = 3; cc.sh = cc.sw = 2; cc.pads = {1, 1, 1, 1};  // a stem
    cc.w_signed = true;
    run_case(cc, 1330 + threads, true, true, &pool);
    cc.nchw_input = true;  // reading the NCHW input
    run_case(cc, 1335 + threads, true, true, &pool);
    cc.nchw_input = false;
    cc.c = cc.m = cc.group = 48; cc.h = cc.w = 30; cc.sh = cc.sw = 1;  // depthwise in bands
    run_case(cc, 1340 + threads, true, true, &pool);
    cc.h = cc.w = 7;  // depthwise split by channels
    cc.x_signed = true;
    run_case(cc, 1350 + threads, true, false, &pool);
  }
}

TEST(ConvInteger, MatchesScalarReference) {
  for (int t = 0; t < 10; ++t) {
    ConvCase cc{};
    cc.n = 1;
    cc.group = t % 3 == 0 ? 2 : 1;
    cc.c = 2 * cc.group;
    cc.m = 3 * cc.group;
    if (t == 4) cc.c = cc.m = cc.group = 4;  // depthwise
    cc.h = 6; cc.w = 7; cc.kh = 2; cc.kw = 3;
    cc.sh = cc.sw = 1 + t % 2; cc.dh = cc.dw = 1;
    cc.pads = {t % 2, 1, 0, t % 3 == 0 ? 1 : 0};
    cc.x_signed = t % 2 == 1; cc.w_signed = t % 3 == 1; cc.per_channel = t % 2 == 0; cc.bias = false;
    run_case(cc, 1000 + t, false, t % 2 == 0);
  }
}

TEST(QLinearConv, ErrorsAreClear) {
  Tensor x = make<uint8_t>({1, 2, 4, 4}, std::vector<uint8_t>(32, 1));
  Tensor w = make<int8_t>({3, 2, 3, 3}, std::vector<int8_t>(54, 1));
  auto base = [&]() {
    return std::vector<Tensor>{x, scalar<float>(0.1f), scalar<uint8_t>(1), w, scalar<float>(0.1f), scalar<int8_t>(0),
                               scalar<float>(0.2f), scalar<uint8_t>(3)};
  };
  {  // w_scale of the wrong length
    auto in = base();
    in[4] = make<float>({2}, {0.1f, 0.2f});
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("w_scale"), std::string::npos) << r.status().message();
  }
  {  // x zero point of the wrong type
    auto in = base();
    in[2] = scalar<int8_t>(1);
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("x_zero_point"), std::string::npos) << r.status().message();
  }
  {  // missing y_scale
    auto in = base();
    in[6] = Tensor();
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("y_scale"), std::string::npos) << r.status().message();
  }
  {  // channel mismatch
    auto in = base();
    in[3] = make<int8_t>({3, 3, 3, 3}, std::vector<int8_t>(81, 1));
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("input channels"), std::string::npos) << r.status().message();
  }
  {  // bias of the wrong length
    auto in = base();
    in.push_back(make<int32_t>({2}, {1, 2}));
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("B must be"), std::string::npos) << r.status().message();
  }
  {  // kernel larger than the padded input
    auto in = base();
    in[0] = make<uint8_t>({1, 2, 2, 2}, std::vector<uint8_t>(8, 1));
    auto r = run_op("", "QLinearConv", in);
    ASSERT_FALSE(r.is_ok());
  }
  {  // bad attribute
    Attributes a;
    a.set_ints("strides", {0, 1});
    auto r = run_op("", "QLinearConv", base(), a);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("strides"), std::string::npos);
  }
}

}  // namespace
}  // namespace coreinfer::quant_test
