#include "graph/ops/embedding_bag.h"

#include <cstring>

namespace coreinfer {

namespace {

class EmbeddingBagKernel final : public OpKernel {
 public:
  EmbeddingBagKernel(bool mean, bool keepdims) : mean_(mean), keepdims_(keepdims) {}

  Status run(OpRunContext& ctx) override {
    const Tensor* table = ctx.input(0);
    const Tensor* ids = ctx.input(1);
    if (table == nullptr || ids == nullptr) return invalid_argument("EmbeddingBag needs a table and ids");
    if (table->type() != ElemType::kFloat) return invalid_argument("the embedding table must be float32");
    if (table->rank() < 1) return invalid_argument("the embedding table must have rank >= 1");
    if (ids->type() != ElemType::kInt64 && ids->type() != ElemType::kInt32)
      return invalid_argument(std::string("ids must be int32 or int64, got ") + elem_type_name(ids->type()));
    if (ids->rank() < 1) return invalid_argument("ids must have rank >= 1 (the bag axis is the last)");
    const int64_t rows = table->dim(0);
    const int64_t width = table->numel() / std::max<int64_t>(rows, 1);
    const int64_t bag = ids->dim(-1);
    const int64_t bags = bag == 0 ? 0 : ids->numel() / bag;
    Shape out_shape(ids->shape().begin(), ids->shape().end() - 1);
    if (keepdims_) out_shape.push_back(1);
    out_shape.insert(out_shape.end(), table->shape().begin() + 1, table->shape().end());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ElemType::kFloat, out_shape));
    const float* t = table->data<float>();
    float* y = out->data<float>();
    const bool i64 = ids->type() == ElemType::kInt64;
    const void* idp = ids->raw();
    auto id_at = [&](int64_t i) { return i64 ? static_cast<const int64_t*>(idp)[i] : static_cast<const int32_t*>(idp)[i]; };
    // Validate first so the parallel loop cannot fail half-way.
    for (int64_t i = 0; i < ids->numel(); ++i) {
      const int64_t id = id_at(i);
      if (id < -rows || id >= rows)
        return out_of_range("id " + std::to_string(id) + " at position " + std::to_string(i) +
                            " is outside the table's " + std::to_string(rows) + " rows");
    }
    const float scale = mean_ && bag > 0 ? 1.0f / static_cast<float>(bag) : 1.0f;
    ctx.parallel_for(bags, 16, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        float* acc = y + b * width;
        std::memset(acc, 0, sizeof(float) * width);
        for (int64_t k = 0; k < bag; ++k) {
          if (k + 4 < bag) {
            int64_t next = id_at(b * bag + k + 4);
            __builtin_prefetch(t + (next < 0 ? next + rows : next) * width);
          }
          int64_t id = id_at(b * bag + k);
          if (id < 0) id += rows;
          const float* row = t + id * width;
          for (int64_t d = 0; d < width; ++d) acc[d] += row[d];
        }
        if (scale != 1.0f)
          for (int64_t d = 0; d < width; ++d) acc[d] *= scale;
      }
    });
    return Status::ok();
  }

 private:
  bool mean_, keepdims_;
};

}  // namespace

void register_embedding_bag(OpRegistry& r) {
  r.add(kCoreinferOpDomain, "EmbeddingBag", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const std::string mode = ctx.attrs().get_string("mode", "sum");
    if (mode != "sum" && mode != "mean") return invalid_argument("EmbeddingBag mode must be sum or mean");
    return std::unique_ptr<OpKernel>(new EmbeddingBagKernel(mode == "mean", ctx.attrs().get_int("keepdims", 0) != 0));
  });
}

}  // namespace coreinfer
