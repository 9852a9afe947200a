// Turns generated ids into displayable text one id at a time. Byte tokens can split a
// character across ids (an emoji is four <0xXX> tokens), so bytes of an incomplete UTF-8
// sequence are held back until the sequence is complete; the text returned is always valid
// UTF-8. Bytes that can never form a character are shown as U+FFFD.
#pragma once

#include <string>

#include "core/status.h"
#include "llm/tokenizer/tokenizer.h"

namespace coreinfer::tokenizer {

class StreamingDetokenizer {
 public:
  struct Options {
    bool render_special = false;                    // show control tokens as their text
    LeadingSpace leading_space = LeadingSpace::kKeep;  // e.g. kStripFromFirstText when the stream starts with BOS
  };

  // `tokenizer` must outlive this object.
  explicit StreamingDetokenizer(const Tokenizer& tokenizer) : StreamingDetokenizer(tokenizer, Options{}) {}
  StreamingDetokenizer(const Tokenizer& tokenizer, Options options) : tokenizer_(&tokenizer), options_(options) {}

  // The text completed by this id (possibly empty). kOutOfRange for an id outside the vocabulary.
  Result<std::string> push(TokenId id);

  // The held-back bytes, a dangling incomplete sequence replaced by U+FFFD; then starts over.
  std::string flush();

  bool has_pending_bytes() const { return !pending_.empty(); }

 private:
  const Tokenizer* tokenizer_;
  Options options_;
  std::string pending_;
  bool strip_pending_ = true;  // the leading-space strip has not been decided yet
};

}  // namespace coreinfer::tokenizer
