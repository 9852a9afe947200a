#include "formats/gguf/gguf_writer.h"

#include <cstring>
#include <fstream>

#include "formats/gguf/gguf_file.h"

namespace coreinfer::gguf {
namespace {

class ByteSink {
 public:
  explicit ByteSink(std::vector<uint8_t>& out) : out_(out) {}
  template <typename T>
  void pod(T v) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  void string(const std::string& s) {
    pod<uint64_t>(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void pad_to(size_t alignment) {
    while (out_.size() % alignment != 0) out_.push_back(0);
  }

  void scalar(const Value& v) {
    switch (v.type) {
      case ValueType::kUint8: pod<uint8_t>(static_cast<uint8_t>(v.i)); break;
      case ValueType::kInt8: pod<int8_t>(static_cast<int8_t>(v.i)); break;
      case ValueType::kUint16: pod<uint16_t>(static_cast<uint16_t>(v.i)); break;
      case ValueType::kInt16: pod<int16_t>(static_cast<int16_t>(v.i)); break;
      case ValueType::kUint32: pod<uint32_t>(static_cast<uint32_t>(v.i)); break;
      case ValueType::kInt32: pod<int32_t>(static_cast<int32_t>(v.i)); break;
      case ValueType::kUint64: pod<uint64_t>(v.u); break;
      case ValueType::kInt64: pod<int64_t>(v.i); break;
      case ValueType::kFloat32: pod<float>(static_cast<float>(v.f)); break;
      case ValueType::kFloat64: pod<double>(v.f); break;
      case ValueType::kBool: pod<uint8_t>(v.b ? 1 : 0); break;
      case ValueType::kString: string(v.s); break;
      case ValueType::kArray: array(v.array.at(0)); break;
    }
  }

  void array(const Array& a) {
    pod<uint32_t>(static_cast<uint32_t>(a.elem_type));
    pod<uint64_t>(a.size);
    Value tmp;
    tmp.type = a.elem_type;
    for (uint64_t i = 0; i < a.size; ++i) {
      if (a.elem_type == ValueType::kString) {
        string(a.strings[i]);
      } else if (a.elem_type == ValueType::kArray) {
        array(a.arrays[i]);
      } else if (is_float_type(a.elem_type)) {
        tmp.f = a.floats[i];
        scalar(tmp);
      } else {
        tmp.i = a.ints[i];
        tmp.u = static_cast<uint64_t>(a.ints[i]);
        tmp.b = a.ints[i] != 0;
        scalar(tmp);
      }
    }
  }

 private:
  std::vector<uint8_t>& out_;
};

Value scalar_value(ValueType t) {
  Value v;
  v.type = t;
  return v;
}

}  // namespace

void GgufWriter::set(const std::string& key, Value value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::set_u32(const std::string& key, uint32_t x) {
  Value v = scalar_value(ValueType::kUint32);
  v.i = x;
  v.u = x;
  set(key, std::move(v));
}
void GgufWriter::set_i32(const std::string& key, int32_t x) {
  Value v = scalar_value(ValueType::kInt32);
  v.i = x;
  set(key, std::move(v));
}
void GgufWriter::set_u64(const std::string& key, uint64_t x) {
  Value v = scalar_value(ValueType::kUint64);
  v.u = x;
  v.i = static_cast<int64_t>(x);
  set(key, std::move(v));
}
void GgufWriter::set_f32(const std::string& key, float x) {
  Value v = scalar_value(ValueType::kFloat32);
  v.f = x;
  set(key, std::move(v));
}
void GgufWriter::set_bool(const std::string& key, bool x) {
  Value v = scalar_value(ValueType::kBool);
  v.b = x;
  v.i = x;
  set(key, std::move(v));
}
void GgufWriter::set_string(const std::string& key, const std::string& x) {
  Value v = scalar_value(ValueType::kString);
  v.s = x;
  set(key, std::move(v));
}
void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& x) {
  Value v = scalar_value(ValueType::kArray);
  v.array.resize(1);
  v.array[0].elem_type = ValueType::kString;
  v.array[0].size = x.size();
  v.array[0].strings = x;
  set(key, std::move(v));
}
void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& x) {
  Value v = scalar_value(ValueType::kArray);
  v.array.resize(1);
  v.array[0].elem_type = ValueType::kFloat32;
  v.array[0].size = x.size();
  v.array[0].floats.assign(x.begin(), x.end());
  set(key, std::move(v));
}
void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& x) {
  Value v = scalar_value(ValueType::kArray);
  v.array.resize(1);
  v.array[0].elem_type = ValueType::kInt32;
  v.array[0].size = x.size();
  v.array[0].ints.assign(x.begin(), x.end());
  set(key, std::move(v));
}

Status GgufWriter::add_tensor(const std::string& name, DType type, const std::vector<int64_t>& shape,
                              const void* data, size_t bytes) {
  if (shape.empty() || shape.size() > 4) return invalid_argument("tensor '" + name + "' needs 1 to 4 dimensions");
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d <= 0) return invalid_argument("tensor '" + name + "' has a non-positive dimension");
    n *= d;
  }
  const DTypeInfo& info = dtype_info(type);
  if (shape[0] % info.block_size != 0) {
    return invalid_argument("tensor '" + name + "' row length is not a multiple of the block size");
  }
  if (bytes != row_bytes(type, n)) {
    return invalid_argument("tensor '" + name + "' data has " + std::to_string(bytes) + " bytes, expected " +
                            std::to_string(row_bytes(type, n)));
  }
  PendingTensor t{name, type, shape, {}};
  t.data.assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + bytes);
  tensors_.push_back(std::move(t));
  return Status::ok();
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out;
  ByteSink sink(out);
  sink.pod<uint32_t>(kMagic);
  sink.pod<uint32_t>(3);
  sink.pod<uint64_t>(tensors_.size());
  const bool write_alignment = alignment_ != kDefaultAlignment;
  sink.pod<uint64_t>(metadata_.size() + (write_alignment ? 1 : 0));
  if (write_alignment) {
    sink.string("general.alignment");
    sink.pod<uint32_t>(static_cast<uint32_t>(ValueType::kUint32));
    sink.pod<uint32_t>(alignment_);
  }
  for (const auto& [key, value] : metadata_) {
    sink.string(key);
    sink.pod<uint32_t>(static_cast<uint32_t>(value.type));
    sink.scalar(value);
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    sink.string(t.name);
    sink.pod<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) sink.pod<uint64_t>(static_cast<uint64_t>(d));
    sink.pod<uint32_t>(static_cast<uint32_t>(t.type));
    sink.pod<uint64_t>(offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  sink.pad_to(alignment_);
  for (const PendingTensor& t : tensors_) {
    out.insert(out.end(), t.data.begin(), t.data.end());
    sink.pad_to(alignment_);
  }
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  const std::vector<uint8_t> bytes = to_bytes();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return io_error("cannot create " + path);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) return io_error("cannot write " + path);
  return Status::ok();
}

}  // namespace coreinfer::gguf
