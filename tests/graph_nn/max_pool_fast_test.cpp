// The 1-D/2-D MaxPool fast path (taken when Indices is not requested) against a scalar
// reference and against the generic path (taken when Indices is requested), bit for bit:
// max is exact, and NaN / -inf / signed zeros must be picked exactly as the generic path picks them
// (a later tap wins only when strictly greater than the running max).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "nn_test_util.h"

namespace coreinfer::nntest {
namespace {

struct Pool2dCase {
  int64_t n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr;
  bool ceil_mode;
};

int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, bool ceil_mode) {
  const int64_t span = in + p0 + p1 - k;
  if (!ceil_mode) return span / s + 1;
  int64_t o = (span + s - 1) / s + 1;
  if ((o - 1) * s >= in + p0) --o;
  return o;
}

// Scalar reference: taps in row-major order, the first tap inside the input seeds the max.
std::vector<float> ref_max_pool(const Tensor& x, const Pool2dCase& c, int64_t oh_n, int64_t ow_n) {
  std::vector<float> y;
  const float* xd = x.data<float>();
  for (int64_t p = 0; p < c.n * c.c; ++p)
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        float best = -std::numeric_limits<float>::infinity();
        bool any = false;
        for (int64_t i = 0; i < c.kh; ++i)
          for (int64_t j = 0; j < c.kw; ++j) {
            const int64_t ih = oh * c.sh - c.pt + i, iw = ow * c.sw - c.pl + j;
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            const float v = xd[(p * c.h + ih) * c.w + iw];
            if (!any || v > best) best = v;
            any = true;
          }
        y.push_back(best);
      }
  return y;
}

bool same_bits(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

void check_case(const Pool2dCase& c, uint32_t seed, bool specials) {
  std::mt19937 rng(seed);
  Tensor x = random_tensor({c.n, c.c, c.h, c.w}, rng);
  if (specials) {
    // Sprinkle NaN, -inf, +inf and signed zeros (ties between -0 and +0 expose tap order).
    const float pick[] = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::infinity(), 0.0f, -0.0f, -0.0f, 0.0f};
    std::uniform_int_distribution<int> which(0, 6), roll(0, 9);
    float* xd = x.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i)
      if (roll(rng) < 4) xd[i] = pick[which(rng)];
  }
  const std::string what = "x " + shape_string(x.shape()) + " k " + std::to_string(c.kh) + "x" + std::to_string(c.kw) +
                           " s " + std::to_string(c.sh) + "," + std::to_string(c.sw) + " pads " + std::to_string(c.pt) +
                           "," + std::to_string(c.pl) + "," + std::to_string(c.pb) + "," + std::to_string(c.pr) +
                           (c.ceil_mode ? " ceil" : "") + (specials ? " specials" : "");
  // The fast path with this CPU's kernels and with the baseline build (scalar table), then the
  // generic path.
  std::vector<Tensor> results;
  for (auto [outputs, isa] : {std::pair<size_t, const char*>{1, ""}, {1, "scalar"}, {2, ""}}) {
    OpCall call;
    call.op = "MaxPool";
    call.isa = isa;
    call.inputs = {x};
    call.outputs = outputs;
    call.attrs.set_ints("kernel_shape", {c.kh, c.kw});
    call.attrs.set_ints("strides", {c.sh, c.sw});
    call.attrs.set_ints("pads", {c.pt, c.pl, c.pb, c.pr});
    call.attrs.set_int("ceil_mode", c.ceil_mode);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << what << ": " << out.status().to_string();
    results.push_back((*out)[0]);
  }
  const int64_t oh_n = out_dim(c.h, c.kh, c.sh, c.pt, c.pb, c.ceil_mode);
  const int64_t ow_n = out_dim(c.w, c.kw, c.sw, c.pl, c.pr, c.ceil_mode);
  ASSERT_EQ(results[0].shape(), (Shape{c.n, c.c, oh_n, ow_n})) << what;
  ASSERT_EQ(results[1].shape(), results[0].shape()) << what;
  ASSERT_EQ(results[2].shape(), results[0].shape()) << what;
  const std::vector<float> ref = ref_max_pool(x, c, oh_n, ow_n);
  const float* fast = results[0].data<float>();
  const float* baseline = results[1].data<float>();
  const float* generic = results[2].data<float>();
  for (int64_t i = 0; i < results[0].numel(); ++i) {
    ASSERT_TRUE(same_bits(fast[i], ref[i])) << what << " at " << i << ": fast " << fast[i] << " ref " << ref[i];
    ASSERT_TRUE(same_bits(baseline[i], ref[i])) << what << " at " << i << ": baseline fast path " << baseline[i]
                                                << " ref " << ref[i];
    ASSERT_TRUE(same_bits(fast[i], generic[i])) << what << " at " << i << ": fast " << fast[i] << " generic "
                                                << generic[i];
  }
}

TEST(MaxPoolFast, ResNetStemShape) {
  check_case({2, 3, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, false}, 1, false);
  check_case({1, 2, 17, 19, 3, 3, 2, 2, 1, 1, 1, 1, false}, 2, true);
}

TEST(MaxPoolFast, RandomShapesMatchReferenceAndGenericPath) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int64_t> size(1, 23), kern(1, 5), stride(1, 3), coin(0, 1);
  int tested = 0;
  for (int iter = 0; iter < 400; ++iter) {
    Pool2dCase c{};
    c.n = 1 + coin(rng);
    c.c = 1 + coin(rng) * 2;
    c.h = size(rng);
    c.w = iter % 4 == 0 ? 3 * size(rng) : size(rng);  // rows wide enough for whole vectors of strided outputs
    c.kh = kern(rng);
    c.kw = kern(rng);
    c.sh = stride(rng);
    c.sw = stride(rng);
    std::uniform_int_distribution<int64_t> pad_h(0, c.kh - 1), pad_w(0, c.kw - 1);
    c.pt = pad_h(rng);
    c.pb = pad_h(rng);
    c.pl = pad_w(rng);
    c.pr = pad_w(rng);
    c.ceil_mode = coin(rng) != 0;
    if (c.h + c.pt + c.pb < c.kh || c.w + c.pl + c.pr < c.kw) continue;  // window larger than the padded input
    check_case(c, static_cast<uint32_t>(iter), iter % 2 == 1);
    if (HasFatalFailure()) return;
    ++tested;
  }
  EXPECT_GT(tested, 200);
}

TEST(MaxPoolFast, OneDimensional) {
  // [N, C, W] runs through the same fast path as a 1 x W plane; compare with the generic path.
  std::mt19937 rng(7);
  Tensor x = random_tensor({2, 3, 29}, rng);
  x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
  std::vector<Tensor> results;
  for (size_t outputs : {1, 2}) {
    OpCall call;
    call.op = "MaxPool";
    call.inputs = {x};
    call.outputs = outputs;
    call.attrs.set_ints("kernel_shape", {4});
    call.attrs.set_ints("strides", {3});
    call.attrs.set_ints("pads", {2, 3});
    call.attrs.set_int("ceil_mode", 1);
    auto out = run_op(call);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    results.push_back((*out)[0]);
  }
  ASSERT_EQ(results[0].shape(), results[1].shape());
  for (int64_t i = 0; i < results[0].numel(); ++i)
    EXPECT_TRUE(same_bits(results[0].data<float>()[i], results[1].data<float>()[i])) << i;
}

}  // namespace
}  // namespace coreinfer::nntest
