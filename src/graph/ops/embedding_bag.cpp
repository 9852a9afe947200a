#include "graph/ops/embedding_bag.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "kernels/kernel_table.h"

namespace coreinfer {

namespace {

class EmbeddingBagKernel final : public OpKernel {
 public:
  EmbeddingBagKernel(bool mean, bool keepdims, EmbeddingBagSumsFn sums)
      : mean_(mean), keepdims_(keepdims), sums_(sums) {}

  Status run(OpRunContext& ctx) override {
    const Tensor* table = ctx.input(0);
    const Tensor* ids = ctx.input(1);
    if (table == nullptr || ids == nullptr) return invalid_argument("EmbeddingBag needs a table and ids");
    if (table->type() != ElemType::kFloat) return invalid_argument("the embedding table must be float32");
    if (table->rank() < 1) return invalid_argument("the embedding table must have rank >= 1");
    if (ids->type() != ElemType::kInt64 && ids->type() != ElemType::kInt32)
      return invalid_argument(std::string("ids must be int32 or int64, got ") + elem_type_name(ids->type()));
    if (ids->rank() < 1) return invalid_argument("ids must have rank >= 1 (the bag axis is the last)");
    EmbeddingBagSums s;
    s.table = table->data<float>();
    s.rows = table->dim(0);
    s.width = table->numel() / std::max<int64_t>(s.rows, 1);
    s.ids = ids->raw();
    s.ids_int64 = ids->type() == ElemType::kInt64;
    s.bag = ids->dim(-1);
    s.scale = mean_ && s.bag > 0 ? 1.0f / static_cast<float>(s.bag) : 1.0f;
    Shape out_shape(ids->shape().begin(), ids->shape().end() - 1);
    int64_t bags = 1;
    for (int64_t d : out_shape) bags *= d;
    if (keepdims_) out_shape.push_back(1);
    out_shape.insert(out_shape.end(), table->shape().begin() + 1, table->shape().end());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, ElemType::kFloat, out_shape));
    s.out = out->data<float>();
    // Chunks of ~16K summed floats: both threads stream, and tiny inputs run inline.
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.bag * s.width));
    std::atomic<int64_t> first_bad{std::numeric_limits<int64_t>::max()};
    ctx.parallel_for(bags, grain, [&](int64_t b0, int64_t b1) {
      const int64_t bad = sums_(s, b0, b1);
      if (bad < 0) return;
      int64_t seen = first_bad.load();
      while (bad < seen && !first_bad.compare_exchange_weak(seen, bad)) {
      }
    });
    const int64_t bad = first_bad.load();
    if (bad == std::numeric_limits<int64_t>::max()) return Status::ok();
    std::memset(s.out, 0, sizeof(float) * static_cast<size_t>(out->numel()));  // no partial sums left behind
    const int64_t id = s.ids_int64 ? static_cast<const int64_t*>(s.ids)[bad] : static_cast<const int32_t*>(s.ids)[bad];
    return out_of_range("id " + std::to_string(id) + " at position " + std::to_string(bad) +
                        " is outside the table's " + std::to_string(s.rows) + " rows");
  }

 private:
  bool mean_, keepdims_;
  EmbeddingBagSumsFn sums_;
};

EmbeddingBagSumsFn select_sums(const kernels::KernelTable& k) {
#if defined(__x86_64__)
  if (kernels::has_avx512(k.isa)) return embedding_bag_sums_avx512;
#endif
  (void)k;
  return embedding_bag_sums_generic;
}

}  // namespace

void register_embedding_bag(OpRegistry& r) {
  r.add(kCoreinferOpDomain, "EmbeddingBag", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const std::string mode = ctx.attrs().get_string("mode", "sum");
    if (mode != "sum" && mode != "mean") return invalid_argument("EmbeddingBag mode must be sum or mean");
    return std::unique_ptr<OpKernel>(
        new EmbeddingBagKernel(mode == "mean", ctx.attrs().get_int("keepdims", 0) != 0, select_sums(ctx.kernels)));
  });
}

}  // namespace coreinfer
