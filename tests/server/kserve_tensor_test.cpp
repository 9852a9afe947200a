// Black-box tests of ONNX tensor models behind KServe v2: metadata, JSON and binary tensors
// against ONNX Runtime's recorded outputs, dynamic batching, and bad requests.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "formats/onnx/conformance.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "server/server_process.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

using nlohmann::json;

std::string onnx_case(const std::string& name) { return data_path("onnx/" + name); }

// The tolerance the reference case states in its meta.json (ORT's outputs are the reference).
Tolerance case_tolerance(const std::string& name) {
  std::ifstream f(onnx_case(name) + "/meta.json");
  const json meta = json::parse(f);
  return {meta["tolerance"]["rtol"].get<double>(), meta["tolerance"]["atol"].get<double>()};
}

Tensor read_pb(const std::string& path) {
  auto t = read_tensor_file(path);
  EXPECT_TRUE(t.is_ok()) << t.status().message();
  return t.is_ok() ? t->second : Tensor{};
}

json json_tensor(const std::string& name, const Tensor& t) {
  const float* p = t.data<float>();
  return {{"name", name}, {"datatype", "FP32"}, {"shape", t.shape()}, {"data", std::vector<float>(p, p + t.numel())}};
}

Tensor float_tensor_from(const json& out) {
  Shape shape = out["shape"].get<Shape>();
  return Tensor::from_vector<float>(shape, out["data"].get<std::vector<float>>());
}

class KServeTensor : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--model", "resnet=" + onnx_case("resnet-tiny-random/model.onnx"),
                                 "--model", "mnist=" + onnx_case("mnist-8/model.onnx"),
                                 "--model", "dlrm=" + onnx_case("dlrm-small-random/model.onnx"),
                                 "-t", "1", "--max-batch-size", "8", "--max-queue-delay-us", "300000"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* KServeTensor::server_ = nullptr;

void expect_error(const httplib::Result& r, int status, const std::string& fragment) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status) << r->body;
  const json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j["error"].is_string()) << r->body;
  EXPECT_NE(j["error"].get<std::string>().find(fragment), std::string::npos) << r->body;
}

TEST_F(KServeTensor, MetadataDescribesTheGraph) {
  auto c = server_->client();
  auto r = c->Get("/v2/models/resnet");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json m = json::parse(r->body);
  EXPECT_EQ(m["platform"], "coreinfer_onnx");
  EXPECT_EQ(m["inputs"][0]["name"], "input");
  EXPECT_EQ(m["inputs"][0]["datatype"], "FP32");
  EXPECT_EQ(m["inputs"][0]["shape"], json({-1, 3, 64, 64}));
  EXPECT_EQ(m["outputs"][0]["name"], "fc");
  EXPECT_EQ(m["parameters"]["max_batch_size"], 8);
  const json mnist = json::parse(c->Get("/v2/models/mnist")->body);
  EXPECT_EQ(mnist["parameters"]["max_batch_size"], 0);  // a fixed batch of 1: never stacked
  EXPECT_EQ(c->Get("/v2/models/dlrm/ready")->status, 200);
}

