#include "runners/engine/chat_template.h"

#include <gtest/gtest.h>

#include "runners/engine/gguf.h"
#include "runners/engine/tokenizer.h"
#include "tests/engine/test_data.h"
#include "util/error.h"

namespace ys::engine {
namespace {

const std::vector<Message> kChat = {
    {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "2+2?"}};

TEST(ChatTemplate, DetectsFamiliesByMarkers) {
  EXPECT_EQ(detect_chat_template("{{ '<|start_header_id|>' + message['role'] }}"),
            ChatTemplate::kLlama3);
  EXPECT_EQ(detect_chat_template("{{'<|im_start|>' + message['role'] + '\\n'}}"),
            ChatTemplate::kChatml);
  EXPECT_EQ(detect_chat_template("{{'<\xef\xbd\x9c"
                                 "Assistant\xef\xbd\x9c>'}}"),
            ChatTemplate::kDeepseek3);
  EXPECT_EQ(detect_chat_template("{{ 'Assistant:' + message['content'] + eos_token }}"),
            ChatTemplate::kDeepseek2);
  EXPECT_EQ(detect_chat_template("{{'### Instruction:\\n'}}...{{'\\n<|EOT|>\\n'}}"),
            ChatTemplate::kDeepseekCoder);
  EXPECT_EQ(detect_chat_template("{{ '[INST] ' + message['content'] + ' [/INST]' }}"),
            ChatTemplate::kMistral);
  EXPECT_THROW(detect_chat_template("{{ message['content'] }}"), InputError);
  EXPECT_THROW(detect_chat_template(""), InputError);
}

TEST(ChatTemplate, Renders) {
  EXPECT_EQ(apply_chat_template(ChatTemplate::kChatml, kChat, "", ""),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(
      apply_chat_template(ChatTemplate::kLlama3, {{"user", " Hi\n"}}, "<|begin_of_text|>", ""),
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(apply_chat_template(ChatTemplate::kMistral, kChat, "<s>", "</s>"),
            "<s>[INST] Be brief.\n\nHi [/INST] Hello.</s>[INST] 2+2? [/INST]");
  EXPECT_EQ(apply_chat_template(ChatTemplate::kDeepseek2, {{"user", "Hi"}}, "<B>", "<E>"),
            "<B>User: Hi\n\nAssistant:");
  EXPECT_THROW(apply_chat_template(ChatTemplate::kChatml, {{"tool", "x"}}, "", ""), InputError);
}

// The Phi-3 vocabulary carries a real template: it is recognised, and the rendered prompt
// tokenizes with its markers as single control tokens.
TEST(ChatTemplate, Phi3FromGguf) {
  YS_SHARED_FILE(path, "testdata/tokenizer/ggml-vocab-phi-3.gguf");
  GgufFile f(path);
  ChatTemplate t = detect_chat_template(f.get_string("tokenizer.chat_template"));
  EXPECT_EQ(t, ChatTemplate::kPhi3);
  Tokenizer tok(f);
  std::string text = apply_chat_template(t, {{"user", "Hi"}}, tok.token_text(tok.bos()),
                                         tok.token_text(tok.eos()));
  EXPECT_EQ(text, "<s><|user|>\nHi<|end|>\n<|assistant|>\n");
  std::vector<int32_t> control;
  for (int32_t id : tok.encode(text, false, true)) {
    if (tok.token_type(id) == TokenType::kControl) control.push_back(id);
  }
  EXPECT_EQ(control, (std::vector<int32_t>{tok.bos(), tok.find("<|user|>"), tok.find("<|end|>"),
                                           tok.find("<|assistant|>")}));
  EXPECT_TRUE(tok.is_end_of_generation(tok.find("<|end|>")));
}

}  // namespace
}  // namespace ys::engine
