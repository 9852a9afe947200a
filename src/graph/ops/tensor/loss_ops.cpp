// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (= LogSoftmax over the class axis, then
// NLL). Input [N, C] or [N, C, d1..dk], target [N] or [N, d1..dk], optional class weights [C];
// ignore_index targets contribute nothing; reduction none / sum / mean (mean divides by the
// summed weights of the counted targets).
#include <cmath>
#include <limits>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

enum class LossReduction { kNone, kSum, kMean };

struct LossParams {
  LossReduction reduction = LossReduction::kMean;
  bool has_ignore = false;
  int64_t ignore_index = 0;
};

Result<LossParams> parse_loss(const OpBuildContext& b) {
  LossParams p;
  const std::string r = b.attrs().get_string("reduction", "mean");
  if (r == "none") p.reduction = LossReduction::kNone;
  else if (r == "sum") p.reduction = LossReduction::kSum;
  else if (r == "mean") p.reduction = LossReduction::kMean;
  else return invalid_argument("unknown reduction '" + r + "' (expected none, sum or mean)");
  p.has_ignore = b.attrs().has("ignore_index");
  p.ignore_index = b.attrs().get_int("ignore_index", 0);
  return p;
}

// log_prob: [N, C, D] values (already log-probabilities); writes the loss output.
template <typename T>
Status nll(OpRunContext& ctx, const LossParams& p, const T* logp, const Tensor& target, const Tensor* weight,
           int64_t n, int64_t c, int64_t d) {
  const int64_t count = n * d;
  std::vector<double> loss(static_cast<size_t>(count)), w(static_cast<size_t>(count));
  const bool weighted = weight != nullptr || p.has_ignore;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const int64_t t = index_at(target, i * d + j);
      if (p.has_ignore && t == p.ignore_index) {
        loss[i * d + j] = 0;
        w[i * d + j] = 0;
        continue;
      }
      if (t < 0 || t >= c)
        return out_of_range("target " + std::to_string(t) + " is outside the classes [0, " + std::to_string(c) + ")");
      const double wt = weight ? static_cast<double>(weight->data<T>()[t]) : 1.0;
      w[i * d + j] = wt;
      loss[i * d + j] = -static_cast<double>(logp[(i * c + t) * d + j]) * wt;
    }
  if (p.reduction == LossReduction::kNone) {
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, elem_type_of<T>(), target.shape()));
    for (int64_t i = 0; i < count; ++i) out->data<T>()[i] = static_cast<T>(loss[i]);
    return Status::ok();
  }
  double sum = 0, wsum = 0;
  for (int64_t i = 0; i < count; ++i) {
    sum += loss[i];
    wsum += w[i];
  }
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, elem_type_of<T>(), {}));
  double v = sum;
  if (p.reduction == LossReduction::kMean) v = weighted ? sum / wsum : sum / static_cast<double>(count);
  out->data<T>()[0] = static_cast<T>(v);
  return Status::ok();
}

Status check_loss_inputs(const Tensor& x, const Tensor& target, const Tensor* weight) {
  if (x.rank() < 2) return invalid_argument("input must be [N, C, ...], got " + shape_string(x.shape()));
  CI_RETURN_IF_ERROR(check_index_type(target, "target"));
  Shape want = {x.dim(0)};
  for (int d = 2; d < x.rank(); ++d) want.push_back(x.dim(d));
  if (target.shape() != want)
    return invalid_argument("target must have shape " + shape_string(want) + ", got " + shape_string(target.shape()));
  if (weight != nullptr && (weight->type() != x.type() || weight->shape() != Shape{x.dim(1)}))
    return invalid_argument("weight must be a [" + std::to_string(x.dim(1)) + "] tensor of the input's type");
  return Status::ok();
}

template <typename T>
Status run_loss_typed(OpRunContext& ctx, const LossParams& p, bool softmax) {
  const Tensor& x = *ctx.input(0);
  const Tensor& target = *ctx.input(1);
  const Tensor* weight = ctx.input(2) != nullptr && ctx.input(2)->defined() ? ctx.input(2) : nullptr;
  const int64_t n = x.dim(0), c = x.dim(1), d = n * c == 0 ? 0 : x.numel() / (n * c);
  if (!softmax) return nll<T>(ctx, p, x.data<T>(), target, weight, n, c, d);
  Tensor logp_local;
  Tensor* logp = &logp_local;
  if (ctx.num_outputs() > 1) {
    CI_ASSIGN_OR_RETURN(logp, ctx.allocate_output(1, x.type(), x.shape()));
  } else {
    CI_ASSIGN_OR_RETURN(logp_local, Tensor::allocate(x.type(), x.shape()));
  }
  const T* xs = x.data<T>();
  T* lp = logp->data<T>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < c; ++k) mx = std::max(mx, static_cast<double>(xs[(i * c + k) * d + j]));
      double s = 0;
      for (int64_t k = 0; k < c; ++k) s += std::exp(static_cast<double>(xs[(i * c + k) * d + j]) - mx);
      const double ls = std::log(s);
      for (int64_t k = 0; k < c; ++k)
        lp[(i * c + k) * d + j] = static_cast<T>(static_cast<double>(xs[(i * c + k) * d + j]) - mx - ls);
    }
  return nll<T>(ctx, p, lp, target, weight, n, c, d);
}

OpFactory loss_factory(bool softmax) {
  return [softmax](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    CI_ASSIGN_OR_RETURN(LossParams p, parse_loss(b));
    return make_kernel([p, softmax](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, softmax ? "scores" : "input"));
      CI_ASSIGN_OR_RETURN(const Tensor* t, required_input(ctx, 1, softmax ? "labels" : "target"));
      const Tensor* w = ctx.input(2) != nullptr && ctx.input(2)->defined() ? ctx.input(2) : nullptr;
      CI_RETURN_IF_ERROR(check_loss_inputs(*x, *t, w));
      switch (x->type()) {
        case ElemType::kFloat: return run_loss_typed<float>(ctx, p, softmax);
        case ElemType::kDouble: return run_loss_typed<double>(ctx, p, softmax);
        default: return unsupported(std::string("loss of ") + elem_type_name(x->type()) + " is not supported");
      }
    });
  };
}

}  // namespace

void register_loss_ops(OpRegistry& r) {
  r.add("", "NegativeLogLikelihoodLoss", loss_factory(false));
  r.add("", "SoftmaxCrossEntropyLoss", loss_factory(true));
}

}  // namespace coreinfer::tensor_ops
