// Black-box tests of the KServe v2 / Triton REST endpoints.
#include <gtest/gtest.h>

#include <cstring>

#include "server/server_process.h"

namespace coreinfer::testing {
namespace {

using nlohmann::json;

class KServeApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess({"--model", "stories=" + stories_model()}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* KServeApi::server_ = nullptr;

void expect_kserve_error(const httplib::Result& r, int status) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status) << r->body;
  const json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r->body;
  EXPECT_TRUE(j["error"].is_string()) << r->body;
}

TEST_F(KServeApi, HealthAndMetadata) {
  auto c = server_->client();
  auto r = c->Get("/v2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["name"], "coreinfer");
  EXPECT_EQ(c->Get("/v2/health/live")->status, 200);
  EXPECT_EQ(c->Get("/v2/health/ready")->status, 200);
  EXPECT_EQ(c->Get("/health")->status, 200);
  r = c->Get("/v2/models/stories");
  ASSERT_EQ(r->status, 200);
  const json m = json::parse(r->body);
  EXPECT_EQ(m["name"], "stories");
  EXPECT_EQ(m["inputs"][0]["name"], "text_input");
  EXPECT_EQ(m["inputs"][0]["datatype"], "BYTES");
  EXPECT_EQ(c->Get("/v2/models/stories/ready")->status, 200);
  expect_kserve_error(c->Get("/v2/models/nope"), 404);
  expect_kserve_error(c->Get("/v2/models/nope/ready"), 404);
}

TEST_F(KServeApi, InferWithJsonTensors) {
  auto c = server_->client();
  const json req = {{"id", "r1"},
                    {"inputs", {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"Once upon a time"}}}}},
                    {"parameters", {{"max_tokens", 8}, {"temperature", 0}, {"ignore_eos", true}}}};
  auto r = post_json(*c, "/v2/models/stories/infer", req);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["id"], "r1");
  EXPECT_EQ(j["model_name"], "stories");
  EXPECT_EQ(j["outputs"][0]["name"], "text_output");
  EXPECT_EQ(j["outputs"][0]["data"][0], ", there was a little girl");
}

TEST_F(KServeApi, InferWithBinaryTensorData) {
  auto c = server_->client();
  const std::string text = "Once upon a time";
  const json header = {{"inputs", {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}},
                                    {"parameters", {{"binary_data_size", 4 + text.size()}}}}}},
                       {"parameters", {{"max_tokens", 8}, {"temperature", 0}, {"ignore_eos", true}}}};
  const std::string h = header.dump();
  std::string body = h;
  const uint32_t len = static_cast<uint32_t>(text.size());
  body.append(reinterpret_cast<const char*>(&len), 4);
  body += text;
  auto r = c->Post("/v2/models/stories/infer", {{"Inference-Header-Content-Length", std::to_string(h.size())}}, body,
                   "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["outputs"][0]["data"][0], ", there was a little girl");
}

TEST_F(KServeApi, MalformedInferRequestsGetKServeErrors) {
  auto c = server_->client();
  auto infer = [&](const std::string& body) { return c->Post("/v2/models/stories/infer", body, "application/json"); };
  expect_kserve_error(infer("{oops"), 400);
  expect_kserve_error(infer("{}"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"text_input","datatype":"BYTES","shape":[2],"data":["a"]}]})"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"text_input","datatype":"FP32","shape":[1],"data":[1.5]}]})"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"other","datatype":"BYTES","shape":[1],"data":["a"]}]})"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"x","datatype":"INT8","shape":[1],"data":[300]}]})"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[100000,100000,100000],"data":[]}]})"), 400);
  expect_kserve_error(infer(R"({"inputs":[{"name":"x","datatype":"COMPLEX","shape":[1],"data":[1]}]})"), 400);
  expect_kserve_error(c->Post("/v2/models/stories/infer", {{"Inference-Header-Content-Length", "99999"}}, "{}", "application/json"),
                      400);
  expect_kserve_error(c->Post("/v2/models/nope/infer", "{}", "application/json"), 404);
  EXPECT_EQ(c->Get("/v2/health/live")->status, 200);
}

}  // namespace
}  // namespace coreinfer::testing
