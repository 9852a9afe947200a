#include "formats/gguf/gguf_file.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace coreinfer::gguf {
namespace {

constexpr uint32_t kMaxDims = 4;           // GGUF tensors have at most 4 dimensions
constexpr int kMaxArrayNesting = 4;        // arrays of arrays of ... deeper than this are refused
constexpr uint64_t kMaxStringBytes = 1u << 30;

// Smallest encoded size of one value of each type (arrays and strings: their headers),
// used to refuse counts that the remaining bytes could not possibly hold.
uint64_t min_encoded_size(ValueType t) {
  switch (t) {
    case ValueType::kUint8: case ValueType::kInt8: case ValueType::kBool: return 1;
    case ValueType::kUint16: case ValueType::kInt16: return 2;
    case ValueType::kUint32: case ValueType::kInt32: case ValueType::kFloat32: return 4;
    case ValueType::kUint64: case ValueType::kInt64: case ValueType::kFloat64: return 8;
    case ValueType::kString: return 8;
    case ValueType::kArray: return 12;
  }
  return 1;
}

}  // namespace

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kUint8: return "uint8";
    case ValueType::kInt8: return "int8";
    case ValueType::kUint16: return "uint16";
    case ValueType::kInt16: return "int16";
    case ValueType::kUint32: return "uint32";
    case ValueType::kInt32: return "int32";
    case ValueType::kFloat32: return "float32";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kUint64: return "uint64";
    case ValueType::kInt64: return "int64";
    case ValueType::kFloat64: return "float64";
  }
  return "?";
}

int64_t TensorInfo::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Reads the file front to back; every read is bounds-checked against the file size.
class Parser {
 public:
  Parser(const uint8_t* data, size_t size, const std::string& path) : data_(data), size_(size), path_(path) {}

  Status parse(GgufFile& out) {
    uint32_t magic = 0;
    CI_RETURN_IF_ERROR(read_pod(&magic, "magic"));
    if (magic != kMagic) return fail("not a GGUF file (bad magic)");
    CI_RETURN_IF_ERROR(read_pod(&out.version_, "version"));
    if (out.version_ < 2 || out.version_ > 3) {
      return unsupported(path_ + ": GGUF version " + std::to_string(out.version_) + " is not supported (need 2 or 3)");
    }
    uint64_t n_tensors = 0, n_kv = 0;
    CI_RETURN_IF_ERROR(read_pod(&n_tensors, "tensor count"));
    CI_RETURN_IF_ERROR(read_pod(&n_kv, "metadata count"));
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info
    // at least 8 + 4 + 4 + 8.
    if (n_kv > remaining() / 13) return fail("metadata count " + std::to_string(n_kv) + " exceeds the file size");
    if (n_tensors > remaining() / 24) return fail("tensor count " + std::to_string(n_tensors) + " exceeds the file size");

    out.metadata_.reserve(n_kv);
    for (uint64_t i = 0; i < n_kv; ++i) {
      std::string key;
      CI_RETURN_IF_ERROR(read_string(&key, "metadata key"));
      uint32_t raw_type = 0;
      CI_RETURN_IF_ERROR(read_pod(&raw_type, "value type of '" + key + "'"));
      Value value;
      CI_RETURN_IF_ERROR(read_value(raw_type, &value, key, 0));
      if (!out.metadata_index_.emplace(key, out.metadata_.size()).second) {
        return fail("metadata key '" + key + "' appears twice");
      }
      out.metadata_.emplace_back(std::move(key), std::move(value));
    }

    if (const Value* a = out.find("general.alignment")) {
      if (!is_integer_type(a->type) || a->i <= 0 || a->i > (1 << 20) || (a->i & (a->i - 1)) != 0) {
        return fail("general.alignment must be a power of two integer");
      }
      out.alignment_ = static_cast<uint32_t>(a->i);
    }

    out.tensors_.reserve(n_tensors);
    for (uint64_t i = 0; i < n_tensors; ++i) {
      TensorInfo t;
      CI_RETURN_IF_ERROR(read_tensor_info(&t));
      if (!out.tensor_index_.emplace(t.name, out.tensors_.size()).second) {
        return fail("tensor '" + t.name + "' appears twice");
      }
      out.tensors_.push_back(std::move(t));
    }

    const uint64_t data_start = (pos_ + out.alignment_ - 1) / out.alignment_ * out.alignment_;
    if (n_tensors > 0 && data_start > size_) return fail("the tensor data section starts past the end of the file");
    const uint64_t data_size = data_start <= size_ ? size_ - data_start : 0;
    return place_tensors(out, data_start, data_size);
  }

 private:
  Status fail(const std::string& what) const { return corrupt(path_ + ": " + what); }
  uint64_t remaining() const { return size_ - pos_; }

