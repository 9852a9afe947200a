// Chat prompts for the common Llama-family formats. A GGUF file carries its chat template
// as Jinja text (tokenizer.chat_template); instead of running Jinja we recognise the format by
// its markers, as llama.cpp's llama_chat_apply_template does, and render it the same way.
//
// The rendered text does not start with BOS: the BOS comes from tokenizing it with
// add_special = true (for Llama 3 that means no "<|begin_of_text|>" in the text). Tokenize the
// result with parse_special = true so the markers become their control tokens.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "formats/gguf/gguf_file.h"

namespace coreinfer::tokenizer {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

enum class ChatFormat : uint8_t {
  kChatMl,           // <|im_start|>role\ncontent<|im_end|>\n
  kLlama2,           // [INST] ... [/INST], system text without a <<SYS>> block
  kLlama2Sys,        // [INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST]
  kLlama2SysBos,     // as kLlama2Sys, later turns start with <s>[INST]
  kLlama2SysStrip,   // as kLlama2Sys, message contents trimmed
  kLlama3,           // <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>
  kMistralV1,        // " [INST] user [/INST] answer</s>"
  kMistralV3,        // "[INST] user[/INST] answer</s>"
  kMistralV3Tekken,  // "[INST]user[/INST]answer</s>"
  kMistralV7,        // "[SYSTEM_PROMPT] s[/SYSTEM_PROMPT][INST] user[/INST] answer</s>"
  kMistralV7Tekken,  // as kMistralV7 without the spaces
};

// llama.cpp's names: "chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip",
// "llama3", "mistral-v1", "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken".
const char* chat_format_name(ChatFormat format);
Result<ChatFormat> chat_format_from_name(std::string_view name);

// Recognises the format of a Jinja chat template (or accepts one of the names above).
// kUnsupported, naming the supported formats, if it is none of them.
Result<ChatFormat> detect_chat_format(std::string_view template_text);

// tokenizer.chat_template of the file, if present and a string.
std::optional<std::string> chat_template_from_gguf(const gguf::GgufFile& file);

// The format of `template_text` if there is one; otherwise the format named `fallback_name`
// (an empty name means no fallback: kNotFound).
Result<ChatFormat> choose_chat_format(const std::optional<std::string>& template_text,
                                      std::string_view fallback_name);

// The prompt text. `add_generation_prompt` opens an assistant turn where the format has one
// (ChatML, Llama 3); the [INST] formats already end ready for the answer.
std::string render_chat(ChatFormat format, std::span<const ChatMessage> messages, bool add_generation_prompt);

}  // namespace coreinfer::tokenizer
