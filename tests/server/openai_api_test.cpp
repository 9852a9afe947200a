// Black-box tests of the OpenAI-compatible endpoints against the real `coreinfer serve`.
#include <gtest/gtest.h>

#include <cmath>

#include "server/server_process.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

using nlohmann::json;

class OpenAiApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess({"--model", "stories=" + stories_model(), "--parallel", "4"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* OpenAiApi::server_ = nullptr;

void expect_openai_error(const httplib::Result& r, int status, const std::string& param = "") {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->body;
  const json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r->body;
  ASSERT_TRUE(j.contains("error")) << r->body;
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  EXPECT_TRUE(j["error"]["type"].is_string());
  EXPECT_TRUE(j["error"].contains("param"));
  EXPECT_TRUE(j["error"].contains("code"));
  if (!param.empty()) EXPECT_EQ(j["error"]["param"], param) << r->body;
}

TEST_F(OpenAiApi, ListsModels) {
  auto c = server_->client();
  auto r = c->Get("/v1/models");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "stories");
  EXPECT_EQ(j["data"][0]["object"], "model");
  r = c->Get("/v1/models/stories");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  expect_openai_error(c->Get("/v1/models/nope"), 404);
}

TEST_F(OpenAiApi, GreedyCompletionReproducesTheGoldenStory) {
  const json golden = json::parse(read_file_text(data_path("llm/stories260K.golden.json")));
  const json& g = golden["cases"][0];
  auto c = server_->client();
  auto r = post_json(*c, "/v1/completions",
                     {{"model", "stories"}, {"prompt", g["prompt"]}, {"max_tokens", g["n_new"]}, {"temperature", 0},
                      {"ignore_eos", true}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], g["generated_text"]);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["completion_tokens"], g["n_new"]);
  EXPECT_EQ(j["usage"]["total_tokens"], 5 + g["n_new"].get<int>());
}

