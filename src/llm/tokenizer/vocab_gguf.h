// Reads the tokenizer.ggml.* metadata of a GGUF file into a VocabSpec.
#pragma once

#include "core/status.h"
#include "formats/gguf/gguf_file.h"
#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

// Missing required keys and values of the wrong type give a Status naming the key; the
// consistency checks (lengths, id ranges) are Vocab::create's.
Result<VocabSpec> read_vocab_spec(const gguf::GgufFile& file);

Result<Vocab> load_vocab(const gguf::GgufFile& file);

}  // namespace coreinfer::tokenizer
