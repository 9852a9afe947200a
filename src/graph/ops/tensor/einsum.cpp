// Einsum, generically: each operand is first brought to one axis per distinct label (diagonals
// of repeated labels and broadcast ellipsis dims by strides), labels no one else needs are summed
// out, and operands are contracted pairwise as batched A·Bᵀ products ([batch, M, K] x [batch, N, K]),
// with the fp32 GEMM kernel for float32. The result is permuted to the output labels.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"
#include "kernels/kernel_table.h"

namespace coreinfer::tensor_ops {
namespace {

constexpr int kEllipsisBase = 1000;  // ellipsis dim k (right-aligned) is label kEllipsisBase + k

struct Term {
  std::vector<int> labels;  // letters as chars; kEllipsisMarker where "..." stands
  bool has_ellipsis = false;
};
constexpr int kEllipsisMarker = -1;

struct Equation {
  std::vector<Term> inputs;
  Term output;
  bool explicit_output = false;
};

Result<Term> parse_term(const std::string& s, const std::string& eq) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (t.has_ellipsis || s.compare(i, 3, "...") != 0)
        return invalid_argument("Einsum: bad ellipsis in equation '" + eq + "'");
      t.has_ellipsis = true;
      t.labels.push_back(kEllipsisMarker);
      i += 2;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      t.labels.push_back(c);
    } else {
      return invalid_argument(std::string("Einsum: unexpected character '") + c + "' in equation '" + eq + "'");
    }
  }
  return t;
}

Result<Equation> parse_equation(const std::string& raw) {
  std::string eq;
  for (char c : raw)
    if (c != ' ') eq += c;
  Equation e;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    CI_ASSIGN_OR_RETURN(Term t, parse_term(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start), raw));
    e.inputs.push_back(std::move(t));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (arrow != std::string::npos) {
    e.explicit_output = true;
    CI_ASSIGN_OR_RETURN(e.output, parse_term(eq.substr(arrow + 2), raw));
  }
  return e;
}

struct Labeled {
  std::vector<int> labels;  // one per axis, distinct
  Tensor t;                 // contiguous
};

template <typename T>
void sum_rows(const T* x, T* y, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += x[r * n + i];
    y[r] = s;
  }
}

Result<Labeled> permute(const OpRunContext& ctx, const Labeled& a, const std::vector<int>& order) {
  if (order == a.labels) return a;
  std::vector<int64_t> perm;
  Shape shape;
  for (int l : order) {
    const auto it = std::find(a.labels.begin(), a.labels.end(), l);
    perm.push_back(it - a.labels.begin());
    shape.push_back(a.t.dim(static_cast<int>(perm.back())));
  }
  Labeled r;
  r.labels = order;
  CI_ASSIGN_OR_RETURN(r.t, Tensor::allocate(a.t.type(), shape));
  transpose_copy(&ctx, elem_size(a.t.type()), a.t.shape(), perm, a.t.raw(), r.t.raw());
  return r;
}

// Sums out the axes whose labels are not in `keep`.
Result<Labeled> sum_out(const OpRunContext& ctx, const Labeled& a, const std::set<int>& keep) {
  std::vector<int> kept, dropped;
  for (int l : a.labels) (keep.count(l) ? kept : dropped).push_back(l);
  if (dropped.empty()) return a;
  std::vector<int> order = kept;
  order.insert(order.end(), dropped.begin(), dropped.end());
  CI_ASSIGN_OR_RETURN(Labeled p, permute(ctx, a, order));
  Shape out_shape(p.t.shape().begin(), p.t.shape().begin() + kept.size());
  int64_t n = 1;
  for (size_t d = kept.size(); d < order.size(); ++d) n *= p.t.dim(static_cast<int>(d));
  Labeled r;
  r.labels = kept;
  CI_ASSIGN_OR_RETURN(r.t, Tensor::allocate(a.t.type(), out_shape));
  const int64_t rows = r.t.numel();
  switch (a.t.type()) {
    case ElemType::kFloat: sum_rows(p.t.data<float>(), r.t.data<float>(), rows, n); break;
    case ElemType::kDouble: sum_rows(p.t.data<double>(), r.t.data<double>(), rows, n); break;
    case ElemType::kInt32: sum_rows(p.t.data<int32_t>(), r.t.data<int32_t>(), rows, n); break;
    case ElemType::kInt64: sum_rows(p.t.data<int64_t>(), r.t.data<int64_t>(), rows, n); break;
    default: return unsupported(std::string("Einsum of ") + elem_type_name(a.t.type()) + " is not supported");
  }
  return r;
}

template <typename T>
void batched_nt(const OpRunContext& ctx, const T* a, const T* b, T* c, int64_t batch, int64_t m, int64_t n, int64_t k) {
  ctx.parallel_for(batch * m, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, n * k)), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t bi = t / m;
      const T* ar = a + t * k;
      for (int64_t j = 0; j < n; ++j) {
        const T* br = b + (bi * n + j) * k;
        T s = 0;
        for (int64_t p = 0; p < k; ++p) s += ar[p] * br[p];
        c[t * n + j] = s;
      }
    }
  });
}

