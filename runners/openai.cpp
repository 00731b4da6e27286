#include "runners/openai.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>

#include "runners/http_reply.h"
#include "runners/stream.h"
#include "util/base64.h"
#include "util/hash.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace ys {
namespace {

using namespace reply;  // NOLINT(google-build-using-namespace): this file's own helpers

// j[key] when it is an integer, else 0 (a null or malformed count never throws).
int64_t count_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

void read_usage(const nlohmann::json& j, Completion& c) {
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    c.usage.prompt_tokens = count_of(*usage, "prompt_tokens");
    c.usage.completion_tokens = count_of(*usage, "completion_tokens");
    // OpenAI's and DeepSeek's details; DeepSeek also says prompt_cache_hit_tokens.
    const auto prompt = usage->find("prompt_tokens_details");
    const auto completion = usage->find("completion_tokens_details");
    if (prompt != usage->end()) c.usage.cached_tokens = count_of(*prompt, "cached_tokens");
    if (c.usage.cached_tokens == 0) {
      c.usage.cached_tokens = count_of(*usage, "prompt_cache_hit_tokens");
    }
    if (completion != usage->end()) {
      c.usage.reasoning_tokens = count_of(*completion, "reasoning_tokens");
    }
  }
}

// The first string among `keys` of `part`, else nullopt.
std::optional<std::string> first_string(const nlohmann::json& part,
                                        std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto it = part.find(key); it != part.end() && it->is_string())
      return it->get<std::string>();
  }
  return std::nullopt;
}

// Reads message.content into c.text, c.reasoning and `refusal`. Returns "" or what was
// found that is not a known shape.
std::string read_content(const nlohmann::json& content, Completion& c, std::string& refusal) {
  if (content.is_string()) {
    c.text = content.get<std::string>();
    return "";
  }
  if (content.is_null()) return "";
  if (!content.is_array()) return std::string("message.content is a ") + content.type_name();
  for (size_t i = 0; i < content.size(); ++i) {
    const auto& part = content[i];
    const std::string where = "message.content[" + std::to_string(i) + "]";
    if (part.is_string()) {
      c.text += part.get<std::string>();
      continue;
    }
    if (!part.is_object()) return where + " is a " + part.type_name();
    const std::string type = string_or_empty(part, "type");
    if (type == "thinking" || type == "reasoning" || type == "reasoning_text") {
      if (auto t = first_string(part, {"thinking", "reasoning", "text"})) {
        append(c.reasoning, *t, "\n");
      }
    } else if (type == "redacted_thinking") {
      // Encrypted reasoning: nothing readable to keep.
    } else if (type == "refusal") {
      append(refusal, first_string(part, {"refusal", "text"}).value_or(""), "\n");
    } else if (auto text = first_string(part, {"text"})) {
      c.text += *text;  // "text", "output_text", or an unknown type that has text
    } else {
      return where + " has type '" + type + "' and no text";
    }
  }
  return "";
}

// Types an answer read in full: a content-filter finish or a refusal is kRefused; an empty
// answer cut by the budget, or content null (tool calls, none offered) is typed by
// type_missing_answer, so that it is counted apart and never scored as a wrong answer.
Completion typed_answer(Completion c, const std::string& refusal, bool content_null,
                        const std::string& context) {
  if (c.finish_reason == "content_filter") {
    return failed(std::move(c), ErrorKind::kRefused, context,
                  "the provider's content filter refused to answer");
  }
  if (!refusal.empty()) {
    return failed(std::move(c), ErrorKind::kRefused, context, "the model refused: " + refusal);
  }
  type_missing_answer(c, content_null, context);
  return c;
}