TEST_F(OpenAiApi, StreamedChatEqualsTheWholeAnswer) {
  auto c = server_->client();
  const json req = {{"model", "stories"},
                    {"messages", {{{"role", "system"}, {"content", "Tell a story."}}, {{"role", "user"}, {"content", "Lily"}}}},
                    {"max_tokens", 40},
                    {"temperature", 0}};
  auto whole = post_json(*c, "/v1/chat/completions", req);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200) << whole->body;
  const json w = json::parse(whole->body);
  EXPECT_EQ(w["object"], "chat.completion");
  EXPECT_EQ(w["choices"][0]["message"]["role"], "assistant");
  const std::string text = w["choices"][0]["message"]["content"];
  EXPECT_FALSE(text.empty());

  json sreq = req;
  sreq["stream"] = true;
  sreq["stream_options"] = {{"include_usage", true}};
  auto streamed = post_json(*c, "/v1/chat/completions", sreq);
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->status, 200);
  EXPECT_NE(streamed->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  const auto events = sse_payloads(streamed->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string joined;
  std::string finish;
  json usage;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json e = json::parse(events[i]);
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_EQ(e["id"], json::parse(events[0])["id"]);
    if (e["choices"].empty()) {
      usage = e["usage"];
      continue;
    }
    EXPECT_TRUE(e["usage"].is_null());
    const json& ch = e["choices"][0];
    if (ch["delta"].contains("content")) joined += ch["delta"]["content"].get<std::string>();
    if (!ch["finish_reason"].is_null()) finish = ch["finish_reason"];
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(finish, w["choices"][0]["finish_reason"]);
  ASSERT_TRUE(usage.is_object()) << "no usage chunk";
  EXPECT_EQ(usage, w["usage"]);
}

TEST_F(OpenAiApi, StreamedCompletionAndStopStrings) {
  auto c = server_->client();
  auto r = post_json(*c, "/v1/completions",
                     {{"model", "stories"}, {"prompt", "Once upon a time"}, {"max_tokens", 60}, {"temperature", 0},
                      {"stop", {"Lily"}}, {"stream", true}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto events = sse_payloads(r->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text, finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json e = json::parse(events[i]);
    EXPECT_EQ(e["object"], "text_completion");
    text += e["choices"][0]["text"].get<std::string>();
    if (!e["choices"][0]["finish_reason"].is_null()) finish = e["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text, ", there was a little girl named ");
  EXPECT_EQ(finish, "stop");
}

TEST_F(OpenAiApi, SeedMakesSamplingRepeatable) {
  auto c = server_->client();
  const json req = {{"model", "stories"}, {"prompt", "Lily"},   {"max_tokens", 30}, {"temperature", 1.0},
                    {"top_p", 0.9},       {"seed", 42},         {"top_k", 40},      {"min_p", 0.01},
                    {"presence_penalty", 0.5}, {"frequency_penalty", 0.3}, {"repeat_penalty", 1.1},
                    {"logit_bias", {{"13", -100}}}};
  auto a = post_json(*c, "/v1/completions", req), b = post_json(*c, "/v1/completions", req);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(json::parse(a->body)["choices"][0]["text"], json::parse(b->body)["choices"][0]["text"]);
}

TEST_F(OpenAiApi, Logprobs) {
  auto c = server_->client();
  auto r = post_json(*c, "/v1/chat/completions",
                     {{"model", "stories"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"max_tokens", 5},
                      {"temperature", 0}, {"ignore_eos", true}, {"logprobs", true}, {"top_logprobs", 3}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json content = json::parse(r->body)["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), 5u);
  for (const json& t : content) {
    EXPECT_LE(t["logprob"].get<double>(), 0.0);
    ASSERT_EQ(t["top_logprobs"].size(), 3u);
    // Greedy: the chosen token is the most likely one.
    EXPECT_EQ(t["token"], t["top_logprobs"][0]["token"]);
    EXPECT_TRUE(t["bytes"].is_array());
  }
  r = post_json(*c, "/v1/completions",
                {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 4}, {"temperature", 0}, {"ignore_eos", true},
                 {"logprobs", 2}});
  ASSERT_TRUE(r);
  const json lp = json::parse(r->body)["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"].size(), 4u);
  EXPECT_EQ(lp["token_logprobs"].size(), 4u);
  EXPECT_EQ(lp["top_logprobs"][0].size(), 2u);
}

TEST_F(OpenAiApi, EmbeddingsAreNormalised) {
  auto c = server_->client();
  auto r = post_json(*c, "/v1/embeddings", {{"model", "stories"}, {"input", {"Once upon a time", "Lily and Ben"}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_EQ(j["data"].size(), 2u);
  for (const json& d : j["data"]) {
    double norm = 0;
    for (double v : d["embedding"]) norm += v * v;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
    EXPECT_EQ(d["embedding"].size(), 64u);
  }
  EXPECT_NE(j["data"][0]["embedding"], j["data"][1]["embedding"]);
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
  r = post_json(*c, "/v1/embeddings", {{"model", "stories"}, {"input", "Lily"}, {"encoding_format", "base64"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  // 64 floats = 256 bytes = 344 base64 characters.
  EXPECT_EQ(json::parse(r->body)["data"][0]["embedding"].get<std::string>().size(), 344u);
}

TEST_F(OpenAiApi, BadRequestsGetOpenAiErrors) {
  auto c = server_->client();
  auto post = [&](const std::string& body) { return c->Post("/v1/chat/completions", body, "application/json"); };
  expect_openai_error(post("{not json"), 400);
  expect_openai_error(post("[1,2]"), 400);
  expect_openai_error(post(""), 400);
  expect_openai_error(post("{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}"), 400);
  const json ok_msgs = {{{"role", "user"}, {"content", "Hi"}}};
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}}), 400, "messages");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", 7}, {"messages", ok_msgs}}), 400, "model");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "nope"}, {"messages", ok_msgs}}), 404, "model");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", ok_msgs}, {"temperature", "hot"}}),
                      400, "temperature");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", ok_msgs}, {"max_tokens", -1}}),
                      400, "max_tokens");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", ok_msgs}, {"max_tokens", 1e9}}),
                      400);
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", ok_msgs}, {"n", 2}}), 400, "n");
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", {{{"role", "robot"}, {"content", "x"}}}}}),
                      400);
  expect_openai_error(post_json(*c, "/v1/chat/completions", {{"model", "stories"}, {"messages", ok_msgs}, {"logit_bias", {{"99999", 1}}}}),
                      400);
  expect_openai_error(post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", {1, 2, 999999}}}), 400);
  expect_openai_error(post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", std::string(20000, 'a')}}), 400);
  expect_openai_error(post_json(*c, "/v1/embeddings", {{"model", "stories"}, {"input", 5}}), 400, "input");
  expect_openai_error(c->Get("/v1/nothing-here"), 404);
  expect_openai_error(c->Get("/v1/chat/completions"), 405);
  // Still serving.
  auto r = post_json(*c, "/v1/completions", {{"model", "stories"}, {"prompt", "Lily"}, {"max_tokens", 3}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(OpenAiApi, OversizedBodyIsRefusedAndTheServerKeepsServing) {
  auto c = server_->client();
  const std::string huge = "{\"model\":\"stories\",\"prompt\":\"" + std::string(9u << 20, 'a') + "\"}";
  auto r = c->Post("/v1/completions", huge, "application/json");
  if (r) {
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find("\"error\""), std::string::npos) << r->body;
  }  // else: the server closed the connection before reading it all, which is fine
  auto c2 = server_->client();
  auto h = c2->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

}  // namespace
}  // namespace coreinfer::testing
