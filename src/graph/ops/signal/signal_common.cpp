#include "graph/ops/signal/signal_common.h"

#include <cmath>
#include <string>

#include "core/half.h"

namespace coreinfer::signal {

Result<int64_t> scalar_int(const Tensor* t, const char* name) {
  if (t == nullptr) return invalid_argument(std::string("input ") + name + " is missing");
  if (t->type() != ElemType::kInt32 && t->type() != ElemType::kInt64)
    return invalid_argument(std::string("input ") + name + " must be int32 or int64, got " + elem_type_name(t->type()));
  if (t->numel() != 1)
    return invalid_argument(std::string("input ") + name + " must hold one value, got shape " + shape_string(t->shape()));
  return t->type() == ElemType::kInt32 ? int64_t{t->data<int32_t>()[0]} : t->data<int64_t>()[0];
}

Result<double> scalar_float(const Tensor* t, const char* name) {
  if (t == nullptr) return invalid_argument(std::string("input ") + name + " is missing");
  const ElemType ty = t->type();
  if (ty != ElemType::kFloat && ty != ElemType::kDouble && ty != ElemType::kFloat16 && ty != ElemType::kBFloat16)
    return invalid_argument(std::string("input ") + name + " must be a float type, got " + elem_type_name(ty));
  if (t->numel() != 1)
    return invalid_argument(std::string("input ") + name + " must hold one value, got shape " + shape_string(t->shape()));
  CI_ASSIGN_OR_RETURN(auto v, t->to_double_vector());
  return v[0];
}

Result<const Tensor*> real_input(const OpRunContext& ctx, size_t i, const char* name) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return invalid_argument(std::string("input ") + name + " is missing");
  if (t->type() != ElemType::kFloat && t->type() != ElemType::kDouble)
    return invalid_argument(std::string("input ") + name + " must be float32 or float64, got " + elem_type_name(t->type()));
  return t;
}

bool generator_type_supported(ElemType type) {
  switch (type) {
    case ElemType::kFloat: case ElemType::kDouble: case ElemType::kFloat16: case ElemType::kBFloat16:
    case ElemType::kInt8: case ElemType::kUint8: case ElemType::kInt16: case ElemType::kUint16:
    case ElemType::kInt32: case ElemType::kUint32: case ElemType::kInt64: case ElemType::kUint64:
      return true;
    default:
      return false;
  }
}

void store_converted(ElemType type, void* out, int64_t i, double v) {
  // Integer outputs truncate toward zero, as a C++ (and numpy astype) conversion does; NaN
  // cannot occur here (the generators produce finite values).
  switch (type) {
    case ElemType::kFloat: static_cast<float*>(out)[i] = static_cast<float>(v); break;
    case ElemType::kDouble: static_cast<double*>(out)[i] = v; break;
    case ElemType::kFloat16: static_cast<uint16_t*>(out)[i] = float_to_fp16(static_cast<float>(v)); break;
    case ElemType::kBFloat16: static_cast<uint16_t*>(out)[i] = float_to_bf16(static_cast<float>(v)); break;
    case ElemType::kInt8: static_cast<int8_t*>(out)[i] = static_cast<int8_t>(v); break;
    case ElemType::kUint8: static_cast<uint8_t*>(out)[i] = static_cast<uint8_t>(v < 0 ? 0 : v); break;
    case ElemType::kInt16: static_cast<int16_t*>(out)[i] = static_cast<int16_t>(v); break;
    case ElemType::kUint16: static_cast<uint16_t*>(out)[i] = static_cast<uint16_t>(v < 0 ? 0 : v); break;
    case ElemType::kInt32: static_cast<int32_t*>(out)[i] = static_cast<int32_t>(v); break;
    case ElemType::kUint32: static_cast<uint32_t*>(out)[i] = static_cast<uint32_t>(v < 0 ? 0 : v); break;
    case ElemType::kInt64: static_cast<int64_t*>(out)[i] = static_cast<int64_t>(v); break;
    case ElemType::kUint64: static_cast<uint64_t*>(out)[i] = static_cast<uint64_t>(v < 0 ? 0 : v); break;
    default: break;
  }
}

Result<ElemType> output_datatype(const OpBuildContext& ctx) {
  const int64_t dt = ctx.attrs().get_int("output_datatype", 1);
  const auto type = static_cast<ElemType>(dt);
  if (dt < 0 || dt > 16 || !generator_type_supported(type))
    return invalid_argument("attribute output_datatype " + std::to_string(dt) +
                            " is not a supported type (float, double, float16, bfloat16 or an integer type)");
  return type;
}

}  // namespace coreinfer::signal
