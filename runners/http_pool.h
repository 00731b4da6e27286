// Many HTTP POSTs in flight on one thread: one libcurl multi handle, retries with backoff.
#pragma once

#include <functional>
#include <memory>
#include <optional>
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
// A count of 0 turns its rule off. With several endpoints the rules are only checked while
// every endpoint is out (see EndpointPolicy): one dead replica never stops a run.
struct CircuitBreaker {
  int unreachable_after = 3;
  int failures_after = 32;
  double outage_s = 60;
};

// When one of several endpoints (replicas) is taken out of the rotation and probed back
// (docs/RUNNERS.md, "Endpoint pools"). An attempt that failed to connect takes its endpoint
// out at once; `failures_after` failures in a row (no answer, or a 5xx) do too. An endpoint
// that is out gets one request again (a probe) after `probe_after_s`, doubled after each
// failed probe up to `max_probe_after_s`; any answer below 500 puts it back. Only applies
// when there are two endpoints or more.
struct EndpointPolicy {
  int failures_after = 3;
  double probe_after_s = 1;
  double max_probe_after_s = 30;
};

// Why `url` cannot be a base URL for HTTP requests, or "" when it can: the scheme must be
// http or https, with a host and, if given, a port in 1–65535 (parsed by libcurl's URL API,
// the parser the requests will use). A mistake here would otherwise only show as failed
// attempts.
std::string base_url_problem(const std::string& url);

struct HttpPoolOptions {
  // Requests in flight at most: the cap of the adaptive window (see `adaptive`).
  int max_in_flight = 16;
  double timeout_s = 300;  // whole request, per attempt
  double connect_timeout_s = 10;
  // Budget of one request from its first send to its final answer, retries and waits
  // included, in seconds (--request-timeout); each attempt gets at most what is left, and a
  // retry that would start after it is not made. 0: none (each attempt has timeout_s).
  double request_budget_s = 0;
  // Client-side rate limits (model registry `limits`, --rpm, --tpm); 0: none. Requests per
  // minute are paced evenly (a bucket of one request); tokens per minute use a bucket of one
  // second's worth, each attempt costing estimate_tokens(body) until its answer reports
  // used_tokens(body), when the difference is given back or taken.
  double requests_per_min = 0;
  double tokens_per_min = 0;
  // Estimated and reported tokens of a request / answer body (runners/flow.h,
  // openai_used_tokens, anthropic_used_tokens); unset: each
  // request counts 0 tokens, so tokens_per_min has no effect.
  std::function<int64_t(const std::string& body)> estimate_tokens;
  std::function<std::optional<int64_t>(const std::string& body)> used_tokens;
  // AIMD concurrency (runners/flow.h, Aimd): the window starts at max_in_flight, halves on a
  // 429 or 529 (at most once per smoothed round-trip time) and grows back by one per window
  // of successes. false: always max_in_flight.
  bool adaptive = true;
  // Base URLs of replicas serving the same model. A request posted to a URL that starts
  // with one of them is sent, attempt by attempt, to the usable endpoint with the fewest
  // requests outstanding (ties in turn), with that prefix replaced; a retry avoids the
  // endpoint that just failed when another is usable. Empty: URLs are used as posted.
  std::vector<std::string> endpoints;
  EndpointPolicy endpoint_policy;
  // An attempt that receives no byte for more than this many seconds is given up as stalled
  // (HttpResult::stalled) and retried like a transport error; 0: off. The pool's own timer
  // checks every read_timeout_s / 10 (5 ms to 1 s), so a stall ends within about 1.1 times
  // the timeout. The silence counts from the attempt being ready on a connection when
  // read_timeout_from_send (streamed answers, whose bytes come as they are generated),
  // else from the answer's first byte (a whole answer may be composed for minutes before
  // its first byte, which --timeout bounds).
  double read_timeout_s = 0;
  bool read_timeout_from_send = true;
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

  // Ends every request not yet answered without calling its callback (a run whose time
  // budget is spent); later posts are dropped too. Thread-safe; returns at once.
  void cancel();

  // What flow control is doing now. Thread-safe.
  struct Stats {
    int window = 0;          // requests allowed in flight now (the adaptive window)
    int min_window = 0;      // the smallest the window has been
    int decreases = 0;       // times the window was halved
    int64_t overloaded = 0;  // attempts answered 429 or 529
    // Per endpoint (HttpPoolOptions::endpoints order): attempts sent, answers below 500,
    // times taken out of the rotation, whether it is out now.
    struct Endpoint {
      std::string base_url;
      int64_t sent = 0, answered = 0, taken_out = 0;
      bool out = false;
    };
    std::vector<Endpoint> endpoints;
  };
  Stats stats() const;
  // One line on what flow control did, for the run summary: the adaptive window when it
  // moved, and each endpoint's attempts when there are several; "" when neither.
  std::string summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ys
