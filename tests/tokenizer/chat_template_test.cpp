// Chat formats: recognised from the Jinja template by their markers and rendered like
// llama.cpp's llama_chat_apply_template.
#include <gtest/gtest.h>

#include "llm/tokenizer/chat_template.h"
#include "tokenizer/tokenizer_test_util.h"

namespace coreinfer::testing {
namespace {

using tokenizer::ChatFormat;
using tokenizer::ChatMessage;

const std::vector<ChatMessage> kConversation = {
    {"system", "You are helpful."},
    {"user", "Hi!"},
    {"assistant", " Hello. "},
    {"user", "Tell me a joke."},
};

ChatFormat detect(const std::string& text) {
  auto f = tokenizer::detect_chat_format(text);
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  return f.is_ok() ? *f : ChatFormat::kChatMl;
}

TEST(ChatTemplate, Llama3TemplateOfTheReferenceVocabulary) {
  auto file = gguf::GgufFile::open(data_path("tokenizer/ggml-vocab-llama-bpe.gguf"));
  ASSERT_TRUE(file.is_ok());
  const auto text = tokenizer::chat_template_from_gguf(**file);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(detect(*text), ChatFormat::kLlama3);

  // As the reference README describes: no <|begin_of_text|>, contents trimmed.
  const std::string rendered = tokenizer::render_chat(ChatFormat::kLlama3, kConversation, true);
  EXPECT_EQ(rendered,
            "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nTell me a joke.<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kLlama3, {kConversation.data(), 2}, false),
            "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>");

  // Tokenized with add_special + parse_special: one BOS, then the header tokens.
  const auto* tok = reference_tokenizer("ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(tok, nullptr);
  const auto ids = tok->encode(rendered, true, true);
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids[0], 128000);  // <|begin_of_text|>
  EXPECT_EQ(ids[1], 128006);  // <|start_header_id|>
  EXPECT_EQ(ids[3], 128007);  // <|end_header_id|>
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 128000), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 128009), 4);  // <|eot_id|>
  EXPECT_TRUE(tok->is_end_of_generation(128009));
  EXPECT_TRUE(tok->is_end_of_generation(128001));
}

TEST(ChatTemplate, ChatMl) {
  EXPECT_EQ(detect("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>'}}"),
            ChatFormat::kChatMl);
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kChatMl, kConversation, true),
            "<|im_start|>system\nYou are helpful.<|im_end|>\n"
            "<|im_start|>user\nHi!<|im_end|>\n"
            "<|im_start|>assistant\n Hello. <|im_end|>\n"
            "<|im_start|>user\nTell me a joke.<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, Llama2Variants) {
  EXPECT_EQ(detect("{{ '[INST] ' + message['content'] + ' [/INST]' }}"), ChatFormat::kLlama2);
  EXPECT_EQ(detect("{{ '<<SYS>>\\n' + system_message }}{{ '[INST] ' + content + ' [/INST]' }}"),
            ChatFormat::kLlama2Sys);
  EXPECT_EQ(detect("{{ bos_token + '[INST] ' + content }} <<SYS>>"), ChatFormat::kLlama2SysBos);
  EXPECT_EQ(detect("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }} <<SYS>>"),
            ChatFormat::kLlama2SysStrip);

  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kLlama2Sys, kConversation, true),
            "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST] Hello. </s>[INST] Tell me a joke. [/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kLlama2, kConversation, true),
            "[INST] You are helpful.\nHi! [/INST] Hello. </s>[INST] Tell me a joke. [/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kLlama2SysBos, kConversation, true),
            "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Tell me a joke. [/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kLlama2SysStrip, kConversation, true),
            "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi! [/INST]Hello.</s>[INST] Tell me a joke. [/INST]");
}

TEST(ChatTemplate, Llama2PromptTokenizesWithOneBos) {
  const auto* tok = reference_tokenizer("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string rendered = tokenizer::render_chat(ChatFormat::kLlama2Sys, kConversation, true);
  const auto ids = tok->encode(rendered, true, true);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 1), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2), 1);  // the </s> after the answer
}

