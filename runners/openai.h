// Runner for OpenAI-compatible chat completion servers: OpenAI, vLLM, SGLang,
// llama.cpp server, DeepSeek's API and others that speak POST {base}/chat/completions.
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

  // The JSON body sent for `request` (exposed for tests).
  nlohmann::json request_body(const Request& request) const;

 private:
  OpenAIOptions options_;
  std::string url_;
  HttpPool pool_;
};

// Turns a final HTTP result into a Completion: parses a 2xx body, types every failure
// (401/403/404 fatal, 400/422 invalid, 429 rate-limited, 5xx and transport transient;
// a body that is not a chat completion is invalid). `context` names the request in
// error messages.
Completion parse_chat_completion(const HttpResult& http, const std::string& context);

}  // namespace ys
