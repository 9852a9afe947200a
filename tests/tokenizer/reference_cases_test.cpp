// Every reference string tokenizes to llama.cpp's ids (cases-*.jsonl: add_special = false,
// parse_special = false; special-cases-*.jsonl: with add_special and both parse_special).
#include <gtest/gtest.h>

#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

struct VocabCase {
  const char* gguf;
  const char* cases;
  const char* special_cases;
};

class ReferenceCases : public ::testing::TestWithParam<VocabCase> {};

TEST_P(ReferenceCases, PlainTextMatchesLlamaCpp) {
  const auto* tok = reference_tokenizer(GetParam().gguf);
  ASSERT_NE(tok, nullptr);
  const auto lines = read_jsonl(data_path(std::string("tokenizer/") + GetParam().cases));
  ASSERT_EQ(lines.size(), 176u);
  int passed = 0;
  for (const auto& line : lines) {
    const std::string text = line["text"];
    const std::vector<int32_t> expected = line["ids"];
    const std::vector<int32_t> ids = tok->encode(text, /*add_special=*/false, /*parse_special=*/false);
    if (ids == expected) {
      ++passed;
    } else {
      ADD_FAILURE() << "text \"" << printable(text) << "\"\n  expected " << ids_to_string(expected) << "\n  got      "
                    << ids_to_string(ids);
    }
    // add_special only puts the BOS in front for these vocabularies.
    std::vector<int32_t> with_bos = {tok->vocab().bos()};
    with_bos.insert(with_bos.end(), expected.begin(), expected.end());
    EXPECT_EQ(tok->encode(text, true, false), with_bos) << printable(text);
  }
  std::printf("[ %s ] %d/%zu cases match\n", GetParam().cases, passed, lines.size());
}

TEST_P(ReferenceCases, SpecialTokenHandlingMatchesLlamaCpp) {
  const auto* tok = reference_tokenizer(GetParam().gguf);
  ASSERT_NE(tok, nullptr);
  const auto lines = read_jsonl(data_path(std::string("tokenizer/") + GetParam().special_cases));
  ASSERT_FALSE(lines.empty());
  int passed = 0;
  for (const auto& line : lines) {
    const std::string text = line["text"];
    const bool add_special = line["add_special"];
    const bool parse_special = line["parse_special"];
    const std::vector<int32_t> expected = line["ids"];
    const std::vector<int32_t> ids = tok->encode(text, add_special, parse_special);
    if (ids == expected) {
      ++passed;
    } else {
      ADD_FAILURE() << "text \"" << printable(text) << "\" add_special=" << add_special
                    << " parse_special=" << parse_special << "\n  expected " << ids_to_string(expected)
                    << "\n  got      " << ids_to_string(ids);
    }
  }
  std::printf("[ %s ] %d/%zu cases match\n", GetParam().special_cases, passed, lines.size());
}

TEST_P(ReferenceCases, EmptyTextGivesNothingOrBos) {
  const auto* tok = reference_tokenizer(GetParam().gguf);
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->encode("", false, false).empty());
  EXPECT_EQ(tok->encode("", true, true), std::vector<int32_t>{tok->vocab().bos()});
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, ReferenceCases,
                         ::testing::Values(VocabCase{"ggml-vocab-llama-spm.gguf", "cases-llama-spm.jsonl",
                                                     "special-cases-llama-spm.jsonl"},
                                           VocabCase{"ggml-vocab-llama-bpe.gguf", "cases-llama-bpe.jsonl",
                                                     "special-cases-llama-bpe.jsonl"}),
                         [](const auto& info) {
                           return std::string(info.param.gguf).find("spm") != std::string::npos ? "LlamaSpm"
                                                                                                 : "LlamaBpe";
                         });

}  // namespace
}  // namespace coreinfer::testing
