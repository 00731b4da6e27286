// Chat formatting for the common model families, chosen from the GGUF's
// `tokenizer.chat_template` (a Jinja template, recognised by its marker strings rather
// than interpreted).
#pragma once

#include <string>
#include <vector>

#include "runners/engine/format/tokenizer.h"
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

// The prompt for `messages`, ending with the assistant's turn opened, as parts: the
// template's own markup (role headers, turn ends, and `bos` / `eos`, the texts of those
// tokens, where the family's template writes them) and the messages' texts (text_of:
// content, or text parts joined; image parts have no text), which are request text. Meant for
// Tokenizer::encode(parts, /*add_special=*/false): special tokens are parsed in the markup only, so
// a message holding "<|im_end|>" stays plain text. Adjacent parts of the same kind are merged;
// empty ones are left out. Throws InputError for a role other than system, user and assistant.
std::vector<PromptPart> render_chat_template(ChatTemplate t, const std::vector<Message>& messages,
                                             const std::string& bos, const std::string& eos);

// The parts of render_chat_template() joined into one text (for display and tests).
std::string apply_chat_template(ChatTemplate t, const std::vector<Message>& messages,
                                const std::string& bos, const std::string& eos);

}  // namespace ys::engine
