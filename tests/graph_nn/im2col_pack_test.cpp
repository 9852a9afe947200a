// The im2col packers (the baseline build, and the one chosen for this CPU: AVX-512 here) against
// a direct element-by-element construction of the packed panels,
// over random 1-D/2-D/3-D windows (strides 1-3, pads, dilations), blocks that start and end
// mid-row, mid-panel and across images, and several panel widths. Packing only moves data: exact.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "graph/ops/nn/im2col.h"
#include "graph/ops/nn/window_geometry.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {
namespace {

using nn::WindowGeometry;

// Row kk, column n of the virtual im2col matrix over the batch.
float virtual_element(const std::vector<float>& x, int64_t image_stride, const WindowGeometry& g, int64_t kk,
                      int64_t n) {
  const int64_t image = n / g.out_size(), pos = n % g.out_size();
  const int64_t ow = pos % g.out[2], oh = (pos / g.out[2]) % g.out[1], od = pos / (g.out[2] * g.out[1]);
  const int64_t ks = g.kernel_size(), c = kk / ks, r = kk % ks;
  const int64_t kw = r % g.kernel[2], kh = (r / g.kernel[2]) % g.kernel[1], kd = r / (g.kernel[2] * g.kernel[1]);
  const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
  const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
  const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
  if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) return 0.0f;
  return x[image * image_stride + c * g.in_size() + (id * g.in[1] + ih) * g.in[2] + iw];
}

// Packs columns [n0, n0 + nc) x rows [k0, k0 + kc) in panels of nr and checks every value
// (zeros past nc) against the direct construction; `what` names the case in failures.
void expect_packed_block(const std::vector<float>& x, int64_t image_stride, const WindowGeometry& g, int nr,
                         int64_t k0, int64_t kc, int64_t n0, int64_t nc, const std::string& what) {
  const int64_t panels = (nc + nr - 1) / nr;
  const nn::Im2colPackFn packers[] = {nn::pack_im2col_batched, nn::select_im2col_packer(kernels::active())};
  for (const nn::Im2colPackFn pack : packers) {
    const char* which = pack == nn::pack_im2col_batched ? "baseline" : "ISA";
    std::vector<float> got(static_cast<size_t>(panels * kc * nr), 12345.0f);
    pack(x.data(), image_stride, g, nr, k0, kc, n0, nc, got.data());
    for (int64_t j = 0; j < panels * nr; ++j)
      for (int64_t p = 0; p < kc; ++p) {
        const float want = j < nc ? virtual_element(x, image_stride, g, k0 + p, n0 + j) : 0.0f;
        const float have = got[static_cast<size_t>((j / nr) * kc * nr + p * nr + j % nr)];
        ASSERT_EQ(have, want) << which << " packer, " << what << " nr " << nr << " k0 " << k0 << " kc " << kc
                              << " n0 " << n0 << " nc " << nc << " at column " << j << " row " << p;
      }
  }
}

