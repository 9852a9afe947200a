#include "graph/ops/tensor/tensor_common.h"

#include <algorithm>
#include <cstring>

#include "core/half.h"
#include "graph/ops/tensor/tile_transpose.h"

namespace coreinfer::tensor_ops {

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

Result<const Tensor*> required_input(const OpRunContext& ctx, size_t i, const char* what) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr || !t->defined())
    return invalid_argument("input " + std::to_string(i) + " ('" + what + "') is required");
  return t;
}

bool is_index_type(ElemType t) { return t == ElemType::kInt32 || t == ElemType::kInt64; }

Status check_index_type(const Tensor& t, const char* what) {
  if (!is_index_type(t.type()))
    return invalid_argument(std::string("'") + what + "' must be int32 or int64, got " + elem_type_name(t.type()));
  return Status::ok();
}

Result<std::vector<int64_t>> index_values(const Tensor& t, const char* what) {
  CI_RETURN_IF_ERROR(check_index_type(t, what));
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = index_at(t, i);
  return v;
}

Result<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 1)), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank || rank == 0)
      return invalid_argument("axis " + std::to_string(a) + " is out of range [" + std::to_string(-rank) + ", " +
                              std::to_string(rank - 1) + "] for a rank-" + std::to_string(rank) + " tensor");
    const int64_t n = a < 0 ? a + rank : a;
    if (seen[n]) return invalid_argument("axis " + std::to_string(a) + " is repeated in " + join_ints(axes));
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

std::string join_ints(const std::vector<int64_t>& v) { return shape_string(v); }

namespace {

template <typename T>
void copy_run_typed(const std::byte* src, int64_t ss, std::byte* dst, int64_t ds, int64_t n) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  if (ds == 1) {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i * ss];
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

// One innermost run of n elements.
void copy_run(size_t es, const std::byte* src, int64_t ss, std::byte* dst, int64_t ds, int64_t n) {
  if (ss == 1 && ds == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * es);
    return;
  }
  switch (es) {
    case 1: copy_run_typed<uint8_t>(src, ss, dst, ds, n); return;
    case 2: copy_run_typed<uint16_t>(src, ss, dst, ds, n); return;
    case 4: copy_run_typed<uint32_t>(src, ss, dst, ds, n); return;
    case 8: copy_run_typed<uint64_t>(src, ss, dst, ds, n); return;
    default:
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * ds * es, src + i * ss * es, es);
  }
}

// A transpose-like copy: the destination is contiguous along the last dim, the source along
// dim k. Copied in square tiles so both sides stay in cache. Tiles run in the order
// (outer index, block of k, block of last); the source lines of the tile kPrefetchTiles ahead
// are prefetched, since a tile's source is one short line per column, a pattern the hardware
// prefetchers do not follow (3x slower from DRAM without).
void tiled_copy(const OpRunContext* ctx, size_t es, const Shape& shape, const std::byte* src,
                const std::vector<int64_t>& ss, std::byte* dst, const std::vector<int64_t>& ds, int k) {
  const int rank = static_cast<int>(shape.size());
  const int last = rank - 1;
  const int64_t kTile = transpose_tile_edge(es);
  constexpr int kPrefetchTiles = 4;
  std::vector<int> outer_dims;
  for (int d = 0; d < last; ++d)
    if (d != k) outer_dims.push_back(d);
  int64_t outer = 1;
  for (int d : outer_dims) outer *= shape[d];
  const int64_t kblocks = (shape[k] + kTile - 1) / kTile;
  const int64_t bblocks = (shape[last] + kTile - 1) / kTile;
  const int64_t ies = static_cast<int64_t>(es);
  // Element offsets of tile (task, 0) in source and destination.
  auto task_offsets = [&](int64_t task, int64_t& so, int64_t& dof) {
    int64_t r = task / kblocks;
    const int64_t a0 = (task % kblocks) * kTile;
    so = a0;
    dof = a0 * ds[k];
    for (int i = static_cast<int>(outer_dims.size()) - 1; i >= 0; --i) {
      const int d = outer_dims[i];
      const int64_t idx = r % shape[d];
      r /= shape[d];
      so += idx * ss[d];
      dof += idx * ds[d];
    }
  };
  auto body = [&](int64_t begin, int64_t end) {
    // The prefetch cursor: tile (pf_task, pf_b) with its task's source offset.
    int64_t pf_task = begin, pf_b = 0, pf_so = 0, unused = 0;
    task_offsets(pf_task, pf_so, unused);
    auto advance_prefetch = [&] {
      if (pf_task >= end) return;
      const int64_t a0 = (pf_task % kblocks) * kTile, na = std::min(kTile, shape[k] - a0);
      const int64_t b0 = pf_b * kTile, nb = std::min(kTile, shape[last] - b0);
      for (int64_t b = b0; b < b0 + nb; ++b) {
        const std::byte* p = src + (pf_so + b * ss[last]) * ies;
        __builtin_prefetch(p);
        __builtin_prefetch(p + na * ies - 1);
      }
      if (++pf_b == bblocks) {
        pf_b = 0;
        if (++pf_task < end) task_offsets(pf_task, pf_so, unused);
      }
    };
    for (int i = 0; i < kPrefetchTiles; ++i) advance_prefetch();
    for (int64_t task = begin; task < end; ++task) {
      int64_t so = 0, dof = 0;
      task_offsets(task, so, dof);
      const int64_t na = std::min(kTile, shape[k] - (task % kblocks) * kTile);
      for (int64_t b0 = 0; b0 < shape[last]; b0 += kTile) {
        advance_prefetch();
        const int64_t nb = std::min(kTile, shape[last] - b0);
        transpose_tile(es, src + (so + b0 * ss[last]) * ies, ss[last], dst + (dof + b0) * ies, ds[k], na, nb);
      }
    }
  };
  const int64_t tasks = outer * kblocks;
  if (ctx != nullptr && shape_numel(shape) * ies > (int64_t{1} << 18))
    ctx->parallel_for(tasks, 1, body);
  else
    body(0, tasks);
}

