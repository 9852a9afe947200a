// Random bytes (valid UTF-8 or not, with special-token text mixed in) never break encoding:
// every id is in the vocabulary, and byte-level BPE gives the bytes back exactly.
#include <gtest/gtest.h>

#include <random>

#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

std::string random_text(std::mt19937& rng) {
  static const char* const kPieces[] = {"<s>", "</s>", "<unk>", "<|eot_id|>", "<|begin_of_text|>", " ", "  ", "\n",
                                        "\r\n", "'s", "123", "\xE2\x96\x81", "\xC3\xA9", "\xF0\x9F\x90\xB6", "abc"};
  std::uniform_int_distribution<int> kind(0, 3), byte(0, 255), piece(0, std::size(kPieces) - 1), len(0, 24);
  std::string text;
  for (int n = len(rng); n > 0; --n) {
    if (kind(rng) == 0) {
      text += kPieces[piece(rng)];
    } else {
      text.push_back(static_cast<char>(byte(rng)));
    }
  }
  return text;
}

void check(const char* gguf, bool exact_round_trip) {
  const auto* tok = reference_tokenizer(gguf);
  ASSERT_NE(tok, nullptr);
  std::mt19937 rng(1234);
  tokenizer::DecodeOptions raw;
  raw.render_special = true;
  raw.clean_spaces = false;
  raw.leading_space = tokenizer::LeadingSpace::kKeep;
  for (int i = 0; i < 300; ++i) {
    const std::string text = random_text(rng);
    for (bool parse_special : {false, true}) {
      const auto ids = tok->encode(text, true, parse_special);
      for (int32_t id : ids) ASSERT_TRUE(tok->vocab().contains(id)) << printable(text);
      auto decoded = tok->decode(ids, raw);
      ASSERT_TRUE(decoded.is_ok());
      if (exact_round_trip) {
        EXPECT_EQ(decoded->substr(tok->token_to_piece(tok->vocab().bos(), true).size()), text) << printable(text);
      }
    }
  }
}

TEST(Robustness, RandomBytesLlamaBpe) { check("ggml-vocab-llama-bpe.gguf", true); }
TEST(Robustness, RandomBytesLlamaSpm) { check("ggml-vocab-llama-spm.gguf", false); }

}  // namespace
}  // namespace coreinfer::testing
