// GGUF v2/v3 reader. Every offset, size, count and string length is checked against the file
// size before use, so a truncated, corrupt or hostile file gives a clear error, never a crash
// or an allocation of absurd size. Tensor data stay in the read-only map.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/mapped_file.h"
#include "core/status.h"
#include "formats/gguf/gguf_value.h"

namespace coreinfer::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
inline constexpr uint32_t kDefaultAlignment = 32;

struct TensorInfo {
  std::string name;
  DType type = DType::kF32;
  // GGUF order: shape[0] is the innermost (contiguous) dimension, i.e. the row length.
  std::vector<int64_t> shape;
  uint64_t offset = 0;        // from the start of the data section
  size_t bytes = 0;           // size of the data
  const uint8_t* data = nullptr;

  int64_t element_count() const;
  int64_t row_length() const { return shape.empty() ? 1 : shape[0]; }
  int64_t row_count() const { return shape.empty() ? 1 : element_count() / shape[0]; }
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  static Result<std::unique_ptr<GgufFile>> parse(std::unique_ptr<MappedFile> file);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  const std::string& path() const { return file_->path(); }
  size_t file_size() const { return file_->size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed getters: kNotFound when the key is missing, kCorrupt when it has another type.
  // get_int accepts every integer type; get_float accepts floats and integers.
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;
  Result<const Array*> get_array(std::string_view key) const;
  int64_t get_int_or(std::string_view key, int64_t fallback) const;
  double get_float_or(std::string_view key, double fallback) const;
  bool get_bool_or(std::string_view key, bool fallback) const;
  std::string get_string_or(std::string_view key, std::string fallback) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  std::unique_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;

  friend class Parser;
};

}  // namespace coreinfer::gguf