Result<Labeled> contract(const OpRunContext& ctx, const Labeled& a0, const Labeled& b0, const std::set<int>& needed) {
  std::set<int> in_b(b0.labels.begin(), b0.labels.end()), in_a(a0.labels.begin(), a0.labels.end());
  std::set<int> keep_a = needed, keep_b = needed;
  keep_a.insert(b0.labels.begin(), b0.labels.end());
  keep_b.insert(a0.labels.begin(), a0.labels.end());
  CI_ASSIGN_OR_RETURN(Labeled a, sum_out(ctx, a0, keep_a));
  CI_ASSIGN_OR_RETURN(Labeled b, sum_out(ctx, b0, keep_b));
  std::vector<int> batch, a_only, b_only, contracted;
  for (int l : a.labels) {
    if (in_b.count(l))
      (needed.count(l) ? batch : contracted).push_back(l);
    else
      a_only.push_back(l);
  }
  for (int l : b.labels)
    if (!in_a.count(l)) b_only.push_back(l);
  std::map<int, int64_t> size;
  for (size_t d = 0; d < a.labels.size(); ++d) size[a.labels[d]] = a.t.dim(static_cast<int>(d));
  for (size_t d = 0; d < b.labels.size(); ++d) size[b.labels[d]] = b.t.dim(static_cast<int>(d));
  auto prod = [&](const std::vector<int>& ls) {
    int64_t p = 1;
    for (int l : ls) p *= size[l];
    return p;
  };
  std::vector<int> ao = batch, bo = batch;
  ao.insert(ao.end(), a_only.begin(), a_only.end());
  ao.insert(ao.end(), contracted.begin(), contracted.end());
  bo.insert(bo.end(), b_only.begin(), b_only.end());
  bo.insert(bo.end(), contracted.begin(), contracted.end());
  CI_ASSIGN_OR_RETURN(Labeled ap, permute(ctx, a, ao));
  CI_ASSIGN_OR_RETURN(Labeled bp, permute(ctx, b, bo));
  const int64_t nb = prod(batch), m = prod(a_only), n = prod(b_only), k = prod(contracted);
  Labeled r;
  r.labels = batch;
  r.labels.insert(r.labels.end(), a_only.begin(), a_only.end());
  r.labels.insert(r.labels.end(), b_only.begin(), b_only.end());
  Shape shape;
  for (int l : r.labels) shape.push_back(size[l]);
  CI_ASSIGN_OR_RETURN(r.t, Tensor::allocate(a.t.type(), shape));
  if (r.t.numel() == 0 || k == 0) return r;
  switch (a.t.type()) {
    case ElemType::kFloat:
      if (ctx.kernels.gemm_nt_f32 != nullptr) {
        for (int64_t bi = 0; bi < nb; ++bi)
          ctx.kernels.gemm_nt_f32(n, m, k, bp.t.data<float>() + bi * n * k, k, ap.t.data<float>() + bi * m * k, k,
                                  r.t.data<float>() + bi * m * n, n);
      } else {
        batched_nt(ctx, ap.t.data<float>(), bp.t.data<float>(), r.t.data<float>(), nb, m, n, k);
      }
      break;
    case ElemType::kDouble: batched_nt(ctx, ap.t.data<double>(), bp.t.data<double>(), r.t.data<double>(), nb, m, n, k); break;
    case ElemType::kInt32: batched_nt(ctx, ap.t.data<int32_t>(), bp.t.data<int32_t>(), r.t.data<int32_t>(), nb, m, n, k); break;
    case ElemType::kInt64: batched_nt(ctx, ap.t.data<int64_t>(), bp.t.data<int64_t>(), r.t.data<int64_t>(), nb, m, n, k); break;
    default: return unsupported(std::string("Einsum of ") + elem_type_name(a.t.type()) + " is not supported");
  }
  return r;
}