  template <typename T>
  Status read_pod(T* out, const std::string& what) {
    if (remaining() < sizeof(T)) return fail("file ends inside " + what + " at offset " + std::to_string(pos_));
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::ok();
  }

  Status read_string(std::string* out, const std::string& what) {
    uint64_t len = 0;
    CI_RETURN_IF_ERROR(read_pod(&len, what + " length"));
    if (len > remaining() || len > kMaxStringBytes) {
      return fail(what + " length " + std::to_string(len) + " at offset " + std::to_string(pos_ - 8) +
                  " exceeds the file size");
    }
    out->assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return Status::ok();
  }

  Status read_scalar(ValueType type, Value* v, const std::string& key) {
    v->type = type;
    switch (type) {
      case ValueType::kUint8: { uint8_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = x; return Status::ok(); }
      case ValueType::kInt8: { int8_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = static_cast<uint64_t>(v->i); return Status::ok(); }
      case ValueType::kUint16: { uint16_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = x; return Status::ok(); }
      case ValueType::kInt16: { int16_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = static_cast<uint64_t>(v->i); return Status::ok(); }
      case ValueType::kUint32: { uint32_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = x; return Status::ok(); }
      case ValueType::kInt32: { int32_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = static_cast<uint64_t>(v->i); return Status::ok(); }
      case ValueType::kUint64: { uint64_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->u = x; v->i = static_cast<int64_t>(x); return Status::ok(); }
      case ValueType::kInt64: { int64_t x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->i = x; v->u = static_cast<uint64_t>(x); return Status::ok(); }
      case ValueType::kFloat32: { float x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->f = x; return Status::ok(); }
      case ValueType::kFloat64: { double x{}; CI_RETURN_IF_ERROR(read_pod(&x, key)); v->f = x; return Status::ok(); }
      case ValueType::kBool: {
        uint8_t x = 0;
        CI_RETURN_IF_ERROR(read_pod(&x, key));
        if (x > 1) return fail("bool value of '" + key + "' is " + std::to_string(x));
        v->b = x != 0;
        v->i = x;
        return Status::ok();
      }
      case ValueType::kString: return read_string(&v->s, "string value of '" + key + "'");
      case ValueType::kArray: break;
    }
    return internal_error("read_scalar called for an array");
  }

  Status read_value(uint32_t raw_type, Value* v, const std::string& key, int depth) {
    if (raw_type >= kValueTypeCount) {
      return fail("metadata '" + key + "' has unknown value type " + std::to_string(raw_type));
    }
    const auto type = static_cast<ValueType>(raw_type);
    if (type != ValueType::kArray) return read_scalar(type, v, key);
    v->type = ValueType::kArray;
    v->array.resize(1);
    return read_array(&v->array[0], key, depth);
  }

  Status read_array(Array* a, const std::string& key, int depth) {
    if (depth >= kMaxArrayNesting) return fail("metadata '" + key + "' nests arrays too deeply");
    uint32_t raw_elem = 0;
    CI_RETURN_IF_ERROR(read_pod(&raw_elem, "array type of '" + key + "'"));
    if (raw_elem >= kValueTypeCount) {
      return fail("array '" + key + "' has unknown element type " + std::to_string(raw_elem));
    }
    a->elem_type = static_cast<ValueType>(raw_elem);
    CI_RETURN_IF_ERROR(read_pod(&a->size, "array length of '" + key + "'"));
    if (a->size > remaining() / min_encoded_size(a->elem_type)) {
      return fail("array '" + key + "' claims " + std::to_string(a->size) + " elements, more than the file holds");
    }
    const size_t n = static_cast<size_t>(a->size);
    const ValueType et = a->elem_type;
    if (et == ValueType::kString) {
      a->strings.resize(n);
      for (size_t i = 0; i < n; ++i) CI_RETURN_IF_ERROR(read_string(&a->strings[i], "element of '" + key + "'"));
    } else if (et == ValueType::kArray) {
      a->arrays.resize(n);
      for (size_t i = 0; i < n; ++i) CI_RETURN_IF_ERROR(read_array(&a->arrays[i], key, depth + 1));
    } else if (is_float_type(et)) {
      a->floats.resize(n);
      Value tmp;
      for (size_t i = 0; i < n; ++i) {
        CI_RETURN_IF_ERROR(read_scalar(et, &tmp, key));
        a->floats[i] = tmp.f;
      }
    } else {
      a->ints.resize(n);
      Value tmp;
      for (size_t i = 0; i < n; ++i) {
        CI_RETURN_IF_ERROR(read_scalar(et, &tmp, key));
        a->ints[i] = tmp.i;
      }
    }
    return Status::ok();
  }

