// Runner for Anthropic's Messages API (POST {base}/messages): Claude models, with extended
// thinking on request. Generate requests only: the API gives no prompt logprobs.
#pragma once

#include <string>

#include "runners/http_pool.h"
#include "runners/openai.h"
#include "runners/runner.h"

namespace ys {

struct AnthropicOptions {
  std::string model;                                      // e.g. "claude-opus-4-5"
  std::string base_url = "https://api.anthropic.com/v1";  // "/messages" is appended
  std::string api_key;                 // sent as x-api-key when non-empty; never stored or logged
  std::string version = "2023-06-01";  // the anthropic-version header
  // Extended thinking: tokens the model may think for (Anthropic's minimum is 1024); 0: off.
  // The request's max_tokens is the task's budget plus this one, so that thinking cannot
  // eat the answer's tokens.
  int thinking_budget = 0;
  // Requests ask for a stream (SSE: "stream": true) and the answer's timing is measured
  // (StreamTiming); http.read_timeout_s then applies.
  bool stream = false;
  HttpPoolOptions http;
};

class AnthropicRunner : public Runner {
 public:
  explicit AnthropicRunner(AnthropicOptions options);

  void submit(Request request, Callback done) override;
  bool cancel() override {
    pool_.cancel();
    return true;
  }
  std::string flow_summary() const override { return pool_.summary(); }
  std::string identity() const override;
  nlohmann::json config() const override;

  // The JSON body sent for `request` (exposed for tests): system messages joined into
  // `system`; the other messages in order; max_tokens (plus the thinking budget); thinking
  // when on; temperature, top_p, top_k when thinking is off (the API refuses them with
  // it); stop_sequences: the stop strings that hold a non-white-space character (the API
  // refuses others; those are applied to the answer here). No seed: the API has none.
  // A message with parts has a list of blocks as content: {"type":"text","text":T} and
  // {"type":"image","source":{"type":"base64","media_type":M,"data":DATA}}; a system
  // message gives its text only. Streaming adds "stream": true.
  nlohmann::json request_body(const Request& request) const;

  // The HTTP headers sent (exposed for tests): content type, anthropic-version, and
  // x-api-key when a key is set.
  std::vector<std::string> headers() const;

 private:
  AnthropicOptions options_;
  std::string url_;
  RejectionTracker rejections_;
  HttpPool pool_;  // last: its thread stops before the members its callbacks use go
};

// Turns a final HTTP result of POST /messages into a Completion. `content` blocks: text
// blocks make the text (joined with nothing between), thinking blocks the reasoning
// (joined with "\n"), redacted_thinking and tool_use blocks are skipped, any other block
// with a string `text` is text. stop_reason: end_turn and stop_sequence -> finish "stop",
// max_tokens -> "length", tool_use -> "tool_calls", refusal -> kRefused; others are kept.
// usage: prompt_tokens = input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens, cached_tokens = cache_read_input_tokens, cache_write_tokens
// = cache_creation_input_tokens, completion_tokens = output_tokens. Failures are typed as
// for OpenAI (parse_chat_completion; an error body {"type":"error","error":{"type":
// "overloaded_error"}} is 529, transient, retried). An empty answer cut by max_tokens is
// kTruncated, no text block kEmpty (type_missing_answer).
Completion parse_anthropic_message(const HttpResult& http, const std::string& context);

// Turns the final HTTP result of a streamed message into the Completion
// parse_anthropic_message makes of the same message sent whole: message_start's usage,
// text_delta and thinking_delta events (thinking blocks joined with "\n"), message_delta's
// stop_reason and usage (counts given replace earlier ones), message_stop the end. An
// answer that is not an event stream (see is_event_stream) is read by
// parse_anthropic_message; failures of the stream itself (an error event: its type's
// status, overloaded_error 529) are typed by read_event_stream (runners/stream.h).
Completion parse_anthropic_stream(const HttpResult& http, const std::string& context);

// HttpPoolOptions::used_tokens of a message, whole or streamed: prompt_tokens +
// completion_tokens as parse_anthropic_message reads usage (input, cache read, cache write
// and output tokens), from the whole body's usage, or message_start's merged with
// message_delta's when streamed; nullopt when no usage reports a nonzero count.
std::optional<int64_t> anthropic_used_tokens(const std::string& body);

}  // namespace ys
