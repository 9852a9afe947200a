// The generated Unicode tables (unicode_tables.cpp, made by tools/gen_unicode_tables.py).
// Internal to the tokenizer: use the lookups in unicode.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace coreinfer::tokenizer::detail {

struct CategoryRange {
  uint32_t first;    // first code point of the range
  uint8_t category;  // a UnicodeCategory value
};

struct CodePointSpan {
  uint32_t first;
  uint32_t last;  // inclusive
};

// Sorted by `first`; kCategoryRanges[0].first == 0.
extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangeCount;

extern const CodePointSpan kWhiteSpaceSpans[];
extern const size_t kWhiteSpaceSpanCount;

}  // namespace coreinfer::tokenizer::detail
