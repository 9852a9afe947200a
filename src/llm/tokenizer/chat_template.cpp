#include "llm/tokenizer/chat_template.h"

namespace coreinfer::tokenizer {
namespace {

struct NamedFormat {
  ChatFormat format;
  const char* name;
};

constexpr NamedFormat kFormats[] = {
    {ChatFormat::kChatMl, "chatml"},
    {ChatFormat::kLlama2, "llama2"},
    {ChatFormat::kLlama2Sys, "llama2-sys"},
    {ChatFormat::kLlama2SysBos, "llama2-sys-bos"},
    {ChatFormat::kLlama2SysStrip, "llama2-sys-strip"},
    {ChatFormat::kLlama3, "llama3"},
    {ChatFormat::kMistralV1, "mistral-v1"},
    {ChatFormat::kMistralV3, "mistral-v3"},
    {ChatFormat::kMistralV3Tekken, "mistral-v3-tekken"},
    {ChatFormat::kMistralV7, "mistral-v7"},
    {ChatFormat::kMistralV7Tekken, "mistral-v7-tekken"},
};

std::string supported_names() {
  std::string names;
  for (const NamedFormat& f : kFormats) {
    if (!names.empty()) names += ", ";
    names += f.name;
  }
  return names;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<ChatFormat> detect_by_markers(std::string_view t) {
  auto has = [t](std::string_view marker) { return t.find(marker) != std::string_view::npos; };
  if (has("<|im_start|>")) {
    // <|im_sep|> is Phi-4's variant and <end_of_utterance> SmolVLM's: not plain ChatML.
    if (has("<|im_sep|>") || has("<end_of_utterance>")) return std::nullopt;
    return ChatFormat::kChatMl;
  }
  if (t.substr(0, 7) == "mistral" || has("[INST]")) {
    if (has("[SYSTEM_PROMPT]")) return ChatFormat::kMistralV7;
    // The official Mistral v1 template builds "' [INST] ' + system_message"; v3 and
    // v3-tekken mention [AVAILABLE_TOOLS].
    if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {
      if (has(" [INST]")) return ChatFormat::kMistralV1;
      if (has("\"[INST]\"")) return ChatFormat::kMistralV3Tekken;
      return ChatFormat::kMistralV3;
    }
    if (has("content.strip()")) return ChatFormat::kLlama2SysStrip;
    if (has("bos_token + '[INST]")) return ChatFormat::kLlama2SysBos;
    if (has("<<SYS>>")) return ChatFormat::kLlama2Sys;
    return ChatFormat::kLlama2;
  }
  if (has("<|start_header_id|>") && has("<|end_header_id|>")) return ChatFormat::kLlama3;
  return std::nullopt;
}

void render_chatml(std::span<const ChatMessage> messages, bool add_generation_prompt, std::string& out) {
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
}

void render_llama3(std::span<const ChatMessage> messages, bool add_generation_prompt, std::string& out) {
  for (const ChatMessage& m : messages) {
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n";
    out += trim(m.content);
    out += "<|eot_id|>";
  }
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

void render_llama2(ChatFormat format, std::span<const ChatMessage> messages, std::string& out) {
  const bool system_block = format != ChatFormat::kLlama2;
  const bool bos_between_turns = format == ChatFormat::kLlama2SysBos;
  const bool strip = format == ChatFormat::kLlama2SysStrip;
  bool in_turn = true;  // the first [INST] is written here, its BOS comes from tokenization
  out += "[INST] ";
  for (const ChatMessage& m : messages) {
    const std::string_view content = strip ? trim(m.content) : std::string_view(m.content);
    if (!in_turn) {
      out += bos_between_turns ? "<s>[INST] " : "[INST] ";
      in_turn = true;
    }
    if (m.role == "system") {
      if (system_block) {
        out += "<<SYS>>\n";
        out += content;
        out += "\n<</SYS>>\n\n";
      } else {
        out += content;
        out += "\n";
      }
    } else if (m.role == "user") {
      out += content;
      out += " [/INST]";
    } else {
      out += content;
      out += "</s>";
      in_turn = false;
    }
  }
}

void render_mistral_v1_v3(ChatFormat format, std::span<const ChatMessage> messages, std::string& out) {
  const std::string_view leading = format == ChatFormat::kMistralV1 ? " " : "";
  const std::string_view trailing = format == ChatFormat::kMistralV3Tekken ? "" : " ";
  const bool trim_answers = format == ChatFormat::kMistralV3;
  bool in_turn = false;
  for (const ChatMessage& m : messages) {
    if (!in_turn) {
      out += leading;
      out += "[INST]";
      out += trailing;
      in_turn = true;
    }
    if (m.role == "system") {
      out += m.content + "\n\n";
    } else if (m.role == "user") {
      out += m.content;
      out += leading;
      out += "[/INST]";
    } else {
      out += trailing;
      out += trim_answers ? trim(m.content) : std::string_view(m.content);
      out += "</s>";
      in_turn = false;
    }
  }
}

void render_mistral_v7(ChatFormat format, std::span<const ChatMessage> messages, std::string& out) {
  const std::string_view space = format == ChatFormat::kMistralV7 ? " " : "";
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      out += "[SYSTEM_PROMPT]";
      out += space;
      out += m.content + "[/SYSTEM_PROMPT]";
    } else if (m.role == "user") {
      out += "[INST]";
      out += space;
      out += m.content + "[/INST]";
    } else {
      out += space;
      out += m.content + "</s>";
    }
  }
}

}  // namespace

const char* chat_format_name(ChatFormat format) {
  for (const NamedFormat& f : kFormats) {
    if (f.format == format) return f.name;
  }
  return "unknown";
}

Result<ChatFormat> chat_format_from_name(std::string_view name) {
  for (const NamedFormat& f : kFormats) {
    if (name == f.name) return f.format;
  }
  return invalid_argument("unknown chat format '" + std::string(name) + "'; supported: " + supported_names());
}

Result<ChatFormat> detect_chat_format(std::string_view template_text) {
  if (auto by_name = chat_format_from_name(template_text); by_name.is_ok()) return by_name;
  if (const auto format = detect_by_markers(template_text)) return *format;
  return unsupported("the model's chat template is not one of the supported formats (" + supported_names() +
                     "); choose one of them by name");
}

std::optional<std::string> chat_template_from_gguf(const gguf::GgufFile& file) {
  auto text = file.get_string("tokenizer.chat_template");
  if (!text.is_ok()) return std::nullopt;
  return std::move(text).value();
}

Result<ChatFormat> choose_chat_format(const std::optional<std::string>& template_text,
                                      std::string_view fallback_name) {
  if (template_text && !template_text->empty()) return detect_chat_format(*template_text);
  if (fallback_name.empty()) {
    return not_found("the model has no chat template (tokenizer.chat_template); choose a format by name: " +
                     supported_names());
  }
  return chat_format_from_name(fallback_name);
}

std::string render_chat(ChatFormat format, std::span<const ChatMessage> messages, bool add_generation_prompt) {
  std::string out;
  switch (format) {
    case ChatFormat::kChatMl:
      render_chatml(messages, add_generation_prompt, out);
      break;
    case ChatFormat::kLlama3:
      render_llama3(messages, add_generation_prompt, out);
      break;
    case ChatFormat::kLlama2:
    case ChatFormat::kLlama2Sys:
    case ChatFormat::kLlama2SysBos:
    case ChatFormat::kLlama2SysStrip:
      render_llama2(format, messages, out);
      break;
    case ChatFormat::kMistralV1:
    case ChatFormat::kMistralV3:
    case ChatFormat::kMistralV3Tekken:
      render_mistral_v1_v3(format, messages, out);
      break;
    case ChatFormat::kMistralV7:
    case ChatFormat::kMistralV7Tekken:
      render_mistral_v7(format, messages, out);
      break;
  }
  return out;
}

}  // namespace coreinfer::tokenizer