  Status read_tensor_info(TensorInfo* t) {
    CI_RETURN_IF_ERROR(read_string(&t->name, "tensor name"));
    uint32_t n_dims = 0;
    CI_RETURN_IF_ERROR(read_pod(&n_dims, "dimension count of tensor '" + t->name + "'"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return fail("tensor '" + t->name + "' has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    }
    t->shape.resize(n_dims);
    int64_t count = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      CI_RETURN_IF_ERROR(read_pod(&dim, "shape of tensor '" + t->name + "'"));
      if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          static_cast<int64_t>(dim) > std::numeric_limits<int64_t>::max() / count) {
        return fail("tensor '" + t->name + "' has an invalid dimension " + std::to_string(dim));
      }
      t->shape[d] = static_cast<int64_t>(dim);
      count *= t->shape[d];
    }
    uint32_t raw_type = 0;
    CI_RETURN_IF_ERROR(read_pod(&raw_type, "type of tensor '" + t->name + "'"));
    const DTypeInfo* info = dtype_info(raw_type);
    if (info == nullptr || raw_type >= 1000) {
      return unsupported(path_ + ": tensor '" + t->name + "' has tensor type " + std::to_string(raw_type) +
                         ", which coreinfer does not support");
    }
    t->type = info->type;
    if (t->shape[0] % info->block_size != 0) {
      return fail("tensor '" + t->name + "' has row length " + std::to_string(t->shape[0]) +
                  ", not a multiple of the " + std::string(info->name) + " block size " +
                  std::to_string(info->block_size));
    }
    const uint64_t blocks = static_cast<uint64_t>(count / info->block_size);
    if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(info->block_bytes)) {
      return fail("tensor '" + t->name + "' is too large");
    }
    t->bytes = static_cast<size_t>(blocks * static_cast<uint64_t>(info->block_bytes));
    CI_RETURN_IF_ERROR(read_pod(&t->offset, "data offset of tensor '" + t->name + "'"));
    return Status::ok();
  }

  Status place_tensors(GgufFile& out, uint64_t data_start, uint64_t data_size) {
    std::vector<TensorInfo*> by_offset;
    by_offset.reserve(out.tensors_.size());
    for (TensorInfo& t : out.tensors_) {
      if (t.offset % out.alignment_ != 0) {
        return fail("tensor '" + t.name + "' data offset " + std::to_string(t.offset) + " is not aligned to " +
                    std::to_string(out.alignment_));
      }
      if (t.offset > data_size || t.bytes > data_size - t.offset) {
        return fail("tensor '" + t.name + "' (" + std::to_string(t.bytes) + " bytes at data offset " +
                    std::to_string(t.offset) + ") extends past the end of the file; the file may be truncated");
      }
      t.data = data_ + data_start + t.offset;
      by_offset.push_back(&t);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const TensorInfo& prev = *by_offset[i - 1];
      if (prev.offset + prev.bytes > by_offset[i]->offset) {
        return fail("tensors '" + prev.name + "' and '" + by_offset[i]->name + "' overlap");
      }
    }
    return Status::ok();
  }

  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& path_;
};

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  CI_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::open(path));
  return parse(std::move(file));
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(std::unique_ptr<MappedFile> file) {
  std::unique_ptr<GgufFile> out(new GgufFile());
  Parser parser(file->data(), file->size(), file->path());
  CI_RETURN_IF_ERROR(parser.parse(*out));
  out->file_ = std::move(file);
  return out;
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
Status missing(std::string_view key) { return not_found("metadata key '" + std::string(key) + "' is missing"); }
Status wrong_type(std::string_view key, ValueType have, const char* want) {
  return corrupt("metadata key '" + std::string(key) + "' is " + value_type_name(have) + ", expected " + want);
}
}  // namespace

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (!is_integer_type(v->type)) return wrong_type(key, v->type, "an integer");
  return v->i;
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (is_float_type(v->type)) return v->f;
  if (is_integer_type(v->type)) return static_cast<double>(v->i);
  return wrong_type(key, v->type, "a number");
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::kBool) return wrong_type(key, v->type, "a bool");
  return v->b;
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::kString) return wrong_type(key, v->type, "a string");
  return v->s;
}

Result<const Array*> GgufFile::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->as_array() == nullptr) return wrong_type(key, v->type, "an array");
  return v->as_array();
}

int64_t GgufFile::get_int_or(std::string_view key, int64_t fallback) const {
  auto r = get_int(key);
  return r.is_ok() ? *r : fallback;
}
double GgufFile::get_float_or(std::string_view key, double fallback) const {
  auto r = get_float(key);
  return r.is_ok() ? *r : fallback;
}
bool GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  auto r = get_bool(key);
  return r.is_ok() ? *r : fallback;
}
std::string GgufFile::get_string_or(std::string_view key, std::string fallback) const {
  auto r = get_string(key);
  return r.is_ok() ? *r : fallback;
}

}  // namespace coreinfer::gguf
