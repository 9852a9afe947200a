// UTF-8 decoding, character classes and the hand-written pre-tokenizer regexes.
#include <gtest/gtest.h>

#include "llm/tokenizer/byte_unicode.h"
#include "llm/tokenizer/pre_tokenizer.h"
#include "llm/tokenizer/unicode.h"
#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

using namespace coreinfer::tokenizer;  // NOLINT: test brevity

TEST(Utf8, DecodesWellFormedSequences) {
  struct Case {
    const char* bytes;
    uint32_t cp;
    uint32_t length;
  };
  for (const Case& c : {Case{"A", 0x41, 1}, Case{"\xC3\xA9", 0xE9, 2}, Case{"\xE2\x82\xAC", 0x20AC, 3},
                        Case{"\xF0\x9F\x98\x80", 0x1F600, 4}, Case{"\xF4\x8F\xBF\xBF", 0x10FFFF, 4}}) {
    const Utf8Char u = decode_utf8(c.bytes, 0);
    EXPECT_EQ(u.status, Utf8Status::kValid) << c.bytes;
    EXPECT_EQ(u.code_point, c.cp);
    EXPECT_EQ(u.length, c.length);
  }
}

TEST(Utf8, InvalidBytesDecodeAsOneReplacementCharacterEach) {
  for (const char* bad : {"\x80", "\xC0\x80", "\xC1\xBF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80", "\xFF",
                          "\xE2\x41\x41"}) {
    const Utf8Char u = decode_utf8(bad, 0);
    EXPECT_EQ(u.status, Utf8Status::kInvalid) << printable(bad);
    EXPECT_EQ(u.length, 1u);
    EXPECT_EQ(u.code_point, kReplacementCharacter);
  }
  const Utf8Char cut = decode_utf8("\xE2\x82", 0);
  EXPECT_EQ(cut.status, Utf8Status::kIncomplete);
  EXPECT_EQ(cut.length, 2u);
}

TEST(Utf8, SanitizingKeepsIncompleteTailsUntilTheEnd) {
  std::string out;
  EXPECT_EQ(append_sanitized_utf8("ab\xF0\x9F", false, out), 2u);
  EXPECT_EQ(out, "ab");
  out.clear();
  EXPECT_EQ(append_sanitized_utf8("ab\xF0\x9F", true, out), 4u);
  EXPECT_EQ(out, "ab\xEF\xBF\xBD");
  out.clear();
  EXPECT_EQ(append_sanitized_utf8("\xFFx\xC3\xA9", false, out), 4u);
  EXPECT_EQ(out, "\xEF\xBF\xBDx\xC3\xA9");
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo"));
  EXPECT_FALSE(is_valid_utf8("h\xC3llo"));
}

TEST(UnicodeClasses, Categories) {
  EXPECT_EQ(unicode_category('A'), UnicodeCategory::kLu);
  EXPECT_EQ(unicode_category('a'), UnicodeCategory::kLl);
  EXPECT_EQ(unicode_category('5'), UnicodeCategory::kNd);
  EXPECT_EQ(unicode_category(' '), UnicodeCategory::kZs);
  EXPECT_EQ(unicode_category(0x4E00), UnicodeCategory::kLo);   // CJK
  EXPECT_EQ(unicode_category(0x0661), UnicodeCategory::kNd);   // Arabic-Indic one
  EXPECT_EQ(unicode_category(0x00B2), UnicodeCategory::kNo);   // superscript two
  EXPECT_EQ(unicode_category(0x0301), UnicodeCategory::kMn);   // combining acute
  EXPECT_EQ(unicode_category(0x2581), UnicodeCategory::kSo);   // ▁
  EXPECT_EQ(unicode_category(0xE000), UnicodeCategory::kCo);
  EXPECT_EQ(unicode_category(0x10FFFF), UnicodeCategory::kCn);
  EXPECT_EQ(unicode_category(0x110000), UnicodeCategory::kCn);
  EXPECT_TRUE(is_letter(unicode_category(0x20000)));            // CJK Extension B
  EXPECT_TRUE(is_punctuation(unicode_category('!')));
  EXPECT_TRUE(is_symbol(unicode_category('+')));
}

