#include "graph/ops/nn/sgemm.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {
namespace {

constexpr int64_t kMaxDepth = 384;       // k per block: a kc x nr B panel stays in L1
constexpr int64_t kBlockBytes = 256 << 10;  // a packed B block (kc x nc)
constexpr int64_t kRowBlock = 240;          // rows of A (x kc) that stay in L2 across a B block
// Floats of B packed up front when shared by row blocks: at most 1.5 MB (a 7x7 layer's strided
// im2col, 1.2 MB, is worth packing once; a 2-4 MB shared B, read by every row block from L3,
// made 3x3 convs at 14x14-28x28 20-30% slower than each row block packing its own).
constexpr int64_t kMaxSharedB = 384 << 10;
// Costs for splitting C between workers, per depth step, in tenths of a tile: a tile of C
// (8 x 32 multiply-adds at 32 a cycle: 8 cycles); packing a B column tile (32 im2col values at
// 0.5-1.5 cycles each: ~3 tiles); streaming an A row panel from memory (8 weights at ~0.7 a cycle
// from DRAM on one core: ~1.4 tiles) or a prepacked B column tile (32 values: ~5.6 tiles).
constexpr int64_t kTileCost = 10, kPackCost = 30, kAStreamCost = 14, kBStreamCost = 56;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void pack_view_block(const MatrixView& b, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    float* panel = dst + (j0 / nr) * kc * nr;
    for (int64_t p = 0; p < kc; ++p) {
      float* out = panel + p * nr;
      const float* src = b.data + (k0 + p) * b.rs + (n0 + j0) * b.cs;
      if (b.cs == 1) {
        std::memcpy(out, src, static_cast<size_t>(w) * sizeof(float));
      } else {
        for (int64_t j = 0; j < w; ++j) out[j] = src[j * b.cs];
      }
      for (int64_t j = w; j < nr; ++j) out[j] = 0.0f;
    }
  }
}

// The depth block for a K: equal blocks of at most kMaxDepth.
int64_t depth_block(int64_t k) {
  const int64_t k_blocks = std::max<int64_t>(1, ceil_div(k, kMaxDepth));
  return std::max<int64_t>(1, ceil_div(k, k_blocks));
}

}  // namespace

GemmKernel select_gemm_kernel(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return gemm_kernel_avx512();
  if (table.isa == kernels::Isa::kAvx2) return gemm_kernel_avx2();
#elif defined(__aarch64__)
  if (table.isa >= kernels::Isa::kNeon && table.isa <= kernels::Isa::kSve) return gemm_kernel_neon();
#endif
  (void)table;
  return gemm_kernel_generic();
}

void pack_a_into(PackedA& p, const GemmKernel& kernel, int64_t m, int64_t k, MatrixView a, float scale,
                 const OpRunContext* ctx) {
  const int mr = kernel.mr;
  p.mr = mr;
  p.m = m;
  p.k = k;
  p.kc = depth_block(k);
  const int64_t panels = ceil_div(m, mr);
  p.data.resize(static_cast<size_t>(panels * k * mr));
  auto pack_panels = [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t rows = std::min<int64_t>(mr, m - q * mr);
      for (int64_t k0 = 0; k0 < k; k0 += p.kc) {
        float* dst = const_cast<float*>(p.block(q, k0));
        const int64_t depth = std::min(p.kc, k - k0);
        for (int64_t r = 0; r < rows; ++r) {
          const float* src = a.data + (q * mr + r) * a.rs + k0 * a.cs;
          for (int64_t i = 0; i < depth; ++i) dst[i * mr + r] = src[i * a.cs] * scale;
        }
        for (int64_t r = rows; r < mr; ++r)
          for (int64_t i = 0; i < depth; ++i) dst[i * mr + r] = 0.0f;
      }
    }
  };
  // A runtime A of a big GEMM (an MLP layer at batch 2048: 850k values) is worth splitting.
  constexpr int64_t kParallelPackValues = int64_t{1} << 16;
  if (ctx != nullptr && m * k >= kParallelPackValues) {
    ctx->parallel_for(panels, 1, pack_panels);
  } else {
    pack_panels(0, panels);
  }
}

PackedA pack_a(const GemmKernel& kernel, int64_t m, int64_t k, MatrixView a, float scale) {
  PackedA p;
  pack_a_into(p, kernel, m, k, a, scale);
  return p;
}

PackedB pack_b(const GemmKernel& kernel, int64_t k, int64_t n, MatrixView b, float scale) {
  PackedB p;
  p.nr = kernel.nr;
  p.k = k;
  p.n = n;
  p.data.resize(static_cast<size_t>(ceil_div(n, kernel.nr) * k * kernel.nr));
  if (k > 0 && n > 0) pack_view_block(b, kernel.nr, 0, k, 0, n, p.data.data());
  if (scale != 1.0f)
    for (float& v : p.data) v *= scale;
  return p;
}

