#include "llm/tokenizer/special_token_splitter.h"

namespace coreinfer::tokenizer {
namespace {

// Splits every raw fragment at each occurrence of `token`'s text. Returns false if there
// was none, leaving `fragments` as it was.
bool split_at(const Vocab& vocab, TokenId token, std::vector<TextFragment>& fragments) {
  const std::string_view needle = vocab.text(token);
  std::vector<TextFragment> result;
  bool found = false;
  for (const TextFragment& f : fragments) {
    if (f.is_token()) {
      if (found) result.push_back(f);
      continue;
    }
    size_t start = 0;
    size_t at = f.text.find(needle);
    if (at == std::string_view::npos) {
      if (found) result.push_back(f);
      continue;
    }
    if (!found) {
      // First hit: copy the fragments before this one.
      result.assign(fragments.begin(), fragments.begin() + (&f - fragments.data()));
      found = true;
    }
    while (at != std::string_view::npos) {
      if (at > start) result.push_back({kNoToken, f.text.substr(start, at - start)});
      result.push_back({token, {}});
      start = at + needle.size();
      at = f.text.find(needle, start);
    }
    if (start < f.text.size()) result.push_back({kNoToken, f.text.substr(start)});
  }
  if (found) fragments = std::move(result);
  return found;
}

}  // namespace

std::vector<TextFragment> split_special_tokens(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<TextFragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, text});
  for (TokenId id : vocab.special_tokens_longest_first()) {
    if (!parse_special && vocab.is_special(id)) continue;
    split_at(vocab, id, fragments);
  }
  return fragments;
}

}  // namespace coreinfer::tokenizer
