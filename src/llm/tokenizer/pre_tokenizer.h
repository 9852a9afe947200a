// BPE pre-tokenization: splits text into the words that the Llama 3 or GPT-2 regex would
// match, implemented by hand over Unicode character classes (no regex engine).
//
// Bytes that are not valid UTF-8 count as one character each, classed like U+FFFD (a symbol),
// and stay in the words unchanged, so byte-level BPE still encodes them exactly. (llama.cpp
// replaces them with U+FFFD first; valid input gives identical words.)
#pragma once

#include <string_view>
#include <vector>

#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

// Words in order; their concatenation is `text`. kind must be kGpt2 or kLlama3.
std::vector<std::string_view> pre_tokenize(PreTokenizerKind kind, std::string_view text);

}  // namespace coreinfer::tokenizer
