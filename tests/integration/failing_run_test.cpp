// Runs against endpoints that keep failing: the circuit breaker stops them within seconds,
// naming the URL, with what was finished kept and the run resumable; answers that are not
// answers typed and counted with exit 3; a resumed run's usage lines labelled by what they
// cover (docs/RUNNERS.md).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

#include "harness/store/reader.h"
#include "harness/store/run_usage.h"
#include "runners/openai.h"
#include "tests/support/child.h"
#include "tests/support/fake_openai_server.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using Clock = std::chrono::steady_clock;
using test::FakeOpenAIServer;

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// Submits `n` requests (questions first, first + 1, ...) and waits for all their answers.
std::vector<Completion> ask_many(OpenAIRunner& runner, int n, int first = 0) {
  std::vector<std::promise<Completion>> promises(static_cast<size_t>(n));
  std::vector<std::future<Completion>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  for (int i = 0; i < n; ++i) {
    Request r;
    r.messages = {{"user", "Question " + std::to_string(first + i)}};
    runner.submit(r, [&promises, i](Completion c) { promises[i].set_value(std::move(c)); });
  }
  std::vector<Completion> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

TEST(CircuitBreaker, ConnectionRefusedEndsEveryRequestWithinSecondsNamingTheUrl) {
  const int port = closed_port();
  ASSERT_GT(port, 0);
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.http.max_in_flight = 4;
  o.http.retry = {8, 1.0, 60.0};  // the defaults: without the breaker this takes minutes
  OpenAIRunner runner(o);
  const auto start = Clock::now();
  auto answers = ask_many(runner, 20);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_LT(took, 5.0);
  for (const auto& c : answers) {
    EXPECT_EQ(c.error, ErrorKind::kFatal);
    EXPECT_NE(c.error_message.find("cannot reach " + o.base_url + "/chat/completions"),
              std::string::npos)
        << c.error_message;
    EXPECT_EQ(c.error_message.find('\n'), std::string::npos);
  }
}

TEST(CircuitBreaker, AnEndpointThatAnsweredThenKeepsFailingOpensByTheOutageRule) {
  FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("ok"); };
  auto down = std::make_shared<std::atomic<bool>>(false);
  so.raw = [down](const nlohmann::json&, int) -> std::optional<FakeOpenAIServer::RawReply> {
    if (!*down) return std::nullopt;
    return FakeOpenAIServer::RawReply{503, R"({"error":{"message":"down for maintenance"}})"};
  };
  FakeOpenAIServer server(so);
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.base_url();
  o.http.retry = {100, 0.01, 0.02};
  o.http.breaker.failures_after = 10;
  o.http.breaker.outage_s = 0.3;
  OpenAIRunner runner(o);
  ASSERT_TRUE(ask_many(runner, 1).at(0).ok());
  *down = true;
  const auto start = Clock::now();
  auto answers = ask_many(runner, 4);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_GE(took, 0.3);  // not before the outage lasted outage_s
  EXPECT_LT(took, 5.0);
  for (const auto& c : answers) {
    EXPECT_EQ(c.error, ErrorKind::kFatal);
    EXPECT_NE(c.error_message.find(server.base_url() + "/chat/completions keeps failing"),
              std::string::npos)
        << c.error_message;
    EXPECT_NE(c.error_message.find("HTTP 503"), std::string::npos) << c.error_message;
  }
  EXPECT_LT(server.requests(), 4 * 100);  // retries were cut short
}

TEST(CircuitBreaker, RateLimitsAndShortOutagesDoNotOpenIt) {
  // 429s are the server answering; a few 5xx in a row stay under the rule.
  FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("ok"); };
  so.raw = [](const nlohmann::json&, int attempt) -> std::optional<FakeOpenAIServer::RawReply> {
    if (attempt <= 3) return FakeOpenAIServer::RawReply{429, R"({"error":"slow down"})"};
    if (attempt <= 5) return FakeOpenAIServer::RawReply{503, R"({"error":"busy"})"};
    return std::nullopt;
  };
  FakeOpenAIServer server(so);
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.base_url();
  o.http.max_in_flight = 1;
  o.http.retry = {8, 0.001, 0.002};
  o.http.breaker.failures_after = 3;
  o.http.breaker.outage_s = 0;
  OpenAIRunner runner(o);
  // One request at a time: were 429s counted, 5 failures in a row would open it.
  for (int i = 0; i < 3; ++i) {
    const Completion c = ask_many(runner, 1, i).at(0);
    EXPECT_TRUE(c.ok()) << c.error_message;
    EXPECT_EQ(c.attempts, 6);
  }
}

