// Index-driven reads, by element size: Gather, GatherElements, GatherND; and NonZero, OneHot.
#include <algorithm>
#include <cstring>

#include "core/half.h"
#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

// Index i of `indices` normalised against `dim` (negative counts from the end), or an error.
Result<int64_t> checked_index(const Tensor& indices, int64_t i, int64_t dim, const char* what) {
  int64_t v = index_at(indices, i);
  const int64_t orig = v;
  if (v < 0) v += dim;
  if (v < 0 || v >= dim)
    return out_of_range(std::string(what) + " " + std::to_string(orig) + " is out of range [" +
                        std::to_string(-dim) + ", " + std::to_string(dim - 1) + "]");
  return v;
}

// Indices of a constant 'indices' input, read once at build; range-checked per run in O(1)
// against the data's axis through their extremes.
struct ConstantIndices {
  std::vector<int64_t> values;
  int64_t min = 0, max = -1;
};

ConstantIndices read_constant_indices(const Tensor& t) {
  ConstantIndices c;
  c.values.resize(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) c.values[i] = index_at(t, i);
  if (!c.values.empty()) {
    const auto [lo, hi] = std::minmax_element(c.values.begin(), c.values.end());
    c.min = *lo;
    c.max = *hi;
  }
  return c;
}

// Entries [begin, end) of out[o, j] = data[o, rows[j]] for one-element chunks: [outer, dim] -> [outer, n].
template <typename T>
void gather_elements_typed(const std::byte* src, std::byte* dst, const int64_t* rows, int64_t n, int64_t dim,
                           int64_t begin, int64_t end) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (int64_t t = begin; t < end;) {
    const int64_t o = t / n, j0 = t % n, j1 = std::min(n, j0 + (end - t));
    const T* row = s + o * dim;
    for (int64_t j = j0; j < j1; ++j) d[o * n + j] = row[rows[j]];
    t += j1 - j0;
  }
}

void gather_chunks(const OpRunContext& ctx, const std::byte* src, std::byte* dst, const int64_t* rows, int64_t n,
                   int64_t outer, int64_t dim, size_t chunk) {
  const int64_t total = outer * n;
  const int64_t bytes = total * static_cast<int64_t>(chunk);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / static_cast<int64_t>(chunk));
  // One element per (o, j): a typed loop.
  if (chunk == 1 || chunk == 2 || chunk == 4 || chunk == 8) {
    auto body = [&](int64_t b, int64_t e) {
      switch (chunk) {
        case 1: gather_elements_typed<uint8_t>(src, dst, rows, n, dim, b, e); return;
        case 2: gather_elements_typed<uint16_t>(src, dst, rows, n, dim, b, e); return;
        case 4: gather_elements_typed<uint32_t>(src, dst, rows, n, dim, b, e); return;
        default: gather_elements_typed<uint64_t>(src, dst, rows, n, dim, b, e); return;
      }
    };
    if (bytes < (int64_t{1} << 16)) body(0, total);
    else ctx.parallel_for(total, grain, body);
    return;
  }
  // Whole rows: memcpy each, prefetching the rows a few steps ahead (random rows of a big
  // embedding table miss every cache level; the prefetches overlap those misses).
  constexpr int64_t kAhead = 16;
  const int64_t prefetch_lines = std::min<int64_t>(static_cast<int64_t>(chunk + 63) / 64, 8);
  auto body = [&](int64_t begin, int64_t end) {
    int64_t o = begin / n, j = begin % n;
    int64_t po = o, pj = j;  // the prefetch cursor, kAhead entries in front
    for (int64_t k = 0; k < kAhead && begin + k < end; ++k) {
      if (++pj == n) { pj = 0; ++po; }
    }
    for (int64_t t = begin; t < end; ++t) {
      if (t + kAhead < end) {
        const char* p = reinterpret_cast<const char*>(src + (po * dim + rows[pj]) * static_cast<int64_t>(chunk));
        for (int64_t l = 0; l < prefetch_lines; ++l) __builtin_prefetch(p + l * 64);
        if (++pj == n) { pj = 0; ++po; }
      }
      std::memcpy(dst + t * static_cast<int64_t>(chunk), src + (o * dim + rows[j]) * static_cast<int64_t>(chunk), chunk);
      if (++j == n) { j = 0; ++o; }
    }
  };
  if (bytes < (int64_t{1} << 16)) body(0, total);
  else ctx.parallel_for(total, grain, body);
}

class GatherKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& b) {
    auto k = std::unique_ptr<GatherKernel>(new GatherKernel());
    k->axis_attr_ = b.attrs().get_int("axis", 0);
    if (const Tensor* idx = b.constant(1); idx != nullptr && idx->defined()) {
      CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
      k->constant_ = read_constant_indices(*idx);
      k->has_constant_ = true;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 1, "indices"));
    CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
    if (x->rank() == 0) return invalid_argument("Gather: 'data' must have rank >= 1");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr_, x->rank()));
    const int64_t dim = x->dim(static_cast<int>(axis));
    const int64_t n_idx = idx->numel();
    std::vector<int64_t> normalized;
    const int64_t* rows = nullptr;
    if (has_constant_ && static_cast<int64_t>(constant_.values.size()) == n_idx && constant_.min >= 0 &&
        constant_.max < dim) {
      rows = constant_.values.data();  // checked in O(1), used as they are
    } else {
      normalized.resize(static_cast<size_t>(n_idx));
      for (int64_t i = 0; i < n_idx; ++i) {
        CI_ASSIGN_OR_RETURN(normalized[i], checked_index(*idx, i, dim, "Gather: index"));
      }
      rows = normalized.data();
    }
    Shape out_shape(x->shape().begin(), x->shape().begin() + axis);
    out_shape.insert(out_shape.end(), idx->shape().begin(), idx->shape().end());
    out_shape.insert(out_shape.end(), x->shape().begin() + axis + 1, x->shape().end());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, x->type(), out_shape));
    if (out->numel() == 0) return Status::ok();
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < x->rank(); ++d) {
      if (d < axis) outer *= x->dim(d);
      if (d > axis) inner *= x->dim(d);
    }
    gather_chunks(ctx, static_cast<const std::byte*>(x->raw()), static_cast<std::byte*>(out->raw()), rows, n_idx, outer,
                  dim, static_cast<size_t>(inner) * elem_size(x->type()));
    return Status::ok();
  }

 private:
  GatherKernel() = default;
  int64_t axis_attr_ = 0;
  bool has_constant_ = false;
  ConstantIndices constant_;
};

Result<std::unique_ptr<OpKernel>> make_gather_elements(const OpBuildContext& b) {
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  return make_kernel([axis_attr](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 1, "indices"));
    CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
    const int r = x->rank();
    if (r == 0 || idx->rank() != r)
      return invalid_argument("GatherElements: 'indices' " + shape_string(idx->shape()) +
                              " must have the rank of 'data' " + shape_string(x->shape()) + " (>= 1)");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, r));
    for (int d = 0; d < r; ++d)
      if (d != axis && idx->dim(d) > x->dim(d))
        return invalid_argument("GatherElements: 'indices' " + shape_string(idx->shape()) + " exceeds 'data' " +
                                shape_string(x->shape()) + " on axis " + std::to_string(d));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), idx->shape()));
    const size_t es = elem_size(x->type());
    const std::vector<int64_t> xs = contiguous_strides(x->shape());
    const auto* src = static_cast<const std::byte*>(x->raw());
    auto* dst = static_cast<std::byte*>(out->raw());
    std::vector<int64_t> pos(r, 0);
    const int64_t dim = x->dim(static_cast<int>(axis));
    for (int64_t i = 0; i < idx->numel(); ++i) {
      CI_ASSIGN_OR_RETURN(int64_t k, checked_index(*idx, i, dim, "GatherElements: index"));
      int64_t off = 0;
      for (int d = 0; d < r; ++d) off += (d == axis ? k : pos[d]) * xs[d];
      std::memcpy(dst + i * es, src + off * es, es);
      for (int d = r - 1; d >= 0; --d) {
        if (++pos[d] < idx->dim(d)) break;
        pos[d] = 0;
      }
    }
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_gather_nd(const OpBuildContext& b) {
  const int64_t batch_dims = b.attrs().get_int("batch_dims", 0);
  return make_kernel([batch_dims](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 1, "indices"));
    CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
    const int64_t r = x->rank(), q = idx->rank(), bd = batch_dims;
    if (r < 1 || q < 1 || bd < 0 || bd >= std::min(r, q))
      return invalid_argument("GatherND: need rank(data) >= 1, rank(indices) >= 1 and batch_dims < both; got data " +
                              shape_string(x->shape()) + ", indices " + shape_string(idx->shape()) +
                              ", batch_dims " + std::to_string(bd));
    const int64_t k = idx->dim(-1);
    if (k > r - bd)
      return invalid_argument("GatherND: the last dimension of 'indices' " + shape_string(idx->shape()) +
                              " exceeds the rank of 'data' " + shape_string(x->shape()) + " minus batch_dims");
    int64_t batch = 1;
    for (int64_t d = 0; d < bd; ++d) {
      if (x->dim(static_cast<int>(d)) != idx->dim(static_cast<int>(d)))
        return invalid_argument("GatherND: batch dimensions of 'data' " + shape_string(x->shape()) + " and 'indices' " +
                                shape_string(idx->shape()) + " differ");
      batch *= x->dim(static_cast<int>(d));
    }
    Shape out_shape(idx->shape().begin(), idx->shape().end() - 1);
    out_shape.insert(out_shape.end(), x->shape().begin() + bd + k, x->shape().end());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
    int64_t inner = 1;
    for (int64_t d = bd + k; d < r; ++d) inner *= x->dim(static_cast<int>(d));
    int64_t per_batch_tuples = 1;
    for (int64_t d = bd; d < q - 1; ++d) per_batch_tuples *= idx->dim(static_cast<int>(d));
    const std::vector<int64_t> xs = contiguous_strides(x->shape());
    const int64_t batch_stride = bd > 0 ? xs[bd - 1] : 0;
    const size_t chunk = static_cast<size_t>(inner) * elem_size(x->type());
    const auto* src = static_cast<const std::byte*>(x->raw());
    auto* dst = static_cast<std::byte*>(out->raw());
    for (int64_t bi = 0; bi < batch; ++bi) {
      for (int64_t t = 0; t < per_batch_tuples; ++t) {
        const int64_t tuple = bi * per_batch_tuples + t;
        int64_t off = bi * batch_stride;
        for (int64_t j = 0; j < k; ++j) {
          CI_ASSIGN_OR_RETURN(int64_t v, checked_index(*idx, tuple * k + j, x->dim(static_cast<int>(bd + j)),
                                                       "GatherND: index"));
          off += v * xs[bd + j];
        }
        if (chunk > 0) std::memcpy(dst + tuple * chunk, src + off * static_cast<int64_t>(elem_size(x->type())), chunk);
      }
    }
    return Status::ok();
  });
}

