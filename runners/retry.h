// When and how long to wait before retrying a failed HTTP request.
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace ys {

struct RetryPolicy {
  int max_retries = 8;        // retries after the first attempt
  double base_delay_s = 1.0;  // first backoff, doubled each retry
  double max_delay_s = 60.0;  // backoff ceiling (a server's Retry-After may exceed it)
};

// Whether an HTTP status is worth retrying: 408, 409, 425, 429 and 5xx.
bool is_retryable_status(long status);

// The HTTP status that an error object sent in a 2xx body stands for (some gateways answer
// 200 with {"error": {...}} and no choices). Read from, in order: a numeric `code` or
// `status` (a number or a string of digits, 100-599); else words in its `type`, `code` or
// message: "overloaded" -> 529, "rate_limit" / "rate limit" -> 429, "server_error" /
// "timeout" -> 500, "invalid_request" -> 400, "authentication" -> 401, "permission" ->
// 403, "not_found" -> 404. `error` may be an object or a string; nullopt when nothing in
// it names a status.
std::optional<long> error_object_status(const nlohmann::json& error);

// Exponential backoff with jitter before retry number `retry` (1 = first retry):
// min(max_delay, base * 2^(retry-1)) scaled into [50%, 100%] by `unit` in [0, 1).
double backoff_delay(const RetryPolicy& policy, int retry, double unit);

// Parses a Retry-After header value: delta-seconds or an HTTP-date (RFC 9110), relative
// to `now`. Returns nullopt for a missing or unparsable value; never negative.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

// The wait before retry number `retry`: the server's Retry-After when it gave one (capped
// at 10 minutes), else the jittered backoff.
double retry_delay(const RetryPolicy& policy, int retry, std::optional<double> retry_after,
                   double unit);

}  // namespace ys
