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

}  // namespace
}  // namespace ys
