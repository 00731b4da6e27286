#include "runners/completion.h"

namespace ys {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kTransient:
      return "transient";
    case ErrorKind::kRateLimited:
      return "rate_limited";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kFatal:
      return "fatal";
  }
  return "none";
}

ErrorKind parse_error_kind(const std::string& name) {
  for (ErrorKind k : {ErrorKind::kTransient, ErrorKind::kRateLimited, ErrorKind::kRefused,
                      ErrorKind::kInvalid, ErrorKind::kFatal}) {
    if (name == error_kind_name(k)) return k;
  }
  return ErrorKind::kNone;
}

nlohmann::json to_json(const Completion& c) {
  nlohmann::json j = {{"text", c.text},
                      {"finish_reason", c.finish_reason},
                      {"prompt_tokens", c.usage.prompt_tokens},
                      {"completion_tokens", c.usage.completion_tokens},
                      {"latency_s", c.latency_s},
                      {"attempts", c.attempts}};
  if (!c.reasoning.empty()) j["reasoning"] = c.reasoning;
  if (!c.continuations.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : c.continuations) {
      list.push_back({{"logprob", s.logprob}, {"greedy", s.greedy}, {"tokens", s.tokens}});
    }
    j["continuations"] = std::move(list);
  }
  if (!c.ok()) {
    j["error"] = error_kind_name(c.error);
    j["error_message"] = c.error_message;
  }
  return j;
}

Completion completion_from_json(const nlohmann::json& j) {
  Completion c;
  c.text = j.value("text", "");
  c.reasoning = j.value("reasoning", "");
  c.finish_reason = j.value("finish_reason", "");
  c.usage.prompt_tokens = j.value("prompt_tokens", int64_t{0});
  c.usage.completion_tokens = j.value("completion_tokens", int64_t{0});
  c.latency_s = j.value("latency_s", 0.0);
  c.attempts = j.value("attempts", 1);
  c.error = parse_error_kind(j.value("error", "none"));
  c.error_message = j.value("error_message", "");
  if (auto it = j.find("continuations"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      c.continuations.push_back(
          {s.value("logprob", 0.0), s.value("greedy", false), s.value("tokens", int64_t{0})});
    }
  }
  return c;
}

}  // namespace ys
