#include "llm/tokenizer/byte_unicode.h"

#include <array>

#include "llm/tokenizer/unicode.h"

namespace coreinfer::tokenizer {
namespace {

constexpr bool stands_for_itself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

constexpr std::array<uint32_t, 256> make_byte_to_code_point() {
  std::array<uint32_t, 256> table{};
  uint32_t next_extra = 0x100;
  for (int b = 0; b < 256; ++b) table[b] = stands_for_itself(b) ? static_cast<uint32_t>(b) : next_extra++;
  return table;
}

constexpr auto kByteToCodePoint = make_byte_to_code_point();
constexpr uint32_t kLastMappedCodePoint = 0x100 + 68 - 1;

constexpr std::array<int16_t, kLastMappedCodePoint + 1> make_code_point_to_byte() {
  std::array<int16_t, kLastMappedCodePoint + 1> table{};
  for (auto& v : table) v = -1;
  for (int b = 0; b < 256; ++b) table[kByteToCodePoint[b]] = static_cast<int16_t>(b);
  return table;
}

constexpr auto kCodePointToByte = make_code_point_to_byte();

}  // namespace

uint32_t byte_to_code_point(uint8_t byte) { return kByteToCodePoint[byte]; }

int code_point_to_byte(uint32_t code_point) {
  return code_point <= kLastMappedCodePoint ? kCodePointToByte[code_point] : -1;
}

void append_byte_encoded(std::string_view bytes, std::string& out) {
  for (char c : bytes) append_utf8(kByteToCodePoint[static_cast<uint8_t>(c)], out);
}

void append_byte_decoded(std::string_view text, std::string& out) {
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Char c = decode_utf8(text, pos);
    const int byte = c.status == Utf8Status::kValid ? code_point_to_byte(c.code_point) : -1;
    if (byte >= 0) {
      out.push_back(static_cast<char>(byte));
    } else {
      out.append(text.substr(pos, c.length));
    }
    pos += c.length;
  }
}

}  // namespace coreinfer::tokenizer
