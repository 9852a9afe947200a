#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "formats/onnx/onnx_model.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "formats/onnx/tensor_proto.h"
#include "support/test_support.h"

namespace coreinfer {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::read_file_bytes;

std::string case_model(const std::string& name) { return data_path("onnx/" + name + "/model.onnx"); }

TEST(OnnxImport, ReferenceModelsLoad) {
  const struct {
    const char* name;
    size_t inputs, outputs;
    int64_t opset;
  } cases[] = {{"mnist-8", 1, 1, 8},          {"ncf-movielens", 2, 1, 7},     {"mobilenetv2-12-int8", 1, 1, 12},
               {"resnet-tiny-random", 1, 1, 17}, {"blazeface-front-128", 1, 4, 12}, {"paddleocr-cls-mobile-v2", 1, 1, 9}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto g = load_onnx_model(case_model(c.name));
    ASSERT_TRUE(g.is_ok()) << g.status().to_string();
    EXPECT_EQ(g->inputs.size(), c.inputs);  // initializers listed as inputs (IR 3) are excluded
    EXPECT_EQ(g->outputs.size(), c.outputs);
    EXPECT_EQ(g->opset(""), c.opset);
    EXPECT_FALSE(g->nodes.empty());
    for (const Node& n : g->nodes) EXPECT_FALSE(n.name.empty());
  }
}

TEST(OnnxImport, Int8ModelDeclaresSymbolicBatch) {
  auto g = load_onnx_model(case_model("mobilenetv2-12-int8"));
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  ASSERT_EQ(g->inputs[0].shape.size(), 4u);
  EXPECT_EQ(g->inputs[0].shape[0], -1);
  EXPECT_EQ(g->inputs[0].shape[1], 3);
  EXPECT_GT(g->opset("com.microsoft"), 0);
}

TEST(OnnxImport, MissingAndNonOnnxFiles) {
  auto missing = load_onnx_model("/nonexistent/model.onnx");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  const std::string text = "this is not a protobuf";
  auto bad = parse_onnx_model(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), ".");
  EXPECT_FALSE(bad.is_ok());
}

// Truncations and byte flips of a real model must give an error or a valid graph, never a crash.
TEST(OnnxImport, CorruptedModelsFailCleanly) {
  const std::vector<uint8_t> bytes = read_file_bytes(case_model("mnist-8"));
  ASSERT_GT(bytes.size(), 1000u);
  int errors = 0;
  for (size_t cut = 1; cut < bytes.size(); cut += bytes.size() / 97) {
    auto g = parse_onnx_model(std::span(bytes.data(), cut), ".");
    errors += !g.is_ok();
  }
  EXPECT_GT(errors, 50);
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> flipped = bytes;
    for (int k = 0; k < 4; ++k) flipped[rng() % flipped.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto g = parse_onnx_model(flipped, ".");
    (void)g;  // either outcome is fine; ASan/UBSan watch the parse
  }
}

TEST(OnnxTensorIo, ReadsReferenceTensorsByNameAndShape) {
  auto t = read_tensor_file(data_path("onnx/mnist-8/test_data_set_0/input_0.pb"));
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->second.type(), ElemType::kFloat);
  EXPECT_EQ(t->second.shape(), (Shape{1, 1, 28, 28}));
  auto ids = read_tensor_file(data_path("onnx/ncf-movielens/test_data_set_1/input_0.pb"));
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  EXPECT_EQ(ids->second.type(), ElemType::kInt64);
}

TEST(OnnxTensorIo, PbAndNpyRoundTrip) {
  const fs::path dir = fs::temp_directory_path() / ("ci_onnx_io_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Tensor t = Tensor::from_vector<float>({2, 3}, {1, -2, 3.5f, 4, 5, 6});
  ASSERT_TRUE(write_tensor_pb((dir / "t.pb").string(), "x", t).is_ok());
  auto back = read_tensor_file((dir / "t.pb").string());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->first, "x");
  EXPECT_EQ(back->second.shape(), t.shape());
  EXPECT_EQ(back->second.data<float>()[2], 3.5f);

  // A NumPy 1.0 file written by hand: int64 [3].
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream npy(dir / "ids.npy", std::ios::binary);
  npy.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  npy.put(static_cast<char>(len & 0xff)).put(static_cast<char>(len >> 8));
  npy << header;
  const int64_t values[3] = {7, -1, 42};
  npy.write(reinterpret_cast<const char*>(values), sizeof values);
  npy.close();
  auto ids = read_tensor_file((dir / "ids.npy").string());
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  EXPECT_EQ(ids->first, "ids");
  EXPECT_EQ(ids->second.shape(), (Shape{3}));
  EXPECT_EQ(ids->second.data<int64_t>()[2], 42);

  // Truncated data is an error.
  fs::resize_file(dir / "ids.npy", fs::file_size(dir / "ids.npy") - 4);
  EXPECT_FALSE(read_tensor_file((dir / "ids.npy").string()).is_ok());
  fs::remove_all(dir);
}

TEST(OnnxTensorProto, ExternalDataInsideTheModelFolderOnly) {
  const fs::path dir = fs::temp_directory_path() / ("ci_onnx_ext_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const float w[4] = {1, 2, 3, 4};
  {
    std::ofstream f(dir / "weights.bin", std::ios::binary);
    f.write("pad!", 4);
    f.write(reinterpret_cast<const char*>(w), sizeof w);
  }
  onnx::TensorProto p;
  p.set_name("w");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(2);
  p.add_dims(2);
  p.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    auto* e = p.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", "weights.bin");
  add("offset", "4");
  add("length", "16");
  auto t = tensor_from_proto(p, dir.string());
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->data<float>()[3], 4.0f);

  p.mutable_external_data(0)->set_value("../weights.bin");
  EXPECT_FALSE(tensor_from_proto(p, dir.string()).is_ok());
  p.mutable_external_data(0)->set_value("weights.bin");
  p.mutable_external_data(1)->set_value("8");  // 16 bytes from offset 8 run past the end
  EXPECT_FALSE(tensor_from_proto(p, dir.string()).is_ok());
  fs::remove_all(dir);
}

TEST(OnnxTensorProto, TypedFieldCountsAreChecked) {
  onnx::TensorProto p;
  p.set_name("x");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(3);
  p.add_float_data(1);
  p.add_float_data(2);
  auto t = tensor_from_proto(p, ".");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("float_data holds 2"), std::string::npos) << t.status().message();
  p.add_float_data(3);
  EXPECT_TRUE(tensor_from_proto(p, ".").is_ok());
  p.set_raw_data(std::string(8, '\0'));  // 8 bytes for 3 floats
  EXPECT_FALSE(tensor_from_proto(p, ".").is_ok());
  p.clear_raw_data();
  p.add_dims(-2);
  EXPECT_FALSE(tensor_from_proto(p, ".").is_ok());
}

}  // namespace
}  // namespace coreinfer