TEST(UnicodeClasses, WhiteSpaceIsTheUnicodeProperty) {
  for (uint32_t cp : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                      0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(is_whitespace(cp)) << std::hex << cp;
  }
  // Python's str.isspace() says yes to U+001C..U+001F; \s in the regexes does not.
  for (uint32_t cp : {0x1Cu, 0x1Fu, 0x200Bu, 0xFEFFu, 0x180Eu, 0x61u}) {
    EXPECT_FALSE(is_whitespace(cp)) << std::hex << cp;
  }
}

TEST(ByteUnicode, Gpt2Mapping) {
  EXPECT_EQ(byte_to_code_point('!'), static_cast<uint32_t>('!'));
  EXPECT_EQ(byte_to_code_point(' '), 0x120u);   // Ġ
  EXPECT_EQ(byte_to_code_point('\n'), 0x10Au);  // Ċ
  EXPECT_EQ(byte_to_code_point(0xAD), 0x143u);  // the last of the 68 moved bytes
  for (int b = 0; b < 256; ++b) EXPECT_EQ(code_point_to_byte(byte_to_code_point(static_cast<uint8_t>(b))), b);
  EXPECT_EQ(code_point_to_byte(0x144), -1);
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string mapped, back;
  append_byte_encoded(all, mapped);
  append_byte_decoded(mapped, back);
  EXPECT_EQ(back, all);
}

std::vector<std::string> words(PreTokenizerKind kind, const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view w : pre_tokenize(kind, text)) out.emplace_back(w);
  return out;
}

// Expected splits are Python `regex` findall() of the two patterns.
TEST(PreTokenizer, Llama3) {
  using V = std::vector<std::string>;
  EXPECT_EQ(words(PreTokenizerKind::kLlama3, "I'M here, it's 12345 ok!!\n\n  x"),
            (V{"I", "'M", " here", ",", " it", "'s", " ", "123", "45", " ok", "!!\n\n", " ", " x"}));
  EXPECT_EQ(words(PreTokenizerKind::kLlama3, "\tTab  \r\n end "), (V{"\tTab", "  \r\n", " end", " "}));
  EXPECT_EQ(words(PreTokenizerKind::kLlama3, "Hello world's 123abc  !?\n"),
            (V{"Hello", " world", "'s", " ", "123", "abc", " ", " !?\n"}));
  EXPECT_TRUE(words(PreTokenizerKind::kLlama3, "").empty());
}

TEST(PreTokenizer, Gpt2) {
  using V = std::vector<std::string>;
  EXPECT_EQ(words(PreTokenizerKind::kGpt2, "I'M here, it's 12345 ok!!\n\n  x"),
            (V{"I", "'", "M", " here", ",", " it", "'s", " 12345", " ok", "!!", "\n\n ", " x"}));
  EXPECT_EQ(words(PreTokenizerKind::kGpt2, "\tTab  \r\n end "), (V{"\t", "Tab", "  \r\n", " end", " "}));
  EXPECT_EQ(words(PreTokenizerKind::kGpt2, "Hello world's 123abc  !?\n"),
            (V{"Hello", " world", "'s", " 123", "abc", " ", " !?", "\n"}));
}

TEST(PreTokenizer, InvalidBytesStayInTheWords) {
  const std::string text = "ab\xFF\xFE cd\xC3";
  std::string joined;
  for (const auto& w : words(PreTokenizerKind::kLlama3, text)) joined += w;
  EXPECT_EQ(joined, text);
}

TEST(InvalidUtf8, EncodesWithoutCrashingAndRoundTrips) {
  const std::string text = "ok \xFF\xFE bad \xC3( \xE2\x82 end\xF0";
  const auto* bpe = reference_tokenizer("ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(bpe, nullptr);
  const auto bpe_ids = bpe->encode(text, false, false);
  EXPECT_FALSE(bpe_ids.empty());
  tokenizer::DecodeOptions raw;
  raw.clean_spaces = false;
  EXPECT_EQ(*bpe->decode(bpe_ids, raw), text);  // byte-level BPE keeps every byte

  const auto* spm = reference_tokenizer("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(spm, nullptr);
  const auto spm_ids = spm->encode(text, false, false);
  EXPECT_EQ(*spm->decode(spm_ids), text);  // invalid bytes become byte tokens
}

}  // namespace
}  // namespace coreinfer::testing
