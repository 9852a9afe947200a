#include "llm/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "llm/tokenizer/unicode.h"

namespace coreinfer::tokenizer {
namespace {

struct Char {
  uint32_t offset;  // byte offset in the text
  uint32_t code_point;
  bool letter;  // \p{L}
  bool number;  // \p{N}
  bool space;   // \s
  bool other() const { return !letter && !number && !space; }  // [^\s\p{L}\p{N}]
  bool line_break() const { return code_point == '\r' || code_point == '\n'; }
};

std::vector<Char> classify(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    Utf8Char u = decode_utf8(text, pos);
    if (u.status != Utf8Status::kValid) u.length = 1;  // one byte at a time, see the header
    const UnicodeCategory cat = unicode_category(u.code_point);
    chars.push_back({static_cast<uint32_t>(pos), u.code_point, is_letter(cat), is_number(cat),
                     is_whitespace(u.code_point)});
    pos += u.length;
  }
  return chars;
}

uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// Length of the contraction 's 't 're 've 'm 'll 'd at i, or 0.
size_t contraction_length(const std::vector<Char>& c, size_t i, bool ignore_case) {
  const size_t n = c.size();
  if (c[i].code_point != '\'' || i + 1 >= n) return 0;
  auto at = [&](size_t k) { return ignore_case ? ascii_lower(c[k].code_point) : c[k].code_point; };
  const uint32_t a = at(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= n) return 0;
  const uint32_t b = at(i + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

template <typename Pred>
size_t run_end(const std::vector<Char>& c, size_t i, Pred pred) {
  while (i < c.size() && pred(c[i])) ++i;
  return i;
}

// \s+(?!\S)|\s+ at a whitespace character: a run followed by more text leaves its last
// whitespace character to the next word (" world" keeps its space).
size_t whitespace_end(const std::vector<Char>& c, size_t i) {
  const size_t end = run_end(c, i, [](const Char& ch) { return ch.space; });
  return (end - i > 1 && end < c.size()) ? end - 1 : end;
}

// The end of the word that starts at i under the Llama 3 regex
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t llama3_word_end(const std::vector<Char>& c, size_t i) {
  const size_t n = c.size();
  if (const size_t len = contraction_length(c, i, /*ignore_case=*/true)) return i + len;

  const Char& ch = c[i];
  const bool next_is_letter = i + 1 < n && c[i + 1].letter;
  if (ch.letter || (!ch.line_break() && !ch.number && next_is_letter)) {
    return run_end(c, ch.letter ? i + 1 : i + 2, [](const Char& x) { return x.letter; });
  }
  if (ch.number) {
    size_t end = i + 1;
    while (end < n && end < i + 3 && c[end].number) ++end;
    return end;
  }

  const size_t j = ch.code_point == ' ' ? i + 1 : i;
  if (j < n && c[j].other()) {
    const size_t end = run_end(c, j, [](const Char& x) { return x.other(); });
    return run_end(c, end, [](const Char& x) { return x.line_break(); });
  }

  // ch is whitespace here. \s*[\r\n]+ ends after the last line break of the run.
  const size_t end = run_end(c, i, [](const Char& x) { return x.space; });
  for (size_t k = end; k > i; --k) {
    if (c[k - 1].line_break()) return k;
  }
  return whitespace_end(c, i);
}

// The end of the word that starts at i under the GPT-2 regex
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t gpt2_word_end(const std::vector<Char>& c, size_t i) {
  if (const size_t len = contraction_length(c, i, /*ignore_case=*/false)) return i + len;
  const size_t j = c[i].code_point == ' ' ? i + 1 : i;
  if (j < c.size()) {
    if (c[j].letter) return run_end(c, j, [](const Char& x) { return x.letter; });
    if (c[j].number) return run_end(c, j, [](const Char& x) { return x.number; });
    if (c[j].other()) return run_end(c, j, [](const Char& x) { return x.other(); });
  }
  return whitespace_end(c, i);
}

}  // namespace

std::vector<std::string_view> pre_tokenize(PreTokenizerKind kind, std::string_view text) {
  const std::vector<Char> chars = classify(text);
  std::vector<std::string_view> words;
  auto offset_of = [&](size_t k) { return k < chars.size() ? chars[k].offset : text.size(); };
  for (size_t i = 0; i < chars.size();) {
    size_t end = kind == PreTokenizerKind::kLlama3 ? llama3_word_end(chars, i) : gpt2_word_end(chars, i);
    end = std::max(end, i + 1);  // always make progress
    words.push_back(text.substr(offset_of(i), offset_of(end) - offset_of(i)));
    i = end;
  }
  return words;
}

}  // namespace coreinfer::tokenizer
