#include <gtest/gtest.h>

#include <cstring>

#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_writer.h"
#include "support/test_support.h"

namespace coreinfer::gguf {
namespace {

using coreinfer::testing::asset_path;

Result<std::unique_ptr<GgufFile>> parse_bytes(const std::vector<uint8_t>& bytes) {
  return GgufFile::parse(MappedFile::from_bytes(bytes.data(), bytes.size(), "test.gguf"));
}

TEST(GgufReader, ReadsStories260K) {
  auto file = GgufFile::open(asset_path("models/stories260K.gguf"));
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  const GgufFile& f = **file;
  EXPECT_EQ(f.get_string_or("general.architecture", ""), "llama");
  EXPECT_EQ(f.get_int_or("llama.embedding_length", 0), 64);
  EXPECT_EQ(f.get_int_or("llama.block_count", 0), 5);
  EXPECT_EQ(f.get_int_or("llama.attention.head_count", 0), 8);
  EXPECT_EQ(f.get_int_or("llama.attention.head_count_kv", 0), 4);
  EXPECT_EQ(f.tensors().size(), 48u);
  const TensorInfo* emb = f.find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, DType::kF32);
  EXPECT_EQ(emb->shape, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(emb->bytes, 64u * 512u * 4u);
  auto tokens = f.get_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.is_ok());
  EXPECT_EQ((*tokens)->strings.size(), 512u);
  EXPECT_EQ(f.get_string("general.architecture").is_ok(), true);
  EXPECT_EQ(f.get_int("general.architecture").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(f.get_int("no.such.key").status().code(), StatusCode::kNotFound);
}

TEST(GgufReader, MissingFileIsNotFound) {
  auto file = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(file.is_ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
}

std::vector<uint8_t> small_model_bytes() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 1);
  w.set_f32("llama.rope.freq_base", 10000.0f);
  w.set_bool("flag", true);
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
  w.set_f32_array("tokenizer.ggml.scores", {0.f, 0.f, 0.f, -1.5f});
  w.set_i32_array("tokenizer.ggml.token_type", {2, 3, 3, 1});
  std::vector<float> a(8 * 3), b(32);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = -static_cast<float>(i);
  EXPECT_TRUE(w.add_tensor("a", DType::kF32, {8, 3}, a.data(), a.size() * 4).is_ok());
  EXPECT_TRUE(w.add_tensor("b", DType::kF32, {32}, b.data(), b.size() * 4).is_ok());
  return w.to_bytes();
}

TEST(GgufWriter, RoundTripsEveryValueTypeAndTensorData) {
  GgufWriter w;
  const ValueType scalars[] = {ValueType::kUint8, ValueType::kInt8, ValueType::kUint16, ValueType::kInt16,
                               ValueType::kUint32, ValueType::kInt32, ValueType::kUint64, ValueType::kInt64};
  int k = 0;
  for (ValueType t : scalars) {
    Value v;
    v.type = t;
    v.i = (t == ValueType::kInt8 || t == ValueType::kInt16 || t == ValueType::kInt32 || t == ValueType::kInt64) ? -7 : 200;
    v.u = static_cast<uint64_t>(v.i);
    w.set("int." + std::to_string(k++), v);
  }
  Value f64;
  f64.type = ValueType::kFloat64;
  f64.f = 0.1;
  w.set("f64", f64);
  w.set_f32("f32", 1.25f);
  w.set_bool("bool", true);
  w.set_string("str", std::string("a\0b", 3));
  Value nested;
  nested.type = ValueType::kArray;
  nested.array.resize(1);
  nested.array[0].elem_type = ValueType::kArray;
  nested.array[0].size = 2;
  nested.array[0].arrays.resize(2);
  for (Array& inner : nested.array[0].arrays) {
    inner.elem_type = ValueType::kInt16;
    inner.size = 3;
    inner.ints = {1, -2, 3};
  }
  w.set("nested", nested);
  w.set_alignment(64);
  std::vector<uint16_t> h(64, 0x3C00);
  ASSERT_TRUE(w.add_tensor("h", DType::kF16, {64}, h.data(), h.size() * 2).is_ok());

  auto file = parse_bytes(w.to_bytes());
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  const GgufFile& f = **file;
  EXPECT_EQ(f.alignment(), 64u);
  for (int i = 0; i < k; ++i) {
    const Value* v = f.find("int." + std::to_string(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->type, scalars[i]);
    EXPECT_EQ(v->i, (i % 2 == 1) ? -7 : 200) << i;
  }
  EXPECT_DOUBLE_EQ(*f.get_float("f64"), 0.1);
  EXPECT_FLOAT_EQ(static_cast<float>(*f.get_float("f32")), 1.25f);
  EXPECT_TRUE(*f.get_bool("bool"));
  EXPECT_EQ(*f.get_string("str"), std::string("a\0b", 3));
  const Array* arr = *f.get_array("nested");
  ASSERT_EQ(arr->arrays.size(), 2u);
  EXPECT_EQ(arr->arrays[1].ints, (std::vector<int64_t>{1, -2, 3}));
  const TensorInfo* t = f.find_tensor("h");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) % 64, 0u);
  EXPECT_EQ(std::memcmp(t->data, h.data(), 128), 0);
}

TEST(GgufReader, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = small_model_bytes();
  ASSERT_TRUE(parse_bytes(bytes).is_ok());
  // Every proper prefix must be refused with a message, never crash (run under ASan in CI).
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    auto r = parse_bytes(prefix);
    ASSERT_FALSE(r.is_ok()) << "prefix of " << cut << " bytes was accepted";
    EXPECT_FALSE(r.status().message().empty());
  }
}

