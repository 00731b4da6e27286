// The read timeout (--read-timeout, HttpPoolOptions::read_timeout_s) against the load-test
// server's stalled-body fault: a stream or a whole answer whose bytes stop ends with its
// typed stalled error soon after the timeout, not after libcurl's low-speed averaging (which
// took 6.5-7 s an attempt for a 1 s timeout); a server silent before its first byte stalls
// a stream but not a whole answer.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "runners/anthropic.h"
#include "runners/openai.h"
#include "tests/support/loadserver.h"

namespace ys {
namespace {

using test::Fault;
using test::LoadServer;
using test::LoadServerOptions;

constexpr double kReadTimeout = 0.3;  // seconds
// A stall must end within a few read timeouts: the pool checks every tenth of it. libcurl's
// low-speed limit, rounded up to whole seconds and averaged over ~5 s, could not.
constexpr double kWithin = 4 * kReadTimeout;

struct Timed {
  Completion c;
  double took_s = 0;
};

Timed ask(Runner& runner, const std::string& question) {
  Request r;
  r.messages = {{"user", question}};
  r.sampling.max_tokens = 64;
  std::promise<Completion> p;
  auto f = p.get_future();
  const auto start = std::chrono::steady_clock::now();
  runner.submit(r, [&p](Completion c) { p.set_value(std::move(c)); });
  Timed t{f.get(), 0};
  t.took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

HttpPoolOptions http_options() {
  HttpPoolOptions h;
  h.timeout_s = 20;  // far beyond the read timeout: only the read timeout can end a stall
  h.read_timeout_s = kReadTimeout;
  h.retry = {0, 0.001, 0.005};  // one attempt: the time measured is the stall's
  return h;
}

std::vector<std::unique_ptr<Runner>> runners_for(const LoadServer& server, bool stream) {
  OpenAIOptions o;
  o.model = "load-model";
  o.base_url = server.base_url();
  o.stream = stream;
  o.http = http_options();
  AnthropicOptions a;
  a.model = "claude-test";
  a.base_url = server.base_url();
  a.stream = stream;
  a.http = http_options();
  std::vector<std::unique_ptr<Runner>> out;
  out.push_back(std::make_unique<OpenAIRunner>(o));
  out.push_back(std::make_unique<AnthropicRunner>(a));
  return out;
}

TEST(StallTimer, AStalledStreamEndsStreamStalledWithinAFewReadTimeouts) {
  LoadServer server(test::failing_first(Fault::kStall, 100));
  for (auto& runner : runners_for(server, true)) {
    const Timed t = ask(*runner, "What is 1+1?");
    EXPECT_EQ(t.c.error, ErrorKind::kStreamStalled)
        << runner->identity() << ": " << t.c.error_message;
    EXPECT_EQ(t.c.attempts, 1);
    EXPECT_NE(t.c.error_message.find("no byte received for 0.3 s"), std::string::npos)
        << t.c.error_message;
    // Half the events came at once, then nothing: not before the timeout, and soon after.
    EXPECT_GE(t.took_s, kReadTimeout) << runner->identity();
    EXPECT_LT(t.took_s, kWithin) << runner->identity();
  }
}

TEST(StallTimer, AStalledWholeBodyEndsStalledWithinAFewReadTimeouts) {
  LoadServer server(test::failing_first(Fault::kStall, 100));
  for (auto& runner : runners_for(server, false)) {
    const Timed t = ask(*runner, "What is 1+1?");
    EXPECT_EQ(t.c.error, ErrorKind::kStalled) << runner->identity() << ": " << t.c.error_message;
    EXPECT_STREQ(error_kind_name(t.c.error), "stalled");
    EXPECT_EQ(t.c.attempts, 1);
    EXPECT_GE(t.took_s, kReadTimeout) << runner->identity();
    EXPECT_LT(t.took_s, kWithin) << runner->identity();
  }
}

TEST(StallTimer, AStalledAttemptIsRetriedAndTheRetryAnswered) {
  LoadServer server(test::failing_first(Fault::kStall, 1));  // each body stalls once
  for (bool stream : {true, false}) {
    OpenAIOptions o;
    o.model = "load-model";
    o.base_url = server.base_url();
    o.stream = stream;
    o.http = http_options();
    o.http.retry.max_retries = 1;
    OpenAIRunner runner(o);
    const Timed t = ask(runner, "What is 7+8?");
    ASSERT_TRUE(t.c.ok()) << t.c.error_message;
    EXPECT_EQ(t.c.text, "15");
    EXPECT_EQ(t.c.attempts, 2);
    EXPECT_LT(t.took_s, kWithin + 0.5) << "stream " << stream;
  }
  EXPECT_EQ(server.stats().faults, 2);
}

// Silence before the first byte: a stream (whose first event should come as soon as the
// model starts) stalls, also on a connection kept from an earlier answer; a whole answer is
// composed before its first byte, so it waits (bounded by --timeout).
TEST(StallTimer, SilenceBeforeTheFirstByteStallsAStreamButNotAWholeAnswer) {
  LoadServerOptions so;
  so.answer = [](const nlohmann::json& body) {
    test::LoadReply r = test::default_load_answer(body);
    // "What is 9+9?" is answered after a second of silence (the server's thread sleeps).
    if (r.text == "18") std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    return r;
  };
  LoadServer server(so);
  for (auto& runner : runners_for(server, true)) {
    const Timed first = ask(*runner, "What is 1+2?");  // opens the connection kept for reuse
    ASSERT_TRUE(first.c.ok()) << first.c.error_message;
    const Timed t = ask(*runner, "What is 9+9?");
    EXPECT_EQ(t.c.error, ErrorKind::kStreamStalled)
        << runner->identity() << ": " << t.c.error_message;
    EXPECT_GE(t.took_s, kReadTimeout);
    EXPECT_LT(t.took_s, kWithin);
    // The server's one thread sleeps out that second before it answers anything else.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  for (auto& runner : runners_for(server, false)) {
    const Timed t = ask(*runner, "What is 9+9?");
    ASSERT_TRUE(t.c.ok()) << runner->identity() << ": " << t.c.error_message;
    EXPECT_EQ(t.c.text, "18");
    EXPECT_GE(t.took_s, 1.0);
  }
}

}  // namespace
}  // namespace ys
