// Many HTTP POSTs in flight on one thread: one libcurl multi handle, retries with backoff.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runners/retry.h"

namespace ys {

// When a pool stops trying an endpoint that keeps failing (docs/RUNNERS.md, "Circuit
// breaker"). An attempt fails when no HTTP answer came (connection refused, DNS, TLS,
// timeout, reset) or the answer is a 5xx; a 429 or any other status is the server
// answering. The breaker opens on the first of:
// - `unreachable_after` attempts failed to connect (refused, unresolved host, TLS
//   handshake, connect timeout) and no attempt was ever answered (a mistyped URL);
// - `failures_after` attempts in a row failed and at least `outage_s` seconds passed since
//   the last answer (or since the first attempt, when none was answered).
// Once open, every queued, waiting and later request ends at once with
// HttpResult::circuit_open; requests on the wire finish normally but are not retried.
// A count of 0 turns its rule off.
struct CircuitBreaker {
  int unreachable_after = 3;
  int failures_after = 32;
  double outage_s = 60;
};

struct HttpPoolOptions {
  int max_in_flight = 16;
  double timeout_s = 300;  // whole request, per attempt
  double connect_timeout_s = 10;
  // An attempt that receives no byte for this many seconds (whole seconds, rounded up) is
  // given up as stalled (HttpResult::stalled) and retried like a transport error; 0: off.
  // For streamed answers, whose bytes come as they are generated.
  double read_timeout_s = 0;
  // Keep HttpResult::arrivals (when each piece of the body came), for streamed answers.
  bool record_arrivals = false;
  RetryPolicy retry;
  uint64_t jitter_seed = 0;
  // The status a finished response counts as when deciding whether to retry it, from its
  // HTTP status and body (e.g. a 200 whose body carries an error object); called on the
  // pool's thread. Unset: the HTTP status itself. The final HttpResult keeps the real one.
  std::function<long(long status, const std::string& body)> retry_status;
  CircuitBreaker breaker;
};

// A piece of a response body: the body's size once it had arrived, and when it arrived,
// in seconds since the attempt was sent.
struct BodyArrival {
  size_t bytes = 0;
  double at_s = 0;
};

struct HttpResult {
  long status = 0;              // 0 when no HTTP answer arrived (see transport_error)
  std::string body;             // truncated to 64 MiB
  std::string transport_error;  // libcurl's description, empty on an HTTP answer
  int attempts = 0;
  double elapsed_s = 0;  // first send to final answer, waits included
  // The pool's circuit breaker is open: this request was given up (transport_error says
  // why, naming the endpoint) and every later one will be.
  bool circuit_open = false;
  // The last attempt was given up after HttpPoolOptions::read_timeout_s with no byte.
  bool stalled = false;
  // With HttpPoolOptions::record_arrivals: the last attempt's body pieces, in order.
  std::vector<BodyArrival> arrivals;
};

class HttpPool {
 public:
  using Callback = std::function<void(HttpResult)>;

  explicit HttpPool(HttpPoolOptions options);
  // Stops the event thread; callbacks of unfinished requests are never called.
  ~HttpPool();
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  // Queues a POST of `body` to `url`. Transport errors and retryable statuses (see
  // is_retryable_status, applied to HttpPoolOptions::retry_status when set) are retried per the
  // policy, honouring Retry-After; `done` gets the final result once, on the pool's thread.
  // Thread-safe.
  void post(std::string url, std::vector<std::string> headers, std::string body, Callback done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ys
