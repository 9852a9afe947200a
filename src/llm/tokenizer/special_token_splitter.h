// Cuts raw text at the special tokens written in it, before the text is tokenized:
// "<s>Hi</s>" -> [<s>] "Hi" [</s>]. Longer token texts are matched first, like llama.cpp.
#pragma once

#include <string_view>
#include <vector>

#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

struct TextFragment {
  TokenId token = kNoToken;  // a special token, or kNoToken for raw text
  std::string_view text;     // the raw text (empty for a token)
  bool is_token() const { return token != kNoToken; }
};

// User-defined tokens are always matched; control and unknown tokens (<s>, <|eot_id|>, <unk>)
// only with `parse_special`.
std::vector<TextFragment> split_special_tokens(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace coreinfer::tokenizer
