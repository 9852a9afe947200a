#include "llm/tokenizer/bpe_encoder.h"

#include <queue>
#include <string>

#include "llm/tokenizer/byte_unicode.h"
#include "llm/tokenizer/pre_tokenizer.h"
#include "llm/tokenizer/unicode.h"

namespace coreinfer::tokenizer {
namespace {

struct Symbol {
  uint32_t start;
  uint32_t length;  // 0 once merged into its left neighbour
  int prev;
  int next;
};

struct Candidate {
  int32_t rank;
  int left;
  int right;
  uint32_t left_length;
  uint32_t right_length;
};

// Lowest rank first, then the leftmost pair.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

class BpeWord {
 public:
  BpeWord(const Vocab& vocab, std::string_view mapped) : vocab_(vocab), text_(mapped) {}

  void encode(std::vector<TokenId>& out) {
    for (size_t pos = 0; pos < text_.size();) {
      const uint32_t length = decode_utf8(text_, pos).length;  // mapped text is valid UTF-8
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({static_cast<uint32_t>(pos), length, index - 1, -1});
      if (index > 0) symbols_[index - 1].next = index;
      pos += length;
    }
    if (symbols_.empty()) return;
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add(i - 1, i);
    while (!queue_.empty()) {
      const Candidate c = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[c.left];
      Symbol& right = symbols_[c.right];
      if (left.next != c.right || left.length != c.left_length || right.length != c.right_length) continue;  // stale
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = c.left;
      try_add(left.prev, c.left);
      try_add(c.left, left.next);
    }
    for (int i = 0; i != -1; i = symbols_[i].next) emit(symbols_[i], out);
  }

 private:
  std::string_view text_of(const Symbol& s) const { return text_.substr(s.start, s.length); }

  void try_add(int left, int right) {
    if (left < 0 || right < 0) return;
    const int32_t rank = vocab_.merge_rank(text_of(symbols_[left]), text_of(symbols_[right]));
    if (rank < 0) return;
    queue_.push({rank, left, right, symbols_[left].length, symbols_[right].length});
  }

  void emit(const Symbol& s, std::vector<TokenId>& out) const {
    const std::string_view text = text_of(s);
    const TokenId id = vocab_.find(text);
    if (id != kNoToken) {
      out.push_back(id);
      return;
    }
    for (size_t pos = 0; pos < text.size();) {
      const uint32_t length = decode_utf8(text, pos).length;
      const TokenId char_id = vocab_.find(text.substr(pos, length));
      if (char_id != kNoToken) out.push_back(char_id);
      pos += length;
    }
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue_;
};

}  // namespace

void bpe_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  std::string mapped;
  for (std::string_view word : pre_tokenize(vocab.pre_tokenizer(), text)) {
    mapped.clear();
    append_byte_encoded(word, mapped);
    if (vocab.ignore_merges()) {
      const TokenId id = vocab.find(mapped);
      if (id != kNoToken) {
        out.push_back(id);
        continue;
      }
    }
    BpeWord(vocab, mapped).encode(out);
  }
}

}  // namespace coreinfer::tokenizer