class FailingRunCli : public ::testing::Test {
 protected:
  test::ChildResult yardstick(std::vector<std::string> args) {
    args.insert(args.begin(), test::yardstick_bin().string());
    args.insert(args.end(), {"--db", db()});
    return test::run_child(args);
  }
  std::string db() const { return (dir_ / "y.db").string(); }
  test::ScratchDir dir_;
};

// The issue-10 trial: a mistyped --base-url used to fail 3 samples in 2 min 17 s and exit 0
// with the run "completed".
TEST_F(FailingRunCli, UnreachableBaseUrlStopsWithinSecondsNamingItAndResumes) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  const auto start = Clock::now();
  auto r = yardstick(
      {"run", "--model", "openai:m", "--base-url", url, "--tasks", "arith", "--limit", "3"});
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(took, 10.0);
  EXPECT_NE(r.err.find("error: run 1 stopped: cannot reach " + url + "/chat/completions"),
            std::string::npos)
      << r.err;
  StoreReader store(db());
  EXPECT_EQ(store.runs().at(0).status, "failed");
  // The same command resumes run 1 (the failed run is not left for a new one).
  auto again = yardstick(
      {"run", "--model", "openai:m", "--base-url", url, "--tasks", "arith", "--limit", "3"});
  EXPECT_EQ(again.exit_code, 1);  // still nothing there: the same run, failed again
  EXPECT_NE(again.err.find("run 1 ("), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("(resumed)"), std::string::npos) << again.err;
}

// The CLI and the registry refuse such a URL first (Cli.BaseUrlsNoRequestCouldUse…); a
// runner given one anyway stops like a refused connection, not after minutes of retries.
TEST(CircuitBreaker, AUrlLibcurlCannotUseStopsLikeARefusedConnection) {
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "htp://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  o.http.retry = {8, 0.001, 0.002};
  OpenAIRunner runner(o);
  const auto start = Clock::now();
  const auto answers = ask_many(runner, 3, 0);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 5.0);
  for (const auto& c : answers) {
    EXPECT_EQ(c.error, ErrorKind::kFatal);
    EXPECT_NE(c.error_message.find("cannot reach " + o.base_url), std::string::npos)
        << c.error_message;
  }
}

