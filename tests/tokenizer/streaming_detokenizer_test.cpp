// The streaming detokenizer only ever hands out valid UTF-8: byte tokens of a character
// are held back until the character is complete.
#include <gtest/gtest.h>

#include "llm/tokenizer/streaming_detokenizer.h"
#include "llm/tokenizer/unicode.h"
#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

using tokenizer::StreamingDetokenizer;

constexpr int32_t kByteBase = 3;  // <0x00> is id 3 in the Llama 2 / tok512 vocabularies
const std::string kDog = "\xF0\x9F\x90\xB6";
const std::string kReplacement = "\xEF\xBF\xBD";

TEST(StreamingDetokenizer, EmojiBytesOneAtATime) {
  const auto* tok = reference_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  StreamingDetokenizer stream(*tok);
  std::vector<std::string> chunks;
  for (int32_t id : {243, 162, 147, 185}) {  // <0xF0><0x9F><0x90><0xB6>
    auto chunk = stream.push(id);
    ASSERT_TRUE(chunk.is_ok());
    EXPECT_TRUE(tokenizer::is_valid_utf8(*chunk)) << printable(*chunk);
    chunks.push_back(*chunk);
  }
  EXPECT_EQ(chunks, (std::vector<std::string>{"", "", "", kDog}));
  EXPECT_FALSE(stream.has_pending_bytes());
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamingDetokenizer, WholePromptStreamsToTheSameText) {
  const auto* tok = reference_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = "Once upon a time, there was a dog named Max " + kDog + ". He li";
  StreamingDetokenizer::Options options;
  options.leading_space = tokenizer::LeadingSpace::kStripFromFirstText;
  StreamingDetokenizer stream(*tok, options);
  std::string shown;
  for (int32_t id : tok->encode(text, true, false)) {
    auto chunk = stream.push(id);
    ASSERT_TRUE(chunk.is_ok());
    ASSERT_TRUE(tokenizer::is_valid_utf8(*chunk));
    shown += *chunk;
  }
  shown += stream.flush();
  EXPECT_EQ(shown, text);
}

TEST(StreamingDetokenizer, FlushReplacesADanglingSequence) {
  const auto* tok = reference_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  StreamingDetokenizer stream(*tok);
  EXPECT_EQ(*stream.push(243), "");
  EXPECT_EQ(*stream.push(162), "");
  EXPECT_TRUE(stream.has_pending_bytes());
  EXPECT_EQ(stream.flush(), kReplacement);
  EXPECT_FALSE(stream.has_pending_bytes());
}

TEST(StreamingDetokenizer, BytesThatCannotFormACharacterBecomeReplacementCharacters) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  StreamingDetokenizer stream(*tok);
  EXPECT_EQ(*stream.push(kByteBase + 0xFF), kReplacement);       // never valid in UTF-8
  EXPECT_EQ(*stream.push(kByteBase + 0xE2), "");                 // a lead byte, held back
  const int32_t a = tok->vocab().find("A");
  ASSERT_NE(a, tokenizer::kNoToken);
  EXPECT_EQ(*stream.push(a), kReplacement + "A");                // the lead byte is not continued
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamingDetokenizer, SpecialTokensAreHiddenUnlessAskedFor) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(tok, nullptr);
  const int32_t eot = tok->vocab().find("<|eot_id|>");
  ASSERT_EQ(eot, 128009);
  StreamingDetokenizer hidden(*tok);
  EXPECT_EQ(*hidden.push(eot), "");
  StreamingDetokenizer::Options options;
  options.render_special = true;
  StreamingDetokenizer shown(*tok, options);
  EXPECT_EQ(*shown.push(eot), "<|eot_id|>");
  EXPECT_FALSE(hidden.push(128256).is_ok());
}

TEST(StreamingDetokenizer, BpeMultiByteCharacterSplitAcrossTokens) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(tok, nullptr);
  // Rare CJK Extension B characters fall apart into byte-level tokens.
  const std::string text = "\xF0\xA0\x80\x80\xF0\xA0\x80\x81 ok";
  const auto ids = tok->encode(text, false, false);
  StreamingDetokenizer stream(*tok);
  std::string shown;
  for (int32_t id : ids) {
    auto chunk = stream.push(id);
    ASSERT_TRUE(chunk.is_ok());
    ASSERT_TRUE(tokenizer::is_valid_utf8(*chunk));
    shown += *chunk;
  }
  EXPECT_EQ(shown + stream.flush(), text);
}

}  // namespace
}  // namespace coreinfer::testing
