// UTF-8 decoding and Unicode character classes for the tokenizers.
//
// Invalid UTF-8 never stops or crashes anything here: a byte that does not start a
// well-formed sequence (stray continuation byte, overlong form, surrogate, value above
// U+10FFFF, lead byte followed by a non-continuation byte) decodes as U+FFFD with length 1,
// so callers advance one byte at a time and can still keep the original bytes. A sequence
// that is valid so far but cut off by the end of the input is reported as kIncomplete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coreinfer::tokenizer {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;
inline constexpr uint32_t kReplacementCharacter = 0xFFFD;

enum class Utf8Status : uint8_t { kValid, kInvalid, kIncomplete };

struct Utf8Char {
  uint32_t code_point = kReplacementCharacter;  // U+FFFD unless kValid
  uint32_t length = 1;                          // bytes consumed (1 for kInvalid)
  Utf8Status status = Utf8Status::kInvalid;
};

// Decodes the character that starts at text[pos] (pos < text.size()).
Utf8Char decode_utf8(std::string_view text, size_t pos);

// Appends the UTF-8 form of `code_point` (values above U+10FFFF and surrogates become U+FFFD).
void append_utf8(uint32_t code_point, std::string& out);

// Appends the well-formed part of `bytes` to `out`, each invalid byte replaced by U+FFFD.
// Returns how many bytes were consumed: all of them, except a trailing incomplete sequence
// when `at_end` is false (the caller keeps those bytes until more arrive). With `at_end`
// true a trailing incomplete sequence becomes one U+FFFD.
size_t append_sanitized_utf8(std::string_view bytes, bool at_end, std::string& out);

bool is_valid_utf8(std::string_view text);

// Unicode general categories; the numeric order is that of tools/gen_unicode_tables.py.
enum class UnicodeCategory : uint8_t {
  kLu, kLl, kLt, kLm, kLo,
  kMn, kMc, kMe,
  kNd, kNl, kNo,
  kPc, kPd, kPs, kPe, kPi, kPf, kPo,
  kSm, kSc, kSk, kSo,
  kZs, kZl, kZp,
  kCc, kCf, kCs, kCo, kCn,
};

// Code points above U+10FFFF are kCn.
UnicodeCategory unicode_category(uint32_t code_point);

// \p{L}, \p{M}, \p{N}, \p{P}, \p{S}
inline bool is_letter(UnicodeCategory c) { return c <= UnicodeCategory::kLo; }
inline bool is_mark(UnicodeCategory c) { return c >= UnicodeCategory::kMn && c <= UnicodeCategory::kMe; }
inline bool is_number(UnicodeCategory c) { return c >= UnicodeCategory::kNd && c <= UnicodeCategory::kNo; }
inline bool is_punctuation(UnicodeCategory c) { return c >= UnicodeCategory::kPc && c <= UnicodeCategory::kPo; }
inline bool is_symbol(UnicodeCategory c) { return c >= UnicodeCategory::kSm && c <= UnicodeCategory::kSo; }

// Unicode's White_Space property, which is what \s means in the tokenizer regexes.
bool is_whitespace(uint32_t code_point);

}  // namespace coreinfer::tokenizer
