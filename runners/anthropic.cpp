#include "runners/anthropic.h"

#include <algorithm>
#include <atomic>

#include "runners/http_reply.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys {
namespace {

using namespace reply;  // NOLINT(google-build-using-namespace): this file's own helpers

// Anthropic's stop_reason as an OpenAI-style finish reason (docs/RUNNERS.md).
std::string finish_of(const std::string& stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence") return "stop";
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  return stop_reason;
}

bool has_visible_char(const std::string& s) {
  return !trim(s).empty();
}

Completion message(const HttpResult& http, const std::string& context, Reply& r) {
  Completion c;
  if (!read_reply(http, context, c, r)) return c;
  const nlohmann::json& j = r.json;
  const auto content = j.find("content");
  if (j.value("type", "") != "message" ||
      (content != j.end() && !content->is_array() && !content->is_null())) {
    return failed(std::move(c), ErrorKind::kInvalid, context,
                  "response is not a message: " + excerpt(http.body));
  }
  bool any_text = false;
  if (content != j.end() && content->is_array()) {
    for (size_t i = 0; i < content->size(); ++i) {
      const auto& block = (*content)[i];
      const std::string type = block.is_object() ? string_or_empty(block, "type") : "";
      if (type == "thinking") {
        append(c.reasoning, string_or_empty(block, "thinking"), "\n");
      } else if (type == "redacted_thinking" || type == "tool_use") {
        // Encrypted reasoning, or a tool call (none are offered): nothing to read.
      } else if (block.is_object() && block.contains("text") && block["text"].is_string()) {
        c.text += block["text"].get<std::string>();
        any_text = true;
      } else {
        return failed(std::move(c), ErrorKind::kInvalid, context,
                      "unknown answer shape: content[" + std::to_string(i) + "] has type '" + type +
                          "' and no text: " + excerpt(http.body));
      }
    }
  }
  const std::string stop_reason = string_or_empty(j, "stop_reason");
  c.finish_reason = finish_of(stop_reason);
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    const int64_t input = usage->value("input_tokens", int64_t{0});
    c.usage.cached_tokens = usage->value("cache_read_input_tokens", int64_t{0});
    c.usage.cache_write_tokens = usage->value("cache_creation_input_tokens", int64_t{0});
    c.usage.prompt_tokens = input + c.usage.cached_tokens + c.usage.cache_write_tokens;
    c.usage.completion_tokens = usage->value("output_tokens", int64_t{0});
  }
  if (stop_reason == "refusal") {
    return failed(std::move(c), ErrorKind::kRefused, context,
                  "the model refused (stop_reason \"refusal\")");
  }
  type_missing_answer(c, !any_text, context);  // no text block: nothing was answered
  return c;
}

}  // namespace

Completion parse_anthropic_message(const HttpResult& http, const std::string& context) {
  Reply r;
  return repaired(message(http, context, r));
}

AnthropicRunner::AnthropicRunner(AnthropicOptions options)
    : options_(std::move(options)), pool_([this] {
        HttpPoolOptions http = options_.http;
        http.retry_status = retry_status_of;
        return http;
      }()) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/messages";
}

nlohmann::json AnthropicRunner::request_body(const Request& request) const {
  std::string system;
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) {
    if (m.role == "system") {
      append(system, m.content, "\n\n");
    } else {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
  }
  const Sampling& s = request.sampling;
  nlohmann::json body = {{"model", options_.model},
                         {"messages", messages},
                         {"max_tokens", s.max_tokens + options_.thinking_budget}};
  if (!system.empty()) body["system"] = system;
  if (options_.thinking_budget > 0) {
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", options_.thinking_budget}};
  } else {
    body["temperature"] = s.temperature;
    if (s.top_p) body["top_p"] = *s.top_p;
    if (s.top_k) body["top_k"] = *s.top_k;
  }
  nlohmann::json stops = nlohmann::json::array();
  for (const auto& stop : s.stop) {
    if (has_visible_char(stop)) stops.push_back(stop);
  }
  if (!stops.empty()) body["stop_sequences"] = stops;
  return body;
}

std::vector<std::string> AnthropicRunner::headers() const {
  // "Expect:" stops libcurl from waiting for a 100-continue on large bodies.
  std::vector<std::string> h = {"Content-Type: application/json",
                                "anthropic-version: " + options_.version, "Expect:"};
  if (!options_.api_key.empty()) h.push_back("x-api-key: " + options_.api_key);
  return h;
}

void AnthropicRunner::submit(Request request, Callback done) {
  static std::atomic<uint64_t> counter{0};
  std::string context = "request #" + std::to_string(++counter) + " to " + url_;
  if (request.kind != RequestKind::kGenerate) {
    Completion c;
    c.error = ErrorKind::kFatal;
    c.error_message = context +
                      ": the Messages API gives no prompt logprobs, so it cannot answer "
                      "loglikelihood (multiple-choice) tasks";
    done(std::move(c));
    return;
  }
  std::string body = request_body(request).dump();
  const uint64_t body_hash = hash64(body);
  pool_.post(url_, headers(), std::move(body),
             [this, done = std::move(done), request = std::move(request),
              context = std::move(context), body_hash](const HttpResult& http) {
               Reply r;
               Completion c = message(http, context, r);
               if (c.ok() || c.error == ErrorKind::kRefused) {
                 rejections_.answered();
               } else if ((r.status == 400 || r.status == 422) &&
                          rejections_.systematic(r.message, body_hash)) {
                 c.error = ErrorKind::kFatal;
                 c.error_message +=
                     " (the same rejection for different requests and none "
                     "answered: the server rejects the request itself, so the "
                     "run stops)";
               }
               // Stop strings the API refuses (white space only) are applied here.
               if (c.ok() && c.finish_reason != "length") {
                 if (size_t cut = first_stop(c.text, request.sampling.stop);
                     cut != std::string::npos) {
                   c.text.resize(cut);
                   c.finish_reason = "stop";
                 }
               }
               done(repaired(std::move(c)));
             });
}

std::string AnthropicRunner::identity() const {
  return "anthropic:" + options_.model + "@" + url_ +
         (options_.thinking_budget > 0 ? ";thinking=" + std::to_string(options_.thinking_budget)
                                       : "");
}

nlohmann::json AnthropicRunner::config() const {
  return {{"provider", "anthropic"},
          {"model", options_.model},
          {"url", url_},
          {"anthropic_version", options_.version},
          {"thinking_budget", options_.thinking_budget},
          {"api_key", options_.api_key.empty() ? "none" : "set (not stored)"},
          {"max_in_flight", options_.http.max_in_flight},
          {"timeout_s", options_.http.timeout_s},
          {"max_retries", options_.http.retry.max_retries}};
}

}  // namespace ys
