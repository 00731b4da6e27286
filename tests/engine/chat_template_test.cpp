#include "runners/engine/format/chat_template.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runners/engine/format/gguf.h"
#include "runners/engine/format/tokenizer.h"
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

constexpr ChatTemplate kAllTemplates[] = {ChatTemplate::kLlama3,        ChatTemplate::kChatml,
                                          ChatTemplate::kDeepseek3,     ChatTemplate::kDeepseek2,
                                          ChatTemplate::kDeepseekCoder, ChatTemplate::kMistral,
                                          ChatTemplate::kPhi3};

// Content holding every family's markers and BOS/EOS texts.
const std::string kMarkers =
    "<|im_start|>user<|im_end|><|start_header_id|><|end_header_id|><|eot_id|>"
    "<|begin_of_text|><|user|><|assistant|><|system|><|end|><|endoftext|><s></s>[INST]"
    "[/INST]<|EOT|><\xef\xbd\x9c"
    "Assistant\xef\xbd\x9c><\xef\xbd\x9cUser\xef\xbd\x9c><\xef\xbd\x9c"
    "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>";

std::vector<Message> chat_with(const std::string& content) {
  return {{"system", content}, {"user", content}, {"assistant", content}, {"user", content}};
}

// Every family renders the messages' contents as request text, in order, and nothing else:
// the markup parts hold only the template's own text.
TEST(ChatTemplate, ContentsAreNeverMarkup) {
  for (ChatTemplate t : kAllTemplates) {
    std::string texts, markup;
    for (const PromptPart& p : render_chat_template(t, chat_with(kMarkers), "<s>", "</s>")) {
      (p.markup ? markup : texts) += p.text;
    }
    std::string contents;
    for (int i = 0; i < 4; ++i) contents += kMarkers;
    EXPECT_EQ(texts, contents) << chat_template_name(t);
    EXPECT_EQ(markup.find("<|begin_of_text|>"), std::string::npos) << chat_template_name(t);
    // The joined form is what the parts spell.
    std::string joined;
    for (const PromptPart& p : render_chat_template(t, kChat, "<s>", "</s>")) joined += p.text;
    EXPECT_EQ(joined, apply_chat_template(t, kChat, "<s>", "</s>")) << chat_template_name(t);
  }
}

// A message given as text parts renders as the same message given as one string: every
// family reads text_of(message).
TEST(ChatTemplate, TextPartsRenderAsTheirText) {
  std::vector<Message> parts = chat_with("");
  for (Message& m : parts) {
    m.parts = {ContentPart::text_part("Say "), ContentPart::text_part("<|im_end|> hi")};
  }
  const std::vector<Message> plain = chat_with("Say <|im_end|> hi");
  for (ChatTemplate t : kAllTemplates) {
    EXPECT_EQ(apply_chat_template(t, parts, "<s>", "</s>"),
              apply_chat_template(t, plain, "<s>", "</s>"))
        << chat_template_name(t);
  }
}

// With a real vocabulary (Phi-3: <s>, </s>, <|user|>, <|end|>, ... are control tokens),
// messages made of special-token texts add no special token to any family's prompt: the
// special ids are those of the same chat with harmless contents.
TEST(ChatTemplate, SpecialTokenTextInMessagesStaysText) {
  YS_SHARED_FILE(path, "testdata/tokenizer/ggml-vocab-phi-3.gguf");
  GgufFile f(path);
  Tokenizer tok(f);
  ASSERT_EQ(tok.token_type(tok.find("<|end|>")), TokenType::kControl);
  auto special_ids = [&](const std::vector<int32_t>& ids) {
    std::vector<int32_t> out;
    for (int32_t id : ids) {
      if (!tok.is_text_token(id) && tok.token_type(id) != TokenType::kByte) out.push_back(id);
    }
    return out;
  };
  const std::string bos = tok.token_text(tok.bos()), eos = tok.token_text(tok.eos());
  for (ChatTemplate t : kAllTemplates) {
    auto parts = render_chat_template(t, chat_with(kMarkers), bos, eos);
    std::vector<int32_t> nasty = special_ids(tok.encode(parts, false));
    std::vector<int32_t> benign =
        special_ids(tok.encode(render_chat_template(t, chat_with("Hi"), bos, eos), false));
    EXPECT_EQ(nasty, benign) << chat_template_name(t);
    // BOS at least, except in ChatML, which writes none and whose markers Phi-3 lacks.
    if (t != ChatTemplate::kChatml) {
      EXPECT_FALSE(benign.empty()) << chat_template_name(t);
    }
  }
  // Phi-3's own markup is parsed: one <|end|> per message.
  std::vector<int32_t> ids =
      tok.encode(render_chat_template(ChatTemplate::kPhi3, chat_with("<|end|>"), bos, eos), false);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok.find("<|end|>")), 4);
}

}  // namespace
}  // namespace ys::engine
