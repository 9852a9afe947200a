// TfIdfVectorizer (opset 9) over int32/int64 token ids (pool_int64s; string pools are not
// supported). Counts of pooled n-grams, with skips, per row of a 1-D or 2-D input.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "graph/ops/signal/signal_common.h"

namespace coreinfer::signal {
namespace {

enum class Weighting { kTf, kIdf, kTfIdf };

struct NgramPool {
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  Weighting mode = Weighting::kTf;
  // by_length[n - 1]: each n-gram of the pool -> its position in the pool (first occurrence).
  std::vector<std::map<std::vector<int64_t>, int64_t>> by_length;
  std::vector<int64_t> output_index;  // per pool n-gram: its coordinate in the output row
  std::vector<double> weights;        // per pool n-gram
  int64_t output_size = 0;
};

Result<NgramPool> build_pool(const Attributes& a) {
  NgramPool p;
  const std::string mode = a.get_string("mode", "");
  if (mode == "TF") p.mode = Weighting::kTf;
  else if (mode == "IDF") p.mode = Weighting::kIdf;
  else if (mode == "TFIDF") p.mode = Weighting::kTfIdf;
  else return invalid_argument("attribute mode must be TF, IDF or TFIDF, got '" + mode + "'");
  p.min_gram = a.get_int("min_gram_length", 0);
  p.max_gram = a.get_int("max_gram_length", 0);
  p.max_skip = a.get_int("max_skip_count", 0);
  if (p.min_gram < 1 || p.max_gram < p.min_gram)
    return invalid_argument("need 1 <= min_gram_length <= max_gram_length, got " + std::to_string(p.min_gram) + " and " +
                            std::to_string(p.max_gram));
  if (p.max_skip < 0) return invalid_argument("max_skip_count must be >= 0, got " + std::to_string(p.max_skip));
  if (a.has("pool_strings"))
    return unsupported("TfIdfVectorizer with pool_strings (string tensors) is not supported; use pool_int64s");
  const std::vector<int64_t> pool = a.get_ints("pool_int64s");
  const std::vector<int64_t> starts = a.get_ints("ngram_counts");
  p.output_index = a.get_ints("ngram_indexes");
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  int64_t ngram_total = 0;
  p.by_length.resize(starts.size());
  for (size_t level = 0; level < starts.size(); ++level) {
    const int64_t n = static_cast<int64_t>(level) + 1;
    const int64_t begin = starts[level], end = level + 1 < starts.size() ? starts[level + 1] : pool_size;
    if (begin < 0 || begin > end || end > pool_size)
      return invalid_argument("ngram_counts must be non-decreasing offsets into pool_int64s (size " +
                              std::to_string(pool_size) + "), entry " + std::to_string(level) + " is " + std::to_string(begin));
    if ((end - begin) % n != 0)
      return invalid_argument("the " + std::to_string(n) + "-grams of pool_int64s span " + std::to_string(end - begin) +
                              " values, not a multiple of " + std::to_string(n));
    for (int64_t s = begin; s < end; s += n) {
      p.by_length[level].emplace(std::vector<int64_t>(pool.begin() + s, pool.begin() + s + n), ngram_total);
      ++ngram_total;
    }
  }
  if (static_cast<int64_t>(p.output_index.size()) != ngram_total || ngram_total == 0)
    return invalid_argument("ngram_indexes has " + std::to_string(p.output_index.size()) +
                            " entries; the pool holds " + std::to_string(ngram_total) + " n-grams (must match, > 0)");
  for (const int64_t idx : p.output_index) {
    if (idx < 0 || idx >= kMaxTensorBytes / static_cast<int64_t>(sizeof(float)))
      return invalid_argument("ngram_indexes must be >= 0 and fit an output row, got " + std::to_string(idx));
    p.output_size = std::max(p.output_size, idx + 1);
  }
  const std::vector<float> w = a.get_floats("weights");
  if (!w.empty() && static_cast<int64_t>(w.size()) != ngram_total)
    return invalid_argument("weights has " + std::to_string(w.size()) + " entries, expected one per n-gram (" +
                            std::to_string(ngram_total) + ")");
  p.weights.assign(static_cast<size_t>(ngram_total), 1.0);
  for (size_t i = 0; i < w.size(); ++i) p.weights[i] = w[i];
  return p;
}

// Adds the counts of the pooled n-grams found in tokens[0, len) into counts (per pool n-gram).
void count_ngrams(const NgramPool& p, const int64_t* tokens, int64_t len, std::vector<int64_t>& counts,
                  std::vector<int64_t>& key) {
  const int64_t top = std::min<int64_t>(p.max_gram, static_cast<int64_t>(p.by_length.size()));
  for (int64_t n = p.min_gram; n <= top; ++n) {
    const auto& table = p.by_length[n - 1];
    if (table.empty() || n > len) continue;
    // A 1-gram has no gaps, so skips would count it again: one pass only.
    const int64_t fit = n == 1 ? 1 : (len - 1) / (n - 1);  // the widest stride that fits in the row
    const int64_t max_stride = n == 1 ? 1 : (p.max_skip >= fit ? fit : p.max_skip + 1);
    key.resize(static_cast<size_t>(n));
    for (int64_t stride = 1; stride <= max_stride; ++stride) {
      for (int64_t start = 0; start + (n - 1) * stride < len; ++start) {
        for (int64_t k = 0; k < n; ++k) key[k] = tokens[start + k * stride];
        const auto it = table.find(key);
        if (it != table.end()) ++counts[it->second];
      }
    }
  }
}

Status run_tfidf(const NgramPool& p, OpRunContext& ctx) {
  const Tensor* x = ctx.input(0);
  if (x == nullptr) return invalid_argument("input X is missing");
  if (x->type() != ElemType::kInt32 && x->type() != ElemType::kInt64)
    return invalid_argument(std::string("input X must be int32 or int64 (pool_int64s), got ") + elem_type_name(x->type()));
  if (x->rank() != 1 && x->rank() != 2)
    return invalid_argument("input X must be 1-D [C] or 2-D [N, C], got " + shape_string(x->shape()));
  const int64_t rows = x->rank() == 2 ? x->dim(0) : 1, len = x->dim(-1);
  const Shape out_shape = x->rank() == 2 ? Shape{rows, p.output_size} : Shape{p.output_size};
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, out_shape));
  CI_ASSIGN_OR_RETURN(const std::vector<int64_t> tokens, x->to_int64_vector());
  float* yd = y->data<float>();
  ctx.parallel_for(rows, 1, [&](int64_t b, int64_t e) {
    std::vector<int64_t> counts(p.output_index.size()), key;
    for (int64_t r = b; r < e; ++r) {
      std::fill(counts.begin(), counts.end(), 0);
      count_ngrams(p, tokens.data() + r * len, len, counts, key);
      float* out = yd + r * p.output_size;
      for (size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] == 0) continue;
        double v = static_cast<double>(counts[i]);
        if (p.mode == Weighting::kIdf) v = p.weights[i];
        else if (p.mode == Weighting::kTfIdf) v *= p.weights[i];
        out[p.output_index[i]] += static_cast<float>(v);
      }
    }
  });
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_tfidf(const OpBuildContext& ctx) {
  CI_ASSIGN_OR_RETURN(NgramPool pool, build_pool(ctx.attrs()));
  return make_kernel([pool = std::move(pool)](OpRunContext& rc) { return run_tfidf(pool, rc); });
}

}  // namespace

void register_tfidf(OpRegistry& r) { r.add("", "TfIdfVectorizer", make_tfidf); }

}  // namespace coreinfer::signal