// Offsets inside small_model_bytes(): header = magic 4, version 4, n_tensors 8, n_kv 8.
constexpr size_t kTensorCountOffset = 8;
constexpr size_t kKvCountOffset = 16;

template <typename T>
void poke(std::vector<uint8_t>& bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

TEST(GgufReader, RejectsBadMagicAndVersion) {
  std::vector<uint8_t> bytes = small_model_bytes();
  bytes[0] = 'X';
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("magic"), std::string::npos);
  bytes = small_model_bytes();
  poke<uint32_t>(bytes, 4, 1);
  EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kUnsupported);
  poke<uint32_t>(bytes, 4, 99);
  EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kUnsupported);
}

TEST(GgufReader, RejectsHugeCounts) {
  for (uint64_t huge : {uint64_t{1} << 40, ~uint64_t{0}, uint64_t{1000000}}) {
    std::vector<uint8_t> bytes = small_model_bytes();
    poke<uint64_t>(bytes, kKvCountOffset, huge);
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
    bytes = small_model_bytes();
    poke<uint64_t>(bytes, kTensorCountOffset, huge);
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
}

// Finds the first occurrence of a byte pattern (used to locate fields to corrupt).
size_t find_bytes(const std::vector<uint8_t>& hay, const void* needle, size_t n) {
  for (size_t i = 0; i + n <= hay.size(); ++i) {
    if (std::memcmp(hay.data() + i, needle, n) == 0) return i;
  }
  return std::string::npos;
}

size_t tensor_info_offset(const std::vector<uint8_t>& bytes, const std::string& name) {
  std::vector<uint8_t> key(8 + name.size());
  const uint64_t len = name.size();
  std::memcpy(key.data(), &len, 8);
  std::memcpy(key.data() + 8, name.data(), name.size());
  const size_t at = find_bytes(bytes, key.data(), key.size());
  EXPECT_NE(at, std::string::npos);
  return at + key.size();  // -> n_dims
}

TEST(GgufReader, RejectsHugeStringAndArrayLengths) {
  std::vector<uint8_t> bytes = small_model_bytes();
  // the first key's length
  poke<uint64_t>(bytes, 24, uint64_t{1} << 62);
  EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);

  bytes = small_model_bytes();
  const std::string key = "tokenizer.ggml.tokens";
  const size_t at = find_bytes(bytes, key.data(), key.size());
  ASSERT_NE(at, std::string::npos);
  const size_t count_at = at + key.size() + 4 /*value type*/ + 4 /*element type*/;
  poke<uint64_t>(bytes, count_at, uint64_t{1} << 60);
  auto r = parse_bytes(bytes);
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find("tokenizer.ggml.tokens"), std::string::npos);
}

TEST(GgufReader, RejectsBadTensorInfo) {
  const std::vector<uint8_t> good = small_model_bytes();
  const size_t b = tensor_info_offset(good, "b");  // n_dims(4) dim0(8) type(4) offset(8)
  {
    auto bytes = good;
    poke<uint32_t>(bytes, b, 9);
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
  {
    auto bytes = good;
    poke<uint64_t>(bytes, b + 4, 0);
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
  {
    auto bytes = good;
    poke<uint64_t>(bytes, b + 4, uint64_t{1} << 62);  // far past the file
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
  {
    auto bytes = good;
    poke<uint32_t>(bytes, b + 12, 77);  // unknown type
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kUnsupported);
  }
  {
    auto bytes = good;
    poke<uint32_t>(bytes, b + 12, static_cast<uint32_t>(DType::kQ4_0));  // 32 elements ok, 18 bytes
    EXPECT_TRUE(parse_bytes(bytes).is_ok());
    poke<uint64_t>(bytes, b + 4, 33);  // not a multiple of the block size
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
  {
    auto bytes = good;
    poke<uint64_t>(bytes, b + 16, 3);  // misaligned data offset
    auto r = parse_bytes(bytes);
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(r.status().message().find("aligned"), std::string::npos);
  }
  {
    auto bytes = good;
    poke<uint64_t>(bytes, b + 16, 64);  // overlaps tensor a (96 bytes at 0)
    auto r = parse_bytes(bytes);
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(r.status().message().find("overlap"), std::string::npos);
  }
  {
    auto bytes = good;
    poke<uint64_t>(bytes, b + 16, uint64_t{1} << 40);  // past the end
    EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
  }
}

TEST(GgufReader, RejectsUnknownValueTypeAndBadBool) {
  std::vector<uint8_t> bytes = small_model_bytes();
  const std::string key = "llama.block_count";
  const size_t at = find_bytes(bytes, key.data(), key.size());
  ASSERT_NE(at, std::string::npos);
  poke<uint32_t>(bytes, at + key.size(), 13);
  EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);

  bytes = small_model_bytes();
  const std::string flag = "flag";
  const size_t f = find_bytes(bytes, flag.data(), flag.size());
  bytes[f + flag.size() + 4] = 7;
  EXPECT_EQ(parse_bytes(bytes).status().code(), StatusCode::kCorrupt);
}

TEST(GgufReader, RandomByteFlipsNeverCrash) {
  const std::vector<uint8_t> good = small_model_bytes();
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> bytes = good;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int i = 0; i < flips; ++i) bytes[next() % bytes.size()] = static_cast<uint8_t>(next());
    auto r = parse_bytes(bytes);
    if (!r.is_ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
}

}  // namespace
}  // namespace coreinfer::gguf