Completion chat_completion(const HttpResult& http, const std::string& context, Reply& r) {
  Completion c;
  if (!read_reply(http, context, c, r)) return c;
  const nlohmann::json& j = r.json;
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object() || !(*choices)[0].contains("message") ||
      !(*choices)[0]["message"].is_object()) {
    return failed(std::move(c), ErrorKind::kInvalid, context,
                  "response has no choices[0].message: " + excerpt(valid_utf8(http.body)));
  }
  const auto& choice = (*choices)[0];
  const auto& message = choice["message"];
  c.finish_reason = string_or_empty(choice, "finish_reason");
  read_usage(j, c);
  std::string refusal = string_or_empty(message, "refusal");
  const std::string unknown = read_content(message.value("content", nlohmann::json()), c, refusal);
  if (!unknown.empty()) {
    return failed(std::move(c), ErrorKind::kInvalid, context,
                  "unknown answer shape: " + unknown + ": " + excerpt(valid_utf8(http.body)));
  }
  // Reasoning the server parsed out of the answer (DeepSeek, vLLM and SGLang reasoning
  // parsers, OpenRouter) comes before reasoning parts of the content.
  std::string reasoning = string_or_empty(message, "reasoning_content");
  if (reasoning.empty()) reasoning = string_or_empty(message, "reasoning");
  append(reasoning, c.reasoning, "\n");
  c.reasoning = std::move(reasoning);
  const auto content = message.find("content");
  return typed_answer(std::move(c), refusal, content == message.end() || content->is_null(),
                      context);
}

// Reads one chat.completion.chunk of a stream: choices[0].delta's content (answer),
// reasoning_content or reasoning (reasoning) and refusal, its finish_reason, and the
// usage the last chunk carries (stream_options.include_usage).
struct ChatStream {
  std::string refusal;
  bool content_seen = false;  // a delta carried a content string

  StreamEvent read(const SseEvent& e, const nlohmann::json& j, Completion& c, std::string& why) {
    if (e.data == "[DONE]") return StreamEvent::kTerminal;
    read_usage(j, c);
    const auto choices = j.find("choices");
    if (choices == j.end() || choices->is_null()) return StreamEvent::kOther;
    if (!choices->is_array())
      return malformed(why, "choices is a " + std::string(choices->type_name()));
    bool delta_text = false;
    for (const auto& choice : *choices) {
      if (!choice.is_object()) return malformed(why, "a choice is not an object");
      const auto index = choice.find("index");
      if (index != choice.end() && index->is_number_integer() && index->get<int64_t>() != 0) {
        continue;  // one answer is asked for
      }
      if (auto finish = choice.find("finish_reason"); finish != choice.end() && finish->is_string())
        c.finish_reason = finish->get<std::string>();
      const auto delta = choice.find("delta");
      if (delta == choice.end() || delta->is_null()) continue;
      if (!delta->is_object())
        return malformed(why, "delta is a " + std::string(delta->type_name()));
      for (const char* key : {"content", "reasoning_content", "reasoning", "refusal"}) {
        const auto it = delta->find(key);
        if (it == delta->end() || it->is_null()) continue;
        if (!it->is_string()) {
          return malformed(why, "delta." + std::string(key) + " is a " + it->type_name());
        }
        const std::string& piece = it->get_ref<const std::string&>();
        const std::string_view k = key;
        if (k == "content") {
          content_seen = true;
          c.text += piece;
        } else if (k == "refusal") {
          refusal += piece;
        } else {
          c.reasoning += piece;
        }
        delta_text = delta_text || (k != "refusal" && !piece.empty());
      }
    }
    return delta_text ? StreamEvent::kDelta : StreamEvent::kOther;
  }

  static StreamEvent malformed(std::string& why, std::string what) {
    why = std::move(what);
    return StreamEvent::kMalformed;
  }
};

Completion chat_stream(const HttpResult& http, const std::string& context, Reply& r) {
  ChatStream stream;
  Completion c =
      read_event_stream(http, context, r,
                        [&stream](const SseEvent& e, const nlohmann::json& j, Completion& out,
                                  std::string& why) { return stream.read(e, j, out, why); });
  if (!c.ok()) return c;
  return typed_answer(std::move(c), stream.refusal, !stream.content_seen, context);
}