Status run_einsum(OpRunContext& ctx, const Equation& eq, const std::string& text) {
  const size_t n_ops = eq.inputs.size();
  if (ctx.num_inputs() != n_ops)
    return invalid_argument("Einsum: equation '" + text + "' has " + std::to_string(n_ops) + " operands but the node has " +
                            std::to_string(ctx.num_inputs()) + " inputs");
  std::vector<const Tensor*> xs;
  for (size_t i = 0; i < n_ops; ++i) {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, i, "Inputs"));
    if (x->type() != ctx.input(0)->type()) return invalid_argument("Einsum: all inputs must have the same type");
    xs.push_back(x);
  }
  // Expand "..." into labels and find every label's size.
  int ell_rank = 0;
  std::vector<std::vector<int>> op_labels;
  for (size_t i = 0; i < n_ops; ++i) {
    const Term& t = eq.inputs[i];
    const int letters = static_cast<int>(t.labels.size()) - (t.has_ellipsis ? 1 : 0);
    const int e = xs[i]->rank() - letters;
    if (e < 0 || (!t.has_ellipsis && e != 0))
      return invalid_argument("Einsum: operand " + std::to_string(i) + " has shape " + shape_string(xs[i]->shape()) +
                              ", which does not match its term in '" + text + "'");
    ell_rank = std::max(ell_rank, t.has_ellipsis ? e : 0);
  }
  std::map<int, int64_t> size;
  for (size_t i = 0; i < n_ops; ++i) {
    const Term& t = eq.inputs[i];
    const int e = xs[i]->rank() - (static_cast<int>(t.labels.size()) - (t.has_ellipsis ? 1 : 0));
    std::vector<int> labels;
    for (int l : t.labels) {
      if (l == kEllipsisMarker) {
        for (int k = 0; k < e; ++k) labels.push_back(kEllipsisBase + ell_rank - e + k);
      } else {
        labels.push_back(l);
      }
    }
    op_labels.push_back(std::move(labels));
    for (size_t d = 0; d < op_labels[i].size(); ++d) {
      const int l = op_labels[i][d];
      const int64_t s = xs[i]->dim(static_cast<int>(d));
      auto it = size.find(l);
      if (it == size.end() || it->second == 1) {
        size[l] = s;
      } else if (s != it->second && s != 1) {
        return invalid_argument("Einsum: label sizes disagree (" + std::to_string(it->second) + " vs " + std::to_string(s) +
                                ") in operand " + std::to_string(i) + " of '" + text + "'");
      }
    }
  }
  std::vector<int> out_labels;
  if (eq.explicit_output) {
    for (int l : eq.output.labels) {
      if (l == kEllipsisMarker) {
        for (int k = 0; k < ell_rank; ++k) out_labels.push_back(kEllipsisBase + k);
      } else {
        if (!size.count(l))
          return invalid_argument(std::string("Einsum: output label '") + static_cast<char>(l) + "' is in no input");
        out_labels.push_back(l);
      }
    }
  } else {
    for (int k = 0; k < ell_rank; ++k) out_labels.push_back(kEllipsisBase + k);
    std::map<int, int> count;
    for (const Term& t : eq.inputs)
      for (int l : t.labels)
        if (l != kEllipsisMarker) ++count[l];
    for (const auto& [l, c] : count)
      if (c == 1) out_labels.push_back(l);
  }
  // Materialise each operand with distinct labels (diagonals and broadcasts by strides).
  std::vector<Labeled> ops(n_ops);
  for (size_t i = 0; i < n_ops; ++i) {
    const std::vector<int64_t> st = contiguous_strides(xs[i]->shape());
    std::vector<int> uniq;
    std::vector<int64_t> strides;
    for (size_t d = 0; d < op_labels[i].size(); ++d) {
      const int l = op_labels[i][d];
      const int64_t s = xs[i]->dim(static_cast<int>(d)) == 1 && size[l] != 1 ? 0 : st[d];
      auto it = std::find(uniq.begin(), uniq.end(), l);
      if (it == uniq.end()) {
        uniq.push_back(l);
        strides.push_back(s);
      } else {
        strides[it - uniq.begin()] += s;
      }
    }
    Shape shape;
    for (int l : uniq) shape.push_back(size[l]);
    ops[i].labels = uniq;
    CI_ASSIGN_OR_RETURN(ops[i].t, Tensor::allocate(xs[i]->type(), shape));
    if (ops[i].t.numel() > 0)
      strided_copy(&ctx, elem_size(xs[i]->type()), shape, xs[i]->raw(), strides, ops[i].t.raw(), contiguous_strides(shape));
  }
  // Contract left to right; labels still needed = output plus later operands.
  Labeled acc = ops[0];
  for (size_t i = 1; i < n_ops; ++i) {
    std::set<int> needed(out_labels.begin(), out_labels.end());
    for (size_t j = i + 1; j < n_ops; ++j) needed.insert(ops[j].labels.begin(), ops[j].labels.end());
    CI_ASSIGN_OR_RETURN(acc, contract(ctx, acc, ops[i], needed));
  }
  CI_ASSIGN_OR_RETURN(acc, sum_out(ctx, acc, std::set<int>(out_labels.begin(), out_labels.end())));
  for (int l : out_labels)
    if (std::find(acc.labels.begin(), acc.labels.end(), l) == acc.labels.end())
      return invalid_argument("Einsum: output label repeated or unknown in '" + text + "'");
  if (acc.labels.size() != out_labels.size())
    return invalid_argument("Einsum: output labels of '" + text + "' are repeated");
  CI_ASSIGN_OR_RETURN(acc, permute(ctx, acc, out_labels));
  ctx.outputs[0] = acc.t;
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_einsum(const OpBuildContext& b) {
  const std::string text = b.attrs().get_string("equation", "");
  if (text.empty()) return invalid_argument("Einsum needs the attribute 'equation'");
  CI_ASSIGN_OR_RETURN(Equation eq, parse_equation(text));
  return make_kernel([eq, text](OpRunContext& ctx) { return run_einsum(ctx, eq, text); });
}

}  // namespace

void register_einsum_ops(OpRegistry& r) { r.add("", "Einsum", make_einsum); }

}  // namespace coreinfer::tensor_ops