template <typename T>
void gather_row_typed(const std::byte* in, const int64_t* map, std::byte* out, int64_t n, const std::byte* fill) {
  const T* s = reinterpret_cast<const T*>(in);
  T* d = reinterpret_cast<T*>(out);
  T f;
  std::memcpy(&f, fill, sizeof(T));
  for (int64_t j = 0; j < n; ++j) d[j] = map[j] >= 0 ? s[map[j]] : f;
}

// out[j] = in[map[j]] (fill where map[j] < 0), for 1/2/4/8-byte elements.
void gather_row(size_t es, const std::byte* in, const int64_t* map, std::byte* out, int64_t n, const std::byte* fill) {
  switch (es) {
    case 1: gather_row_typed<uint8_t>(in, map, out, n, fill); return;
    case 2: gather_row_typed<uint16_t>(in, map, out, n, fill); return;
    case 4: gather_row_typed<uint32_t>(in, map, out, n, fill); return;
    default: gather_row_typed<uint64_t>(in, map, out, n, fill); return;
  }
}

}  // namespace

void strided_copy(const OpRunContext* ctx, size_t es, const Shape& shape_in, const void* src_v,
                  std::vector<int64_t> ss_in, void* dst_v, std::vector<int64_t> ds_in) {
  // Drop unit dims, then merge dims that are contiguous in both source and destination.
  Shape shape;
  std::vector<int64_t> ss, ds;
  for (size_t d = 0; d < shape_in.size(); ++d) {
    if (shape_in[d] == 0) return;
    if (shape_in[d] == 1) continue;
    if (!shape.empty() && ss.back() == ss_in[d] * shape_in[d] && ds.back() == ds_in[d] * shape_in[d]) {
      shape.back() *= shape_in[d];
      ss.back() = ss_in[d];
      ds.back() = ds_in[d];
      continue;
    }
    shape.push_back(shape_in[d]);
    ss.push_back(ss_in[d]);
    ds.push_back(ds_in[d]);
  }
  const auto* src = static_cast<const std::byte*>(src_v);
  auto* dst = static_cast<std::byte*>(dst_v);
  const int64_t ies = static_cast<int64_t>(es);
  if (shape.empty()) {
    std::memcpy(dst, src, es);
    return;
  }
  const int rank = static_cast<int>(shape.size());
  if (rank >= 2 && ds[rank - 1] == 1 && ss[rank - 1] != 1 && shape[rank - 1] >= 2 && es <= 8) {
    for (int k = rank - 2; k >= 0; --k)
      if (ss[k] == 1 && ds[k] != 0 && shape[k] >= 4) {
        tiled_copy(ctx, es, shape, src, ss, dst, ds, k);
        return;
      }
  }
  const int64_t inner = shape[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d) rows *= shape[d];
  auto body = [&](int64_t begin, int64_t end) {
    std::vector<int64_t> idx(rank, 0);
    int64_t so = 0, dof = 0;
    int64_t r = begin;
    for (int d = rank - 2; d >= 0; --d) {
      idx[d] = r % shape[d];
      r /= shape[d];
      so += idx[d] * ss[d];
      dof += idx[d] * ds[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      copy_run(es, src + so * ies, ss[rank - 1], dst + dof * ies, ds[rank - 1], inner);
      for (int d = rank - 2; d >= 0; --d) {
        ++idx[d];
        so += ss[d];
        dof += ds[d];
        if (idx[d] < shape[d]) break;
        so -= ss[d] * shape[d];
        dof -= ds[d] * shape[d];
        idx[d] = 0;
      }
    }
  };
  const int64_t total_bytes = rows * inner * ies;
  if (ctx != nullptr && total_bytes > (int64_t{1} << 18) && rows > 1) {
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, inner * ies));
    ctx->parallel_for(rows, grain, body);
  } else {
    body(0, rows);
  }
}

