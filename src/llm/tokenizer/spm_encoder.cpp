#include "llm/tokenizer/spm_encoder.h"

#include <queue>

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
  float score;
  int left;
  int right;
  uint32_t length;  // bytes of left + right when the candidate was made
};

// Highest score first, then the leftmost pair.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmSession {
 public:
  SpmSession(const Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void encode(std::vector<TokenId>& out) {
    split_characters();
    if (symbols_.empty()) return;
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add(i - 1, i);
    while (!queue_.empty()) {
      const Candidate c = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[c.left];
      Symbol& right = symbols_[c.right];
      if (left.length == 0 || right.length == 0 || left.length + right.length != c.length) continue;  // stale
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
  void split_characters() {
    for (size_t pos = 0; pos < text_.size();) {
      const Utf8Char u = decode_utf8(text_, pos);
      const uint32_t length = u.status == Utf8Status::kValid ? u.length : 1;
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({static_cast<uint32_t>(pos), length, index - 1, -1});
      if (index > 0) symbols_[index - 1].next = index;
      pos += length;
    }
  }

  std::string_view text_of(const Symbol& s) const { return text_.substr(s.start, s.length); }

  void try_add(int left, int right) {
    if (left < 0 || right < 0) return;
    const uint32_t length = symbols_[left].length + symbols_[right].length;
    const TokenId id = vocab_.find(text_.substr(symbols_[left].start, length));
    if (id == kNoToken) return;
    queue_.push({vocab_.score(id), left, right, length});
  }

  void emit(const Symbol& s, std::vector<TokenId>& out) const {
    const std::string_view text = text_of(s);
    const TokenId id = vocab_.find(text);
    if (id != kNoToken) {
      out.push_back(id);
      return;
    }
    for (char c : text) {
      TokenId byte_id = vocab_.byte_token(static_cast<uint8_t>(c));
      if (byte_id == kNoToken) byte_id = vocab_.unk();
      if (byte_id != kNoToken) out.push_back(byte_id);
    }
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue_;
};

}  // namespace

void spm_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  SpmSession(vocab, text).encode(out);
}

}  // namespace coreinfer::tokenizer