// An image part as chat completions take it: an image_url part holding the image as a
// base64 data URL (RFC 2397).
nlohmann::json openai_image(const ContentPart& p) {
  return {{"type", "image_url"},
          {"image_url", {{"url", "data:" + p.media_type + ";base64," + base64_encode(p.data)}}}};
}

// A token's bytes: OpenAI writes a piece of a character as "bytes:\xHH\xHH..."; any other
// token is its text.
std::string token_bytes(const std::string& token) {
  constexpr std::string_view kPrefix = "bytes:";
  if (token.rfind(kPrefix, 0) != 0 || (token.size() - kPrefix.size()) % 4 != 0) return token;
  std::string out;
  for (size_t i = kPrefix.size(); i < token.size(); i += 4) {
    if (token[i] != '\\' || token[i + 1] != 'x' ||
        !std::isxdigit(static_cast<unsigned char>(token[i + 2])) ||
        !std::isxdigit(static_cast<unsigned char>(token[i + 3]))) {
      return token;
    }
    out += static_cast<char>(std::stoi(token.substr(i + 2, 2), nullptr, 16));
  }
  return out;
}

// The loglikelihood of the last `continuation_bytes` bytes of an echoed prompt
// `prompt_code_points` long, from one choice's `logprobs` (tokens, token_logprobs,
// top_logprobs, text_offset); see parse_loglikelihoods for which tokens count.
std::optional<ContinuationScore> score_span(const nlohmann::json& logprobs,
                                            size_t prompt_code_points, size_t continuation_bytes) {
  if (!logprobs.is_object()) return std::nullopt;
  const auto& tokens = logprobs.value("tokens", nlohmann::json::array());
  const auto& values = logprobs.value("token_logprobs", nlohmann::json::array());
  const auto& offsets = logprobs.value("text_offset", nlohmann::json::array());
  const auto& tops = logprobs.value("top_logprobs", nlohmann::json::array());
  if (!tokens.is_array() || tokens.size() != values.size() || tokens.size() != offsets.size()) {
    return std::nullopt;
  }
  std::vector<std::string> bytes(tokens.size());
  size_t prompt_end = tokens.size();  // the first generated token
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!offsets[i].is_number_unsigned() || !tokens[i].is_string()) return std::nullopt;
    bytes[i] = token_bytes(tokens[i].get<std::string>());
    if (prompt_end == tokens.size() && offsets[i].get<size_t>() >= prompt_code_points) {
      prompt_end = i;
    }
  }
  // Back from the prompt's end until the continuation is covered (a token that starts in
  // the context and ends in the continuation counts), then the empty byte pieces before.
  size_t first = prompt_end, covered = 0;
  while (first > 0 && covered < continuation_bytes) covered += bytes[--first].size();
  if (covered < continuation_bytes || first == prompt_end) return std::nullopt;
  while (first > 0 && bytes[first - 1].empty()) --first;

  ContinuationScore score;
  score.greedy = true;
  for (size_t i = first; i < prompt_end; ++i) {
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
  return score;
}

Completion loglikelihoods(const HttpResult& http, const Request& request,
                          const std::string& context, Reply& r) {
  Completion c;
  if (!read_reply(http, context, c, r)) return c;
  const nlohmann::json& j = r.json;
  read_usage(j, c);
  c.finish_reason = "stop";
  const size_t n = request.continuations.size();
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->size() != n) {
    return failed(std::move(c), ErrorKind::kInvalid, context,
                  "expected " + std::to_string(n) +
                      " choices (one per prompt): " + excerpt(valid_utf8(http.body)));
  }
  c.continuations.resize(n);
  std::vector<bool> seen(n, false);
  for (const auto& choice : *choices) {
    const size_t i = choice.is_object() ? choice.value("index", n) : n;
    std::optional<ContinuationScore> score;
    if (i < n && !seen[i]) {
      const ScoredText text = scored_text(request, i);
      score = score_span(choice.value("logprobs", nlohmann::json()),
                         code_points(text.context) + code_points(text.continuation),
                         text.continuation.size());
    }
    if (!score) {
      c.continuations.clear();
      return failed(std::move(c), ErrorKind::kInvalid, context,
                    "no prompt logprobs for a continuation (the server must support "
                    "echo with logprobs on /completions): " +
                        excerpt(valid_utf8(http.body)));
    }
    seen[i] = true;
    c.continuations[i] = *score;
  }
  return c;
}

}  // namespace

