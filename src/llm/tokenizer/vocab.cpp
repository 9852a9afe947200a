#include "llm/tokenizer/vocab.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "llm/tokenizer/byte_unicode.h"
#include "llm/tokenizer/unicode.h"

namespace coreinfer::tokenizer {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space
constexpr int64_t kUnsetId32 = 0xFFFFFFFF;                 // -1 stored as uint32

// Token texts that end generation when they are control tokens (llama.cpp matches by text).
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
    "<|endoftext|>", "<|end_of_text|>", "</s>", "<EOT>",
};
constexpr std::string_view kEndOfTurnTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<EOT>"};

// Printable form of a token text for error messages.
std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "'";
}

std::string merge_key(std::string_view left, std::string_view right) {
  // Length-prefixed so that ("a b", "c") and ("a", "b c") stay distinct.
  std::string key(4, '\0');
  const auto n = static_cast<uint32_t>(left.size());
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  key.append(left);
  key.append(right);
  return key;
}

struct PreTokenizerChoice {
  PreTokenizerKind kind;
  bool ignore_merges;
  bool add_bos_default;
};

// llama.cpp's names for the two regexes we implement. Empty or "default" gets GPT-2's regex
// (llama.cpp's own "default" additionally pre-splits punctuation and digit groups).
std::optional<PreTokenizerChoice> choose_pre_tokenizer(std::string_view pre) {
  for (std::string_view name : {"llama-bpe", "llama3", "llama-v3", "falcon3"}) {
    if (pre == name) return PreTokenizerChoice{PreTokenizerKind::kLlama3, true, true};
  }
  for (std::string_view name : {"dbrx", "smaug-bpe"}) {
    if (pre == name) return PreTokenizerChoice{PreTokenizerKind::kLlama3, false, false};
  }
  for (std::string_view name : {"", "default", "gpt2", "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais"}) {
    if (pre == name) return PreTokenizerChoice{PreTokenizerKind::kGpt2, false, false};
  }
  return std::nullopt;
}

// SentencePiece byte tokens are spelled "<0xAB>".
std::optional<uint8_t> parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + digit;
  }
  return static_cast<uint8_t>(value);
}

std::string replace_space_marker(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, kSpaceMarker.size(), kSpaceMarker) == 0) {
      out.push_back(' ');
      pos += kSpaceMarker.size();
    } else {
      out.push_back(text[pos++]);
    }
  }
  return out;
}

}  // namespace

Result<Vocab> Vocab::create(VocabSpec spec) {
  Vocab v;
  if (spec.model == "llama") {
    v.kind_ = VocabKind::kSentencePiece;
    v.pre_tokenizer_ = PreTokenizerKind::kNone;
    v.add_bos_ = true;
    v.add_space_prefix_ = true;
  } else if (spec.model == "gpt2") {
    v.kind_ = VocabKind::kBytePairEncoding;
    const auto choice = choose_pre_tokenizer(spec.pre);
    if (!choice) {
      return unsupported("BPE pre-tokenizer '" + spec.pre +
                         "' (tokenizer.ggml.pre) is not supported; supported: llama-bpe (Llama 3 regex) "
                         "and gpt2 (GPT-2 regex, also used when the key is missing)");
    }
    v.pre_tokenizer_ = choice->kind;
    v.ignore_merges_ = choice->ignore_merges;
    v.add_bos_ = choice->add_bos_default;
    v.clean_spaces_ = true;
  } else if (spec.model.empty()) {
    return not_found("the file has no tokenizer: metadata key 'tokenizer.ggml.model' is missing");
  } else {
    return unsupported("tokenizer model '" + spec.model +
                       "' (tokenizer.ggml.model) is not supported; supported: llama (SentencePiece), "
                       "gpt2 (byte-level BPE)");
  }
  v.add_bos_ = spec.add_bos.value_or(v.add_bos_);
  v.add_eos_ = spec.add_eos.value_or(false);
  if (v.kind_ == VocabKind::kSentencePiece) v.add_space_prefix_ = spec.add_space_prefix.value_or(true);

  CI_RETURN_IF_ERROR(v.build_tokens(spec));
  if (v.kind_ == VocabKind::kBytePairEncoding) CI_RETURN_IF_ERROR(v.build_merges(spec));
  CI_RETURN_IF_ERROR(v.resolve_special_ids(spec));
  v.build_pieces();
  v.build_byte_tokens();
  v.build_special_lists();
  return v;
}

