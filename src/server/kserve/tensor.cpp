#include "server/kserve/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "server/json_util.h"

namespace coreinfer::server::kserve {
namespace {

using nlohmann::json;

void flatten(const json& v, std::vector<const json*>& out, bool& ok) {
  if (v.is_array()) {
    for (const json& e : v) flatten(e, out, ok);
  } else {
    out.push_back(&v);
  }
}

template <typename T>
bool append_number(const json& v, std::vector<uint8_t>& raw) {
  T x{};
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) return false;
    x = v.get<bool>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) return false;
    x = static_cast<T>(v.get<double>());
  } else {
    if (!v.is_number_integer()) return false;
    if constexpr (std::is_signed_v<T>) {
      if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
      const int64_t i = v.get<int64_t>();
      if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) return false;
      x = static_cast<T>(i);
    } else {
      if (!v.is_number_unsigned()) return false;
      const uint64_t i = v.get<uint64_t>();
      if (i > std::numeric_limits<T>::max()) return false;
      x = static_cast<T>(i);
    }
  }
  const size_t at = raw.size();
  raw.resize(at + sizeof(T));
  std::memcpy(raw.data() + at, &x, sizeof(T));
  return true;
}

bool append_element(const std::string& dt, const json& v, std::vector<uint8_t>& raw) {
  if (dt == "BOOL") return append_number<bool>(v, raw);
  if (dt == "UINT8") return append_number<uint8_t>(v, raw);
  if (dt == "UINT16") return append_number<uint16_t>(v, raw);
  if (dt == "UINT32") return append_number<uint32_t>(v, raw);
  if (dt == "UINT64") return append_number<uint64_t>(v, raw);
  if (dt == "INT8") return append_number<int8_t>(v, raw);
  if (dt == "INT16") return append_number<int16_t>(v, raw);
  if (dt == "INT32") return append_number<int32_t>(v, raw);
  if (dt == "INT64") return append_number<int64_t>(v, raw);
  if (dt == "FP32") return append_number<float>(v, raw);
  if (dt == "FP64") return append_number<double>(v, raw);
  return false;  // FP16 and BF16 travel as binary data only
}

}  // namespace

int element_size(const std::string& dt) {
  if (dt == "BOOL" || dt == "UINT8" || dt == "INT8") return 1;
  if (dt == "UINT16" || dt == "INT16" || dt == "FP16" || dt == "BF16") return 2;
  if (dt == "UINT32" || dt == "INT32" || dt == "FP32") return 4;
  if (dt == "UINT64" || dt == "INT64" || dt == "FP64") return 8;
  if (dt == "BYTES") return 0;
  return -1;
}