TEST(Im2colPack, RandomWindowsAndBlocksMatchDirectConstruction) {
  std::mt19937 rng(2024);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int tested = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const int spatial = iter % 5 == 0 ? 3 : (iter % 5 == 1 ? 1 : 2);
    nn::WindowAttrs w;
    Shape in_spatial;
    for (int d = 0; d < spatial; ++d) {
      const int64_t k = uni(1, d == spatial - 1 ? 7 : 4);
      w.kernel_shape.push_back(k);
      w.strides.push_back(uni(1, 3));
      w.dilations.push_back(iter % 7 == 0 ? 2 : 1);
      // Some maps wide enough for strided runs of a whole 32-column panel.
      in_spatial.push_back(uni(1, spatial == 3 ? 6 : (iter % 3 == 0 ? 80 : 20)));
    }
    w.pads.resize(2 * spatial);
    for (int d = 0; d < spatial; ++d) {
      w.pads[d] = uni(0, w.kernel_shape[d] - 1);
      w.pads[d + spatial] = uni(0, w.kernel_shape[d] - 1);
    }
    if (iter % 4 == 3) {  // pointwise: 1x1, stride 1, no pads
      for (int d = 0; d < spatial; ++d) w.kernel_shape[d] = w.strides[d] = w.dilations[d] = 1;
      std::fill(w.pads.begin(), w.pads.end(), 0);
    }
    auto geometry = nn::resolve_window(w, in_spatial, w.kernel_shape);
    if (!geometry.is_ok()) continue;  // window larger than the padded input
    const WindowGeometry g = *geometry;
    const int64_t channels = uni(1, 5), batch = uni(1, 3);
    const int64_t image_stride = channels * g.in_size() + uni(0, 3) * g.in_size();  // a group's slice of the image
    std::vector<float> x(static_cast<size_t>(batch * image_stride));
    std::uniform_real_distribution<float> val(-1.0f, 1.0f);
    for (float& v : x) v = val(rng);
    const int64_t k_total = channels * g.kernel_size(), n_total = batch * g.out_size();
    const int nr = std::vector<int>{4, 8, 16, 32}[static_cast<size_t>(uni(0, 3))];
    const int64_t k0 = uni(0, k_total - 1), kc = uni(1, k_total - k0);
    const int64_t n0 = uni(0, n_total - 1), nc = uni(1, n_total - n0);
    expect_packed_block(x, image_stride, g, nr, k0, kc, n0, nc,
                        "iter " + std::to_string(iter) + " spatial " + std::to_string(spatial));
    if (::testing::Test::HasFatalFailure()) return;
    ++tested;
  }
  EXPECT_GT(tested, 150);
}

// "Same" windows at stride 1 (output as wide as the input: the shifted-stretch path), 1-D and
// 2-D, maps up to 60 wide, blocks from the first channel (whose shifted reads fall before the
// buffer and go run by run) to the last, across images, panels 8-32 wide.
TEST(Im2colPack, SameStrideOneWindowsMatchDirectConstruction) {
  std::mt19937 rng(77);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int tested = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const int spatial = iter % 4 == 0 ? 1 : 2;
    nn::WindowAttrs w;
    Shape in_spatial;
    w.pads.resize(2 * spatial);
    for (int d = 0; d < spatial; ++d) {
      const int64_t dil = iter % 5 == 0 ? 2 : 1, k = uni(1, 5), span = (k - 1) * dil;
      w.kernel_shape.push_back(k);
      w.strides.push_back(d == spatial - 1 || iter % 3 ? 1 : 2);  // stride 2 down the rows sometimes
      w.dilations.push_back(dil);
      in_spatial.push_back(uni(1, 60));
      w.pads[d] = uni(0, span);
      w.pads[d + spatial] = d == spatial - 1 ? span - w.pads[d] : uni(0, span);
    }
    auto geometry = nn::resolve_window(w, in_spatial, w.kernel_shape);
    if (!geometry.is_ok()) continue;
    const WindowGeometry g = *geometry;
    ASSERT_EQ(g.out[2], g.in[2]);
    const int64_t channels = uni(1, 6), batch = uni(1, 3);
    const int64_t image_stride = channels * g.in_size() + uni(0, 2) * g.in_size();
    std::vector<float> x(static_cast<size_t>(batch * image_stride));
    std::uniform_real_distribution<float> val(-1.0f, 1.0f);
    for (float& v : x) v = val(rng);
    const int64_t k_total = channels * g.kernel_size(), n_total = batch * g.out_size();
    const int nr = std::vector<int>{8, 16, 32}[static_cast<size_t>(uni(0, 2))];
    const int64_t k0 = iter % 2 ? 0 : uni(0, k_total - 1), kc = uni(1, k_total - k0);
    const int64_t n0 = uni(0, n_total - 1), nc = uni(1, n_total - n0);
    expect_packed_block(x, image_stride, g, nr, k0, kc, n0, nc, "iter " + std::to_string(iter));
    if (::testing::Test::HasFatalFailure()) return;
    ++tested;
  }
  EXPECT_GT(tested, 150);
}

}  // namespace
}  // namespace coreinfer::nntest
