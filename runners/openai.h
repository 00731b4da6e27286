// Runner for OpenAI-compatible chat completion servers: OpenAI, vLLM, SGLang,
// llama.cpp server, DeepSeek's API and others that speak POST {base}/chat/completions.
// Loglikelihood requests go to POST {base}/completions with the prompts echoed with their
// logprobs (vLLM and SGLang answer these; chat-only APIs do not).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runners/http_pool.h"
#include "runners/runner.h"

namespace ys {

struct OpenAIOptions {
  std::string model;     // the server's model name, e.g. "gpt-4o-mini"
  std::string base_url;  // e.g. "http://127.0.0.1:8000/v1"; no trailing slash needed
  std::string api_key;   // sent as a Bearer token when non-empty; never stored or logged
  // The sampling parameters the model accepts (model registry: temperature, top_p, top_k,
  // stop, seed, and max_tokens or max_completion_tokens); unset: by param_style_for.
  std::optional<std::vector<std::string>> accepts;
  // Body fields sent with every request that the request itself does not set (model
  // registry `defaults`, --reasoning-effort).
  nlohmann::json extra_body = nlohmann::json::object();
  // Generate requests ask for a stream (SSE: "stream": true with stream_options.include_usage)
  // and the answer's timing is measured (StreamTiming); http.read_timeout_s then applies.
  bool stream = false;
  HttpPoolOptions http;
};

// Which request parameters a model is sent (see docs/RUNNERS.md).
enum class ParamStyle {
  // max_tokens, temperature, and top_p, top_k, stop when asked for.
  kClassic,
  // OpenAI reasoning models, which reject the others with a 400: max_completion_tokens,
  // and no temperature, top_p, top_k or stop (the answer is cut at the first stop string
  // here instead).
  kReasoning,
};

// kReasoning when `model`, after any "provider/" prefix, is an OpenAI reasoning model id:
// "o" and a digit (o1, o1-mini, o3, o4-mini, ...) or "gpt-5" (gpt-5, gpt-5-mini, gpt-5.1,
// ...) but not "gpt-5-chat..."; else kClassic. Case-sensitive, as OpenAI's ids are.
ParamStyle param_style_for(std::string_view model);

// Tells a server that rejects the request itself (an unsupported parameter, a model that
// needs another endpoint) from one that rejects a sample (a prompt too long): a rejection
// is systematic once the same server message came with a 400 or 422 for kDifferentRequests
// different request bodies and no request has been answered with a 2xx yet. Thread-safe.
class RejectionTracker {
 public:
  static constexpr size_t kDifferentRequests = 2;

  // Records a 2xx answer: from then on no rejection is systematic.
  void answered();
  // Records that the request whose body hashes to `request` was rejected with `message`;
  // returns whether that rejection is now systematic.
  bool systematic(const std::string& message, uint64_t request);

 private:
  std::mutex mutex_;
  bool answered_ = false;
  std::map<std::string, std::set<uint64_t>> requests_by_message_;
};

class OpenAIRunner : public Runner {
 public:
  explicit OpenAIRunner(OpenAIOptions options);

  void submit(Request request, Callback done) override;
  bool cancel() override {
    pool_.cancel();
    return true;
  }
  std::string flow_summary() const override { return pool_.summary(); }
  std::string identity() const override;
  nlohmann::json config() const override;

  // The JSON body sent for a generate `request` (exposed for tests). A message with parts
  // has a list as content: {"type":"text","text":T} and {"type":"image_url","image_url":
  // {"url":"data:MEDIA_TYPE;base64,DATA"}}. Streaming adds "stream": true and
  // "stream_options": {"include_usage": true}.
  nlohmann::json request_body(const Request& request) const;
  // The JSON body sent for a loglikelihood `request`: one prompt per continuation
  // (context + continuation, see scored_text), echoed with logprobs (exposed for tests).
  nlohmann::json loglikelihood_body(const Request& request) const;

 private:
  // Types the answer to the request whose body hashes to `request`, turning a systematic
  // rejection (see RejectionTracker) into a fatal error.
  Completion settle(const HttpResult& http, const Request& request, uint64_t body_hash,
                    const std::string& context);

  // Whether the request parameter `name` is sent (accepts, else the style's rule).
  bool sends(const char* name) const;

  OpenAIOptions options_;
  ParamStyle style_;
  std::string url_;
  std::string completions_url_;
  RejectionTracker rejections_;
  HttpPool pool_;  // last: its thread stops before the members its callbacks use go
};

// Turns a final HTTP result into a Completion: parses a 2xx body, types every failure
// (401/403/404 fatal, 400/422 invalid, 429 rate-limited, 5xx and transport transient;
// a 2xx body holding an error object and no choices is typed by the status that error
// names, see error_object_status; any other body that is not a chat completion is
// invalid). message.content may be a string, null, or a list of parts: text parts make
// the text, thinking/reasoning parts the reasoning (as do the message's
// reasoning_content and reasoning strings); a refusal is kRefused; any other shape is
// invalid, naming what was found. Every string in the result is valid UTF-8 (invalid
// bytes of the body become U+FFFD before it is parsed). `context` names the request in
// error messages.
Completion parse_chat_completion(const HttpResult& http, const std::string& context);

// Turns the final HTTP result of a streamed chat completion into the Completion
// parse_chat_completion makes of the same answer sent whole: the deltas' content make the
// text, their reasoning_content or reasoning the reasoning, refusal a refusal (kRefused);
// the last finish_reason seen is the finish reason; usage comes from the chunk that
// carries it. "data: [DONE]" ends the stream. An answer that is not an event stream (see
// is_event_stream) is read by parse_chat_completion; failures of the stream itself are
// typed by read_event_stream (runners/stream.h); StreamTiming is set from http.arrivals.
Completion parse_chat_stream(const HttpResult& http, const std::string& context);

// HttpPoolOptions::used_tokens of a chat completion, whole or streamed: prompt_tokens +
// completion_tokens of the last usage object the answer carries (a whole answer's, or
// the last chunk's with stream_options.include_usage), as parse_chat_completion reads
// it; nullopt when none reports a nonzero count (the estimate stands).
std::optional<int64_t> openai_used_tokens(const std::string& body);

// Turns the answer to loglikelihood_body(request) into a Completion with one score per
// continuation: the summed logprobs of the echoed tokens that cover the continuation,
// greedy when each was the top token. The prompt's tokens are those before the first
// token whose text_offset (in code points) is at or past the prompt's end; the
// continuation's are its last tokens whose bytes (a "bytes:\xHH..." token counts as
// those bytes) cover the continuation's bytes, with the empty byte-piece tokens just
// before them (they start the first covered character). Failures are typed as for chat; a
// body without the echoed prompt logprobs is invalid.
Completion parse_loglikelihoods(const HttpResult& http, const Request& request,
                                const std::string& context);

}  // namespace ys
