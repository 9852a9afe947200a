#include "graph/ops/quant/qlinear_conv_nhwc.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"
#include "graph/ops/quant/depthwise_int8.h"
#include "graph/ops/quant/scratch.h"

namespace coreinfer::quant {
namespace {

constexpr int64_t kRowBlock = 96;  // rows per GEMM task when there are many (a multiple of the kernel's 6)

// How run_nhwc_conv_gemm splits rows x output channels into tasks: contiguous row ranges of about
// equal size when there are enough rows for every thread (the same split in consecutive
// convolutions, so a thread reads what it wrote), else output-channel splits of 16-multiples.
struct RowPartition {
  int64_t rows = 0, blocks = 1, oc_splits = 1, oc_chunk = 0;
  int64_t block_begin(int64_t b) const { return rows * b / blocks; }
};

RowPartition plan_rows(int64_t rows, int64_t mg, int64_t threads) {
  RowPartition p;
  p.rows = rows;
  p.blocks = std::max<int64_t>(1, (rows + kRowBlock - 1) / kRowBlock);
  if (threads > 1 && p.blocks >= threads) {
    p.blocks = (p.blocks + threads - 1) / threads * threads;
  } else if (threads > 1) {
    const int64_t vectors = (mg + 15) / 16;
    while (p.oc_splits < vectors && (p.blocks * p.oc_splits) % threads != 0) ++p.oc_splits;
  }
  const int64_t vectors = (mg + 15) / 16;
  p.oc_chunk = (vectors + p.oc_splits - 1) / p.oc_splits * 16;
  return p;
}

// The window of output row r (pixel `pix` of image `img`) in (kh, kw, c) order over channels
// [c0, c0 + cg), padded with the zero point's byte, then zeros up to kp.
void gather_row(const NhwcConvArgs& a, int64_t img, int64_t pix, int64_t c0, int64_t cg, int64_t kp, uint8_t* dst) {
  const Window2d& g = a.win;
  const int64_t oh = pix / g.out_w, ow = pix % g.out_w;
  const uint8_t* image = a.x + img * g.in_size() * a.channels + c0;
  uint8_t* out = dst;
  for (int64_t kh = 0; kh < g.k_h; ++kh) {
    const int64_t ih = oh * g.stride_h - g.pad_t + kh * g.dil_h;
    if (ih < 0 || ih >= g.in_h) {
      std::memset(out, a.x_zero_raw, static_cast<size_t>(g.k_w * cg));
      out += g.k_w * cg;
      continue;
    }
    const uint8_t* row = image + ih * g.in_w * a.channels;
    const int64_t iw0 = ow * g.stride_w - g.pad_l;
    if (g.dil_w == 1 && cg == a.channels && iw0 >= 0 && iw0 + g.k_w <= g.in_w) {  // the kernel row in one piece
      std::memcpy(out, row + iw0 * a.channels, static_cast<size_t>(g.k_w * cg));
      out += g.k_w * cg;
      continue;
    }
    for (int64_t kw = 0; kw < g.k_w; ++kw, out += cg) {
      const int64_t iw = iw0 + kw * g.dil_w;
      if (iw < 0 || iw >= g.in_w) std::memset(out, a.x_zero_raw, static_cast<size_t>(cg));
      else std::memcpy(out, row + iw * a.channels, static_cast<size_t>(cg));
    }
  }
  std::memset(out, 0, static_cast<size_t>(kp - (out - dst)));
}

// Rows [r0, r0 + n) from an NCHW x, in ONNX's (c, kh, kw) order, one output-row segment at a
// time: per channel and kernel row, the k_w taps of an output are adjacent input bytes (without
// dilation), copied 8 (or, for k_w <= 4, 4) at a time where the input row and the X row have
// room (the extra bytes are overwritten by the next taps). Padding reads the zero point's byte;
// K padding is zeroed.
void gather_rows_nchw(const NhwcConvArgs& a, int64_t r0, int64_t n, int64_t c0, int64_t cg, int64_t kp, uint8_t* dst) {
  const Window2d g = a.win;  // copies: the byte stores below may alias anything
  const uint8_t zero = a.x_zero_raw;
  const int64_t k_real = cg * g.kernel_size(), sw = g.stride_w, in_w = g.in_w, k_w = g.k_w, dil_w = g.dil_w;
  if (kp > k_real) std::memset(dst, 0, static_cast<size_t>(n * kp));
  for (int64_t r = 0; r < n;) {
    const int64_t img = (r0 + r) / g.out_size(), pix = (r0 + r) % g.out_size();
    const int64_t oh = pix / g.out_w, ow0 = pix % g.out_w, len = std::min(n - r, g.out_w - ow0);
    uint8_t* seg = dst + r * kp;
    // outputs [lo, hi[b]) of the segment have 4 << b input bytes from their first tap on
    int64_t lo = len, hi[2] = {len, len};
    if (g.dil_w == 1 && g.k_w <= 8) {
      lo = std::clamp<int64_t>((g.pad_l - ow0 * sw + sw - 1) / sw, 0, len);
      for (int b = 0; b < 2; ++b) {
        const int64_t last = g.in_w - (4 << b) + g.pad_l - ow0 * sw;  // i * sw <= last
        hi[b] = last < 0 ? lo : std::clamp<int64_t>(last / sw + 1, lo, len);
      }
    }
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t kh = 0; kh < g.k_h; ++kh) {
        const int64_t k0 = (c * g.k_h + kh) * g.k_w;
        uint8_t* out = seg + k0;
        const int64_t ih = oh * g.stride_h - g.pad_t + kh * g.dil_h;
        if (ih < 0 || ih >= g.in_h) {
          for (int64_t i = 0; i < len; ++i)
            for (int64_t kw = 0; kw < k_w; ++kw) out[i * kp + kw] = zero;
          continue;
        }
        const uint8_t* row = a.x + ((img * a.channels + c0 + c) * g.in_h + ih) * in_w;
        auto taps = [&, row, out](int64_t i) {
          const int64_t iw0 = (ow0 + i) * sw - g.pad_l;
          for (int64_t kw = 0; kw < k_w; ++kw) {
            const int64_t iw = iw0 + kw * dil_w;
            out[i * kp + kw] = iw >= 0 && iw < in_w ? row[iw] : zero;
          }
        };
        // the widest copy whose store stays inside this X row
        const int b = k0 + 8 <= kp ? 1 : k0 + 4 <= kp && k_w <= 4 ? 0 : -1;
        const int64_t wide_hi = b < 0 ? lo : hi[b];
        for (int64_t i = 0; i < lo; ++i) taps(i);
        if (lo < wide_hi) {
          const uint8_t* in = row + (ow0 + lo) * sw - g.pad_l;  // output lo's first tap
          if (b == 1)
            for (int64_t i = lo; i < wide_hi; ++i) std::memcpy(out + i * kp, in + (i - lo) * sw, 8);
          else
            for (int64_t i = lo; i < wide_hi; ++i) std::memcpy(out + i * kp, in + (i - lo) * sw, 4);
        }
        for (int64_t i = wide_hi; i < len; ++i) taps(i);
      }
    r += len;
  }
}

}  // namespace

