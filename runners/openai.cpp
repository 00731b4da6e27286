#include "runners/openai.h"

#include <atomic>

namespace ys {
namespace {

std::string excerpt(const std::string& body) {
  constexpr size_t kMax = 200;
  std::string out = body.substr(0, kMax);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > kMax ? out + "..." : out;
}

// The server's own error message from an OpenAI-style error body, else an excerpt.
std::string server_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const auto& e = j["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      return e["message"].get<std::string>();
    }
    if (e.is_string()) return e.get<std::string>();
  }
  return excerpt(body);
}

std::string string_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Completion parse_chat_completion(const HttpResult& http, const std::string& context) {
  Completion c;
  c.attempts = http.attempts;
  c.latency_s = http.elapsed_s;
  auto fail = [&](ErrorKind kind, const std::string& why) {
    c.error = kind;
    c.error_message = context + ": " + why;
    return c;
  };
  if (http.status == 0) return fail(ErrorKind::kTransient, http.transport_error);
  const std::string status = "HTTP " + std::to_string(http.status);
  if (http.status == 401 || http.status == 403 || http.status == 404) {
    return fail(ErrorKind::kFatal, status + ": " + server_message(http.body));
  }
  if (http.status == 429)
    return fail(ErrorKind::kRateLimited, status + ": " + server_message(http.body));
  if (http.status >= 500)
    return fail(ErrorKind::kTransient, status + ": " + server_message(http.body));
  if (http.status < 200 || http.status >= 300) {
    return fail(ErrorKind::kInvalid, status + ": " + server_message(http.body));
  }

  auto j = nlohmann::json::parse(http.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorKind::kInvalid, "response is not JSON: " + excerpt(http.body));
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object() || !(*choices)[0].contains("message") ||
      !(*choices)[0]["message"].is_object()) {
    return fail(ErrorKind::kInvalid, "response has no choices[0].message: " + excerpt(http.body));
  }
  const auto& choice = (*choices)[0];
  const auto& message = choice["message"];
  c.text = string_or_empty(message, "content");
  c.reasoning = string_or_empty(message, "reasoning_content");
  if (c.reasoning.empty()) c.reasoning = string_or_empty(message, "reasoning");
  c.finish_reason = string_or_empty(choice, "finish_reason");
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    c.usage.prompt_tokens = usage->value("prompt_tokens", int64_t{0});
    c.usage.completion_tokens = usage->value("completion_tokens", int64_t{0});
  }
  if (c.finish_reason == "content_filter") {
    return fail(ErrorKind::kRefused, "the provider's content filter refused to answer");
  }
  return c;
}

OpenAIRunner::OpenAIRunner(OpenAIOptions options)
    : options_(std::move(options)), pool_(options_.http) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/chat/completions";
}

nlohmann::json OpenAIRunner::request_body(const Request& request) const {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  const Sampling& s = request.sampling;
  nlohmann::json body = {{"model", options_.model},
                         {"messages", messages},
                         {"temperature", s.temperature},
                         {"max_tokens", s.max_tokens}};
  if (s.top_p) body["top_p"] = *s.top_p;
  if (s.top_k) body["top_k"] = *s.top_k;  // accepted by vLLM, SGLang and llama.cpp
  if (!s.stop.empty()) body["stop"] = s.stop;
  if (s.seed) body["seed"] = *s.seed;
  return body;
}

void OpenAIRunner::submit(Request request, Callback done) {
  if (request.kind != RequestKind::kGenerate) {
    Completion c;
    c.error = ErrorKind::kInvalid;
    c.error_message = "the openai runner does not score loglikelihoods (" + url_ + ")";
    done(std::move(c));
    return;
  }
  static std::atomic<uint64_t> counter{0};
  std::string context = "request #" + std::to_string(++counter) + " to " + url_;
  // "Expect:" stops libcurl from waiting for a 100-continue on large bodies.
  std::vector<std::string> headers = {"Content-Type: application/json", "Expect:"};
  if (!options_.api_key.empty()) headers.push_back("Authorization: Bearer " + options_.api_key);
  pool_.post(url_, std::move(headers), request_body(request).dump(),
             [done = std::move(done), context = std::move(context)](const HttpResult& http) {
               done(parse_chat_completion(http, context));
             });
}

std::string OpenAIRunner::identity() const {
  return "openai:" + options_.model + "@" + url_;
}

nlohmann::json OpenAIRunner::config() const {
  return {{"provider", "openai"},
          {"model", options_.model},
          {"url", url_},
          {"api_key", options_.api_key.empty() ? "none" : "set (not stored)"},
          {"max_in_flight", options_.http.max_in_flight},
          {"timeout_s", options_.http.timeout_s},
          {"max_retries", options_.http.retry.max_retries}};
}

}  // namespace ys
