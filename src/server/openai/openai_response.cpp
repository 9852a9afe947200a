#include "server/openai/openai_response.h"

#include <atomic>
#include <chrono>
#include <cstdio>

#include "server/json_util.h"

namespace coreinfer::server::openai {
namespace {

using nlohmann::json;

std::string new_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  const uint64_t t = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%012llx%04llx", prefix, static_cast<unsigned long long>(t & 0xffffffffffffULL),
                static_cast<unsigned long long>(counter.fetch_add(1) & 0xffff));
  return buf;
}

json bytes_of(std::string_view s) {
  json a = json::array();
  for (unsigned char c : s) a.push_back(static_cast<int>(c));
  return a;
}

class ChatWriter final : public ResponseWriter {
 public:
  ChatWriter(const std::string& model, const tokenizer::Tokenizer& tok, bool include_usage)
      : ResponseWriter(new_id("chatcmpl"), "chat.completion", model, tok, include_usage) {}

  json logprobs(const Delta& d) const {
    json content = json::array();
    for (const TokenLogprob& lp : d.logprobs) {
      const std::string raw(tok_.token_to_piece(lp.token));
      json top = json::array();
      for (const llm::TokenProb& t : lp.top) {
        const std::string r(tok_.token_to_piece(t.token));
        top.push_back({{"token", sanitize_utf8(r)}, {"logprob", t.logprob}, {"bytes", bytes_of(r)}});
      }
      content.push_back({{"token", sanitize_utf8(raw)}, {"logprob", lp.logprob}, {"bytes", bytes_of(raw)},
                         {"top_logprobs", top}});
    }
    return {{"content", content}};
  }

  json full(const Delta& all, const Outcome& o) const override {
    json r = envelope("chat.completion");
    json choice = {{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", all.text}}},
                   {"logprobs", nullptr},
                   {"finish_reason", openai_finish_reason(o.finish_reason)}};
    if (!all.logprobs.empty()) choice["logprobs"] = logprobs(all);
    r["choices"] = json::array({choice});
    r["usage"] = usage(o);
    return r;
  }
  json first_chunk() const override {
    json r = envelope("chat.completion.chunk");
    r["choices"] = json::array(
        {{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}});
    if (include_usage_) r["usage"] = nullptr;
    return r;
  }
  json chunk(const Delta& d) const override {
    json r = envelope("chat.completion.chunk");
    json choice = {{"index", 0}, {"delta", {{"content", d.text}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
    if (!d.logprobs.empty()) choice["logprobs"] = logprobs(d);
    r["choices"] = json::array({choice});
    if (include_usage_) r["usage"] = nullptr;
    return r;
  }
  json final_chunk(const Outcome& o) const override {
    json r = envelope("chat.completion.chunk");
    r["choices"] = json::array({{{"index", 0},
                                 {"delta", json::object()},
                                 {"logprobs", nullptr},
                                 {"finish_reason", openai_finish_reason(o.finish_reason)}}});
    if (include_usage_) r["usage"] = nullptr;
    return r;
  }
};

class CompletionWriter final : public ResponseWriter {
 public:
  CompletionWriter(const std::string& model, const tokenizer::Tokenizer& tok, bool include_usage)
      : ResponseWriter(new_id("cmpl"), "text_completion", model, tok, include_usage) {}

  json logprobs(const Delta& d) const {
    json tokens = json::array(), token_lp = json::array(), top = json::array(), offsets = json::array();
    size_t offset = 0;
    for (const TokenLogprob& lp : d.logprobs) {
      const std::string p = piece(lp.token);
      tokens.push_back(p);
      token_lp.push_back(lp.logprob);
      json alts = json::object();
      for (const llm::TokenProb& t : lp.top) alts[piece(t.token)] = t.logprob;
      top.push_back(alts);
      offsets.push_back(offset);
      offset += p.size();
    }
    return {{"tokens", tokens}, {"token_logprobs", token_lp}, {"top_logprobs", top}, {"text_offset", offsets}};
  }
  json choice(const Delta& d, const json& finish) const {
    json c = {{"index", 0}, {"text", d.text}, {"logprobs", nullptr}, {"finish_reason", finish}};
    if (!d.logprobs.empty()) c["logprobs"] = logprobs(d);
    return c;
  }
  json full(const Delta& all, const Outcome& o) const override {
    json r = envelope("text_completion");
    r["choices"] = json::array({choice(all, openai_finish_reason(o.finish_reason))});
    r["usage"] = usage(o);
    return r;
  }
  json first_chunk() const override { return nullptr; }
  json chunk(const Delta& d) const override {
    json r = envelope("text_completion");
    r["choices"] = json::array({choice(d, nullptr)});
    if (include_usage_) r["usage"] = nullptr;
    return r;
  }
  json final_chunk(const Outcome& o) const override {
    json r = envelope("text_completion");
    r["choices"] = json::array({choice(Delta{}, openai_finish_reason(o.finish_reason))});
    if (include_usage_) r["usage"] = nullptr;
    return r;
  }
};

}  // namespace

ResponseWriter::ResponseWriter(std::string id, std::string, std::string model, const tokenizer::Tokenizer& tok,
                               bool include_usage)
    : id_(std::move(id)),
      model_(std::move(model)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()),
      tok_(tok),
      include_usage_(include_usage) {}

json ResponseWriter::envelope(const char* object) const {
  return {{"id", id_}, {"object", object}, {"created", created_}, {"model", model_},
          {"system_fingerprint", "coreinfer-0.1.0"}};
}

json ResponseWriter::usage(const Outcome& o) {
  return {{"prompt_tokens", o.prompt_tokens},
          {"completion_tokens", o.completion_tokens},
          {"total_tokens", o.prompt_tokens + o.completion_tokens}};
}

json ResponseWriter::usage_chunk(const Outcome& o) const {
  json r = envelope(dynamic_cast<const ChatWriter*>(this) ? "chat.completion.chunk" : "text_completion");
  r["choices"] = json::array();
  r["usage"] = usage(o);
  return r;
}

std::string ResponseWriter::piece(int32_t token) const { return sanitize_utf8(tok_.token_to_piece(token)); }

std::unique_ptr<ResponseWriter> chat_writer(const std::string& model, const tokenizer::Tokenizer& tok, bool include_usage) {
  return std::make_unique<ChatWriter>(model, tok, include_usage);
}
std::unique_ptr<ResponseWriter> completion_writer(const std::string& model, const tokenizer::Tokenizer& tok,
                                                  bool include_usage) {
  return std::make_unique<CompletionWriter>(model, tok, include_usage);
}

std::string openai_finish_reason(const std::string& reason) { return reason == "length" ? "length" : "stop"; }

}  // namespace coreinfer::server::openai
