// Black-box tests of ONNX tensor models behind KServe v2: metadata, JSON and binary tensors
// against ONNX Runtime's recorded outputs, dynamic batching, and bad requests.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
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

// "resnet" runs each request at once (no queue delay); "batched" is the same model waiting up to
// 10 s for 6 rows, so six concurrent requests run as exactly one batch however loaded the
// machine is; "dlrm" waits for 4 rows.
class KServeTensor : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // One file per process: ctest runs these tests as parallel processes, and one writing the
    // file while another's server read it left that server without the models written last.
    config_ = ::testing::TempDir() + "kserve_tensor_models_" + std::to_string(::getpid()) + ".yaml";
    std::ofstream(config_) << "models:\n"
                           << "  resnet: {path: " << onnx_case("resnet-tiny-random/model.onnx")
                           << ", threads: 1, max_queue_delay_us: 0}\n"
                           << "  batched: {path: " << onnx_case("resnet-tiny-random/model.onnx")
                           << ", threads: 1, max_batch_size: 6, max_queue_delay_us: 10000000}\n"
                           << "  mnist: {path: " << onnx_case("mnist-8/model.onnx") << ", threads: 1}\n"
                           << "  dlrm: {path: " << onnx_case("dlrm-small-random/model.onnx")
                           << ", threads: 1, max_batch_size: 4, max_queue_delay_us: 10000000}\n";
    server_ = new ServerProcess({"--config", config_});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::remove(config_.c_str());
  }
  static ServerProcess* server_;
  static std::string config_;
};
ServerProcess* KServeTensor::server_ = nullptr;
std::string KServeTensor::config_;

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
  EXPECT_EQ(c->Get("/v2/models/dlrm/versions/1/ready")->status, 200);
  EXPECT_EQ(json::parse(c->Get("/v2/models/resnet/versions/1")->body)["name"], "resnet");
  expect_error(c->Get("/v2/models/resnet/versions/2"), 404, "one version");
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
  constexpr int kRequests = 6;  // the "batched" model's max_batch_size
  std::vector<Tensor> inputs;
  for (int i = 0; i < kRequests; ++i) {
    std::vector<float> v(3 * 64 * 64);
    for (float& x : v) x = u(rng);
    inputs.push_back(Tensor::from_vector<float>({1, 3, 64, 64}, v));
  }
  auto infer = [](const std::string& model, const Tensor& in) -> json {
    auto c = server_->client();
    auto r = post_json(*c, "/v2/models/" + model + "/infer", {{"inputs", {json_tensor("input", in)}}});
    if (!r || r->status != 200) return {};
    return json::parse(r->body)["outputs"][0];
  };
  std::vector<json> alone;
  for (const Tensor& in : inputs) alone.push_back(infer("resnet", in));
  auto c = server_->client();
  const std::string series = "coreinfer_batch_size_count{model=\"batched\",phase=\"infer\"}";
  const double runs_before = std::max(0.0, metric(c->Get("/metrics")->body, series));

  std::vector<json> together(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) threads.emplace_back([&, i] { together[i] = infer("batched", inputs[i]); });
  for (auto& t : threads) t.join();
  const std::string metrics = c->Get("/metrics")->body;
  EXPECT_EQ(metric(metrics, series) - runs_before, 1) << "six queued requests should run as one batch";
  EXPECT_EQ(metric(metrics, "coreinfer_batch_size_sum{model=\"batched\",phase=\"infer\"}"), kRequests);
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(alone[i].is_object() && together[i].is_object()) << i;
    EXPECT_EQ(together[i]["shape"], json({1, 10}));
    // Each row of a batched GEMM is computed as it is alone; allow only float reassociation.
    const Status s = compare_tensors(float_tensor_from(together[i]), float_tensor_from(alone[i]), {1e-5, 1e-6});
    EXPECT_TRUE(s.is_ok()) << i << ": " << s.message();
  }
}

// Rows [begin, begin + n) of a [rows, ...] tensor as JSON data.
template <typename T>
std::vector<T> rows_of(const Tensor& t, int64_t begin, int64_t n) {
  const int64_t width = t.numel() / t.shape()[0];
  return std::vector<T>(t.data<T>() + begin * width, t.data<T>() + (begin + n) * width);
}