void sgemm(const OpRunContext& ctx, const GemmKernel& kernel, int64_t m, int64_t n, int64_t k, const PackedA& a,
           const GemmB& b, float* c, int64_t ldc, const GemmEpilogue& epi, GemmScratch* scratch) {
  GemmScratch local;
  if (scratch == nullptr) scratch = &local;
  if (m <= 0 || n <= 0) return;
  const int mr = kernel.mr, nr = kernel.nr;
  const int threads = ctx.pool ? ctx.pool->size() : 1;

  // Depth blocks as A was packed; column blocks sized so a packed B block fits kBlockBytes.
  const int64_t kc_max = a.kc;
  const int64_t nc = std::max<int64_t>(nr, kBlockBytes / 4 / kc_max / nr * nr);
  // C's micro-tiles split into a grid of parts, one per worker, chosen so the busiest worker has
  // the least work (in tenths of a tile over the depth): its tiles; the B columns it packs (or,
  // packed beforehand, streams from memory); the A rows it streams. A narrow C (49 columns: the
  // weights of a 7x7 layer at batch 1 dominate) splits by rows, each worker streaming half of A;
  // a wide one by columns; a MatMul by prepacked weights (B) so that each worker streams half.
  const int64_t mt = ceil_div(m, mr), nt = ceil_div(n, nr);
  // (A shared B is packed by all workers together but then read whole by each, from the other
  // cores' caches: counted as if each worker packed its columns.)
  auto cost = [&](int64_t mp, int64_t np) {
    const int64_t b_cost = (b.packed ? kBStreamCost : kPackCost) * ceil_div(nt, np);
    return kTileCost * ceil_div(mt, mp) * ceil_div(nt, np) + b_cost + kAStreamCost * ceil_div(mt, mp);
  };
  int m_parts = 1, n_parts = 1;
  int64_t best = cost(1, 1);
  auto traffic = [&](int64_t mp, int64_t np) { return np * m * k + mp * n * k; };
  for (int mp = 1; mp <= threads && mp <= mt; ++mp)
    for (int np = 1; mp * np <= threads && np <= nt; ++np) {
      const int64_t c = cost(mp, np);
      const bool tie = c == best && (mp * np < m_parts * n_parts ||
                                     (mp * np == m_parts * n_parts && traffic(mp, np) < traffic(m_parts, n_parts)));
      if (c < best || tie) best = c, m_parts = mp, n_parts = np;
    }
  const int64_t part_rows = ceil_div(mt, m_parts) * mr, part_cols = ceil_div(nt, n_parts) * nr;

  // When several row blocks would each pack the same columns, pack B once for all of them.
  PackedB& shared = scratch->shared;
  GemmB bsrc = b;
  if (!b.packed && m_parts > 1 && k > 0 && ceil_div(n, nr) * nr * k <= kMaxSharedB) {
    shared.nr = nr;
    shared.k = k;
    shared.n = n;
    if (shared.data.size() < static_cast<size_t>(ceil_div(n, nr) * nr * k))
      shared.data.resize(static_cast<size_t>(ceil_div(n, nr) * nr * k));
    ctx.parallel_for(ceil_div(n, nr), 1, [&](int64_t begin, int64_t end) {
      const int64_t n0 = begin * nr, ncur = std::min(n, end * nr) - n0;
      float* dst = shared.data.data() + begin * nr * k;
      if (b.packer) {
        (*b.packer)(0, k, n0, ncur, dst);
      } else {
        pack_view_block(b.view, nr, 0, k, n0, ncur, dst);
      }
    });
    bsrc = GemmB{};
    bsrc.packed = &shared;
  }

  // C column j -> offset in a row (batched images or plain).
  const int64_t icols = epi.image_cols > 0 ? epi.image_cols : INT64_MAX;
  const int64_t istride = epi.image_stride;
  auto col_offset = [&](int64_t j) { return icols == INT64_MAX ? j : (j / icols) * istride + j % icols; };
  // Relu and Clip run in the micro-kernel unless a column bias (added after the kernel) comes first.
  const bool relu = epi.act.kind == Activation::Kind::kRelu && !epi.col_bias;
  const bool clamp = epi.act.kind == Activation::Kind::kClip && !epi.col_bias;
  const bool post_act = epi.col_bias || (epi.act.kind != Activation::Kind::kNone && !relu && !clamp);

  const int workers = m_parts * n_parts;
  if (static_cast<int>(scratch->worker.size()) < workers) scratch->worker.resize(workers);
  ctx.parallel_for(workers, 1, [&](int64_t w_begin, int64_t w_end) {
   for (int64_t wi = w_begin; wi < w_end; ++wi) {
    const int64_t row_lo = wi / n_parts * part_rows, row_hi = std::min(m, row_lo + part_rows);
    const int64_t col_lo = wi % n_parts * part_cols, col_hi = std::min(n, col_lo + part_cols);
    const GemmB& b = bsrc;
    std::vector<float>& bbuf = scratch->worker[wi];
    if (!b.packed && bbuf.size() < static_cast<size_t>(kc_max * nc))
      bbuf.resize(static_cast<size_t>(kc_max * nc));
    alignas(64) float edge[32 * 64];  // an edge tile (mr * nr <= 32 * 64)
    for (int64_t n0 = col_lo; n0 < col_hi; n0 += nc) {
      const int64_t ncur = std::min(nc, col_hi - n0);
      for (int64_t k0 = 0; k0 < std::max<int64_t>(k, 1); k0 += kc_max) {
        const int64_t kc = std::min(kc_max, k - k0);
        const bool last = k0 + kc_max >= k;
        const float* bblock = nullptr;
        int64_t bpanel_stride = kc * nr;
        if (b.packed) {
          bblock = b.packed->data.data() + (n0 / nr) * k * nr + k0 * nr;
          bpanel_stride = k * nr;
        } else if (kc > 0) {
          if (b.packer) {
            (*b.packer)(k0, kc, n0, ncur, bbuf.data());
          } else {
            pack_view_block(b.view, nr, k0, kc, n0, ncur, bbuf.data());
          }
          bblock = bbuf.data();
        }
        const bool acc = epi.accumulate || k0 > 0;
        // A B panel (kc x nr) stays in L1 while the row panels of a block of A, kept in L2,
        // stream past it.
        for (int64_t i0 = row_lo; i0 < row_hi; i0 += kRowBlock)
         for (int64_t j = 0; j < ncur; j += nr) {
          const int64_t cols = std::min<int64_t>(nr, ncur - j);
          const int64_t jg = n0 + j;  // global column
          const int64_t coff = col_offset(jg);
          const float* bpanel = bblock + (j / nr) * bpanel_stride;
          const bool contiguous = icols == INT64_MAX || jg % icols + cols <= icols;
          for (int64_t i = i0; i < std::min(row_hi, i0 + kRowBlock); i += mr) {
            const int64_t rows = std::min<int64_t>(mr, row_hi - i);
            const float* apanel = a.block(i / mr, k0);
            float* cdst = c + i * ldc + coff;
            const MicroKernelFn rows_fn = rows < mr && rows <= 4 ? kernel.few_rows[rows - 1] : nullptr;
            if ((rows == mr || rows_fn) && (cols == nr || kernel.partial_cols) && contiguous && kc > 0) {
              TileEpilogue te;
              const bool fuse = last && (epi.row_bias || epi.residual || relu || clamp);
              if (fuse) {
                te.row_bias = epi.row_bias ? epi.row_bias + i : nullptr;
                te.residual = epi.residual ? epi.residual + i * ldc + coff : nullptr;
                te.ldr = ldc;
                te.relu = relu;
                te.clamp = clamp;
                te.lo = epi.act.a;
                te.hi = epi.act.b;
              }
              te.cols = cols < nr ? static_cast<int>(cols) : 0;
              const MicroKernelFn fn = rows_fn                                          ? rows_fn
                                       : te.cols > 0 && te.cols <= kernel.narrow_cols ? kernel.narrow_fn
                                                                                      : kernel.fn;
              fn(kc, apanel, bpanel, cdst, ldc, acc, fuse || te.cols > 0 ? &te : nullptr);
              if (last && post_act) {
                for (int64_t r = 0; r < rows; ++r)
                  kernel.bias_act(cdst + r * ldc, cols, 0.0f, epi.col_bias ? epi.col_bias + jg : nullptr,
                                  relu || clamp ? Activation{} : epi.act);
              }
              continue;
            }
            if (kc > 0) {
              (rows_fn ? rows_fn : kernel.fn)(kc, apanel, bpanel, edge, nr, false, nullptr);
            } else {
              std::fill(edge, edge + mr * nr, 0.0f);
            }
            // Row by row, in runs of columns that are contiguous in C.
            for (int64_t q0 = 0; q0 < cols;) {
              const int64_t q1 = icols == INT64_MAX ? cols : std::min(cols, q0 + icols - (jg + q0) % icols);
              const int64_t off = col_offset(jg + q0);
              for (int64_t r = 0; r < rows; ++r) {
                float* out = c + (i + r) * ldc + off;
                const float* e = edge + r * nr + q0;
                const int64_t len = q1 - q0;
                if (acc) {
                  for (int64_t q = 0; q < len; ++q) out[q] += e[q];
                } else {
                  std::copy(e, e + len, out);
                }
                if (!last) continue;
                const float rb = epi.row_bias ? epi.row_bias[i + r] : 0.0f;
                if (epi.residual) {
                  const float* res = epi.residual + (i + r) * ldc + off;
                  for (int64_t q = 0; q < len; ++q) out[q] += res[q];
                }
                if (rb != 0.0f || epi.col_bias || epi.act.kind != Activation::Kind::kNone)
                  kernel.bias_act(out, len, rb, epi.col_bias ? epi.col_bias + jg + q0 : nullptr, epi.act);
              }
              q0 = q1;
            }
          }
        }
        if (k <= 0) break;
      }
    }
   }
  });
}

}  // namespace coreinfer::nn
