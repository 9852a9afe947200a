// Finds stop strings in streamed text. Text that could still turn into a stop string is held
// back, so a stop string is never shown, even when it arrives split across tokens.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreinfer::llm {

class StopStringMatcher {
 public:
  explicit StopStringMatcher(std::vector<std::string> stops);

  // Adds text; returns what can be shown now. Sets stopped() when a stop string completed
  // (the text returned then ends right before it).
  std::string push(std::string_view text);
  // The held-back text, at the end of generation.
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace coreinfer::llm
