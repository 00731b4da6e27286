#include "runners/engine/format/chat_template.h"

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

namespace {

// Collects a prompt's parts, merging neighbours of the same kind.
class PartWriter {
 public:
  PartWriter& markup(const std::string& s) { return add(s, true); }
  PartWriter& text(const std::string& s) { return add(s, false); }
  std::vector<PromptPart> take() { return std::move(parts_); }

 private:
  PartWriter& add(const std::string& s, bool markup) {
    if (s.empty()) return *this;
    if (!parts_.empty() && parts_.back().markup == markup) {
      parts_.back().text += s;
    } else {
      parts_.push_back({s, markup});
    }
    return *this;
  }
  std::vector<PromptPart> parts_;
};

}  // namespace

std::vector<PromptPart> render_chat_template(ChatTemplate t, const std::vector<Message>& given,
                                             const std::string& bos, const std::string& eos) {
  std::vector<Message> messages;  // each as its text (text_of): content or text parts
  messages.reserve(given.size());
  for (const Message& m : given) {
    if (m.role != "system" && m.role != "user" && m.role != "assistant") {
      throw InputError("chat message with unknown role '" + m.role + "'");
    }
    messages.push_back({m.role, text_of(m)});
  }
  // Roles are checked above, so writing them as markup is safe.
  PartWriter out;
  const std::string user3 = "<\xef\xbd\x9cUser\xef\xbd\x9c>";
  const std::string assistant3 =
      "<\xef\xbd\x9c"
      "Assistant\xef\xbd\x9c>";
  switch (t) {
    case ChatTemplate::kLlama3:
      out.markup(bos);
      for (const Message& m : messages) {
        out.markup("<|start_header_id|>" + m.role + "<|end_header_id|>\n\n")
            .text(trim(m.content))
            .markup("<|eot_id|>");
      }
      out.markup("<|start_header_id|>assistant<|end_header_id|>\n\n");
      break;
    case ChatTemplate::kChatml:
      for (const Message& m : messages) {
        out.markup("<|im_start|>" + m.role + "\n").text(m.content).markup("<|im_end|>\n");
      }
      out.markup("<|im_start|>assistant\n");
      break;
    case ChatTemplate::kDeepseek3:
      out.markup(bos);
      for (const Message& m : messages) {
        if (m.role == "system") {
          out.text(m.content);
        } else if (m.role == "user") {
          out.markup(user3).text(m.content);
        } else {
          out.markup(assistant3).text(m.content).markup(eos);
        }
      }
      out.markup(assistant3);
      break;
    case ChatTemplate::kDeepseek2:
      out.markup(bos);
      for (const Message& m : messages) {
        if (m.role == "system") {
          out.text(m.content).markup("\n\n");
        } else if (m.role == "user") {
          out.markup("User: ").text(m.content).markup("\n\n");
        } else {
          out.markup("Assistant: ").text(m.content).markup(eos);
        }
      }
      out.markup("Assistant:");
      break;
    case ChatTemplate::kDeepseekCoder:
      out.markup(bos);
      for (const Message& m : messages) {
        if (m.role == "system") {
          out.text(m.content).markup("\n");
        } else if (m.role == "user") {
          out.markup("### Instruction:\n").text(m.content).markup("\n");
        } else {
          out.markup("### Response:\n").text(m.content).markup("\n<|EOT|>\n");
        }
      }
      out.markup("### Response:\n");
      break;
    case ChatTemplate::kMistral: {
      // One BOS at the start; system messages go before the next user message.
      out.markup(bos);
      std::vector<std::string> system;
      for (const Message& m : messages) {
        if (m.role == "system") {
          system.push_back(m.content);
        } else if (m.role == "user") {
          out.markup("[INST] ");
          for (const std::string& s : system) out.text(s).markup("\n\n");
          out.text(m.content).markup(" [/INST]");
          system.clear();
        } else {
          out.markup(" ").text(m.content).markup(eos);
        }
      }
      break;
    }
    case ChatTemplate::kPhi3:
      out.markup(bos);
      for (const Message& m : messages) {
        out.markup("<|" + m.role + "|>\n").text(m.content).markup("<|end|>\n");
      }
      out.markup("<|assistant|>\n");
      break;
  }
  return out.take();
}

std::string apply_chat_template(ChatTemplate t, const std::vector<Message>& messages,
                                const std::string& bos, const std::string& eos) {
  std::string out;
  for (const PromptPart& p : render_chat_template(t, messages, bos, eos)) out += p.text;
  return out;
}

}  // namespace ys::engine