Status Vocab::build_tokens(VocabSpec& spec) {
  const size_t n = spec.tokens.size();
  if (n == 0) return corrupt("the vocabulary is empty (tokenizer.ggml.tokens has no entries)");
  if (n > static_cast<size_t>(std::numeric_limits<TokenId>::max())) {
    return out_of_range("the vocabulary has " + std::to_string(n) + " tokens, more than token ids can address");
  }
  if (!spec.scores.empty() && spec.scores.size() != n) {
    return corrupt("tokenizer.ggml.scores has " + std::to_string(spec.scores.size()) +
                   " entries but tokenizer.ggml.tokens has " + std::to_string(n));
  }
  if (!spec.token_types.empty() && spec.token_types.size() != n) {
    return corrupt("tokenizer.ggml.token_type has " + std::to_string(spec.token_types.size()) +
                   " entries but tokenizer.ggml.tokens has " + std::to_string(n));
  }

  tokens_.resize(n);
  ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& t = tokens_[i];
    t.text = std::move(spec.tokens[i]);
    if (t.text.empty()) t.text = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp names them
    t.score = spec.scores.empty() ? 0.0f : spec.scores[i];
    if (!spec.token_types.empty()) {
      const int32_t type = spec.token_types[i];
      if (type < 0 || type > static_cast<int32_t>(TokenType::kByte)) {
        return corrupt("token " + std::to_string(i) + " has type " + std::to_string(type) +
                       " in tokenizer.ggml.token_type; valid types are 0..6");
      }
      t.type = static_cast<TokenType>(type);
    }
    const auto [it, inserted] = ids_.emplace(t.text, static_cast<TokenId>(i));
    if (!inserted) {
      return corrupt("tokens " + std::to_string(it->second) + " and " + std::to_string(i) +
                     " have the same text " + quoted(t.text));
    }
  }
  return Status::ok();
}

Status Vocab::build_merges(const VocabSpec& spec) {
  if (spec.merges.empty()) {
    return corrupt("a BPE vocabulary needs merges, but tokenizer.ggml.merges is missing or empty");
  }
  if (spec.merges.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return out_of_range("tokenizer.ggml.merges has too many entries");
  }
  merge_ranks_.reserve(spec.merges.size());
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const std::string& merge = spec.merges[rank];
    const size_t split = merge.size() > 1 ? merge.find(' ', 1) : std::string::npos;
    if (split == std::string::npos || split + 1 >= merge.size()) {
      return corrupt("merge " + std::to_string(rank) + " " + quoted(merge) +
                     " in tokenizer.ggml.merges is not of the form 'left right'");
    }
    const std::string_view m = merge;
    merge_ranks_.emplace(merge_key(m.substr(0, split), m.substr(split + 1)), static_cast<int32_t>(rank));
  }
  return Status::ok();
}

Status Vocab::resolve_special_ids(const VocabSpec& spec) {
  const auto n = static_cast<int64_t>(tokens_.size());
  struct Entry {
    const std::optional<int64_t>& value;
    const char* key;
    TokenId& id;
    TokenId fallback;
  };
  const bool spm = kind_ == VocabKind::kSentencePiece;
  // llama.cpp's SentencePiece defaults: <unk> 0, <s> 1, </s> 2.
  const Entry entries[] = {
      {spec.bos_id, "tokenizer.ggml.bos_token_id", bos_, spm && n > 1 ? 1 : kNoToken},
      {spec.eos_id, "tokenizer.ggml.eos_token_id", eos_, spm && n > 2 ? 2 : kNoToken},
      {spec.unk_id, "tokenizer.ggml.unknown_token_id", unk_, spm ? 0 : kNoToken},
      {spec.pad_id, "tokenizer.ggml.padding_token_id", pad_, kNoToken},
      {spec.sep_id, "tokenizer.ggml.seperator_token_id", sep_, kNoToken},
      {spec.eot_id, "tokenizer.ggml.eot_token_id", eot_, kNoToken},
      {spec.eom_id, "tokenizer.ggml.eom_token_id", eom_, kNoToken},
  };
  for (const Entry& e : entries) {
    if (!e.value) {
      e.id = e.fallback;
    } else if (*e.value == -1 || *e.value == kUnsetId32) {
      e.id = kNoToken;  // the converters' way of saying "none"
    } else if (*e.value < 0 || *e.value >= n) {
      return corrupt(std::string(e.key) + " = " + std::to_string(*e.value) + " is outside the vocabulary of " +
                     std::to_string(n) + " tokens");
    } else {
      e.id = static_cast<TokenId>(*e.value);
    }
  }
  if (add_bos_ && bos_ == kNoToken) {
    return corrupt("the vocabulary asks for a BOS token (tokenizer.ggml.add_bos_token) but has no BOS id");
  }
  if (add_eos_ && eos_ == kNoToken) {
    return corrupt("the vocabulary asks for an EOS token (tokenizer.ggml.add_eos_token) but has no EOS id");
  }
  return Status::ok();
}