bool element_nonzero(const std::byte* p, ElemType type) {
  switch (type) {
    case ElemType::kFloat: { float v; std::memcpy(&v, p, 4); return v != 0.0f; }
    case ElemType::kDouble: { double v; std::memcpy(&v, p, 8); return v != 0.0; }
    case ElemType::kFloat16: case ElemType::kBFloat16: {
      uint16_t v; std::memcpy(&v, p, 2); return (v & 0x7fff) != 0;
    }
    default: {
      const size_t es = elem_size(type);
      for (size_t i = 0; i < es; ++i)
        if (p[i] != std::byte{0}) return true;
      return false;
    }
  }
}

Result<std::unique_ptr<OpKernel>> make_nonzero(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    const size_t es = elem_size(x->type());
    const auto* src = static_cast<const std::byte*>(x->raw());
    std::vector<int64_t> hits;
    for (int64_t i = 0; i < x->numel(); ++i)
      if (element_nonzero(src + i * es, x->type())) hits.push_back(i);
    const int r = x->rank();
    const int64_t nnz = static_cast<int64_t>(hits.size());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ElemType::kInt64, {r, nnz}));
    const std::vector<int64_t> xs = contiguous_strides(x->shape());
    int64_t* o = out->data<int64_t>();
    for (int64_t j = 0; j < nnz; ++j) {
      int64_t rem = hits[j];
      for (int d = 0; d < r; ++d) {
        o[d * nnz + j] = rem / xs[d];
        rem %= xs[d];
      }
    }
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_one_hot(const OpBuildContext& b) {
  const int64_t axis_attr = b.attrs().get_int("axis", -1);
  return make_kernel([axis_attr](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 0, "indices"));
    CI_ASSIGN_OR_RETURN(const Tensor* depth_t, required_input(ctx, 1, "depth"));
    CI_ASSIGN_OR_RETURN(const Tensor* values, required_input(ctx, 2, "values"));
    if (depth_t->numel() != 1) return invalid_argument("OneHot: 'depth' must hold one value");
    if (values->numel() != 2) return invalid_argument("OneHot: 'values' must hold [off_value, on_value]");
    CI_ASSIGN_OR_RETURN(std::vector<double> dv, depth_t->to_double_vector());
    CI_ASSIGN_OR_RETURN(std::vector<double> iv, idx->to_double_vector());
    const int64_t depth = static_cast<int64_t>(dv[0]);
    if (depth < 1) return invalid_argument("OneHot: 'depth' must be >= 1, got " + std::to_string(depth));
    const int64_t out_rank = idx->rank() + 1;
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, out_rank));
    Shape out_shape = idx->shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, values->type(), out_shape));
    const size_t es = elem_size(values->type());
    const auto* vals = static_cast<const std::byte*>(values->raw());
    auto* dst = static_cast<std::byte*>(out->raw());
    fill_pattern(dst, out->numel(), es, vals);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < idx->rank(); ++d) (d < axis ? outer : inner) *= idx->dim(static_cast<int>(d));
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t k = static_cast<int64_t>(iv[o * inner + i]);
        if (k < 0) k += depth;
        if (k < 0 || k >= depth) continue;
        std::memcpy(dst + ((o * depth + k) * inner + i) * es, vals + es, es);
      }
    return Status::ok();
  });
}

}  // namespace

void register_gather_ops(OpRegistry& r) {
  r.add("", "Gather", GatherKernel::create);
  r.add("", "GatherElements", make_gather_elements);
  r.add("", "GatherND", make_gather_nd);
  r.add("", "NonZero", make_nonzero);
  r.add("", "OneHot", make_one_hot);
}

}  // namespace coreinfer::tensor_ops