void run_nhwc_conv_gemm(const OpRunContext& ctx, const NhwcConvArgs& a, NhwcGemmFn gemm) {
  const Window2d& g = a.win;
  const int64_t cg = a.channels / a.groups, mg = a.out_channels / a.groups;
  const int64_t rows = a.batch * g.out_size();
  const int64_t k_real = cg * g.kernel_size(), kp = (*a.packed)[0].k_padded;
  const bool direct = !a.x_nchw && a.groups == 1 && g.kernel_size() == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_t == 0 &&
                      g.pad_l == 0 && g.pad_b == 0 && g.pad_r == 0 && cg % 4 == 0;
  const int64_t threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
  const RowPartition part = plan_rows(rows, mg, threads);
  int64_t max_rows = 0;
  for (int64_t b = 0; b < part.blocks; ++b) max_rows = std::max(max_rows, part.block_begin(b + 1) - part.block_begin(b));
  ctx.parallel_for(part.blocks * part.oc_splits, 1, [&](int64_t begin, int64_t end) {
    const size_t xbytes = direct ? 0 : round_up_64(static_cast<size_t>(max_rows * kp));
    Scratch scratch(ctx.buffers, xbytes + static_cast<size_t>(max_rows) * sizeof(int32_t) + 64);
    uint8_t* const xg = scratch.data();
    int32_t* const pixel_sum = reinterpret_cast<int32_t*>(scratch.data() + xbytes);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t block = task / part.oc_splits, split = task % part.oc_splits;
      const int64_t r0 = part.block_begin(block), n = part.block_begin(block + 1) - r0;
      const int64_t oc0 = split * part.oc_chunk, oc1 = std::min(mg, oc0 + part.oc_chunk);
      if (n <= 0 || oc0 >= oc1) continue;
      for (int64_t grp = 0; grp < a.groups; ++grp) {
        const PackedNhwcWeights& w = (*a.packed)[grp];
        const uint8_t* xr = a.x + r0 * a.channels;
        int64_t ldx = a.channels;
        if (a.x_nchw) {
          gather_rows_nchw(a, r0, n, grp * cg, cg, kp, xg);
          xr = xg;
          ldx = kp;
        } else if (!direct) {
          for (int64_t r = 0; r < n; ++r)
            gather_row(a, (r0 + r) / g.out_size(), (r0 + r) % g.out_size(), grp * cg, cg, kp, xg + r * kp);
          xr = xg;
          ldx = kp;
        }
        if (w.any_zero_point) {
          for (int64_t r = 0; r < n; ++r) {
            int32_t s = 0;
            for (int64_t k = 0; k < k_real; ++k) s += static_cast<uint8_t>(xr[r * ldx + k] ^ a.flip);
            pixel_sum[r] = s;
          }
        }
        NhwcRequantOutput out;
        out.term = a.term + grp * mg;
        out.scale = a.scale + grp * mg;
        out.pixel_sum = w.any_zero_point ? pixel_sum : nullptr;
        out.zero_point = a.y_zero;
        out.lo = a.lo;
        out.hi = a.hi;
        out.is_signed = a.y_signed;
        out.small_scales = a.small_scales;
        out.y = a.y + r0 * a.out_channels + grp * mg;
        out.ldy = a.out_channels;
        gemm(w, oc0, oc1, xr, ldx, n, a.flip, out);
      }
    }
  });
}

