// GGUF v3 writer: metadata of every type and tensors, laid out with the file's alignment.
// Used by the tests (models built in memory) and by the benchmark's synthetic-model generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "formats/gguf/gguf_value.h"

namespace coreinfer::gguf {

class GgufWriter {
 public:
  void set_alignment(uint32_t alignment) { alignment_ = alignment; }

  void set(const std::string& key, Value value);
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_u64(const std::string& key, uint64_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  void set_f32_array(const std::string& key, const std::vector<float>& v);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v);

  // `shape` in GGUF order (shape[0] = row length). `data` must be row_bytes(type, n) long.
  Status add_tensor(const std::string& name, DType type, const std::vector<int64_t>& shape,
                    const void* data, size_t bytes);

  std::vector<uint8_t> to_bytes() const;
  Status write(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    DType type;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  uint32_t alignment_ = 32;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace coreinfer::gguf