TEST(ChatTemplate, MistralVariants) {
  EXPECT_EQ(detect("{{ ' [INST] ' + system_message }}{{ '[/INST]' }}"), ChatFormat::kMistralV1);
  EXPECT_EQ(detect("{%- if tools %}[AVAILABLE_TOOLS]{% endif %}{{ '[INST] ' + content + '[/INST]' }}"),
            ChatFormat::kMistralV3);
  EXPECT_EQ(detect("{%- if tools %}[AVAILABLE_TOOLS]{% endif %}{{ \"[INST]\" + content + \"[/INST]\" }}"),
            ChatFormat::kMistralV3Tekken);
  EXPECT_EQ(detect("{{ '[SYSTEM_PROMPT]' + system + '[/SYSTEM_PROMPT]' }}{{ '[INST]' }}"), ChatFormat::kMistralV7);

  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kMistralV1, kConversation, true),
            " [INST] You are helpful.\n\nHi! [/INST]  Hello. </s> [INST] Tell me a joke. [/INST]");  // v1 does not trim
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kMistralV3, kConversation, true),
            "[INST] You are helpful.\n\nHi![/INST] Hello.</s>[INST] Tell me a joke.[/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kMistralV3Tekken, kConversation, true),
            "[INST]You are helpful.\n\nHi![/INST] Hello. </s>[INST]Tell me a joke.[/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kMistralV7, kConversation, true),
            "[SYSTEM_PROMPT] You are helpful.[/SYSTEM_PROMPT][INST] Hi![/INST]  Hello. </s>"
            "[INST] Tell me a joke.[/INST]");
  EXPECT_EQ(tokenizer::render_chat(ChatFormat::kMistralV7Tekken, kConversation, true),
            "[SYSTEM_PROMPT]You are helpful.[/SYSTEM_PROMPT][INST]Hi![/INST] Hello. </s>[INST]Tell me a joke.[/INST]");
}

TEST(ChatTemplate, UnknownTemplateNamesTheSupportedFormats) {
  auto f = tokenizer::detect_chat_format("{% for m in messages %}<start_of_turn>{{ m.content }}{% endfor %}");
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), StatusCode::kUnsupported);
  for (const char* name : {"chatml", "llama2", "llama3", "mistral-v1", "mistral-v3", "mistral-v7"}) {
    EXPECT_NE(f.status().message().find(name), std::string::npos) << name;
  }
  // Phi-4 uses <|im_start|> but is not ChatML.
  EXPECT_FALSE(tokenizer::detect_chat_format("<|im_start|>{{ role }}<|im_sep|>").is_ok());
}

TEST(ChatTemplate, FallbackWhenTheFileHasNoTemplate) {
  auto file = gguf::GgufFile::open(data_path("tokenizer/ggml-vocab-llama-spm.gguf"));
  ASSERT_TRUE(file.is_ok());
  const auto text = tokenizer::chat_template_from_gguf(**file);
  EXPECT_FALSE(text.has_value());

  auto fallback = tokenizer::choose_chat_format(text, "llama2-sys");
  ASSERT_TRUE(fallback.is_ok());
  EXPECT_EQ(*fallback, ChatFormat::kLlama2Sys);

  auto none = tokenizer::choose_chat_format(text, "");
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  auto bogus = tokenizer::choose_chat_format(text, "vicuna");
  ASSERT_FALSE(bogus.is_ok());
  EXPECT_EQ(bogus.status().code(), StatusCode::kInvalidArgument);

  // A template in the file wins over the fallback.
  auto from_file = tokenizer::choose_chat_format(std::string("<|im_start|>"), "llama2");
  ASSERT_TRUE(from_file.is_ok());
  EXPECT_EQ(*from_file, ChatFormat::kChatMl);
}

TEST(ChatTemplate, NamesRoundTrip) {
  for (ChatFormat f : {ChatFormat::kChatMl, ChatFormat::kLlama2, ChatFormat::kLlama2Sys, ChatFormat::kLlama2SysBos,
                       ChatFormat::kLlama2SysStrip, ChatFormat::kLlama3, ChatFormat::kMistralV1,
                       ChatFormat::kMistralV3, ChatFormat::kMistralV3Tekken, ChatFormat::kMistralV7,
                       ChatFormat::kMistralV7Tekken}) {
    auto back = tokenizer::chat_format_from_name(tokenizer::chat_format_name(f));
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(*back, f);
    EXPECT_EQ(detect(tokenizer::chat_format_name(f)), f);  // a name is accepted as the template
  }
}

}  // namespace
}  // namespace coreinfer::testing
