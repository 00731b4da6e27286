#include "runners/engine/chat_template.h"

#include "util/error.h"

namespace ys::engine {
namespace {

bool has(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

ChatTemplate detect_chat_template(const std::string& jinja) {
  // Most specific markers first: several families share "[INST]" or "Assistant".
  if (has(jinja, "<|start_header_id|>")) return ChatTemplate::kLlama3;
  if (has(jinja, "<|im_start|>")) return ChatTemplate::kChatml;
  if (has(jinja,
          "<\xef\xbd\x9c"
          "Assistant\xef\xbd\x9c>"))
    return ChatTemplate::kDeepseek3;
  if (has(jinja, "### Instruction:") && has(jinja, "<|EOT|>")) return ChatTemplate::kDeepseekCoder;
  if (has(jinja, "'Assistant:'") || has(jinja, "\"Assistant:\"")) return ChatTemplate::kDeepseek2;
  if (has(jinja, "[INST]")) return ChatTemplate::kMistral;
  if (has(jinja, "<|assistant|>") && has(jinja, "<|end|>")) return ChatTemplate::kPhi3;
  throw InputError(
      std::string(jinja.empty() ? "the model has no tokenizer.chat_template"
                                : "unrecognised tokenizer.chat_template") +
      " (supported: llama3, chatml, deepseek3, deepseek2, deepseek-coder, mistral, phi3)");
}

const char* chat_template_name(ChatTemplate t) {
  switch (t) {
    case ChatTemplate::kLlama3:
      return "llama3";
    case ChatTemplate::kChatml:
      return "chatml";
    case ChatTemplate::kDeepseek3:
      return "deepseek3";
    case ChatTemplate::kDeepseek2:
      return "deepseek2";
    case ChatTemplate::kDeepseekCoder:
      return "deepseek-coder";
    case ChatTemplate::kMistral:
      return "mistral";
    case ChatTemplate::kPhi3:
      return "phi3";
  }
  return "unknown";
}

std::string apply_chat_template(ChatTemplate t, const std::vector<Message>& messages,
                                const std::string& bos, const std::string& eos) {
  for (const Message& m : messages) {
    if (m.role != "system" && m.role != "user" && m.role != "assistant") {
      throw InputError("chat message with unknown role '" + m.role + "'");
    }
  }
  std::string out;
  switch (t) {
    case ChatTemplate::kLlama3:
      out = bos;
      for (const Message& m : messages) {
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + trim(m.content) +
               "<|eot_id|>";
      }
      return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
    case ChatTemplate::kChatml:
      for (const Message& m : messages) {
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      }
      return out + "<|im_start|>assistant\n";
    case ChatTemplate::kDeepseek3:
      out = bos;
      for (const Message& m : messages) {
        if (m.role == "system") {
          out += m.content;
        } else if (m.role == "user") {
          out += "<\xef\xbd\x9cUser\xef\xbd\x9c>" + m.content;
        } else {
          out +=
              "<\xef\xbd\x9c"
              "Assistant\xef\xbd\x9c>" +
              m.content + eos;
        }
      }
      return out +
             "<\xef\xbd\x9c"
             "Assistant\xef\xbd\x9c>";
    case ChatTemplate::kDeepseek2:
      out = bos;
      for (const Message& m : messages) {
        if (m.role == "system") {
          out += m.content + "\n\n";
        } else if (m.role == "user") {
          out += "User: " + m.content + "\n\n";
        } else {
          out += "Assistant: " + m.content + eos;
        }
      }
      return out + "Assistant:";
    case ChatTemplate::kDeepseekCoder:
      out = bos;
      for (const Message& m : messages) {
        if (m.role == "system") {
          out += m.content + "\n";
        } else if (m.role == "user") {
          out += "### Instruction:\n" + m.content + "\n";
        } else {
          out += "### Response:\n" + m.content + "\n<|EOT|>\n";
        }
      }
      return out + "### Response:\n";
    case ChatTemplate::kMistral: {
      // One BOS at the start; a system message goes before the next user message.
      out = bos;
      std::string system;
      for (const Message& m : messages) {
        if (m.role == "system") {
          system += m.content + "\n\n";
        } else if (m.role == "user") {
          out += "[INST] " + system + m.content + " [/INST]";
          system.clear();
        } else {
          out += " " + m.content + eos;
        }
      }
      return out;
    }
    case ChatTemplate::kPhi3:
      out = bos;
      for (const Message& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
      return out + "<|assistant|>\n";
  }
  return out;
}

}  // namespace ys::engine
