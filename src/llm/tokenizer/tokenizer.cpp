#include "llm/tokenizer/tokenizer.h"

#include "llm/tokenizer/bpe_encoder.h"
#include "llm/tokenizer/special_token_splitter.h"
#include "llm/tokenizer/spm_encoder.h"
#include "llm/tokenizer/vocab_gguf.h"

namespace coreinfer::tokenizer {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

// SentencePiece spells spaces as U+2581; `space_prefix` adds one in front.
std::string escape_spaces(std::string_view text, bool space_prefix) {
  std::string out;
  out.reserve(text.size() + text.size() / 2 + kSpaceMarker.size());
  if (space_prefix) out.append(kSpaceMarker);
  for (char c : text) {
    if (c == ' ') {
      out.append(kSpaceMarker);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  CI_ASSIGN_OR_RETURN(Vocab vocab, load_vocab(file));
  return Tokenizer(std::move(vocab));
}

Result<Tokenizer> Tokenizer::from_spec(VocabSpec spec) {
  CI_ASSIGN_OR_RETURN(Vocab vocab, Vocab::create(std::move(spec)));
  return Tokenizer(std::move(vocab));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<TokenId> ids;
  if (add_special && vocab_.add_bos()) ids.push_back(vocab_.bos());

  const bool spm = vocab_.kind() == VocabKind::kSentencePiece;
  bool after_special = true;  // SentencePiece prefixes a space at the start and after special tokens
  for (const TextFragment& f : split_special_tokens(vocab_, text, parse_special)) {
    if (f.is_token()) {
      ids.push_back(f.token);
      after_special = true;
    } else if (spm) {
      spm_encode(vocab_, escape_spaces(f.text, vocab_.add_space_prefix() && after_special), ids);
      after_special = false;
    } else {
      bpe_encode(vocab_, f.text, ids);
    }
  }

  if (add_special && vocab_.add_eos()) ids.push_back(vocab_.eos());
  return ids;
}

std::string_view Tokenizer::token_to_piece(TokenId id, bool render_special) const {
  if (!vocab_.contains(id)) return {};
  if (!render_special && vocab_.is_special(id)) return {};
  return vocab_.piece(id);
}

Result<std::string> Tokenizer::decode(std::span<const TokenId> ids, const DecodeOptions& options) const {
  for (TokenId id : ids) {
    if (!vocab_.contains(id)) {
      return out_of_range("token id " + std::to_string(id) + " is not in the vocabulary of " +
                          std::to_string(vocab_.size()) + " tokens");
    }
  }
  LeadingSpace leading = vocab_.add_space_prefix() ? options.leading_space : LeadingSpace::kKeep;
  if (options.remove_special && vocab_.add_bos() && !ids.empty() && ids.front() == vocab_.bos()) {
    ids = ids.subspan(1);
    if (leading == LeadingSpace::kStripFromFirstToken) leading = LeadingSpace::kKeep;  // as llama.cpp does
  }
  if (options.remove_special && vocab_.add_eos() && !ids.empty() && ids.back() == vocab_.eos()) {
    ids = ids.first(ids.size() - 1);
  }

  std::string text;
  bool strip_pending = leading != LeadingSpace::kKeep;
  for (TokenId id : ids) {
    std::string_view piece = token_to_piece(id, options.render_special);
    if (strip_pending) {
      if (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
      // kStripFromFirstToken gives up after the first id, kStripFromFirstText after the first text.
      if (leading == LeadingSpace::kStripFromFirstToken || !piece.empty()) strip_pending = false;
    }
    text.append(piece);
  }
  if (options.clean_spaces && vocab_.clean_spaces()) clean_up_spaces(text);
  return text;
}

void clean_up_spaces(std::string& text) {
  if (text.size() < 2) return;
  // Each pass copies text[0] and decides for every later character; `out.pop_back()` drops
  // the space written just before it.

  // " ?" " !" " ." " ," -> "?" "!" "." ","
  std::string out(1, text[0]);
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (text[i - 1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',')) out.pop_back();
    out.push_back(c);
  }
  text.swap(out);

  // " ' " -> "'". The space after it is consumed, and llama.cpp blanks it in its buffer, so
  // it no longer counts as the space before the next character.
  out.assign(1, text[0]);
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' && i + 1 < text.size() && text[i - 1] == ' ' && text[i + 1] == ' ') {
      out.pop_back();
      out.push_back(c);
      text[++i] = '\0';
      continue;
    }
    out.push_back(c);
  }
  text.swap(out);

  // " 's" " 'm" " 're" " 've" lose their space; " 't" " 'd" " 'll" keep it.
  out.assign(1, text[0]);
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (text[i - 1] == ' ' && c == '\'' && i + 1 < text.size()) {
      const char a = text[i + 1];
      const bool has_b = i + 2 < text.size();
      const char b = has_b ? text[i + 2] : '\0';
      if (a == 's' || a == 'm' || (has_b && ((a == 'r' && b == 'e') || (a == 'v' && b == 'e')))) out.pop_back();
    }
    out.push_back(c);
  }
  text.swap(out);
}

}  // namespace coreinfer::tokenizer
