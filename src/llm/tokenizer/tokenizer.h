// Text <-> token ids for Llama-family GGUF vocabularies, matching llama.cpp's
// llama_tokenize / llama_detokenize: SentencePiece ("llama") and byte-level BPE ("gpt2" with
// the Llama 3 or GPT-2 pre-tokenizer).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "formats/gguf/gguf_file.h"
#include "llm/tokenizer/vocab.h"

namespace coreinfer::tokenizer {

// The space SentencePiece puts in front of the text when encoding (vocabularies with
// add_space_prefix); decoding can take it off again.
enum class LeadingSpace : uint8_t {
  kKeep,
  kStripFromFirstToken,  // llama_detokenize: one leading space of the first id's piece
  kStripFromFirstText,   // one leading space of the first non-empty piece, e.g. the word after a BOS
};

struct DecodeOptions {
  bool remove_special = false;  // drop a leading BOS / trailing EOS that the vocabulary adds
  bool render_special = false;  // control tokens appear as their text ("<|eot_id|>")
  LeadingSpace leading_space = LeadingSpace::kStripFromFirstToken;
  bool clean_spaces = true;     // the vocabulary's clean-up, if it has one (BPE: " ," -> ",")
};

class Tokenizer {
 public:
  static Result<Tokenizer> from_gguf(const gguf::GgufFile& file);
  static Result<Tokenizer> from_spec(VocabSpec spec);
  explicit Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {}

  const Vocab& vocab() const { return vocab_; }

  // `add_special`: BOS/EOS as the vocabulary asks (add_bos_token / add_eos_token).
  // `parse_special`: control-token text in `text` ("<|eot_id|>") becomes that token;
  // otherwise it is tokenized as ordinary text. Any bytes are accepted (see unicode.h).
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes of one token; may be part of a UTF-8 sequence (byte tokens). Control and
  // unknown tokens give "" unless `render_special`; an invalid id gives "".
  std::string_view token_to_piece(TokenId id, bool render_special = false) const;

  // The concatenated pieces; kOutOfRange if an id is not in the vocabulary. The result may
  // contain invalid UTF-8 if the ids split a character; use StreamingDetokenizer to show text.
  Result<std::string> decode(std::span<const TokenId> ids, const DecodeOptions& options = {}) const;

  bool is_end_of_generation(TokenId id) const { return vocab_.is_end_of_generation(id); }

 private:
  Vocab vocab_;
};

// llama.cpp's detokenizer clean-up: drops the space before ? ! . , and before the
// contractions 's 'm 're 've, and the spaces around a lone apostrophe.
void clean_up_spaces(std::string& text);

}  // namespace coreinfer::tokenizer