void Vocab::build_pieces() {
  for (TokenData& t : tokens_) {
    switch (t.type) {
      case TokenType::kControl:
      case TokenType::kUnknown:
      case TokenType::kUserDefined:
        t.piece = t.text;
        break;
      case TokenType::kNormal:
        if (kind_ == VocabKind::kSentencePiece) {
          t.piece = replace_space_marker(t.text);
        } else {
          append_byte_decoded(t.text, t.piece);
        }
        break;
      case TokenType::kByte:
        if (const auto byte = parse_byte_token(t.text)) {
          t.piece.assign(1, static_cast<char>(*byte));
        } else {
          t.piece = kind_ == VocabKind::kSentencePiece ? replace_space_marker(t.text) : t.text;
        }
        break;
      case TokenType::kUnused:
      case TokenType::kUndefined:
        break;  // llama.cpp renders these as nothing
    }
  }
}

void Vocab::build_byte_tokens() {
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<uint8_t>(b);
    TokenId id = kNoToken;
    if (kind_ == VocabKind::kSentencePiece) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      id = find(name);
      if (id == kNoToken) id = find(std::string_view(reinterpret_cast<const char*>(&byte), 1));
    } else {
      std::string mapped;
      append_byte_encoded(std::string_view(reinterpret_cast<const char*>(&byte), 1), mapped);
      id = find(mapped);
    }
    byte_tokens_[b] = id;
  }
}

void Vocab::build_special_lists() {
  for (TokenId id = 0; id < static_cast<TokenId>(tokens_.size()); ++id) {
    const TokenType type = tokens_[id].type;
    if (type == TokenType::kControl || type == TokenType::kUserDefined || type == TokenType::kUnknown) {
      special_by_length_.push_back(id);
    }
  }
  std::stable_sort(special_by_length_.begin(), special_by_length_.end(),
                   [this](TokenId a, TokenId b) { return tokens_[a].text.size() > tokens_[b].text.size(); });

  auto control_with_text = [this](std::string_view text) {
    const TokenId id = find(text);
    return id != kNoToken && tokens_[id].type == TokenType::kControl ? id : kNoToken;
  };
  if (eot_ == kNoToken) {
    for (std::string_view text : kEndOfTurnTexts) {
      if ((eot_ = control_with_text(text)) != kNoToken) break;
    }
  }
  if (eom_ == kNoToken) eom_ = control_with_text("<|eom_id|>");

  for (TokenId id : {eos_, eot_, eom_}) {
    if (id != kNoToken) eog_ids_.push_back(id);
  }
  for (std::string_view text : kEndOfGenerationTexts) {
    const TokenId id = control_with_text(text);
    if (id != kNoToken) eog_ids_.push_back(id);
  }
  std::sort(eog_ids_.begin(), eog_ids_.end());
  eog_ids_.erase(std::unique(eog_ids_.begin(), eog_ids_.end()), eog_ids_.end());
}

bool Vocab::is_special(TokenId id) const {
  const TokenType type = tokens_[id].type;
  return type == TokenType::kControl || type == TokenType::kUnknown;
}

TokenId Vocab::find(std::string_view text) const {
  const auto it = ids_.find(text);
  return it == ids_.end() ? kNoToken : it->second;
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  const auto it = merge_ranks_.find(merge_key(left, right));
  return it == merge_ranks_.end() ? -1 : it->second;
}

bool Vocab::is_end_of_generation(TokenId id) const {
  return std::binary_search(eog_ids_.begin(), eog_ids_.end(), id);
}

}  // namespace coreinfer::tokenizer
