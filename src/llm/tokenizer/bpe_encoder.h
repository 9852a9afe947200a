// Byte-level BPE (GPT-2 / Llama 3): pre-tokenize into words, map each word's bytes to their
// characters (byte_unicode.h), then repeatedly merge the adjacent pair with the lowest merge
// rank (leftmost on ties).
#pragma once

#include <string_view>
#include <vector>

#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

// Appends the ids of raw `text` (no special tokens in it). A merged piece that is not in
// the vocabulary (only possible with an inconsistent vocabulary) is spelled character by
// character; characters without a token are dropped.
void bpe_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace coreinfer::tokenizer
