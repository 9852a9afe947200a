// The reversible byte <-> character mapping of byte-level BPE vocabularies (GPT-2's
// bytes_to_unicode): printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
// for themselves, the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) map in byte
// order to U+0100, U+0101, ... So a space is 'Ġ' (U+0120) and a newline 'Ċ' (U+010A).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coreinfer::tokenizer {

uint32_t byte_to_code_point(uint8_t byte);
// The byte a mapped character stands for, or -1 if `code_point` is not one of the 256.
int code_point_to_byte(uint32_t code_point);

// Every byte of `bytes` as its mapped character, UTF-8 encoded.
void append_byte_encoded(std::string_view bytes, std::string& out);

// The inverse: mapped characters back to bytes. A character that is not one of the 256
// (possible only in a vocabulary that is not byte-level) is copied unchanged.
void append_byte_decoded(std::string_view text, std::string& out);

}  // namespace coreinfer::tokenizer