namespace {

// Calls fn(part, row, offset in the part's row, bytes, offset in joined) for every piece of the
// joined bytes [begin, end).
template <typename Fn>
void for_each_piece(const std::vector<int64_t>& prefix, int64_t begin, int64_t end, Fn&& fn) {
  const int64_t joined_row = prefix.back();
  int64_t o = begin / joined_row, r = begin % joined_row;
  size_t p = 0;
  for (int64_t pos = begin; pos < end;) {
    while (r >= prefix[p + 1]) ++p;  // also skips empty parts
    const int64_t len = std::min(prefix[p + 1] - r, end - pos);
    fn(p, o, r - prefix[p], len, pos);
    pos += len;
    r += len;
    if (r == joined_row) {
      r = 0;
      p = 0;
      ++o;
    }
  }
}

// Runs body(begin_byte, end_byte) over [0, total) in cache-line-aligned pieces on ctx's threads.
template <typename Body>
void parallel_bytes(const OpRunContext* ctx, int64_t total, Body&& body) {
  constexpr int64_t kLine = 64, kMinLinesPerTask = int64_t{1} << 12;  // 256 KiB
  const int64_t lines = (total + kLine - 1) / kLine;
  auto run = [&](int64_t l0, int64_t l1) { body(l0 * kLine, std::min(total, l1 * kLine)); };
  if (ctx == nullptr || lines <= kMinLinesPerTask)
    run(0, lines);
  else
    ctx->parallel_for(lines, kMinLinesPerTask, run);
}

constexpr int64_t kAheadRows = 4;

void prefetch_lines(const std::byte* p, int64_t bytes) {
  for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(p + b);
}

template <typename PartT>
std::vector<int64_t> part_prefix(std::span<const PartT> parts) {
  std::vector<int64_t> prefix(parts.size() + 1, 0);
  for (size_t p = 0; p < parts.size(); ++p) prefix[p + 1] = prefix[p] + parts[p].row_bytes;
  return prefix;
}

}  // namespace

void concat_rows(const OpRunContext* ctx, int64_t outer, std::span<const ConstRowPart> parts, std::byte* joined) {
  const std::vector<int64_t> prefix = part_prefix(parts);
  if (outer <= 0 || prefix.back() == 0) return;
  parallel_bytes(ctx, outer * prefix.back(), [&](int64_t begin, int64_t end) {
    for_each_piece(prefix, begin, end, [&](size_t p, int64_t o, int64_t off, int64_t len, int64_t at) {
      const std::byte* from = parts[p].data + o * parts[p].row_bytes + off;
      // Many parts are many short streams, more than the hardware prefetchers track: fetch the
      // start of this part's piece kAheadRows rows on.
      if (o + kAheadRows < outer) prefetch_lines(from + kAheadRows * parts[p].row_bytes, std::min<int64_t>(len, 512));
      std::memcpy(joined + at, from, static_cast<size_t>(len));
    });
  });
}

void split_rows(const OpRunContext* ctx, int64_t outer, const std::byte* joined, std::span<const RowPart> parts) {
  const std::vector<int64_t> prefix = part_prefix(parts);
  if (outer <= 0 || prefix.back() == 0) return;
  parallel_bytes(ctx, outer * prefix.back(), [&](int64_t begin, int64_t end) {
    for_each_piece(prefix, begin, end, [&](size_t p, int64_t o, int64_t off, int64_t len, int64_t at) {
      std::memcpy(parts[p].data + o * parts[p].row_bytes + off, joined + at, static_cast<size_t>(len));
    });
  });
}

void transpose_copy(const OpRunContext* ctx, size_t es, const Shape& in_shape, const std::vector<int64_t>& perm,
                    const void* src, void* dst) {
  const std::vector<int64_t> in_strides = contiguous_strides(in_shape);
  Shape out_shape(perm.size());
  std::vector<int64_t> ss(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    out_shape[d] = in_shape[perm[d]];
    ss[d] = in_strides[perm[d]];
  }
  strided_copy(ctx, es, out_shape, src, ss, dst, contiguous_strides(out_shape));
}

