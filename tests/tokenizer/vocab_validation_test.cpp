// Missing or inconsistent vocabulary metadata gives a Status that names the problem.
#include <gtest/gtest.h>

#include "core/mapped_file.h"
#include "formats/gguf/gguf_writer.h"
#include "llm/tokenizer/byte_unicode.h"
#include "llm/tokenizer/unicode.h"
#include "llm/tokenizer/vocab_gguf.h"
#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

using tokenizer::Vocab;
using tokenizer::VocabSpec;

// <unk> <s> </s>, the 256 byte tokens, then a few pieces.
VocabSpec small_spm_spec() {
  VocabSpec spec;
  spec.model = "llama";
  spec.tokens = {"<unk>", "<s>", "</s>"};
  spec.token_types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    spec.tokens.push_back(name);
    spec.token_types.push_back(6);
  }
  for (const char* piece : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab"}) {
    spec.tokens.push_back(piece);
    spec.token_types.push_back(1);
  }
  spec.scores.assign(spec.tokens.size(), 0.0f);
  for (size_t i = 259; i < spec.scores.size(); ++i) spec.scores[i] = -static_cast<float>(i);
  return spec;
}

// Byte-level BPE over the 256 byte characters with two merges: "a b" and "Ġ ab".
VocabSpec small_bpe_spec() {
  VocabSpec spec;
  spec.model = "gpt2";
  spec.pre = "llama-bpe";
  for (int b = 0; b < 256; ++b) {
    std::string mapped;
    tokenizer::append_utf8(tokenizer::byte_to_code_point(static_cast<uint8_t>(b)), mapped);
    spec.tokens.push_back(mapped);
  }
  spec.tokens.push_back("ab");
  spec.tokens.push_back("\xC4\xA0" "ab");  // "Ġab"
  spec.tokens.push_back("<|begin_of_text|>");
  spec.token_types.assign(spec.tokens.size(), 1);
  spec.token_types.back() = 3;
  spec.merges = {"a b", "\xC4\xA0 ab"};
  spec.bos_id = static_cast<int64_t>(spec.tokens.size() - 1);
  return spec;
}

void expect_error(Result<Vocab> r, StatusCode code, const std::string& mentions) {
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_NE(r.status().message().find(mentions), std::string::npos)
      << "message \"" << r.status().message() << "\" should mention \"" << mentions << "\"";
}

TEST(VocabValidation, SmallVocabulariesAreAccepted) {
  auto spm = Vocab::create(small_spm_spec());
  ASSERT_TRUE(spm.is_ok()) << spm.status().to_string();
  tokenizer::Tokenizer spm_tok(std::move(spm).value());
  EXPECT_EQ(spm_tok.encode("ab a", true, false), (std::vector<int32_t>{1, 264, 262}));  // ▁ab ▁a

  auto bpe = Vocab::create(small_bpe_spec());
  ASSERT_TRUE(bpe.is_ok()) << bpe.status().to_string();
  tokenizer::Tokenizer bpe_tok(std::move(bpe).value());
  EXPECT_EQ(bpe_tok.encode("ab ab", true, false), (std::vector<int32_t>{258, 256, 257}));
}

TEST(VocabValidation, ArraysOfTheWrongLength) {
  VocabSpec spec = small_spm_spec();
  spec.scores.pop_back();
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "tokenizer.ggml.scores");
  spec = small_spm_spec();
  spec.token_types.push_back(1);
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "tokenizer.ggml.token_type");
}

TEST(VocabValidation, BadTokenTypesAndTexts) {
  VocabSpec spec = small_spm_spec();
  spec.token_types[7] = 9;
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "token 7 has type 9");
  spec = small_spm_spec();
  spec.tokens[261] = "a";  // "b" becomes a second "a"
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "same text");
  spec = small_spm_spec();
  spec.tokens.clear();
  spec.scores.clear();
  spec.token_types.clear();
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "empty");
}

