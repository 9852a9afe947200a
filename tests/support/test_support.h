// Helpers shared by the tests: where the data is, reading small files, comparing arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coreinfer::testing {

// tests/data/<relative>
std::string data_path(const std::string& relative);
// assets/<relative>
std::string asset_path(const std::string& relative);

std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);
// A little-endian float32 file.
std::vector<float> read_f32_file(const std::string& path);

struct ErrorStats {
  double nmse = 0;     // sum((a-b)^2) / sum(b^2)
  double max_abs = 0;  // max |a-b|
};
ErrorStats compare(const float* actual, const float* expected, size_t n);

}  // namespace coreinfer::testing
