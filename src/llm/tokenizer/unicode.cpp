#include "llm/tokenizer/unicode.h"

#include <algorithm>

#include "llm/tokenizer/unicode_tables.h"

namespace coreinfer::tokenizer {
namespace {

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Well-formed sequences (Unicode table 3-7): the second byte's range depends on the lead
// byte, which rules out overlong forms, surrogates and values above U+10FFFF.
struct LeadInfo {
  uint32_t length;  // 0 = never a lead byte
  uint8_t second_min;
  uint8_t second_max;
};

LeadInfo lead_info(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

}  // namespace

Utf8Char decode_utf8(std::string_view text, size_t pos) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t avail = text.size() - pos;
  const uint8_t lead = s[pos];
  const LeadInfo info = lead_info(lead);
  if (info.length == 1) return {lead, 1, Utf8Status::kValid};
  if (info.length == 0) return {};

  uint32_t cp = lead & (0xFF >> (info.length + 1));
  for (uint32_t k = 1; k < info.length; ++k) {
    if (k >= avail) return {kReplacementCharacter, static_cast<uint32_t>(avail), Utf8Status::kIncomplete};
    const uint8_t b = s[pos + k];
    const bool ok = k == 1 ? (b >= info.second_min && b <= info.second_max) : is_continuation(b);
    if (!ok) return {};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, info.length, Utf8Status::kValid};
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementCharacter;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t append_sanitized_utf8(std::string_view bytes, bool at_end, std::string& out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const Utf8Char c = decode_utf8(bytes, pos);
    if (c.status == Utf8Status::kIncomplete && !at_end) break;
    if (c.status == Utf8Status::kValid) {
      out.append(bytes.substr(pos, c.length));
    } else {
      append_utf8(kReplacementCharacter, out);
    }
    pos += c.length;
  }
  return pos;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Char c = decode_utf8(text, pos);
    if (c.status != Utf8Status::kValid) return false;
    pos += c.length;
  }
  return true;
}

UnicodeCategory unicode_category(uint32_t cp) {
  if (cp > kMaxCodePoint) return UnicodeCategory::kCn;
  const auto* begin = detail::kCategoryRanges;
  const auto* end = begin + detail::kCategoryRangeCount;
  // The last range whose first code point is <= cp.
  const auto* it = std::upper_bound(begin, end, cp,
                                    [](uint32_t value, const detail::CategoryRange& r) { return value < r.first; });
  return static_cast<UnicodeCategory>((it - 1)->category);
}

bool is_whitespace(uint32_t cp) {
  for (size_t i = 0; i < detail::kWhiteSpaceSpanCount; ++i) {
    const auto& span = detail::kWhiteSpaceSpans[i];
    if (cp < span.first) return false;
    if (cp <= span.last) return true;
  }
  return false;
}

}  // namespace coreinfer::tokenizer
