#include "support/test_support.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace coreinfer::testing {

std::string data_path(const std::string& relative) { return std::string(COREINFER_TEST_DATA) + "/" + relative; }
std::string asset_path(const std::string& relative) { return std::string(COREINFER_ASSETS) + "/" + relative; }

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<float> read_f32_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

ErrorStats compare(const float* actual, const float* expected, size_t n) {
  double err2 = 0, ref2 = 0, max_abs = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(actual[i]) - static_cast<double>(expected[i]);
    err2 += d * d;
    ref2 += static_cast<double>(expected[i]) * expected[i];
    max_abs = std::max(max_abs, std::fabs(d));
    if (std::isnan(actual[i]) != std::isnan(expected[i])) max_abs = INFINITY;
  }
  return {ref2 > 0 ? err2 / ref2 : err2, max_abs};
}

}  // namespace coreinfer::testing
