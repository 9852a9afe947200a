#include "formats/onnx/onnx_tensor_io.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "formats/onnx/tensor_proto.h"

namespace coreinfer {

namespace {

constexpr uint64_t kMaxTensorFileBytes = uint64_t{4} << 30;

Result<std::vector<uint8_t>> read_all(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return not_found("cannot open tensor file '" + path + "': " + ec.message());
  if (size > kMaxTensorFileBytes) return out_of_range("tensor file '" + path + "' is larger than 4 GiB");
  std::vector<uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    return io_error("cannot read '" + path + "'");
  return bytes;
}

Result<ElemType> npy_type(const std::string& descr) {
  static const std::pair<const char*, ElemType> kTypes[] = {
      {"f4", ElemType::kFloat}, {"f8", ElemType::kDouble}, {"f2", ElemType::kFloat16}, {"i1", ElemType::kInt8},
      {"u1", ElemType::kUint8}, {"i2", ElemType::kInt16},  {"u2", ElemType::kUint16},  {"i4", ElemType::kInt32},
      {"u4", ElemType::kUint32}, {"i8", ElemType::kInt64}, {"u8", ElemType::kUint64},  {"b1", ElemType::kBool}};
  if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '|' || descr[0] == '='))
    for (const auto& [code, type] : kTypes)
      if (descr.substr(1) == code) return type;
  return unsupported("NumPy dtype '" + descr + "' is not supported (little-endian numeric types only)");
}

// NumPy format 1.0 / 2.0: magic, version, header length, a Python dict literal, then the data.
Result<Tensor> parse_npy(const std::vector<uint8_t>& b, const std::string& path) {
  const std::string where = "'" + path + "': ";
  if (b.size() < 10) return corrupt(where + "truncated .npy header");
  const int major = b[6];
  size_t header_len = 0, pos = 0;
  if (major == 1) {
    header_len = b[8] | (b[9] << 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) return corrupt(where + "truncated .npy header");
    header_len = b[8] | (b[9] << 8) | (b[10] << 16) | (static_cast<size_t>(b[11]) << 24);
    pos = 12;
  } else {
    return unsupported(where + ".npy version " + std::to_string(major) + " is not supported");
  }
  if (header_len > b.size() - pos) return corrupt(where + "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(b.data() + pos), header_len);
  pos += header_len;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    return corrupt(where + ".npy header has no descr");
  CI_ASSIGN_OR_RETURN(ElemType type, npy_type(m[1]));
  if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True")))
    return unsupported(where + "Fortran-ordered .npy arrays are not supported");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    return corrupt(where + ".npy header has no shape");
  Shape shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    if (it->str().size() > 15) return corrupt(where + ".npy dimension too large");
    shape.push_back(std::stoll(it->str()));
  }
  CI_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(type, shape));
  if (b.size() - pos != t.bytes())
    return corrupt(where + "holds " + std::to_string(b.size() - pos) + " data bytes, its shape " + shape_string(shape) +
                   " needs " + std::to_string(t.bytes()));
  if (t.bytes()) std::memcpy(t.raw(), b.data() + pos, t.bytes());
  return t;
}

}  // namespace

Result<NamedTensor> read_tensor_file(const std::string& path) {
  CI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_all(path));
  if (bytes.size() >= 6 && bytes[0] == 0x93 && std::memcmp(bytes.data() + 1, "NUMPY", 5) == 0) {
    CI_ASSIGN_OR_RETURN(Tensor t, parse_npy(bytes, path));
    return NamedTensor{std::filesystem::path(path).stem().string(), std::move(t)};
  }
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return corrupt("'" + path + "' is neither an ONNX TensorProto (.pb) nor a NumPy (.npy) file");
  auto t = tensor_from_proto(proto, std::filesystem::path(path).parent_path().string());
  if (!t.is_ok()) return Status(t.status().code(), "'" + path + "': " + t.status().message());
  return NamedTensor{proto.name(), std::move(t).value()};
}

Status write_tensor_pb(const std::string& path, const std::string& name, const Tensor& tensor) {
  onnx::TensorProto proto;
  tensor_to_proto(tensor, name, &proto);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !proto.SerializeToOstream(&out)) return io_error("cannot write '" + path + "'");
  return Status::ok();
}

}  // namespace coreinfer