Completion parse_chat_completion(const HttpResult& http, const std::string& context) {
  Reply r;
  return repaired(chat_completion(http, context, r));
}

std::optional<int64_t> openai_used_tokens(const std::string& body) {
  Completion c;
  for (const nlohmann::json& j : usage_holders(body)) read_usage(j, c);  // the last one wins
  const int64_t used = c.usage.prompt_tokens + c.usage.completion_tokens;
  if (used <= 0) return std::nullopt;
  return used;
}

Completion parse_chat_stream(const HttpResult& http, const std::string& context) {
  Reply r;
  return repaired(is_event_stream(http) ? chat_stream(http, context, r)
                                        : chat_completion(http, context, r));
}

Completion parse_loglikelihoods(const HttpResult& http, const Request& request,
                                const std::string& context) {
  Reply r;
  return repaired(loglikelihoods(http, request, context, r));
}

ParamStyle param_style_for(std::string_view model) {
  if (auto slash = model.rfind('/'); slash != std::string_view::npos)
    model.remove_prefix(slash + 1);
  const bool o_series =
      model.size() >= 2 && model[0] == 'o' && std::isdigit(static_cast<unsigned char>(model[1]));
  const bool gpt5 = model.rfind("gpt-5", 0) == 0 && model.rfind("gpt-5-chat", 0) != 0;
  return o_series || gpt5 ? ParamStyle::kReasoning : ParamStyle::kClassic;
}

void RejectionTracker::answered() {
  std::lock_guard lock(mutex_);
  answered_ = true;
  requests_by_message_.clear();
}

bool RejectionTracker::systematic(const std::string& message, uint64_t request) {
  std::lock_guard lock(mutex_);
  if (answered_) return false;
  auto& requests = requests_by_message_[message];
  requests.insert(request);
  return requests.size() >= kDifferentRequests;
}

OpenAIRunner::OpenAIRunner(OpenAIOptions options)
    : options_(std::move(options)),
      style_(param_style_for(options_.model)),
      pool_(pool_options_for(options_.http, options_.stream, parse_chat_stream)) {
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
    messages.push_back({{"role", m.role}, {"content", content_json(m, openai_image)}});
  }
  const Sampling& s = request.sampling;
  nlohmann::json body = {{"model", options_.model}, {"messages", messages}};
  // The budget covers a reasoning model's hidden reasoning tokens too.
  if (sends("max_completion_tokens")) {
    body["max_completion_tokens"] = s.max_tokens;
  } else {
    body["max_tokens"] = s.max_tokens;
  }
  if (sends("temperature")) body["temperature"] = s.temperature;
  if (s.top_p && sends("top_p")) body["top_p"] = *s.top_p;
  if (s.top_k && sends("top_k")) body["top_k"] = *s.top_k;  // vLLM, SGLang, llama.cpp
  if (!s.stop.empty() && sends("stop")) body["stop"] = s.stop;
  if (s.seed && sends("seed")) body["seed"] = *s.seed;
  if (options_.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};  // usage comes in the last chunk
  }
  for (const auto& [key, value] : options_.extra_body.items()) {
    if (!body.contains(key)) body[key] = value;
  }
  return body;
}

bool OpenAIRunner::sends(const char* name) const {
  const std::string_view n = name;
  if (options_.accepts) {
    return std::find(options_.accepts->begin(), options_.accepts->end(), n) !=
           options_.accepts->end();
  }
  if (style_ == ParamStyle::kReasoning) return n == "max_completion_tokens" || n == "seed";
  return n != "max_completion_tokens";
}

