// A load-test model server on loopback: OpenAI-compatible (POST /v1/chat/completions) and
// Anthropic-compatible (POST /v1/messages), answered by one epoll thread, with a
// configurable latency distribution, SSE streaming ("stream": true) and injected faults.
// The tests and benchmarks drive yardstick's runners against it; `ys_loadserver` is the
// same server as a program (docs/RUNNERS.md, "Load-test server").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys::test {

// What an injected failure does to a request.
enum class Fault {
  k429,         // 429 with Retry-After (LoadServerOptions::retry_after_s)
  k500,         // 500 with an error body
  k529,         // 529 overloaded (Anthropic's overloaded_error shape on /v1/messages)
  kReset,       // the connection is reset (RST) before any answer
  kTruncated,   // headers announce the whole body, half of it comes, the connection closes
  kStall,       // headers and half the body, then nothing until the client hangs up
  kErrorIn200,  // 200 whose body is an error object (a 503 "server_error")
  kBadEvent,    // 200 whose body is not JSON
  // A streamed request ("stream": true) gets these in the stream instead: kTruncated ends
  // it cleanly after half its events (no terminal event), kStall sends half its events and
  // then nothing, kErrorIn200 sends half and then an error event (OpenAI: {"error":{...,
  // "code":503}}; Anthropic: event "error", overloaded_error), kBadEvent replaces its
  // middle event's data with text that is not JSON.
};

// "429", "500", "529", "reset", "truncated", "stall", "error200", "bad_event"; throws on
// others.
Fault parse_fault(const std::string& name);
const char* fault_name(Fault fault);

// What the model says to one request.
struct LoadReply {
  std::string text;
  std::string reasoning;        // reasoning_content (OpenAI) / a thinking block (Anthropic)
  std::string finish = "stop";  // OpenAI finish_reason; mapped to Anthropic's stop_reason
  int64_t cached_tokens = 0;    // reported as cached prompt / cache-read input tokens
};

struct LoadServerOptions {
  std::string host = "127.0.0.1";  // must be a loopback address
  int port = 0;                    // 0: any free port
  // Latency before the answer (or before the first streamed event), in ms: "fixed" waits
  // latency_ms; "uniform" draws from [latency_ms - jitter_ms, latency_ms + jitter_ms];
  // "exponential" draws with mean latency_ms.
  std::string latency_dist = "fixed";
  double latency_ms = 0;
  double jitter_ms = 0;
  double inter_token_ms = 0;  // between streamed events
  int stream_chunks = 4;      // text events a streamed answer is cut into (at most)
  // Fault injection: an attempt fails when a hash of (body, attempt number, seed) falls
  // below fault_rate, for at most max_faults_per_body attempts of the same body; the fault
  // is picked from `faults` by the same hash.
  double fault_rate = 0;
  std::vector<Fault> faults;
  int max_faults_per_body = 3;
  double retry_after_s = 1;
  // A rate limit: a request that arrives when rate_limit_per_s requests were already
  // accepted in the second before it is answered 429 with "Retry-After: 1" (a sliding
  // window, like a provider's per-second limit); 0: none.
  double rate_limit_per_s = 0;
  uint64_t seed = 1;
  // The answer; default: the sum for a last user message holding "What is A+B?", else "ok".
  std::function<LoadReply(const nlohmann::json& body)> answer;
  bool record = false;  // keep every request's path, headers and body (tests)
};

// Options for a server whose every request body fails with `fault` on its first
// `times` attempts (Retry-After 0), then is answered.
inline LoadServerOptions failing_first(Fault fault, int times) {
  LoadServerOptions so;
  so.fault_rate = 1;
  so.faults = {fault};
  so.max_faults_per_body = times;
  so.retry_after_s = 0;
  return so;
}

struct RecordedRequest {
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  nlohmann::json body;
  std::string header(const std::string& lower_name) const;  // "" when absent
};

struct LoadServerStats {
  int64_t requests = 0;  // every attempt received
  int64_t answered = 0;  // 200s with an answer
  int64_t faults = 0;    // injected failures
  int64_t connections = 0;
  int64_t max_in_flight = 0;   // requests received and not yet fully answered, at most
  int64_t rate_limited = 0;    // 429s sent by the rate limit (not counted in faults)
  int64_t max_per_second = 0;  // the most model requests that arrived within any 1 s
  // Seconds from the first request received to the last answer sent (the serve span the
  // benchmark's achieved rate is measured over); 0 before the first answer.
  double serve_span_s = 0;
};

class LoadServer {
 public:
  // Binds and starts the event thread; throws std::runtime_error when it cannot.
  explicit LoadServer(LoadServerOptions options);
  ~LoadServer();
  LoadServer(const LoadServer&) = delete;
  LoadServer& operator=(const LoadServer&) = delete;

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1" (both APIs live under it)
  LoadServerStats stats() const;
  // Changes LoadServerOptions::fault_rate while the server runs. Thread-safe.
  void set_fault_rate(double rate);
  std::vector<RecordedRequest> recorded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The default answer: LoadReply{"A+B as a number"} for "What is A+B?" in the last user
// message (string or text parts), else "ok".
LoadReply default_load_answer(const nlohmann::json& body);

}  // namespace ys::test
