#include "llm/llama_model.h"

#include <cmath>
#include <cstring>

#include "kernels/quant/int8_rows.h"
#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/norm.h"

namespace coreinfer::llm {

Result<std::unique_ptr<LlamaModel>> LlamaModel::load(std::unique_ptr<gguf::GgufFile> file,
                                                     const kernels::KernelTable& kernels, WeightPlacement placement,
                                                     ActivationPath activations) {
  std::unique_ptr<LlamaModel> m(new LlamaModel());
  CI_ASSIGN_OR_RETURN(m->config_, ModelConfig::from_gguf(*file));
  m->file_ = std::move(file);
  CI_RETURN_IF_ERROR(m->load_weights(kernels));
  m->choose_layouts(kernels, placement, activations);
  if (placement == WeightPlacement::kHugePages) CI_RETURN_IF_ERROR(m->copy_weights_to_huge_pages(kernels));
  return m;
}

// The layout each matrix multiplied by gets. Repacking needs the copy into huge pages; the token
// embedding (rows are read, not multiplied) and an output head sharing its bytes keep the GGUF
// bytes, so they can only take a path that reads the GGUF layout as it is.
void LlamaModel::choose_layouts(const kernels::KernelTable& kernels, WeightPlacement placement,
                                ActivationPath activations) {
  const bool can_repack_output = output_.data != token_embd_.data && placement == WeightPlacement::kHugePages;
  auto choose = [&](ops::WeightMatrix& w, bool can_repack) {
    const kernels::WeightKernels* wk = kernels.weight(w.type);
    if (wk == nullptr) return;
    if (activations == ActivationPath::kInt8 && wk->has_int8_path() &&
        (can_repack || wk->int8_repack_row == nullptr)) {
      w.layout = ops::WeightLayout::kInt8;
    } else if (can_repack && wk->has_packed_layout() && wk->packed_dot_multi != nullptr) {
      w.layout = ops::WeightLayout::kPacked;
    }
  };
  choose(output_, can_repack_output);
  for (Layer& l : layers_)
    for (ops::WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      choose(*w, placement == WeightPlacement::kHugePages);
}

bool LlamaModel::uses_int8_path() const {
  if (output_.layout == ops::WeightLayout::kInt8) return true;
  for (const Layer& l : layers_)
    for (const ops::WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      if (w->layout == ops::WeightLayout::kInt8) return true;
  return false;
}

// Copies the weights into huge-page memory, repacking each matrix into the layout
// choose_layouts gave it (same size, see kernels/quant/packed.h and int8_path.h).
Status LlamaModel::copy_weights_to_huge_pages(const kernels::KernelTable& kernels) {
  std::vector<ops::WeightMatrix*> matrices = {&token_embd_};
  if (output_.data != token_embd_.data) matrices.push_back(&output_);
  for (Layer& l : layers_) {
    for (ops::WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) matrices.push_back(w);
  }
  constexpr size_t kAlign = 64;
  size_t total = 0;
  for (const ops::WeightMatrix* w : matrices) total += (w->row_stride() * w->rows + kAlign - 1) / kAlign * kAlign;
  auto memory = HugePageBuffer::allocate(total);
  if (!memory.is_ok()) return out_of_range("not enough memory to load the weights: " + memory.status().message());
  weight_memory_ = std::move(memory).value();
  size_t offset = 0;
  const uint8_t* old_embd = token_embd_.data;
  for (ops::WeightMatrix* w : matrices) {
    const size_t bytes = w->row_stride() * w->rows;
    uint8_t* dst = weight_memory_.data() + offset;
    const kernels::WeightKernels* wk = kernels.weight(w->type);
    const kernels::RepackRowFn repack = wk != nullptr && w->layout == ops::WeightLayout::kPacked ? wk->repack_row : nullptr;
    if (w->layout == ops::WeightLayout::kInt8) {
      kernels::int8_repack_rows(*wk, w->data, w->row_stride(), dst, w->rows, w->cols);
    } else if (repack != nullptr) {
      for (int64_t r = 0; r < w->rows; ++r) repack(w->row(r), dst + r * w->row_stride(), w->cols);
    } else {
      std::memcpy(dst, w->data, bytes);
    }
    w->data = dst;
    offset += (bytes + kAlign - 1) / kAlign * kAlign;
  }
  if (output_.data == old_embd) output_.data = token_embd_.data;  // tied
  return Status::ok();
}

Result<ops::WeightMatrix> LlamaModel::matrix(const std::string& name, int64_t rows, int64_t cols,
                                             const kernels::KernelTable& kernels) const {
  const gguf::TensorInfo* t = file_->find_tensor(name);
  if (t == nullptr) return corrupt(file_->path() + ": tensor '" + name + "' is missing");
  if (t->shape.size() != 2 || t->shape[0] != cols || t->shape[1] != rows) {
    std::string have;
    for (int64_t d : t->shape) have += (have.empty() ? "" : " x ") + std::to_string(d);
    return corrupt(file_->path() + ": tensor '" + name + "' has shape [" + have + "], expected [" +
                   std::to_string(cols) + " x " + std::to_string(rows) + "]");
  }
  if (kernels.weight(t->type) == nullptr) {
    return unsupported(file_->path() + ": tensor '" + name + "' has type " + std::string(dtype_name(t->type)) +
                       ", which coreinfer cannot compute with yet");
  }
  return ops::WeightMatrix{t->type, rows, cols, t->data};
}

Result<std::vector<float>> LlamaModel::vector_f32(const std::string& name, int64_t n) const {
  const gguf::TensorInfo* t = file_->find_tensor(name);
  if (t == nullptr) return corrupt(file_->path() + ": tensor '" + name + "' is missing");
  if (t->element_count() != n || t->shape[0] != n) {
    return corrupt(file_->path() + ": tensor '" + name + "' has " + std::to_string(t->element_count()) +
                   " elements, expected " + std::to_string(n));
  }
  std::vector<float> out(static_cast<size_t>(n));
  if (t->type == DType::kF32) {
    std::memcpy(out.data(), t->data, out.size() * sizeof(float));
    return out;
  }
  const kernels::WeightKernels* wk = kernels::active().weight(t->type);
  if (wk == nullptr) return unsupported(file_->path() + ": tensor '" + name + "' has an unsupported type");
  wk->dequant_row(t->data, out.data(), n);
  return out;
}

Status LlamaModel::load_weights(const kernels::KernelTable& kernels) {
  const ModelConfig& c = config_;
  CI_ASSIGN_OR_RETURN(token_embd_, matrix("token_embd.weight", c.vocab_size, c.dim, kernels));
  CI_ASSIGN_OR_RETURN(output_norm_, vector_f32("output_norm.weight", c.dim));
  if (file_->find_tensor("output.weight") != nullptr) {
    CI_ASSIGN_OR_RETURN(output_, matrix("output.weight", c.vocab_size, c.dim, kernels));
  } else {
    output_ = token_embd_;  // tied embeddings
  }
  layers_.resize(static_cast<size_t>(c.n_layers));
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Layer& l = layers_[static_cast<size_t>(i)];
    CI_ASSIGN_OR_RETURN(l.attn_norm, vector_f32(p + "attn_norm.weight", c.dim));
    CI_ASSIGN_OR_RETURN(l.ffn_norm, vector_f32(p + "ffn_norm.weight", c.dim));
    CI_ASSIGN_OR_RETURN(l.wq, matrix(p + "attn_q.weight", c.q_dim(), c.dim, kernels));
    CI_ASSIGN_OR_RETURN(l.wk, matrix(p + "attn_k.weight", c.kv_dim(), c.dim, kernels));
    CI_ASSIGN_OR_RETURN(l.wv, matrix(p + "attn_v.weight", c.kv_dim(), c.dim, kernels));
    CI_ASSIGN_OR_RETURN(l.wo, matrix(p + "attn_output.weight", c.dim, c.q_dim(), kernels));
    CI_ASSIGN_OR_RETURN(l.w_gate, matrix(p + "ffn_gate.weight", c.ffn_dim, c.dim, kernels));
    CI_ASSIGN_OR_RETURN(l.w_up, matrix(p + "ffn_up.weight", c.ffn_dim, c.dim, kernels));
    CI_ASSIGN_OR_RETURN(l.w_down, matrix(p + "ffn_down.weight", c.dim, c.ffn_dim, kernels));
  }
  std::vector<float> freq_factors;
  if (file_->find_tensor("rope_freqs.weight") != nullptr) {
    CI_ASSIGN_OR_RETURN(freq_factors, vector_f32("rope_freqs.weight", c.rope_dims / 2));
  }
  rope_ = ops::RopeTable::make(c.rope_dims, c.rope_freq_base, c.rope_freq_scale,
                               freq_factors.empty() ? nullptr : freq_factors.data());
  return Status::ok();
}

int64_t LlamaModel::parameter_count() const {
  int64_t n = 0;
  for (const gguf::TensorInfo& t : file_->tensors()) n += t.element_count();
  return n;
}

void LlamaModel::embed(ops::OpContext& ctx, std::span<const BatchToken> batch, float* x) const {
  const auto dequant = ctx.k().weights[static_cast<uint32_t>(token_embd_.type)].dequant_row;
  for (size_t i = 0; i < batch.size(); ++i) dequant(token_embd_.row(batch[i].token), x + i * config_.dim, config_.dim);
}

namespace {
void resize(std::vector<float>& v, int64_t n) {
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
}
}  // namespace

Status LlamaModel::forward(ops::OpContext& ctx, std::span<const BatchToken> batch, KvCache& cache,
                           ForwardBuffers& b, float* logits) const {
  const ModelConfig& c = config_;
  const int64_t n = static_cast<int64_t>(batch.size());
  if (n == 0) return Status::ok();
  for (const BatchToken& t : batch) {
    if (t.token < 0 || t.token >= c.vocab_size) {
      return invalid_argument("token id " + std::to_string(t.token) + " is outside the vocabulary (0.." +
                              std::to_string(c.vocab_size - 1) + ")");
    }
    if (t.pos < 0 || t.pos >= cache.n_ctx()) {
      return out_of_range("position " + std::to_string(t.pos) + " is outside the context of " +
                          std::to_string(cache.n_ctx()) + " tokens");
    }
    if (t.slot < 0 || t.slot >= cache.n_slots()) return internal_error("KV-cache slot out of range");
  }
  // Blocks for positions not yet covered come from the cache's pool (a no-op when the caller
  // reserved them, as the server's scheduler does).
  for (const BatchToken& t : batch) CI_RETURN_IF_ERROR(cache.reserve(t.slot, t.pos + 1));
  resize(b.x, n * c.dim);
  resize(b.xn, n * c.dim);
  resize(b.q, n * c.q_dim());
  resize(b.k, n * c.kv_dim());
  resize(b.v, n * c.kv_dim());
  resize(b.attn, n * c.q_dim());
  resize(b.gate, n * c.ffn_dim);
  resize(b.up, n * c.ffn_dim);
  b.positions.resize(static_cast<size_t>(n));
  b.views.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) b.positions[static_cast<size_t>(i)] = batch[static_cast<size_t>(i)].pos;

  const auto& k = ctx.k();
  float* x = b.x.data();
  float* xn = b.xn.data();
  embed(ctx, batch, x);

  const ops::AttentionShape shape{c.n_heads, c.n_kv_heads, c.head_dim, c.sliding_window};
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  for (int64_t li = 0; li < c.n_layers; ++li) {
    const Layer& l = layers_[static_cast<size_t>(li)];
    ops::rmsnorm_rows(ctx, x, l.attn_norm.data(), xn, n, c.dim, c.rms_eps);
    ops::matmul(ctx, l.wq, xn, n, b.q.data());
    ops::matmul(ctx, l.wk, xn, n, b.k.data());
    ops::matmul(ctx, l.wv, xn, n, b.v.data());
    ops::rope_rows(ctx, rope_, b.q.data(), n, c.n_heads, c.head_dim, b.positions.data());
    ops::rope_rows(ctx, rope_, b.k.data(), n, c.n_kv_heads, c.head_dim, b.positions.data());
    for (int64_t i = 0; i < n; ++i) {
      const BatchToken& t = batch[static_cast<size_t>(i)];
      std::memcpy(cache.k_row(li, t.slot, t.pos), b.k.data() + i * c.kv_dim(), sizeof(float) * c.kv_dim());
      std::memcpy(cache.v_row(li, t.slot, t.pos), b.v.data() + i * c.kv_dim(), sizeof(float) * c.kv_dim());
      b.views[static_cast<size_t>(i)] = cache.view(li, t.slot);
    }
    ops::attention(ctx, shape, b.q.data(), b.positions.data(), n, b.views.data(), scale, b.attn.data());
    ops::matmul(ctx, l.wo, b.attn.data(), n, xn);
    for (int64_t i = 0; i < n * c.dim; ++i) x[i] += xn[i];

    ops::rmsnorm_rows(ctx, x, l.ffn_norm.data(), xn, n, c.dim, c.rms_eps);
    ops::matmul(ctx, l.w_gate, xn, n, b.gate.data());
    ops::matmul(ctx, l.w_up, xn, n, b.up.data());
    for (int64_t i = 0; i < n; ++i) {
      float* g = b.gate.data() + i * c.ffn_dim;
      k.silu_mul(g, b.up.data() + i * c.ffn_dim, g, c.ffn_dim);
    }
    ops::matmul(ctx, l.w_down, b.gate.data(), n, xn);
    for (int64_t i = 0; i < n * c.dim; ++i) x[i] += xn[i];
  }

  // Only the rows whose logits are wanted go through the (large) output head.
  int64_t n_out = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!batch[static_cast<size_t>(i)].logits) continue;
    if (n_out != i) std::memcpy(x + n_out * c.dim, x + i * c.dim, sizeof(float) * c.dim);
    ++n_out;
  }
  if (n_out == 0) return Status::ok();
  ops::rmsnorm_rows(ctx, x, output_norm_.data(), xn, n_out, c.dim, c.rms_eps);
  ops::matmul(ctx, output_, xn, n_out, logits);
  return Status::ok();
}

}  // namespace coreinfer::llm