void fill_pattern(void* dst_v, int64_t n, size_t es, const void* value) {
  auto* dst = static_cast<std::byte*>(dst_v);
  if (n <= 0) return;
  if (value == nullptr) {
    std::memset(dst, 0, static_cast<size_t>(n) * es);
    return;
  }
  const auto* v = static_cast<const std::byte*>(value);
  bool zero = true;
  for (size_t i = 0; i < es; ++i) zero = zero && v[i] == std::byte{0};
  if (zero) {
    std::memset(dst, 0, static_cast<size_t>(n) * es);
    return;
  }
  std::memcpy(dst, v, es);
  // Doubling copies: log(n) memcpy calls.
  int64_t done = 1;
  while (done < n) {
    const int64_t c = std::min(done, n - done);
    std::memcpy(dst + done * es, dst, static_cast<size_t>(c) * es);
    done += c;
  }
}

void gather_by_dim_maps(const OpRunContext* ctx, size_t es, const Shape& in_shape,
                        const std::vector<std::vector<int64_t>>& maps, const void* src_v, void* dst_v,
                        const void* fill) {
  const int rank = static_cast<int>(in_shape.size());
  const auto* src = static_cast<const std::byte*>(src_v);
  auto* dst = static_cast<std::byte*>(dst_v);
  if (rank == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  Shape out_shape(rank);
  for (int d = 0; d < rank; ++d) out_shape[d] = static_cast<int64_t>(maps[d].size());
  const int64_t total = shape_numel(out_shape);
  if (total <= 0) return;
  const std::vector<int64_t> in_strides = contiguous_strides(in_shape);
  const int64_t inner = out_shape[rank - 1];
  const int64_t rows = total / inner;
  const std::vector<int64_t>& inner_map = maps[rank - 1];
  const int64_t ies = static_cast<int64_t>(es);
  std::vector<std::byte> zero(es, std::byte{0});
  const std::byte* fill_bytes = fill ? static_cast<const std::byte*>(fill) : zero.data();
  // The inner map is the same for every row: split it once into runs of consecutive sources
  // (memcpy each) when runs are long, else gather element by element.
  struct Run {
    int64_t at, len, src;  // src < 0: fill
  };
  std::vector<Run> runs;
  for (int64_t j = 0; j < inner;) {
    const int64_t m = inner_map[j];
    int64_t k = j + 1;
    if (m < 0) {
      while (k < inner && inner_map[k] < 0) ++k;
    } else {
      while (k < inner && inner_map[k] == m + (k - j)) ++k;
    }
    runs.push_back({j, k - j, m});
    j = k;
  }
  const bool use_runs = static_cast<int64_t>(runs.size()) * 8 <= inner || es > 8 || (es & (es - 1)) != 0;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      int64_t r = row, off = 0;
      bool outside = false;
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t i = r % out_shape[d];
        r /= out_shape[d];
        const int64_t m = maps[d][i];
        if (m < 0) outside = true;
        off += m * in_strides[d];
      }
      std::byte* out = dst + row * inner * ies;
      if (outside) {
        fill_pattern(out, inner, es, fill_bytes);
        continue;
      }
      const std::byte* in = src + off * ies;
      if (use_runs) {
        for (const Run& run : runs) {
          if (run.src < 0)
            fill_pattern(out + run.at * ies, run.len, es, fill_bytes);
          else
            std::memcpy(out + run.at * ies, in + run.src * ies, static_cast<size_t>(run.len) * es);
        }
      } else {
        gather_row(es, in, inner_map.data(), out, inner, fill_bytes);
      }
    }
  };
  if (ctx != nullptr && total * ies > (int64_t{1} << 18) && rows > 1)
    ctx->parallel_for(rows, std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, inner * ies)), body);
  else
    body(0, rows);
}

Result<std::vector<std::byte>> scalar_bytes(ElemType type, double v) {
  std::vector<std::byte> b(elem_size(type));
  auto put = [&](auto x) { std::memcpy(b.data(), &x, sizeof x); };
  switch (type) {
    case ElemType::kFloat: put(static_cast<float>(v)); break;
    case ElemType::kDouble: put(v); break;
    case ElemType::kInt8: put(static_cast<int8_t>(v)); break;
    case ElemType::kUint8: put(static_cast<uint8_t>(v)); break;
    case ElemType::kInt16: put(static_cast<int16_t>(v)); break;
    case ElemType::kUint16: put(static_cast<uint16_t>(v)); break;
    case ElemType::kInt32: put(static_cast<int32_t>(v)); break;
    case ElemType::kUint32: put(static_cast<uint32_t>(v)); break;
    case ElemType::kInt64: put(static_cast<int64_t>(v)); break;
    case ElemType::kUint64: put(static_cast<uint64_t>(v)); break;
    case ElemType::kBool: put(static_cast<uint8_t>(v != 0)); break;
    case ElemType::kFloat16: put(float_to_fp16(static_cast<float>(v))); break;
    case ElemType::kBFloat16: put(float_to_bf16(static_cast<float>(v))); break;
    default: return unsupported(std::string("values of type ") + elem_type_name(type) + " are not supported");
  }
  return b;
}

}  // namespace coreinfer::tensor_ops
