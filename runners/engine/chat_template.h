// Chat formatting for the common model families, chosen from the GGUF's
// `tokenizer.chat_template` (a Jinja template, recognised by its marker strings rather
// than interpreted).
#pragma once

#include <string>
#include <vector>

#include "runners/request.h"

namespace ys::engine {

enum class ChatTemplate {
  kLlama3,         // <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>
  kChatml,         // <|im_start|>role\ncontent<|im_end|>\n (Qwen, Yi, ...)
  kDeepseek3,      // <｜User｜>content<｜Assistant｜>content<｜end▁of▁sentence｜>
  kDeepseek2,      // User: content\n\nAssistant: content<eos>
  kDeepseekCoder,  // ### Instruction:\ncontent\n### Response:\ncontent\n<|EOT|>\n
  kMistral,        // [INST] content [/INST] content</s> (Mistral v1, Llama 2)
  kPhi3,           // <|user|>\ncontent<|end|>\n<|assistant|>\n
};

// The family of `jinja`, the value of tokenizer.chat_template. Throws InputError naming
// the supported families when the template is not recognised (or empty).
ChatTemplate detect_chat_template(const std::string& jinja);

// The family's name: "llama3", "chatml", "deepseek3", "deepseek2", "deepseek-coder",
// "mistral", "phi3".
const char* chat_template_name(ChatTemplate t);

// The prompt text for `messages`, ending with the assistant's turn opened. `bos` and `eos`
// are the texts of those tokens, written where the family's template writes them; the
// result is meant to be tokenized with special tokens parsed and no BOS added.
// Throws InputError for a role other than system, user and assistant.
std::string apply_chat_template(ChatTemplate t, const std::vector<Message>& messages,
                                const std::string& bos, const std::string& eos);

}  // namespace ys::engine
