// SentencePiece-style BPE over scores (llama.cpp's "SPM" tokenizer): start from single
// characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// token (leftmost on ties), then spell characters without a token as byte tokens <0xXX>.
#pragma once

#include <string_view>
#include <vector>

#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

// Appends the ids of `text`, whose spaces the caller has already replaced by U+2581.
// Invalid UTF-8 bytes are single characters (and so become byte tokens). A byte without a
// byte token becomes <unk> if the vocabulary has one, else it is dropped.
void spm_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace coreinfer::tokenizer
