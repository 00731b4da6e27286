#include "runners/anthropic.h"

#include <algorithm>
#include <atomic>

#include "runners/http_reply.h"
#include "runners/stream.h"
#include "util/base64.h"
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

// A message's token counts as the API reports them, in message.usage and (streamed)
// message_delta.usage, where each count given replaces the one before.
struct MessageUsage {
  int64_t input = 0, cache_read = 0, cache_write = 0, output = 0;

  // Takes the counts of `holder`'s "usage" object that it gives.
  void merge(const nlohmann::json& holder) {
    const auto usage = holder.find("usage");
    if (usage == holder.end() || !usage->is_object()) return;
    auto take = [&](const char* key, int64_t& to) {
      if (const auto it = usage->find(key); it != usage->end() && it->is_number_integer())
        to = it->get<int64_t>();
    };
    take("input_tokens", input);
    take("cache_read_input_tokens", cache_read);
    take("cache_creation_input_tokens", cache_write);
    take("output_tokens", output);
  }

  void into(Completion& c) const {
    c.usage.cached_tokens = cache_read;
    c.usage.cache_write_tokens = cache_write;
    c.usage.prompt_tokens = input + cache_read + cache_write;
    c.usage.completion_tokens = output;
  }
};

// Types a message read in full: stop_reason "refusal" is kRefused; an empty answer (or no
// text block) is typed by type_missing_answer.
Completion typed_answer(Completion c, const std::string& stop_reason, bool any_text,
                        const std::string& context) {
  c.finish_reason = finish_of(stop_reason);
  if (stop_reason == "refusal") {
    return failed(std::move(c), ErrorKind::kRefused, context,
                  "the model refused (stop_reason \"refusal\")");
  }
  type_missing_answer(c, !any_text, context);  // no text block: nothing was answered
  return c;
}

Completion message(const HttpResult& http, const std::string& context, Reply& r) {
  Completion c;
  if (!read_reply(http, context, c, r)) return c;
  const nlohmann::json& j = r.json;
  const auto content = j.find("content");
  if (string_or_empty(j, "type") != "message" ||
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
  MessageUsage usage;
  usage.merge(j);
  usage.into(c);
  return typed_answer(std::move(c), string_or_empty(j, "stop_reason"), any_text, context);
}

// Reads the events of a streamed message: message_start (usage), content_block_start (a
// text, thinking or other block), content_block_delta (text_delta: answer; thinking_delta:
// reasoning; others, such as signature_delta, skipped), message_delta (stop_reason, usage),
// message_stop (the end); ping and content_block_stop carry nothing read.
struct MessageStream {
  MessageUsage usage;
  std::string stop_reason;
  bool any_text = false;
  bool new_thinking = false;  // the next thinking delta starts a block

  StreamEvent read(const SseEvent& /*event*/, const nlohmann::json& j, Completion& c,
                   std::string& why) {
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string()) {
      why = "no type";
      return StreamEvent::kMalformed;
    }
    const std::string& t = type->get_ref<const std::string&>();
    if (t == "message_stop") return StreamEvent::kTerminal;
    if (t == "message_start") {
      if (const auto m = j.find("message"); m != j.end() && m->is_object()) usage.merge(*m);
    } else if (t == "message_delta") {
      usage.merge(j);
      if (const auto d = j.find("delta"); d != j.end() && d->is_object()) {
        if (const std::string r = string_or_empty(*d, "stop_reason"); !r.empty()) stop_reason = r;
      }
    } else if (t == "content_block_start") {
      const auto block = j.find("content_block");
      if (block == j.end() || !block->is_object()) {
        why = "content_block_start without a content_block";
        return StreamEvent::kMalformed;
      }
      const std::string kind = string_or_empty(*block, "type");
      if (kind == "thinking") new_thinking = true;
      if (kind == "text") {
        any_text = true;
        c.text += string_or_empty(*block, "text");
      }
    } else if (t == "content_block_delta") {
      const auto delta = j.find("delta");
      if (delta == j.end() || !delta->is_object()) {
        why = "content_block_delta without a delta";
        return StreamEvent::kMalformed;
      }
      const std::string kind = string_or_empty(*delta, "type");
      const char* field = kind == "text_delta"       ? "text"
                          : kind == "thinking_delta" ? "thinking"
                                                     : nullptr;
      if (!field) return StreamEvent::kOther;  // signature_delta, input_json_delta, ...
      const auto piece = delta->find(field);
      if (piece == delta->end() || !piece->is_string()) {
        why = kind + " without a string " + field;
        return StreamEvent::kMalformed;
      }
      const std::string& text = piece->get_ref<const std::string&>();
      if (kind == "text_delta") {
        any_text = true;
        c.text += text;
      } else {
        if (new_thinking && !c.reasoning.empty() && !text.empty()) c.reasoning += "\n";
        if (!text.empty()) new_thinking = false;
        c.reasoning += text;
      }
      return text.empty() ? StreamEvent::kOther : StreamEvent::kDelta;
    }
    return StreamEvent::kOther;
  }
};

