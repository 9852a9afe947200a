// The stories260K vocabulary (llama2.c's 512-token tok512, SentencePiece): the golden
// prompts tokenize to llama.cpp's ids and the golden continuations decode to their text.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

const tokenizer::Tokenizer* stories() { return reference_tokenizer("stories260K.gguf"); }

nlohmann::json golden() { return nlohmann::json::parse(read_file_text(data_path("llm/stories260K.golden.json"))); }

TEST(Stories260kTokenizer, OnceUponATime) {
  const auto* tok = stories();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("Once upon a time", true, false), (std::vector<int32_t>{1, 403, 407, 261, 378}));
}

TEST(Stories260kTokenizer, GoldenPromptsAndContinuations) {
  const auto* tok = stories();
  ASSERT_NE(tok, nullptr);
  const auto g = golden();
  ASSERT_EQ(g["cases"].size(), 3u);
  for (const auto& c : g["cases"]) {
    const std::string prompt = c["prompt"];
    const std::vector<int32_t> prompt_ids = c["prompt_ids"];
    EXPECT_EQ(tok->encode(prompt, true, false), prompt_ids) << prompt;

    // generated_text is the plain concatenation of the pieces.
    const std::vector<int32_t> generated = c["generated_ids"];
    tokenizer::DecodeOptions keep;
    keep.leading_space = tokenizer::LeadingSpace::kKeep;
    EXPECT_EQ(*tok->decode(generated, keep), c["generated_text"].get<std::string>()) << prompt;
  }
}

TEST(Stories260kTokenizer, ByteFallbackForEmoji) {
  const auto* tok = stories();
  ASSERT_NE(tok, nullptr);
  // The tiny models' 24-token test prompt from the reference README. (The README spells it
  // "... He li", but its last id 355 is "ked".)
  const std::string text = "Once upon a time, there was a dog named Max \xF0\x9F\x90\xB6. He liked";
  const std::vector<int32_t> expected = {1,   403, 407, 261, 378, 432, 383, 286, 261, 400, 428, 395,
                                         392, 412, 444, 410, 243, 162, 147, 185, 426, 346, 397, 355};
  const auto ids = tok->encode(text, true, false);
  EXPECT_EQ(ids, expected);
  tokenizer::DecodeOptions options;
  options.leading_space = tokenizer::LeadingSpace::kStripFromFirstText;
  EXPECT_EQ(*tok->decode(ids, options), text);
}

TEST(Stories260kTokenizer, VocabularyMetadata) {
  const auto* tok = stories();
  ASSERT_NE(tok, nullptr);
  const auto& v = tok->vocab();
  EXPECT_EQ(v.kind(), tokenizer::VocabKind::kSentencePiece);
  EXPECT_EQ(v.size(), 512u);
  EXPECT_EQ(v.bos(), 1);
  EXPECT_EQ(v.eos(), 2);
  EXPECT_EQ(v.unk(), 0);
  EXPECT_EQ(v.pad(), tokenizer::kNoToken);  // stored as 0xFFFFFFFF = none
  EXPECT_EQ(v.sep(), tokenizer::kNoToken);
  EXPECT_TRUE(v.add_bos());
  EXPECT_FALSE(v.add_eos());
  EXPECT_TRUE(v.add_space_prefix());
  EXPECT_TRUE(tok->is_end_of_generation(2));
  EXPECT_FALSE(tok->is_end_of_generation(1));
  EXPECT_EQ(v.byte_token('\n'), 3 + '\n');
  EXPECT_EQ(tok->token_to_piece(3 + '\n'), "\n");
}

}  // namespace
}  // namespace coreinfer::testing
