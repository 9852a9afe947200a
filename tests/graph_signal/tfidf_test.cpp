// TfIdfVectorizer against hand-counted n-grams (exact: counts and products of small floats).
#include <gtest/gtest.h>

#include "signal_test_util.h"

namespace coreinfer::sigtest {
namespace {

struct Config {
  std::string mode = "TF";
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  std::vector<int64_t> counts, indexes, pool;
  std::vector<float> weights;
};

OpCall tfidf_call(const Config& cfg, Tensor x) {
  OpCall c;
  c.op = "TfIdfVectorizer";
  c.opset = 9;
  c.inputs = {std::move(x)};
  c.attrs.set_string("mode", cfg.mode);
  c.attrs.set_int("min_gram_length", cfg.min_gram);
  c.attrs.set_int("max_gram_length", cfg.max_gram);
  c.attrs.set_int("max_skip_count", cfg.max_skip);
  c.attrs.set_ints("ngram_counts", cfg.counts);
  c.attrs.set_ints("ngram_indexes", cfg.indexes);
  c.attrs.set_ints("pool_int64s", cfg.pool);
  if (!cfg.weights.empty()) c.attrs.set_floats("weights", cfg.weights);
  return c;
}

void expect_output(const Config& cfg, const Tensor& x, const Shape& shape, const std::vector<float>& want,
                   const std::string& what) {
  auto out = run_op(tfidf_call(cfg, x));
  ASSERT_TRUE(out.is_ok()) << what << ": " << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), shape) << what;
  const float* y = (*out)[0].data<float>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(y[i], want[i]) << what << " [" << i << "]";
}

TEST(TfIdf, SkipsWidenTheBigramsAsInTheSpecExample) {
  // [94, 17, 36, 12, 28]: skip 2 gives the 2-grams (94, 12) and (17, 28); skip 0 gives (94, 17).
  Config cfg;
  cfg.min_gram = cfg.max_gram = 2;
  cfg.counts = {0, 1};
  cfg.pool = {17, 94, 12, 17, 28, 94, 17};  // unigram 17; bigrams (94,12) (17,28) (94,17)
  cfg.indexes = {3, 0, 1, 2};
  const Tensor x = Tensor::from_vector<int32_t>({5}, {94, 17, 36, 12, 28});
  cfg.max_skip = 2;
  expect_output(cfg, x, {4}, {1, 1, 1, 0}, "skip 2");  // unigram 17 (index 3) not counted: min_gram 2
  cfg.max_skip = 1;
  expect_output(cfg, x, {4}, {0, 0, 1, 0}, "skip 1");
  cfg.min_gram = 1;
  cfg.max_skip = 9;  // unigrams count once whatever the skip
  expect_output(cfg, x, {4}, {1, 1, 1, 1}, "uni and bigrams, skip 9");
}

TEST(TfIdf, ModesAndWeightsOn2DInt64Input) {
  Config cfg;
  cfg.counts = {0};
  cfg.pool = {1, 2, 3};
  cfg.indexes = {2, 0, 1};
  cfg.weights = {0.5f, 2.0f, 3.0f};
  const Tensor x = Tensor::from_vector<int64_t>({2, 5}, {1, 2, 1, 2, 1, 3, 3, 3, 3, 3});
  // Counts: row 0 {1: 3, 2: 2}, row 1 {3: 5}; pool n-gram i goes to output indexes[i].
  cfg.mode = "TF";
  expect_output(cfg, x, {2, 3}, {2, 0, 3, 0, 5, 0}, "TF");
  cfg.mode = "IDF";
  expect_output(cfg, x, {2, 3}, {2, 0, 0.5f, 0, 3, 0}, "IDF");
  cfg.mode = "TFIDF";
  expect_output(cfg, x, {2, 3}, {4, 0, 1.5f, 0, 15, 0}, "TFIDF");
  cfg.weights.clear();
  expect_output(cfg, x, {2, 3}, {2, 0, 3, 0, 5, 0}, "TFIDF, default weights 1");
  expect_output(cfg, Tensor::from_vector<int64_t>({2, 0}, {}), {2, 3}, {0, 0, 0, 0, 0, 0}, "empty rows");
}

TEST(TfIdf, TrigramsWithSkip) {
  // Trigram (1, 2, 3) in [1, 9, 2, 9, 3, 1, 2, 3]: stride 1 at 5, stride 2 at 0.
  Config cfg;
  cfg.min_gram = 3;
  cfg.max_gram = 3;
  cfg.max_skip = 1;
  cfg.counts = {0, 0, 0};
  cfg.pool = {1, 2, 3};
  cfg.indexes = {0};
  expect_output(cfg, Tensor::from_vector<int64_t>({8}, {1, 9, 2, 9, 3, 1, 2, 3}), {1}, {2}, "trigram");
  cfg.max_skip = 0;
  expect_output(cfg, Tensor::from_vector<int64_t>({8}, {1, 9, 2, 9, 3, 1, 2, 3}), {1}, {1}, "trigram, no skip");
}

TEST(TfIdf, RejectsBadAttributesAndInputs) {
  Config good;
  good.counts = {0, 2};
  good.pool = {1, 2, 1, 2};
  good.indexes = {0, 1, 2};
  good.max_gram = 2;
  const Tensor x = Tensor::from_vector<int32_t>({3}, {1, 2, 1});
  EXPECT_EQ(op_error(tfidf_call(good, x)), "");
  const auto error_with = [&](auto change) {
    Config c = good;
    change(c);
    return op_error(tfidf_call(c, x));
  };
  EXPECT_NE(error_with([](Config& c) { c.mode = "BM25"; }).find("mode"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.min_gram = 0; }).find("min_gram_length"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.max_skip = -1; }).find("max_skip_count"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.indexes = {0, 1}; }).find("ngram_indexes has 2"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.indexes = {0, -1, 2}; }).find(">= 0"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.counts = {0, 1}; }).find("not a multiple of 2"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.counts = {0, 7}; }).find("offsets"), std::string::npos);
  EXPECT_NE(error_with([](Config& c) { c.weights = {1, 2}; }).find("weights"), std::string::npos);
  OpCall strings = tfidf_call(good, x);
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = {"a"};
  strings.attrs.set("pool_strings", a);
  EXPECT_NE(op_error(strings).find("pool_strings"), std::string::npos);
  EXPECT_NE(op_error(tfidf_call(good, Tensor::from_vector<float>({3}, {1, 2, 1}))).find("int32 or int64"),
            std::string::npos);
  EXPECT_NE(op_error(tfidf_call(good, Tensor::from_vector<int32_t>({1, 1, 3}, {1, 2, 1}))).find("1-D"), std::string::npos);
}

}  // namespace
}  // namespace coreinfer::sigtest