#if defined(__x86_64__)
void run_nhwc_depthwise_int8(const OpRunContext& ctx, const DepthwiseInt8Plane* channels, const uint8_t* x, uint8_t* y,
                             int64_t batch, int64_t count, const Window2d& g) {
  const int64_t threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
  // Bands of output rows (each thread reads the rows the pixel-split convolution before it
  // wrote), small enough for the padded band to stay about 256 KiB; planes too short for a band
  // per thread are split by channels (16 at a time) instead.
  const int64_t pw = g.pad_l + g.in_w + g.pad_r;
  const int64_t band_rows = std::max<int64_t>(1, (256 * 1024 / (pw * 16) - g.k_h) / g.stride_h);
  int64_t bands = std::max<int64_t>(1, (g.out_h + band_rows - 1) / band_rows);
  int64_t channel_splits = 1;
  if (threads > 1) {
    if (g.out_h >= 4 * threads) bands = (bands + threads - 1) / threads * threads;
    else channel_splits = std::min<int64_t>((count + 15) / 16, threads);
  }
  const int64_t chunk = ((count + 15) / 16 + channel_splits - 1) / channel_splits * 16;
  const int64_t tasks = batch * bands * channel_splits;
  ctx.parallel_for(tasks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t img = task / (bands * channel_splits), rest = task % (bands * channel_splits);
      const int64_t band = rest / channel_splits, split = rest % channel_splits;
      const int64_t r0 = g.out_h * band / bands, r1 = g.out_h * (band + 1) / bands;
      const int64_t c0 = split * chunk, c1 = std::min(count, c0 + chunk);
      if (r0 >= r1 || c0 >= c1) continue;
      int64_t first_in = 0;
      const Window2d bg = output_rows(g, r0, r1, &first_in);
      Scratch scratch(ctx.buffers, depthwise_int8_nhwc_scratch_bytes(bg));
      const uint8_t* xb = x + (img * g.in_size() + first_in * g.in_w) * count + c0;
      uint8_t* yb = y + (img * g.out_size() + r0 * g.out_w) * count + c0;
      depthwise_int8_channels_last_avx512vnni(channels + c0, c1 - c0, xb, count, yb, count, bg, scratch.data());
    }
  });
}
#endif

void nchw_to_nhwc_u8(const uint8_t* x, int64_t n, int64_t c, int64_t pixels, uint8_t* y) {
  for (int64_t img = 0; img < n; ++img) {
    const uint8_t* xi = x + img * c * pixels;
    uint8_t* yi = y + img * c * pixels;
    for (int64_t p0 = 0; p0 < pixels; p0 += 64)  // tiles keep both sides in cache
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t p = p0; p < std::min(pixels, p0 + 64); ++p) yi[p * c + ch] = xi[ch * pixels + p];
  }
}

void nhwc_to_nchw_u8(const uint8_t* x, int64_t n, int64_t c, int64_t pixels, uint8_t* y) {
  for (int64_t img = 0; img < n; ++img) {
    const uint8_t* xi = x + img * c * pixels;
    uint8_t* yi = y + img * c * pixels;
    for (int64_t p0 = 0; p0 < pixels; p0 += 64)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t p = p0; p < std::min(pixels, p0 + 64); ++p) yi[ch * pixels + p] = xi[p * c + ch];
  }
}

}  // namespace coreinfer::quant
