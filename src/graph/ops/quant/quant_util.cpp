#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

bool is_quant_type(ElemType t) {
  return t == ElemType::kUint8 || t == ElemType::kInt8 || t == ElemType::kUint16 || t == ElemType::kInt16;
}
bool is_8bit_type(ElemType t) { return t == ElemType::kUint8 || t == ElemType::kInt8; }

int32_t type_min(ElemType t) {
  switch (t) {
    case ElemType::kInt8: return -128;
    case ElemType::kUint16: return 0;
    case ElemType::kInt16: return -32768;
    case ElemType::kInt32: return std::numeric_limits<int32_t>::min();
    default: return 0;
  }
}
int32_t type_max(ElemType t) {
  switch (t) {
    case ElemType::kInt8: return 127;
    case ElemType::kUint16: return 65535;
    case ElemType::kInt16: return 32767;
    case ElemType::kInt32: return std::numeric_limits<int32_t>::max();
    default: return 255;
  }
}

int32_t int_at(const Tensor& t, int64_t i) {
  switch (t.type()) {
    case ElemType::kUint8: return t.data<uint8_t>()[i];
    case ElemType::kInt8: return t.data<int8_t>()[i];
    case ElemType::kUint16: return t.data<uint16_t>()[i];
    case ElemType::kInt16: return t.data<int16_t>()[i];
    case ElemType::kInt32: return t.data<int32_t>()[i];
    default: return 0;
  }
}

std::string type_mismatch(const char* name, ElemType expected, ElemType actual) {
  return std::string(name) + " must be " + elem_type_name(expected) + " (the type of the data it describes), got " +
         elem_type_name(actual);
}

Result<const Tensor*> required_input(const OpRunContext& ctx, size_t index, const char* name) {
  const Tensor* t = ctx.input(index);
  if (t == nullptr || !t->defined())
    return invalid_argument(std::string("required input ") + std::to_string(index) + " (" + name + ") is missing");
  return t;
}

namespace {

Status check_param_shape(const Tensor& t, const char* name, int64_t per_axis_len) {
  const int64_t n = t.numel();
  const bool vector_ok = t.rank() <= 1 || (t.rank() >= 1 && n == 1);
  if (!vector_ok || (n != 1 && (per_axis_len <= 0 || n != per_axis_len))) {
    std::string expect = per_axis_len > 0 ? "a scalar or a 1-D tensor of 1 or " + std::to_string(per_axis_len) + " values"
                                          : "a scalar (or a 1-element tensor)";
    return invalid_argument(std::string(name) + " must be " + expect + ", got shape " + shape_string(t.shape()));
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<float>> read_scales(const Tensor& t, const char* name, int64_t per_axis_len) {
  if (t.type() != ElemType::kFloat && t.type() != ElemType::kFloat16 && t.type() != ElemType::kDouble &&
      t.type() != ElemType::kBFloat16)
    return invalid_argument(std::string(name) + " must be a float tensor, got " + elem_type_name(t.type()));
  CI_RETURN_IF_ERROR(check_param_shape(t, name, per_axis_len));
  std::vector<float> out(static_cast<size_t>(t.numel()));
  if (t.type() == ElemType::kFloat) {
    for (int64_t i = 0; i < t.numel(); ++i) out[i] = t.data<float>()[i];
  } else {
    CI_ASSIGN_OR_RETURN(auto d, t.to_double_vector());
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(d[i]);
  }
  return out;
}

Result<std::vector<int32_t>> read_zero_points(const Tensor* t, ElemType expected_type, const char* name,
                                              int64_t per_axis_len, int64_t count_if_absent) {
  if (t == nullptr || !t->defined()) return std::vector<int32_t>(static_cast<size_t>(std::max<int64_t>(count_if_absent, 1)), 0);
  if (t->type() != expected_type) return invalid_argument(type_mismatch(name, expected_type, t->type()));
  CI_RETURN_IF_ERROR(check_param_shape(*t, name, per_axis_len));
  std::vector<int32_t> out(static_cast<size_t>(t->numel()));
  for (int64_t i = 0; i < t->numel(); ++i) out[i] = int_at(*t, i);
  return out;
}

}  // namespace coreinfer::quant
