// A tokenizer vocabulary: token texts, scores and types, merges, special ids and the flags
// that steer encoding and decoding. Built from a VocabSpec (the raw GGUF metadata) and
// validated once, so the tokenizers can index without checks afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace coreinfer::tokenizer {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

// GGUF tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

enum class VocabKind : uint8_t {
  kSentencePiece,     // tokenizer.ggml.model = "llama"
  kBytePairEncoding,  // tokenizer.ggml.model = "gpt2" (byte-level BPE)
};

// How BPE text is split into words before merging.
enum class PreTokenizerKind : uint8_t {
  kNone,    // SentencePiece vocabularies
  kGpt2,    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  // \s*[\r\n]+|\s+(?!\S)|\s+
  kLlama3,
};

// The vocabulary metadata as stored in a GGUF file (keys tokenizer.ggml.*); unset optionals
// take llama.cpp's defaults for the model type.
struct VocabSpec {
  std::string model;                // "llama" or "gpt2"
  std::string pre;                  // BPE pre-tokenizer name, e.g. "llama-bpe"; empty = GPT-2's
  std::vector<std::string> tokens;  // id -> text
  std::vector<float> scores;        // empty = all 0
  std::vector<int32_t> token_types; // empty = all normal
  std::vector<std::string> merges;  // BPE: "left right", rank = index
  std::optional<int64_t> bos_id, eos_id, unk_id, pad_id, sep_id, eot_id, eom_id;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
};

class Vocab {
 public:
  // Validates the spec: every id in range, arrays of the vocabulary's length, known model and
  // pre-tokenizer, no duplicate token texts, merges of the form "left right".
  static Result<Vocab> create(VocabSpec spec);

  VocabKind kind() const { return kind_; }
  PreTokenizerKind pre_tokenizer() const { return pre_tokenizer_; }
  size_t size() const { return tokens_.size(); }
  bool contains(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); }

  // These take a valid id (contains(id)).
  const std::string& text(TokenId id) const { return tokens_[id].text; }
  float score(TokenId id) const { return tokens_[id].score; }
  TokenType type(TokenId id) const { return tokens_[id].type; }
  // The bytes this token stands for in decoded text ("▁the" -> " the", "<0x0A>" -> "\n",
  // "Ġthe" -> " the"); control and unknown tokens give their text, unused ones nothing.
  const std::string& piece(TokenId id) const { return tokens_[id].piece; }
  // Control and unknown tokens: their piece is shown only when asked for.
  bool is_special(TokenId id) const;

  TokenId find(std::string_view text) const;  // kNoToken if no token has this text
  // Rank of the BPE merge (left, right), or -1.
  int32_t merge_rank(std::string_view left, std::string_view right) const;
  // SPM "<0xXX>" (or the one-byte token); BPE the byte's mapped character. kNoToken if absent.
  TokenId byte_token(uint8_t byte) const { return byte_tokens_[byte]; }

  TokenId bos() const { return bos_; }
  TokenId eos() const { return eos_; }
  TokenId unk() const { return unk_; }
  TokenId pad() const { return pad_; }
  TokenId sep() const { return sep_; }
  TokenId eot() const { return eot_; }
  TokenId eom() const { return eom_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  bool ignore_merges() const { return ignore_merges_; }  // BPE: a word that is a token is not merged
  bool clean_spaces() const { return clean_spaces_; }    // decode removes " ," " 's" ... like llama.cpp

  // End of generation: EOS, EOT, EOM and control tokens such as <|eot_id|> or <|im_end|>.
  bool is_end_of_generation(TokenId id) const;
  const std::vector<TokenId>& end_of_generation_ids() const { return eog_ids_; }

  // Control, user-defined and unknown tokens, longest text first: the ones matched in raw
  // text before tokenizing.
  const std::vector<TokenId>& special_tokens_longest_first() const { return special_by_length_; }

 private:
  struct TokenData {
    std::string text;
    std::string piece;
    float score = 0;
    TokenType type = TokenType::kNormal;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using TextIndex = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

  Status build_tokens(VocabSpec& spec);
  Status build_merges(const VocabSpec& spec);
  Status resolve_special_ids(const VocabSpec& spec);
  void build_pieces();
  void build_byte_tokens();
  void build_special_lists();

  VocabKind kind_ = VocabKind::kSentencePiece;
  PreTokenizerKind pre_tokenizer_ = PreTokenizerKind::kNone;
  std::vector<TokenData> tokens_;
  TextIndex ids_;
  TextIndex merge_ranks_;  // key: merge_key(left, right)
  std::array<TokenId, 256> byte_tokens_{};
  TokenId bos_ = kNoToken, eos_ = kNoToken, unk_ = kNoToken, pad_ = kNoToken, sep_ = kNoToken;
  TokenId eot_ = kNoToken, eom_ = kNoToken;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
  bool ignore_merges_ = false, clean_spaces_ = false;
  std::vector<TokenId> eog_ids_;
  std::vector<TokenId> special_by_length_;
};

}  // namespace coreinfer::tokenizer