TEST(VocabValidation, SpecialIdsOutOfRange) {
  VocabSpec spec = small_spm_spec();
  spec.bos_id = 100000;
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "tokenizer.ggml.bos_token_id = 100000");
  spec = small_spm_spec();
  spec.eos_id = -7;
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "tokenizer.ggml.eos_token_id");
  spec = small_spm_spec();
  spec.pad_id = 0xFFFFFFFF;  // the converters' "none"
  spec.eot_id = -1;
  auto ok = Vocab::create(spec);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->pad(), tokenizer::kNoToken);
}

TEST(VocabValidation, BosOrEosRequestedButMissing) {
  VocabSpec spec = small_bpe_spec();
  spec.bos_id.reset();  // llama-bpe adds a BOS by default
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "BOS");
  spec = small_bpe_spec();
  spec.add_eos = true;
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "EOS");
}

TEST(VocabValidation, UnsupportedModelsAndPreTokenizers) {
  VocabSpec spec = small_spm_spec();
  spec.model = "bert";
  expect_error(Vocab::create(spec), StatusCode::kUnsupported, "supported: llama (SentencePiece), gpt2");
  spec.model = "";
  expect_error(Vocab::create(spec), StatusCode::kNotFound, "tokenizer.ggml.model");
  spec = small_bpe_spec();
  spec.pre = "qwen2";
  expect_error(Vocab::create(spec), StatusCode::kUnsupported, "llama-bpe");
}

TEST(VocabValidation, BadMerges) {
  VocabSpec spec = small_bpe_spec();
  spec.merges.clear();
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "merges");
  spec = small_bpe_spec();
  spec.merges.push_back("abc");
  expect_error(Vocab::create(spec), StatusCode::kCorrupt, "merge 2 'abc'");
}

// The same checks when the metadata comes from a GGUF file.
class VocabFromGguf : public ::testing::Test {
 protected:
  static gguf::GgufWriter valid_writer() {
    const VocabSpec spec = small_spm_spec();
    gguf::GgufWriter w;
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", spec.tokens);
    w.set_f32_array("tokenizer.ggml.scores", spec.scores);
    w.set_i32_array("tokenizer.ggml.token_type", spec.token_types);
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
    return w;
  }
  static Result<Vocab> load(const gguf::GgufWriter& w) {
    const std::vector<uint8_t> bytes = w.to_bytes();
    auto file = gguf::GgufFile::parse(MappedFile::from_bytes(bytes.data(), bytes.size()));
    if (!file.is_ok()) return file.status();
    return tokenizer::load_vocab(**file);
  }
};

TEST_F(VocabFromGguf, ValidFileLoads) {
  auto v = load(valid_writer());
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v->size(), small_spm_spec().tokens.size());
}

TEST_F(VocabFromGguf, MissingTokenizer) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  expect_error(load(w), StatusCode::kNotFound, "tokenizer.ggml.model");
  w.set_string("tokenizer.ggml.model", "llama");
  expect_error(load(w), StatusCode::kNotFound, "tokenizer.ggml.tokens");
}

TEST_F(VocabFromGguf, WrongTypes) {
  gguf::GgufWriter w = valid_writer();
  w.set_i32_array("tokenizer.ggml.tokens", {1, 2, 3});
  expect_error(load(w), StatusCode::kCorrupt, "expected strings");
  w = valid_writer();
  w.set_string("tokenizer.ggml.bos_token_id", "one");
  expect_error(load(w), StatusCode::kCorrupt, "tokenizer.ggml.bos_token_id");
  w = valid_writer();
  w.set_string_array("tokenizer.ggml.scores", {"x"});
  expect_error(load(w), StatusCode::kCorrupt, "expected floats");
}

TEST_F(VocabFromGguf, ScoresOfTheWrongLength) {
  gguf::GgufWriter w = valid_writer();
  w.set_f32_array("tokenizer.ggml.scores", {0.0f, 1.0f});
  expect_error(load(w), StatusCode::kCorrupt, "tokenizer.ggml.scores has 2 entries");
}

TEST_F(VocabFromGguf, EosOutsideTheVocabulary) {
  gguf::GgufWriter w = valid_writer();
  w.set_u32("tokenizer.ggml.eos_token_id", 70000);
  expect_error(load(w), StatusCode::kCorrupt, "tokenizer.ggml.eos_token_id = 70000");
}

}  // namespace
}  // namespace coreinfer::testing