std::variant<InferRequest, ApiError> parse_infer_request(const std::string& body, int64_t header_length,
                                                         const InferLimits& limits) {
  if (header_length > static_cast<int64_t>(body.size())) {
    return bad_request("Inference-Header-Content-Length (" + std::to_string(header_length) +
                       ") is larger than the body (" + std::to_string(body.size()) + " bytes)");
  }
  const std::string header = header_length >= 0 ? body.substr(0, static_cast<size_t>(header_length)) : body;
  if (!is_valid_utf8(header)) return bad_request("the request JSON is not valid UTF-8");
  json j = json::parse(header, nullptr, false);
  if (j.is_discarded()) return bad_request("the request body is not valid JSON");
  if (!j.is_object()) return bad_request("the request body must be a JSON object");
  InferRequest r;
  if (auto it = j.find("id"); it != j.end()) {
    if (!it->is_string()) return bad_request("'id' must be a string");
    r.id = it->get<std::string>();
  }
  if (auto it = j.find("parameters"); it != j.end()) {
    if (!it->is_object()) return bad_request("'parameters' must be an object");
    if (it->contains("binary_data_output") && !(*it)["binary_data_output"].is_boolean()) {
      return bad_request("'binary_data_output' must be true or false");
    }
    r.parameters = *it;
  }
  if (auto it = j.find("outputs"); it != j.end()) {
    if (!it->is_array()) return bad_request("'outputs' must be an array");
    for (const json& o : *it) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string()) return bad_request("each output needs a 'name'");
      const std::string name = o["name"].get<std::string>();
      if (std::find(r.requested_outputs.begin(), r.requested_outputs.end(), name) != r.requested_outputs.end()) {
        return bad_request("output '" + name + "' is requested twice");
      }
      json params = json::object();
      if (auto p = o.find("parameters"); p != o.end()) {
        if (!p->is_object()) return bad_request("output '" + name + "': 'parameters' must be an object");
        if (p->contains("classification")) return bad_request("output '" + name + "': the classification extension is not supported");
        if (p->contains("binary_data") && !(*p)["binary_data"].is_boolean()) {
          return bad_request("output '" + name + "': 'binary_data' must be true or false");
        }
        params = *p;
      }
      r.requested_outputs.push_back(name);
      r.requested_output_parameters.push_back(std::move(params));
    }
  }
  auto inputs = j.find("inputs");
  if (inputs == j.end() || !inputs->is_array() || inputs->empty()) return bad_request("'inputs' must be a non-empty array");
  size_t binary_offset = header_length >= 0 ? static_cast<size_t>(header_length) : body.size();
  for (const json& in : *inputs) {
    if (!in.is_object()) return bad_request("each input must be an object");
    Tensor t;
    auto name = in.find("name"), dt = in.find("datatype"), shape = in.find("shape");
    if (name == in.end() || !name->is_string()) return bad_request("each input needs a string 'name'");
    t.name = name->get<std::string>();
    if (dt == in.end() || !dt->is_string() || element_size(dt->get<std::string>()) < 0) {
      return bad_request("input '" + t.name + "': 'datatype' must be one of BOOL, UINT8..64, INT8..64, FP16, BF16, FP32, FP64, BYTES");
    }
    t.datatype = dt->get<std::string>();
    if (shape == in.end() || !shape->is_array()) return bad_request("input '" + t.name + "': 'shape' must be an array");
    int64_t count = 1;
    for (const json& d : *shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) return bad_request("input '" + t.name + "': shape entries must be integers >= 0");
      const int64_t dim = d.get<int64_t>();
      // Each dimension is capped too: [2^40, 0] has no elements but would size a model's work.
      if (dim > limits.max_elements || (dim > 0 && count > limits.max_elements / dim)) {
        return bad_request("input '" + t.name + "' is too large (more than " + std::to_string(limits.max_elements) + " elements)");
      }
      count *= dim;
      t.shape.push_back(dim);
    }
    const int esize = element_size(t.datatype);
    int64_t binary_size = -1;
    if (auto p = in.find("parameters"); p != in.end() && p->is_object() && p->contains("binary_data_size")) {
      const json& b = (*p)["binary_data_size"];
      if (!b.is_number_integer() || b.get<int64_t>() < 0) return bad_request("input '" + t.name + "': bad binary_data_size");
      binary_size = b.get<int64_t>();
    }
    if (binary_size >= 0) {
      if (header_length < 0) return bad_request("input '" + t.name + "' has binary data but no Inference-Header-Content-Length header");
      if (binary_offset + static_cast<uint64_t>(binary_size) > body.size()) {
        return bad_request("input '" + t.name + "': binary_data_size runs past the end of the body");
      }
      const char* p = body.data() + binary_offset;
      binary_offset += static_cast<size_t>(binary_size);
      if (esize > 0) {
        if (binary_size != count * esize) {
          return bad_request("input '" + t.name + "': " + std::to_string(binary_size) + " bytes of data for shape with " +
                             std::to_string(count) + " elements of " + t.datatype);
        }
        t.raw.assign(p, p + binary_size);
      } else {
        int64_t off = 0;
        while (off < binary_size) {
          if (binary_size - off < 4) return bad_request("input '" + t.name + "': truncated BYTES element length");
          uint32_t len = 0;
          std::memcpy(&len, p + off, 4);
          off += 4;
          if (len > binary_size - off) return bad_request("input '" + t.name + "': BYTES element runs past its data");
          t.bytes.emplace_back(p + off, len);
          off += len;
        }
        if (static_cast<int64_t>(t.bytes.size()) != count) {
          return bad_request("input '" + t.name + "': " + std::to_string(t.bytes.size()) + " BYTES elements for a shape of " +
                             std::to_string(count));
        }
      }
    } else {
      auto data = in.find("data");
      if (data == in.end()) return bad_request("input '" + t.name + "' has no 'data' (and no binary_data_size)");
      std::vector<const json*> flat;
      bool ok = true;
      flatten(*data, flat, ok);
      if (static_cast<int64_t>(flat.size()) != count) {
        return bad_request("input '" + t.name + "': " + std::to_string(flat.size()) + " values for a shape with " +
                           std::to_string(count) + " elements");
      }
      for (const json* v : flat) {
        if (esize == 0) {
          if (!v->is_string()) return bad_request("input '" + t.name + "': BYTES data must be strings");
          t.bytes.push_back(v->get<std::string>());
        } else if (!append_element(t.datatype, *v, t.raw)) {
          return bad_request("input '" + t.name + "': a value does not fit " + t.datatype +
                             (t.datatype == "FP16" || t.datatype == "BF16" ? " (send FP16/BF16 as binary data)" : ""));
        }
      }
    }
    r.inputs.push_back(std::move(t));
  }
  if (binary_offset != body.size()) return bad_request("the body has binary data that no input claims");
  return r;
}

}  // namespace coreinfer::server::kserve
