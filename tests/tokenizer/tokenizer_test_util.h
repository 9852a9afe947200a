// Shared by the tokenizer tests: the reference vocabularies (loaded once per process) and
// JSON-lines reading.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "formats/gguf/gguf_file.h"
#include "llm/tokenizer/tokenizer.h"
#include "support/test_support.h"

namespace coreinfer::testing {

// tests/data/tokenizer/<name>, or assets/models/<name> for the stories260K model.
inline std::string tokenizer_file(const std::string& name) {
  if (name == "stories260K.gguf") return asset_path("models/stories260K.gguf");
  return data_path("tokenizer/" + name);
}

// nullptr (and a test failure) if the file does not load.
inline const tokenizer::Tokenizer* reference_tokenizer(const std::string& gguf_name) {
  static std::map<std::string, std::unique_ptr<tokenizer::Tokenizer>> cache;
  auto it = cache.find(gguf_name);
  if (it != cache.end()) return it->second.get();
  auto file = gguf::GgufFile::open(tokenizer_file(gguf_name));
  if (!file.is_ok()) {
    ADD_FAILURE() << gguf_name << ": " << file.status().to_string();
    return nullptr;
  }
  auto tok = tokenizer::Tokenizer::from_gguf(**file);
  if (!tok.is_ok()) {
    ADD_FAILURE() << gguf_name << ": " << tok.status().to_string();
    return nullptr;
  }
  auto& slot = cache[gguf_name];
  slot = std::make_unique<tokenizer::Tokenizer>(std::move(tok).value());
  return slot.get();
}

inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

inline std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::ostringstream ss;
  ss << "[";
  for (size_t i = 0; i < ids.size(); ++i) ss << (i ? " " : "") << ids[i];
  ss << "]";
  return ss.str();
}

// Text with control characters escaped, for failure messages.
inline std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace coreinfer::testing
