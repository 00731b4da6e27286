// Runner for OpenAI-compatible chat completion servers: OpenAI, vLLM, SGLang,
// llama.cpp server, DeepSeek's API and others that speak POST {base}/chat/completions.
// Loglikelihood requests go to POST {base}/completions with the prompts echoed with their
// logprobs (vLLM and SGLang answer these; chat-only APIs do not).
#pragma once

#include <memory>
#include <string>

#include "runners/http_pool.h"
#include "runners/runner.h"

namespace ys {

struct OpenAIOptions {
  std::string model;     // the server's model name, e.g. "gpt-4o-mini"
  std::string base_url;  // e.g. "http://127.0.0.1:8000/v1"; no trailing slash needed
  std::string api_key;   // sent as a Bearer token when non-empty; never stored or logged
  HttpPoolOptions http;
};

class OpenAIRunner : public Runner {
 public:
  explicit OpenAIRunner(OpenAIOptions options);

  void submit(Request request, Callback done) override;
  std::string identity() const override;
  nlohmann::json config() const override;

  // The JSON body sent for a generate `request` (exposed for tests).
  nlohmann::json request_body(const Request& request) const;
  // The JSON body sent for a loglikelihood `request`: one prompt per continuation
  // (context + continuation, see scored_text), echoed with logprobs (exposed for tests).
  nlohmann::json loglikelihood_body(const Request& request) const;

 private:
  OpenAIOptions options_;
  std::string url_;
  std::string completions_url_;
  HttpPool pool_;
};

// Turns a final HTTP result into a Completion: parses a 2xx body, types every failure
// (401/403/404 fatal, 400/422 invalid, 429 rate-limited, 5xx and transport transient;
// a body that is not a chat completion is invalid). `context` names the request in
// error messages.
Completion parse_chat_completion(const HttpResult& http, const std::string& context);

// Turns the answer to loglikelihood_body(request) into a Completion with one score per
// continuation: the summed logprobs of the echoed tokens that cover the continuation
// (located by their text offsets, in code points), greedy when each was the top token.
// Failures are typed as for chat; a body without the echoed prompt logprobs is invalid.
Completion parse_loglikelihoods(const HttpResult& http, const Request& request,
                                const std::string& context);

}  // namespace ys