Completion OpenAIRunner::settle(const HttpResult& http, const Request& request, uint64_t body_hash,
                                const std::string& context) {
  Reply r;
  const bool generate = request.kind == RequestKind::kGenerate;
  Completion c = !generate ? loglikelihoods(http, request, context, r)
                 : options_.stream && is_event_stream(http) ? chat_stream(http, context, r)
                                                            : chat_completion(http, context, r);
  if (c.ok() || c.error == ErrorKind::kRefused) {
    rejections_.answered();
  } else if ((r.status == 400 || r.status == 422) && rejections_.systematic(r.message, body_hash)) {
    c.error = ErrorKind::kFatal;
    c.error_message = context + ": HTTP " + std::to_string(r.status) + ": " + r.message +
                      " (the same rejection for " +
                      std::to_string(RejectionTracker::kDifferentRequests) +
                      " different requests and none answered: the server rejects the "
                      "request itself, so the run stops)";
  }
  if (generate && !sends("stop")) {
    // Stop strings were not sent (the model rejects them): apply them here.
    if (size_t cut = first_stop(c.text, request.sampling.stop); cut != std::string::npos) {
      c.text.resize(cut);
      c.finish_reason = "stop";
    }
  }
  return repaired(std::move(c));
}

void OpenAIRunner::submit(Request request, Callback done) {
  static std::atomic<uint64_t> counter{0};
  const bool loglikelihood = request.kind == RequestKind::kLoglikelihood;
  const std::string& url = loglikelihood ? completions_url_ : url_;
  std::string context = "request #" + std::to_string(++counter) + " to " + url;
  // "Expect:" stops libcurl from waiting for a 100-continue on large bodies.
  std::vector<std::string> headers = {"Content-Type: application/json", "Expect:"};
  if (options_.stream && !loglikelihood) headers.push_back("Accept: text/event-stream");
  if (!options_.api_key.empty()) headers.push_back("Authorization: Bearer " + options_.api_key);
  std::string body = (loglikelihood ? loglikelihood_body(request) : request_body(request)).dump();
  const uint64_t body_hash = hash64(body);
  pool_.post(
      url, std::move(headers), std::move(body),
      [this, done = std::move(done), request = std::move(request), context = std::move(context),
       body_hash](const HttpResult& http) { done(settle(http, request, body_hash, context)); });
}

std::string OpenAIRunner::identity() const {
  // The parameter mapping changes answers, so it is part of the name; the classic mapping
  // keeps the name it always had, so existing cache keys hold.
  std::string id = "openai:" + options_.model + "@" + url_ +
                   (style_ == ParamStyle::kReasoning ? ";params=reasoning" : "");
  if (options_.accepts) {
    std::vector<std::string> sorted = *options_.accepts;
    std::sort(sorted.begin(), sorted.end());
    id += ";accepts=";
    for (size_t i = 0; i < sorted.size(); ++i) id += (i ? "," : "") + sorted[i];
  }
  if (!options_.extra_body.empty()) id += ";extra=" + options_.extra_body.dump();
  return id;
}

nlohmann::json OpenAIRunner::config() const {
  nlohmann::json j = {{"provider", "openai"},
                      {"model", options_.model},
                      {"url", url_},
                      {"params", style_ == ParamStyle::kReasoning ? "reasoning" : "classic"},

                      {"api_key", options_.api_key.empty() ? "none" : "set (not stored)"},
                      {"max_in_flight", options_.http.max_in_flight},
                      {"timeout_s", options_.http.timeout_s},
                      {"max_retries", options_.http.retry.max_retries}};
  if (options_.accepts) j["accepts"] = *options_.accepts;
  if (!options_.extra_body.empty()) j["extra_body"] = options_.extra_body;
  if (options_.stream) {
    j["stream"] = true;
    j["read_timeout_s"] = options_.http.read_timeout_s;
  }
  return j;
}

}  // namespace ys
