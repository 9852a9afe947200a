#include "llm/tokenizer/streaming_detokenizer.h"

#include "llm/tokenizer/unicode.h"

namespace coreinfer::tokenizer {

Result<std::string> StreamingDetokenizer::push(TokenId id) {
  const Vocab& vocab = tokenizer_->vocab();
  if (!vocab.contains(id)) {
    return out_of_range("token id " + std::to_string(id) + " is not in the vocabulary of " +
                        std::to_string(vocab.size()) + " tokens");
  }
  std::string_view piece = tokenizer_->token_to_piece(id, options_.render_special);

  const LeadingSpace leading = vocab.add_space_prefix() ? options_.leading_space : LeadingSpace::kKeep;
  if (strip_pending_ && leading != LeadingSpace::kKeep) {
    if (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    if (leading == LeadingSpace::kStripFromFirstToken || !piece.empty()) strip_pending_ = false;
  }

  pending_.append(piece);
  std::string ready;
  const size_t used = append_sanitized_utf8(pending_, /*at_end=*/false, ready);
  pending_.erase(0, used);
  return ready;
}

std::string StreamingDetokenizer::flush() {
  std::string rest;
  append_sanitized_utf8(pending_, /*at_end=*/true, rest);
  pending_.clear();
  strip_pending_ = true;
  return rest;
}

}  // namespace coreinfer::tokenizer