TEST_F(KServeTensor, ABadRequestInABatchFailsAloneAndTheOthersAreAnswered) {
  const Tensor dense = read_pb(onnx_case("dlrm-small-random/test_data_set_0/input_0.pb"));
  const Tensor ids = read_pb(onnx_case("dlrm-small-random/test_data_set_0/input_1.pb"));
  const Tensor expected = read_pb(onnx_case("dlrm-small-random/test_data_set_0/output_0.pb"));
  const json good = {{"inputs", {{{"name", "dense_x"}, {"datatype", "FP32"}, {"shape", {2, 13}}, {"data", rows_of<float>(dense, 0, 2)}},
                                 {{"name", "sparse_idx"}, {"datatype", "INT64"}, {"shape", {2, 26}}, {"data", rows_of<int64_t>(ids, 0, 2)}}}}};
  json bad = good;
  bad["inputs"][1]["data"] = std::vector<int64_t>(52, int64_t{1} << 40);  // outside every embedding table
  // Two requests of 2 rows fill the model's batch of 4, so they run together first.
  struct Answer {
    int status = 0;
    std::string body;
  };
  Answer good_r, bad_r;
  auto send = [](const json& body, Answer& out) {
    auto r = post_json(*server_->client(), "/v2/models/dlrm/infer", body);
    if (r) out = {r->status, r->body};
  };
  std::thread a([&] { send(good, good_r); });
  std::thread b([&] { send(bad, bad_r); });
  a.join();
  b.join();
  EXPECT_EQ(bad_r.status, 400) << bad_r.body;
  ASSERT_EQ(good_r.status, 200) << good_r.body;
  const Tensor want = Tensor::from_vector<float>({2, 1}, rows_of<float>(expected, 0, 2));
  const Status s = compare_tensors(float_tensor_from(json::parse(good_r.body)["outputs"][0]), want,
                                   case_tolerance("dlrm-small-random"));
  EXPECT_TRUE(s.is_ok()) << s.message();
}

TEST_F(KServeTensor, PerOutputBinaryDataOverridesTheRequest) {
  auto c = server_->client();
  const Tensor in = read_pb(onnx_case("mnist-8/test_data_set_0/input_0.pb"));
  auto r = post_json(*c, "/v2/models/mnist/versions/1/infer",
                     {{"inputs", {json_tensor("Input3", in)}},
                      {"outputs", {{{"name", "Plus214_Output_0"}, {"parameters", {{"binary_data", true}}}}}},
                      {"parameters", {{"binary_data_output", false}}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const size_t n = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  const json j = json::parse(r->body.substr(0, n));
  EXPECT_FALSE(j["outputs"][0].contains("data"));
  EXPECT_EQ(j["outputs"][0]["parameters"]["binary_data_size"], 40);
  EXPECT_EQ(r->body.size(), n + 40);
  expect_error(post_json(*c, "/v2/models/mnist/infer",
                         {{"inputs", {json_tensor("Input3", in)}},
                          {"outputs", {{{"name", "Plus214_Output_0"}}, {{"name", "Plus214_Output_0"}}}}}),
               400, "twice");
  expect_error(post_json(*c, "/v2/models/mnist/infer",
                         {{"inputs", {json_tensor("Input3", in)}},
                          {"outputs", {{{"name", "Plus214_Output_0"}, {"parameters", {{"classification", 3}}}}}}}),
               400, "classification");
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
  ids["shape"] = {5, 26};
  ids["data"] = std::vector<int64_t>(130, 0);
  dense["shape"] = {5, 13};
  dense["data"] = std::vector<float>(65, 0.f);
  expect_error(post_json(*c, "/v2/models/dlrm/infer", {{"inputs", {dense, ids}}}), 400, "at most 4");
  expect_error(post_json(*c, "/v2/models/nope/infer", {{"inputs", {json_tensor("Input3", in)}}}), 404, "unknown model");
  EXPECT_EQ(c->Get("/v2/health/ready")->status, 200);
  auto r = post_json(*c, "/v2/models/mnist/infer", {{"inputs", {json_tensor("Input3", in)}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace coreinfer::testing
