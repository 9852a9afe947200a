// decode(encode(text)) with llama.cpp's llama_detokenize settings (remove_special = false,
// unparse_special = false) gives back the text, except the two cases the reference README
// lists: SentencePiece turns a literal U+2581 into a space, and the Llama 3 vocabulary's
// clean-up removes the space before 're 've 'm.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

void check_round_trip(const char* gguf, const char* cases, bool spm) {
  const auto* tok = reference_tokenizer(gguf);
  ASSERT_NE(tok, nullptr);
  int exact = 0;
  int total = 0;
  for (const auto& line : read_jsonl(data_path(std::string("tokenizer/") + cases))) {
    const std::string text = line["text"];
    const std::vector<int32_t> ids = line["ids"];
    auto decoded = tok->decode(ids);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    std::string expected = text;
    if (spm) expected = replace_all(expected, "\xE2\x96\x81", " ");
    if (!spm && text == "'s 't 're 've 'm 'll 'd") expected = "'s 't're've'm 'll 'd";
    EXPECT_EQ(*decoded, expected) << "text \"" << printable(text) << "\"";
    ++total;
    if (*decoded == text) ++exact;
  }
  EXPECT_EQ(exact, 175) << "the reference README reports 175/176 exact round trips";
  std::printf("[ %s ] %d/%d round trips give back the exact input\n", cases, exact, total);
}

TEST(RoundTrip, LlamaSpm) { check_round_trip("ggml-vocab-llama-spm.gguf", "cases-llama-spm.jsonl", true); }
TEST(RoundTrip, LlamaBpe) { check_round_trip("ggml-vocab-llama-bpe.gguf", "cases-llama-bpe.jsonl", false); }

TEST(RoundTrip, LeadingSpaceOptions) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = tok->encode("Hello world", /*add_special=*/true, false);
  ASSERT_EQ(ids.front(), 1);
  tokenizer::DecodeOptions options;  // llama.cpp: the strip applies to the first id only, here BOS
  EXPECT_EQ(*tok->decode(ids, options), " Hello world");
  options.leading_space = tokenizer::LeadingSpace::kStripFromFirstText;
  EXPECT_EQ(*tok->decode(ids, options), "Hello world");
  options.leading_space = tokenizer::LeadingSpace::kKeep;
  EXPECT_EQ(*tok->decode(std::span(ids).subspan(1), options), " Hello world");
  options = {};
  options.remove_special = true;  // llama.cpp keeps the space when it removes the BOS
  EXPECT_EQ(*tok->decode(ids, options), " Hello world");
  options.render_special = true;
  options.remove_special = false;
  EXPECT_EQ(*tok->decode(ids, options), "<s> Hello world");
}

TEST(RoundTrip, RejectsIdsOutsideTheVocabulary) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = {1, 32000};
  const auto decoded = tok->decode(ids);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(tok->token_to_piece(-5), "");
}

TEST(RoundTrip, BpeCleanUpCanBeSwitchedOff) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = "Hi , you 're ' here' .";
  const auto ids = tok->encode(text, false, false);
  EXPECT_EQ(*tok->decode(ids), "Hi, you're'here'.");
  tokenizer::DecodeOptions raw;
  raw.clean_spaces = false;
  EXPECT_EQ(*tok->decode(ids, raw), text);
}

TEST(RoundTrip, CleanUpMatchesLlamaCppRules) {
  auto cleaned = [](std::string s) {
    tokenizer::clean_up_spaces(s);
    return s;
  };
  EXPECT_EQ(cleaned("a , b . c ! d ?"), "a, b. c! d?");
  EXPECT_EQ(cleaned("it 's I 'm we 're they 've"), "it's I'm we're they've");
  EXPECT_EQ(cleaned("don 't I 'd we 'll"), "don 't I 'd we 'll");
  EXPECT_EQ(cleaned("a ' b"), "a'b");
  EXPECT_EQ(cleaned(" ,"), ",");
  EXPECT_EQ(cleaned("x"), "x");
  EXPECT_EQ(cleaned(""), "");
}

}  // namespace
}  // namespace coreinfer::testing