Completion message_stream(const HttpResult& http, const std::string& context, Reply& r) {
  MessageStream stream;
  Completion c =
      read_event_stream(http, context, r,
                        [&stream](const SseEvent& e, const nlohmann::json& j, Completion& out,
                                  std::string& why) { return stream.read(e, j, out, why); });
  stream.usage.into(c);
  if (!c.ok()) return c;
  return typed_answer(std::move(c), stream.stop_reason, stream.any_text, context);
}

// An image part as the Messages API takes it: an image block with a base64 source.
nlohmann::json anthropic_image(const ContentPart& p) {
  return {{"type", "image"},
          {"source",
           {{"type", "base64"}, {"media_type", p.media_type}, {"data", base64_encode(p.data)}}}};
}

}  // namespace

Completion parse_anthropic_message(const HttpResult& http, const std::string& context) {
  Reply r;
  return repaired(message(http, context, r));
}

std::optional<int64_t> anthropic_used_tokens(const std::string& body) {
  MessageUsage usage;
  for (const nlohmann::json& j : usage_holders(body)) {
    if (const auto m = j.find("message"); m != j.end() && m->is_object()) usage.merge(*m);
    usage.merge(j);  // a whole message, or message_delta
  }
  Completion c;
  usage.into(c);
  const int64_t used = c.usage.prompt_tokens + c.usage.completion_tokens;
  if (used <= 0) return std::nullopt;
  return used;
}

Completion parse_anthropic_stream(const HttpResult& http, const std::string& context) {
  Reply r;
  return repaired(is_event_stream(http) ? message_stream(http, context, r)
                                        : message(http, context, r));
}

AnthropicRunner::AnthropicRunner(AnthropicOptions options)
    : options_(std::move(options)),
      pool_(pool_options_for(options_.http, options_.stream, parse_anthropic_stream)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  url_ = base + "/messages";
}

nlohmann::json AnthropicRunner::request_body(const Request& request) const {
  std::string system;
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) {
    if (m.role == "system") {
      append(system, text_of(m), "\n\n");  // the system prompt is text
    } else {
      messages.push_back({{"role", m.role}, {"content", content_json(m, anthropic_image)}});
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
  if (options_.stream) body["stream"] = true;
  return body;
}

std::vector<std::string> AnthropicRunner::headers() const {
  // "Expect:" stops libcurl from waiting for a 100-continue on large bodies.
  std::vector<std::string> h = {"Content-Type: application/json",
                                "anthropic-version: " + options_.version, "Expect:"};
  if (options_.stream) h.push_back("Accept: text/event-stream");
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
  pool_.post(
      url_, headers(), std::move(body),
      [this, done = std::move(done), request = std::move(request), context = std::move(context),
       body_hash](const HttpResult& http) {
        Reply r;
        Completion c = options_.stream && is_event_stream(http) ? message_stream(http, context, r)
                                                                : message(http, context, r);
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
          if (size_t cut = first_stop(c.text, request.sampling.stop); cut != std::string::npos) {
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
  nlohmann::json j = {{"provider", "anthropic"},
                      {"model", options_.model},
                      {"url", url_},
                      {"anthropic_version", options_.version},
                      {"thinking_budget", options_.thinking_budget},
                      {"api_key", options_.api_key.empty() ? "none" : "set (not stored)"},
                      {"max_in_flight", options_.http.max_in_flight},
                      {"timeout_s", options_.http.timeout_s},
                      {"max_retries", options_.http.retry.max_retries}};
  if (options_.stream) {
    j["stream"] = true;
    j["read_timeout_s"] = options_.http.read_timeout_s;
  }
  return j;
}

}  // namespace ys