TEST_F(FailingRunCli, SamplesLeftInErrorExitThreeWithTheFirstErrorAndResume) {
  auto empty = std::make_shared<std::atomic<bool>>(true);
  FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("#### 1"); };
  so.raw = [empty](const nlohmann::json&, int) -> std::optional<FakeOpenAIServer::RawReply> {
    if (!*empty) return std::nullopt;
    return FakeOpenAIServer::RawReply{
        200, R"({"choices":[{"message":{"content":""},"finish_reason":"length"}]})"};
  };
  FakeOpenAIServer server(so);
  const std::vector<std::string> args = {"run",        "--model",         "openai:m",
                                         "--base-url", server.base_url(), "--tasks",
                                         "arith",      "--limit",         "4"};
  auto r = yardstick(args);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // The first error names the task and sample id (what `show` finds) and the request.
  EXPECT_NE(r.err.find("errors by kind: 4 truncated; first: arith sample "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(": request #"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("acc - err 4"), std::string::npos) << r.err;  // nothing was scored
  EXPECT_NE(r.err.find("no answer within the token budget"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run 1 is incomplete: 4 samples"), std::string::npos) << r.err;
  EXPECT_EQ(StoreReader(db()).runs().at(0).status, "incomplete");
  *empty = false;
  auto again = yardstick(args);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("run 1 (openai:m): completed (resumed), 4 samples: 0 answered before"),
            std::string::npos)
      << again.err;
  EXPECT_EQ(StoreReader(db()).runs().at(0).status, "completed");
}

// Found by a new user: the models after one whose run failed were skipped without a word.
TEST_F(FailingRunCli, AFailedRunDoesNotSkipTheModelsAfterIt) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  auto r = yardstick({"run", "--model", "mock:oracle,openai:m,mock:wrong", "--base-url", url,
                      "--tasks", "arith", "--limit", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // a run failed, reported once every model ran
  const auto runs = StoreReader(db()).runs();
  ASSERT_EQ(runs.size(), 3u) << r.err;
  EXPECT_EQ(runs[0].status, "completed");
  EXPECT_EQ(runs[1].status, "failed");
  EXPECT_EQ(runs[2].model, "mock:wrong");
  EXPECT_EQ(runs[2].status, "completed");
  EXPECT_NE(r.out.find("mock:wrong"), std::string::npos) << r.out;  // in the results table
}

// The fake server reports 100 input and 10 output tokens per answer. The first
// invocation gets 4 of 10 samples answered 500 (no retries): it ends incomplete; the
// resumed one answers those 4. Its "this invocation" line covers 4 answers, the "whole
// run" line (and `yardstick runs`) all 10.
TEST_F(FailingRunCli, AResumedRunLabelsThisInvocationsUsageAndTheWholeRuns) {
  auto failed = std::make_shared<std::atomic<int>>(0);
  FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("7"); };
  so.raw = [failed](const nlohmann::json&,
                    int attempt) -> std::optional<FakeOpenAIServer::RawReply> {
    if (attempt > 1 || failed->fetch_add(1) >= 4) return std::nullopt;
    return FakeOpenAIServer::RawReply{500, R"({"error":{"message":"busy"}})"};
  };
  FakeOpenAIServer server(so);
  const std::vector<std::string> args = {
      "run",     "--model", "openai:m",      "--base-url", server.base_url(), "--tasks", "arith",
      "--limit", "10",      "--max-retries", "0"};
  auto first = yardstick(args);
  ASSERT_EQ(first.exit_code, 3) << first.err;
  EXPECT_NE(first.err.find("run 1 usage, this invocation: 600 input tokens (0 cached), 60 "
                           "output tokens"),
            std::string::npos)
      << first.err;
  // Not resumed and no cache hits: the whole run is this invocation, said once.
  EXPECT_EQ(first.err.find("whole run"), std::string::npos) << first.err;

  auto again = yardstick(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("run 1 usage, this invocation: 400 input tokens (0 cached), 40 "
                           "output tokens (0 reasoning), cost no price known; latency p50"),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("over 4 answers\n"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("run 1 usage, whole run (every invocation, cache hits included): "
                           "1000 input tokens (0 cached), 100 output tokens"),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("over 10 answers\n"), std::string::npos) << again.err;
  const auto stored = read_run_usage(db(), 1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->input_tokens, 1000);
  EXPECT_EQ(stored->answers, 10);

  test::ChildResult runs = test::run_child({test::yardstick_bin().string(), "runs", "--db", db()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("1000/100"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("tokens, cost, latency and ttft: the whole run"), std::string::npos)
      << runs.out;
}

// Answers that are not answers, one kind per arriving request in turn: a 200 carrying an
// error object (each with its own message, so never a systematic rejection), an empty
// answer with finish_reason "length", `content: null`, and a real answer.
TEST_F(FailingRunCli, AnswersThatAreNotAnswersAreTypedCountedAndExitThree) {
  auto arrived = std::make_shared<std::atomic<int>>(0);
  FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("#### 1"); };
  so.raw = [arrived](const nlohmann::json&, int) -> std::optional<FakeOpenAIServer::RawReply> {
    const int i = arrived->fetch_add(1);
    switch (i % 4) {
      case 0:
        return FakeOpenAIServer::RawReply{200, R"({"error":{"message":"bad request )" +
                                                   std::to_string(i) +
                                                   R"(","type":"invalid_request_error"}})"};
      case 1:
        return FakeOpenAIServer::RawReply{
            200, R"({"choices":[{"message":{"content":""},"finish_reason":"length"}]})"};
      case 2:
        return FakeOpenAIServer::RawReply{
            200, R"({"choices":[{"message":{"content":null},"finish_reason":"stop"}]})"};
      default:
        return std::nullopt;
    }
  };
  FakeOpenAIServer server(so);
  auto r = yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(), "--tasks",
                      "arith", "--limit", "8", "--max-retries", "0"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("errors by kind: 2 empty, 2 invalid, 2 truncated; first: arith sample "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("run 1 is incomplete: 6 samples"), std::string::npos) << r.err;
  StoreReader store(db());
  size_t scored = 0, invalid = 0;
  for (const auto& s : store.samples(1)) {
    if (s.completion.ok()) ++scored;
    if (s.completion.error == ErrorKind::kInvalid) {
      ++invalid;
      EXPECT_NE(s.completion.error_message.find("HTTP 200 carrying an error (taken as 400)"),
                std::string::npos)
          << s.completion.error_message;
    }
  }
  EXPECT_EQ(scored, 2u);
  EXPECT_EQ(invalid, 2u);
}

}  // namespace
}  // namespace ys
