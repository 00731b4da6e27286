#include "runners/openai.h"

#include <atomic>
#include <optional>

#include "util/strings.h"

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

namespace {

// Types a failed exchange into `c` and returns false; else parses the 2xx body, which
// must be a JSON object, into `j`.
bool read_reply(const HttpResult& http, const std::string& context, Completion& c,
                nlohmann::json& j) {
  c.attempts = http.attempts;
  c.latency_s = http.elapsed_s;
  auto fail = [&](ErrorKind kind, const std::string& why) {
    c.error = kind;
    c.error_message = context + ": " + why;
    return false;
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
  j = nlohmann::json::parse(http.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorKind::kInvalid, "response is not JSON: " + excerpt(http.body));
  }
  return true;
}

void read_usage(const nlohmann::json& j, Completion& c) {
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    c.usage.prompt_tokens = usage->value("prompt_tokens", int64_t{0});
    c.usage.completion_tokens = usage->value("completion_tokens", int64_t{0});
  }
}

// The loglikelihood of the text from code point `begin` to `end` of an echoed prompt, from
// one choice's `logprobs` (tokens, token_logprobs, top_logprobs, text_offset). A token
// that starts before `begin` but ends after it belongs to the continuation.
std::optional<ContinuationScore> score_span(const nlohmann::json& logprobs, size_t begin,
                                            size_t end) {
  if (!logprobs.is_object()) return std::nullopt;
  const auto& tokens = logprobs.value("tokens", nlohmann::json::array());
  const auto& values = logprobs.value("token_logprobs", nlohmann::json::array());
  const auto& offsets = logprobs.value("text_offset", nlohmann::json::array());
  const auto& tops = logprobs.value("top_logprobs", nlohmann::json::array());
  if (!tokens.is_array() || tokens.size() != values.size() || tokens.size() != offsets.size()) {
    return std::nullopt;
  }
  ContinuationScore score;
  score.greedy = true;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!offsets[i].is_number_unsigned() || !tokens[i].is_string()) return std::nullopt;
    const size_t start = offsets[i].get<size_t>();
    const size_t stop = start + code_points(tokens[i].get<std::string>());
    if (stop <= begin || start >= end) continue;  // context, or the generated token
    if (!values[i].is_number()) return std::nullopt;
    const double lp = values[i].get<double>();
    score.logprob += lp;
    ++score.tokens;
    if (i < tops.size() && tops[i].is_object()) {
      for (const auto& [token, top] : tops[i].items()) {
        if (top.is_number() && top.get<double>() > lp + 1e-9) score.greedy = false;
      }
    }
  }
  if (score.tokens == 0) return std::nullopt;
  return score;
}

}  // namespace

Completion parse_chat_completion(const HttpResult& http, const std::string& context) {
  Completion c;
  nlohmann::json j;
  if (!read_reply(http, context, c, j)) return c;
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object() || !(*choices)[0].contains("message") ||
      !(*choices)[0]["message"].is_object()) {
    c.error = ErrorKind::kInvalid;
    c.error_message = context + ": response has no choices[0].message: " + excerpt(http.body);
    return c;
  }
  const auto& choice = (*choices)[0];
  const auto& message = choice["message"];
  c.text = string_or_empty(message, "content");
  c.reasoning = string_or_empty(message, "reasoning_content");
  if (c.reasoning.empty()) c.reasoning = string_or_empty(message, "reasoning");
  c.finish_reason = string_or_empty(choice, "finish_reason");
  read_usage(j, c);
  if (c.finish_reason == "content_filter") {
    c.error = ErrorKind::kRefused;
    c.error_message = context + ": the provider's content filter refused to answer";
  }
  return c;
}

Completion parse_loglikelihoods(const HttpResult& http, const Request& request,
                                const std::string& context) {
  Completion c;
  nlohmann::json j;
  if (!read_reply(http, context, c, j)) return c;
  read_usage(j, c);
  c.finish_reason = "stop";
  const size_t n = request.continuations.size();
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->size() != n) {
    c.error = ErrorKind::kInvalid;
    c.error_message = context + ": expected " + std::to_string(n) +
                      " choices (one per prompt): " + excerpt(http.body);
    return c;
  }
  c.continuations.resize(n);
  std::vector<bool> seen(n, false);
  for (const auto& choice : *choices) {
    const size_t i = choice.is_object() ? choice.value("index", n) : n;
    std::optional<ContinuationScore> score;
    if (i < n && !seen[i]) {
      const ScoredText text = scored_text(request, i);
      const size_t begin = code_points(text.context);
      score = score_span(choice.value("logprobs", nlohmann::json()), begin,
                         begin + code_points(text.continuation));
    }
    if (!score) {
      c.error = ErrorKind::kInvalid;
      c.error_message = context +
                        ": no prompt logprobs for a continuation (the server must support "
                        "echo with logprobs on /completions): " +
                        excerpt(http.body);
      c.continuations.clear();
      return c;
    }
    seen[i] = true;
    c.continuations[i] = *score;
  }
  return c;
}

OpenAIRunner::OpenAIRunner(OpenAIOptions options)
    : options_(std::move(options)), pool_(options_.http) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/chat/completions";
  completions_url_ = base + "/completions";
}

nlohmann::json OpenAIRunner::loglikelihood_body(const Request& request) const {
  nlohmann::json prompts = nlohmann::json::array();
  for (size_t i = 0; i < request.continuations.size(); ++i) {
    ScoredText t = scored_text(request, i);
    prompts.push_back(t.context + t.continuation);
  }
  // One generated token, and the prompt echoed with the logprob of each of its tokens.
  return {{"model", options_.model}, {"prompt", prompts}, {"max_tokens", 1},
          {"temperature", 0},        {"echo", true},      {"logprobs", 1}};
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
  static std::atomic<uint64_t> counter{0};
  const bool loglikelihood = request.kind == RequestKind::kLoglikelihood;
  const std::string& url = loglikelihood ? completions_url_ : url_;
  std::string context = "request #" + std::to_string(++counter) + " to " + url;
  // "Expect:" stops libcurl from waiting for a 100-continue on large bodies.
  std::vector<std::string> headers = {"Content-Type: application/json", "Expect:"};
  if (!options_.api_key.empty()) headers.push_back("Authorization: Bearer " + options_.api_key);
  if (loglikelihood) {
    std::string body = loglikelihood_body(request).dump();
    pool_.post(url, std::move(headers), std::move(body),
               [done = std::move(done), request = std::move(request), context = std::move(context)](
                   const HttpResult& http) { done(parse_loglikelihoods(http, request, context)); });
    return;
  }
  pool_.post(url, std::move(headers), request_body(request).dump(),
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
