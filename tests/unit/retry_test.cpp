#include "runners/retry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ys {
namespace {

TEST(Retry, RetryableStatuses) {
  for (long s : {408L, 409L, 425L, 429L, 500L, 502L, 503L, 504L, 529L})
    EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 422L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(Retry, BackoffDoublesWithinJitterBoundsAndIsCapped) {
  RetryPolicy p{8, 1.0, 10.0};
  EXPECT_DOUBLE_EQ(backoff_delay(p, 1, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 1, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 3, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(backoff_delay(p, 10, 1.0), 10.0);  // capped
  for (int r = 1; r < 8; ++r) {
    double d = backoff_delay(p, r, 0.37);
    EXPECT_GE(d, 0.5 * std::min(10.0, std::pow(2.0, r - 1)));
    EXPECT_LE(d, std::min(10.0, std::pow(2.0, r - 1)));
  }
}

TEST(Retry, ParsesRetryAfterSecondsAndHttpDates) {
  std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("3", now), 3.0);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), 0.0);  // past
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(Retry, RetryAfterWinsOverBackoffButIsBounded) {
  RetryPolicy p{8, 1.0, 60.0};
  EXPECT_EQ(retry_delay(p, 5, 2.0, 0.9), 2.0);
  EXPECT_EQ(retry_delay(p, 1, 100000.0, 0.9), 600.0);
  EXPECT_EQ(retry_delay(p, 2, std::nullopt, 1.0), 2.0);
}

TEST(Retry, StatusOfAnErrorObjectInA200Body) {
  using nlohmann::json;
  const std::pair<json, long> named[] = {
      {{{"message", "Provider returned error"}, {"code", 502}}, 502},
      {{{"message", "x"}, {"code", "503"}}, 503},
      {{{"message", "x"}, {"status", 504}}, 504},
      {{{"message", "x"}, {"code", "rate_limit_exceeded"}, {"status", 429}}, 429},
      {{{"message", "Overloaded"}, {"type", "overloaded_error"}}, 529},
      {{{"message", "Rate limit reached for requests"}}, 429},
      {{{"type", "server_error"}}, 500},
      {{{"message", "Upstream request timeout"}}, 500},
      {{{"type", "invalid_request_error"}}, 400},
      {{{"type", "authentication_error"}}, 401},
      {{{"type", "permission_error"}}, 403},
      {{{"type", "not_found_error"}}, 404},
      {json("model is overloaded, try later"), 529},
  };
  for (const auto& [error, status] : named) {
    EXPECT_EQ(error_object_status(error), status) << error.dump();
    EXPECT_EQ(is_retryable_status(*error_object_status(error)), status == 429 || status >= 500);
  }
  // A code outside 100-599 or not a status at all falls through to the words, then to none.
  for (const json& error :
       {json{{"message", "what"}}, json{{"code", 7}}, json{{"code", "1234"}},
        json{{"code", "invalid_api_key_x"}}, json(42), json(nullptr), json("something")}) {
    EXPECT_EQ(error_object_status(error), std::nullopt) << error.dump();
  }
}

}  // namespace
}  // namespace ys