TEST_F(KServeTensor, JsonInferenceMatchesOnnxRuntime) {
  auto c = server_->client();
  const Tensor in = read_pb(onnx_case("mnist-8/test_data_set_0/input_0.pb"));
  const Tensor expected = read_pb(onnx_case("mnist-8/test_data_set_0/output_0.pb"));
  auto r = post_json(*c, "/v2/models/mnist/infer", {{"id", "m1"}, {"inputs", {json_tensor("Input3", in)}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["id"], "m1");
  EXPECT_EQ(j["model_name"], "mnist");
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["name"], "Plus214_Output_0");
  EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
  const Status s = compare_tensors(float_tensor_from(j["outputs"][0]), expected, case_tolerance("mnist-8"));
  EXPECT_TRUE(s.is_ok()) << s.message();
}

TEST_F(KServeTensor, BinaryTensorsInAndOut) {
  // The DLRM case: a batch of 4, float dense features and int64 ids, sent as binary data.
  auto c = server_->client();
  const Tensor dense = read_pb(onnx_case("dlrm-small-random/test_data_set_0/input_0.pb"));
  const Tensor ids = read_pb(onnx_case("dlrm-small-random/test_data_set_0/input_1.pb"));
  const Tensor expected = read_pb(onnx_case("dlrm-small-random/test_data_set_0/output_0.pb"));
  const json header = {
      {"inputs", {{{"name", "dense_x"}, {"datatype", "FP32"}, {"shape", dense.shape()},
                   {"parameters", {{"binary_data_size", dense.bytes()}}}},
                  {{"name", "sparse_idx"}, {"datatype", "INT64"}, {"shape", ids.shape()},
                   {"parameters", {{"binary_data_size", ids.bytes()}}}}}},
      {"parameters", {{"binary_data_output", true}}}};
  const std::string head = header.dump();
  std::string body = head;
  body.append(static_cast<const char*>(dense.raw()), dense.bytes());
  body.append(static_cast<const char*>(ids.raw()), ids.bytes());
  auto r = c->Post("/v2/models/dlrm/infer", {{"Inference-Header-Content-Length", std::to_string(head.size())}}, body,
                   "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const size_t n = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  ASSERT_LE(n, r->body.size());
  const json j = json::parse(r->body.substr(0, n));
  const json& out = j["outputs"][0];
  EXPECT_EQ(out["shape"], json({4, 1}));
  ASSERT_EQ(out["parameters"]["binary_data_size"], expected.bytes());
  ASSERT_EQ(r->body.size(), n + expected.bytes());
  Tensor got = Tensor::from_vector<float>({4, 1}, std::vector<float>(4));
  std::memcpy(got.raw(), r->body.data() + n, expected.bytes());
  const Status s = compare_tensors(got, expected, case_tolerance("dlrm-small-random"));
  EXPECT_TRUE(s.is_ok()) << s.message();
}

// Metrics line value, e.g. coreinfer_batch_size_sum{model="resnet",phase="infer"}.
double metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST_F(KServeTensor, ConcurrentRequestsAreBatchedAndEachGetsItsOwnAnswer) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  constexpr int kRequests = 6;
  std::vector<Tensor> inputs;
  for (int i = 0; i < kRequests; ++i) {
    std::vector<float> v(3 * 64 * 64);
    for (float& x : v) x = u(rng);
    inputs.push_back(Tensor::from_vector<float>({1, 3, 64, 64}, v));
  }
  auto infer = [](const Tensor& in) -> json {
    auto c = server_->client();
    auto r = post_json(*c, "/v2/models/resnet/infer", {{"inputs", {json_tensor("input", in)}}});
    if (!r || r->status != 200) return {};
    return json::parse(r->body)["outputs"][0];
  };
  // Alone: one at a time (each waits out the queue delay with nobody to batch with).
  std::vector<json> alone;
  for (const Tensor& in : inputs) alone.push_back(infer(in));
  auto c = server_->client();
  const std::string before = c->Get("/metrics")->body;
  const std::string series = "coreinfer_batch_size_count{model=\"resnet\",phase=\"infer\"}";
  const double runs_before = metric(before, series);
  ASSERT_EQ(runs_before, kRequests) << before;

  std::vector<json> together(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) threads.emplace_back([&, i] { together[i] = infer(inputs[i]); });
  for (auto& t : threads) t.join();
  const double runs = metric(c->Get("/metrics")->body, series) - runs_before;
  EXPECT_GE(runs, 1);
  EXPECT_LT(runs, kRequests) << "the concurrent requests were not stacked into fewer runs";
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(alone[i].is_object() && together[i].is_object()) << i;
    EXPECT_EQ(together[i]["shape"], json({1, 10}));
    // Each row of a batched GEMM is computed as it is alone; allow only float reassociation.
    const Status s = compare_tensors(float_tensor_from(together[i]), float_tensor_from(alone[i]), {1e-5, 1e-6});
    EXPECT_TRUE(s.is_ok()) << i << ": " << s.message();
  }
}

TEST_F(KServeTensor, BadRequestsGetClearErrorsAndTheServerKeepsServing) {
  auto c = server_->client();
  const Tensor in = read_pb(onnx_case("mnist-8/test_data_set_0/input_0.pb"));
  json wrong_shape = json_tensor("Input3", in);
  wrong_shape["shape"] = {1, 1, 784};
  expect_error(post_json(*c, "/v2/models/mnist/infer", {{"inputs", {wrong_shape}}}), 400, "expects [1, 1, 28, 28]");
  json wrong_type = {{"name", "Input3"}, {"datatype", "INT64"}, {"shape", {1, 1, 28, 28}},
                     {"data", std::vector<int64_t>(784, 0)}};
  expect_error(post_json(*c, "/v2/models/mnist/infer", {{"inputs", {wrong_type}}}), 400, "must be float");
  json wrong_name = json_tensor("nope", in);
  expect_error(post_json(*c, "/v2/models/mnist/infer", {{"inputs", {wrong_name}}}), 400, "missing input 'Input3'");
  expect_error(post_json(*c, "/v2/models/mnist/infer", {{"inputs", {json_tensor("Input3", in), wrong_name}}}), 400,
               "unknown input 'nope'");
  expect_error(post_json(*c, "/v2/models/mnist/infer",
                         {{"inputs", {json_tensor("Input3", in)}}, {"outputs", {{{"name", "logits"}}}}}),
               400, "no output 'logits'");
  json strings = {{"name", "Input3"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"x"}}};
  expect_error(post_json(*c, "/v2/models/mnist/infer", {{"inputs", {strings}}}), 400, "BYTES");
  // Two DLRM inputs that disagree on the batch size.
  json dense = {{"name", "dense_x"}, {"datatype", "FP32"}, {"shape", {2, 13}}, {"data", std::vector<float>(26, 0.f)}};
  json ids = {{"name", "sparse_idx"}, {"datatype", "INT64"}, {"shape", {3, 26}}, {"data", std::vector<int64_t>(78, 0)}};
  expect_error(post_json(*c, "/v2/models/dlrm/infer", {{"inputs", {dense, ids}}}), 400, "rows");
  // An id outside its embedding table: the graph's error, as a 400, and nothing crashes.
  ids["shape"] = {2, 26};
  ids["data"] = std::vector<int64_t>(52, int64_t{1} << 40);
  auto r = post_json(*c, "/v2/models/dlrm/infer", {{"inputs", {dense, ids}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  expect_error(post_json(*c, "/v2/models/nope/infer", {{"inputs", {json_tensor("Input3", in)}}}), 404, "unknown model");
  EXPECT_EQ(c->Get("/v2/health/ready")->status, 200);
  r = post_json(*c, "/v2/models/mnist/infer", {{"inputs", {json_tensor("Input3", in)}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace coreinfer::testing
