#include "runners/completion.h"

#include "util/utf8.h"

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
    case ErrorKind::kTruncated:
      return "truncated";
    case ErrorKind::kEmpty:
      return "empty";
    case ErrorKind::kStreamMalformed:
      return "stream_malformed";
    case ErrorKind::kStreamCut:
      return "stream_cut";
    case ErrorKind::kStreamStalled:
      return "stream_stalled";
    case ErrorKind::kStalled:
      return "stalled";
  }
  return "none";
}

ErrorKind parse_error_kind(const std::string& name) {
  for (ErrorKind k :
       {ErrorKind::kTransient, ErrorKind::kRateLimited, ErrorKind::kRefused, ErrorKind::kInvalid,
        ErrorKind::kFatal, ErrorKind::kTruncated, ErrorKind::kEmpty, ErrorKind::kStreamMalformed,
        ErrorKind::kStreamCut, ErrorKind::kStreamStalled, ErrorKind::kStalled}) {
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
  // Written only when known, so that answers without them keep their stored form.
  if (c.usage.cached_tokens) j["cached_tokens"] = c.usage.cached_tokens;
  if (c.usage.cache_write_tokens) j["cache_write_tokens"] = c.usage.cache_write_tokens;
  if (c.usage.reasoning_tokens) j["reasoning_tokens"] = c.usage.reasoning_tokens;
  if (c.cost_usd >= 0) j["cost_usd"] = c.cost_usd;  // read by the report's efficiency chart
  if (c.stream.streamed()) {
    j["ttft_s"] = c.stream.ttft_s;
    j["deltas"] = c.stream.deltas;
    if (c.stream.deltas >= 2) {
      j["itl_mean_ms"] = c.stream.itl_mean_ms;
      j["itl_p50_ms"] = c.stream.itl_p50_ms;
      j["itl_p90_ms"] = c.stream.itl_p90_ms;
    }
  }
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
  c.usage.cached_tokens = j.value("cached_tokens", int64_t{0});
  c.usage.cache_write_tokens = j.value("cache_write_tokens", int64_t{0});
  c.usage.reasoning_tokens = j.value("reasoning_tokens", int64_t{0});
  c.latency_s = j.value("latency_s", 0.0);
  c.cost_usd = j.value("cost_usd", -1.0);
  c.stream.ttft_s = j.value("ttft_s", -1.0);
  c.stream.deltas = j.value("deltas", int64_t{0});
  c.stream.itl_mean_ms = j.value("itl_mean_ms", 0.0);
  c.stream.itl_p50_ms = j.value("itl_p50_ms", 0.0);
  c.stream.itl_p90_ms = j.value("itl_p90_ms", 0.0);
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

namespace {

void append_reasoning(Completion& c, std::string_view text) {
  if (text.empty()) return;
  if (!c.reasoning.empty()) c.reasoning += "\n";
  c.reasoning.append(text);
}

std::string_view trim_leading_space(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  return s.substr(i);
}

}  // namespace

void type_missing_answer(Completion& c, bool content_null, const std::string& context) {
  if (!c.ok() || !trim_leading_space(c.text).empty()) return;
  if (c.finish_reason == "length") {
    c.error = ErrorKind::kTruncated;
    c.error_message = context + ": no answer within the token budget (finish_reason \"length\"" +
                      (c.reasoning.empty() ? "" : ", after reasoning") + "); raise max_tokens";
  } else if (content_null) {
    c.error = ErrorKind::kEmpty;
    c.error_message =
        context + ": the server sent no content (finish_reason \"" + c.finish_reason + "\")";
  }
}

void make_valid_utf8(Completion& c) {
  for (std::string* s : {&c.text, &c.reasoning, &c.finish_reason, &c.error_message}) {
    if (!is_valid_utf8(*s)) *s = valid_utf8(*s);
  }
}

InlineReasoning split_inline_reasoning(Completion& c) {
  constexpr std::string_view kOpen = "<think>", kClose = "</think>";
  const std::string_view text = c.text;
  const std::string_view body = trim_leading_space(text);
  const bool opened = body.substr(0, kOpen.size()) == kOpen;
  const size_t close = text.find(kClose);
  if (!opened && close == std::string_view::npos) return InlineReasoning::kNone;
  if (!opened) {
    // A close tag with no open tag: reasoning only if no earlier "<think>" opens one later.
    if (text.substr(0, close).find(kOpen) != std::string_view::npos) return InlineReasoning::kNone;
    append_reasoning(c, text.substr(0, close));
    c.text = std::string(trim_leading_space(text.substr(close + kClose.size())));
    return InlineReasoning::kClosed;
  }
  const std::string_view inner = body.substr(kOpen.size());
  const size_t end = inner.find(kClose);
  if (end == std::string_view::npos) {
    append_reasoning(c, inner);
    c.text.clear();
    return InlineReasoning::kUnclosed;
  }
  append_reasoning(c, inner.substr(0, end));
  c.text = std::string(trim_leading_space(inner.substr(end + kClose.size())));
  return InlineReasoning::kClosed;
}

}  // namespace ys
