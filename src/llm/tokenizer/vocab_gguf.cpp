#include "llm/tokenizer/vocab_gguf.h"

#include <cstdint>

namespace coreinfer::tokenizer {
namespace {

using gguf::Array;
using gguf::GgufFile;
using gguf::ValueType;

Status wrong_elements(const char* key, const Array& a, const char* want) {
  return corrupt(std::string("metadata key '") + key + "' is an array of " + gguf::value_type_name(a.elem_type) +
                 ", expected " + want);
}

// The array under `key`, or nullptr when the key is absent.
Result<const Array*> optional_array(const GgufFile& file, const char* key) {
  if (!file.has(key)) return static_cast<const Array*>(nullptr);
  return file.get_array(key);
}

Result<std::vector<std::string>> string_array(const GgufFile& file, const char* key) {
  CI_ASSIGN_OR_RETURN(const Array* a, optional_array(file, key));
  if (a == nullptr) return std::vector<std::string>{};
  if (a->elem_type != ValueType::kString || a->strings.size() != a->size) {
    return wrong_elements(key, *a, "strings");
  }
  return a->strings;
}

Result<std::vector<float>> float_array(const GgufFile& file, const char* key) {
  CI_ASSIGN_OR_RETURN(const Array* a, optional_array(file, key));
  std::vector<float> out;
  if (a == nullptr) return out;
  if (!gguf::is_float_type(a->elem_type) || a->floats.size() != a->size) return wrong_elements(key, *a, "floats");
  out.assign(a->floats.begin(), a->floats.end());
  return out;
}

Result<std::vector<int32_t>> int_array(const GgufFile& file, const char* key) {
  CI_ASSIGN_OR_RETURN(const Array* a, optional_array(file, key));
  std::vector<int32_t> out;
  if (a == nullptr) return out;
  if (!gguf::is_integer_type(a->elem_type) || a->ints.size() != a->size) return wrong_elements(key, *a, "integers");
  out.reserve(a->ints.size());
  for (int64_t v : a->ints) {
    // Out-of-range values become -1, which Vocab::create reports as an invalid type.
    out.push_back(v >= INT32_MIN && v <= INT32_MAX ? static_cast<int32_t>(v) : -1);
  }
  return out;
}

Result<std::optional<int64_t>> optional_int(const GgufFile& file, const char* key) {
  if (!file.has(key)) return std::optional<int64_t>{};
  CI_ASSIGN_OR_RETURN(int64_t v, file.get_int(key));
  return std::optional<int64_t>(v);
}

Result<std::optional<bool>> optional_bool(const GgufFile& file, const char* key) {
  if (!file.has(key)) return std::optional<bool>{};
  CI_ASSIGN_OR_RETURN(bool v, file.get_bool(key));
  return std::optional<bool>(v);
}

}  // namespace

Result<VocabSpec> read_vocab_spec(const GgufFile& file) {
  VocabSpec spec;
  if (!file.has("tokenizer.ggml.model")) {
    return not_found("the file has no tokenizer: metadata key 'tokenizer.ggml.model' is missing");
  }
  CI_ASSIGN_OR_RETURN(spec.model, file.get_string("tokenizer.ggml.model"));
  if (file.has("tokenizer.ggml.pre")) {
    CI_ASSIGN_OR_RETURN(spec.pre, file.get_string("tokenizer.ggml.pre"));
  }
  if (!file.has("tokenizer.ggml.tokens")) {
    return not_found("the file has no vocabulary: metadata key 'tokenizer.ggml.tokens' is missing");
  }
  CI_ASSIGN_OR_RETURN(spec.tokens, string_array(file, "tokenizer.ggml.tokens"));
  CI_ASSIGN_OR_RETURN(spec.scores, float_array(file, "tokenizer.ggml.scores"));
  CI_ASSIGN_OR_RETURN(spec.token_types, int_array(file, "tokenizer.ggml.token_type"));
  CI_ASSIGN_OR_RETURN(spec.merges, string_array(file, "tokenizer.ggml.merges"));

  CI_ASSIGN_OR_RETURN(spec.bos_id, optional_int(file, "tokenizer.ggml.bos_token_id"));
  CI_ASSIGN_OR_RETURN(spec.eos_id, optional_int(file, "tokenizer.ggml.eos_token_id"));
  CI_ASSIGN_OR_RETURN(spec.unk_id, optional_int(file, "tokenizer.ggml.unknown_token_id"));
  CI_ASSIGN_OR_RETURN(spec.pad_id, optional_int(file, "tokenizer.ggml.padding_token_id"));
  CI_ASSIGN_OR_RETURN(spec.sep_id, optional_int(file, "tokenizer.ggml.seperator_token_id"));  // sic, GGUF spelling
  CI_ASSIGN_OR_RETURN(spec.eot_id, optional_int(file, "tokenizer.ggml.eot_token_id"));
  CI_ASSIGN_OR_RETURN(spec.eom_id, optional_int(file, "tokenizer.ggml.eom_token_id"));
  CI_ASSIGN_OR_RETURN(spec.add_bos, optional_bool(file, "tokenizer.ggml.add_bos_token"));
  CI_ASSIGN_OR_RETURN(spec.add_eos, optional_bool(file, "tokenizer.ggml.add_eos_token"));
  CI_ASSIGN_OR_RETURN(spec.add_space_prefix, optional_bool(file, "tokenizer.ggml.add_space_prefix"));
  return spec;
}

Result<Vocab> load_vocab(const GgufFile& file) {
  CI_ASSIGN_OR_RETURN(VocabSpec spec, read_vocab_spec(file));
  return Vocab::create(std::move(spec));
}

}  // namespace coreinfer::tokenizer
