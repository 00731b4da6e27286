// Flow control against the load-test server (docs/RUNNERS.md, "Flow control"): client-side
// rate limits, adaptive concurrency, request and run time budgets, endpoint pools.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "harness/store/reader.h"
#include "runners/factory.h"
#include "runners/flow.h"
#include "runners/http_pool.h"
#include "runners/openai.h"
#include "tests/support/child.h"
#include "tests/support/loadserver.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using Clock = std::chrono::steady_clock;
using test::Fault;
using test::LoadServer;
using test::LoadServerOptions;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string chat_body(int i) {
  return R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"What is )" +
         std::to_string(i) + "+1?\"}]}";
}

// Posts `n` chat requests to `url` through `pool` and waits for every answer; `each` sees
// every result (on the pool's thread) with the number answered so far.
std::vector<HttpResult> post_all(HttpPool& pool, const std::string& url, int n,
                                 const std::function<void(const HttpResult&, int)>& each = {}) {
  std::vector<HttpResult> results(n);
  std::mutex m;
  std::condition_variable cv;
  int done = 0;
  for (int i = 0; i < n; ++i) {
    pool.post(url, {"Content-Type: application/json", "Expect:"}, chat_body(i),
              [&, i](HttpResult r) {
                std::lock_guard lock(m);
                results[i] = std::move(r);
                ++done;
                if (each) each(results[i], done);
                cv.notify_all();
              });
  }
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done == n; });
  return results;
}

class FlowCli : public ::testing::Test {
 protected:
  test::ChildResult yardstick(std::vector<std::string> args) {
    args.insert(args.begin(), test::yardstick_bin().string());
    for (const std::string& a :
         {std::string("--tasks"), std::string("arith"), std::string("--db"), db()}) {
      args.push_back(a);
    }
    return test::run_child(args);
  }
  std::string db() const { return (dir_ / "y.db").string(); }
  test::ScratchDir dir_;
};

// Every sample of run 1 is stored once; returns how many, and how many are unscored.
std::pair<size_t, size_t> stored(const std::string& db, int64_t run) {
  StoreReader reader(db);
  std::set<std::string> ids;
  size_t unscored = 0;
  for (const auto& s : reader.samples(run, "arith")) {
    EXPECT_TRUE(ids.insert(s.sample_id).second) << "twice: " << s.sample_id;
    if (s.scores.empty()) ++unscored;
  }
  return {ids.size(), unscored};
}

// The issue's rate test: a server that takes R requests per second (429 above) sees at most
// R(1+e) from a run with --rpm R x 60, and the run finishes without one 429.
TEST_F(FlowCli, RpmKeepsUnderTheServersRateLimitWithNo429) {
  constexpr double kRate = 20;  // R, requests per second
  LoadServerOptions so;
  so.rate_limit_per_s = kRate * 1.15;  // R(1 + e), e = 0.15
  LoadServer server(so);
  const auto start = Clock::now();
  auto r = yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(), "--limit",
                      "60", "--concurrency", "16", "--rpm", std::to_string(kRate * 60)});
  const double wall = since(start);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = server.stats();
  EXPECT_EQ(s.rate_limited, 0);
  EXPECT_EQ(s.requests, 60);
  EXPECT_LE(s.max_per_second, kRate * 1.15);
  EXPECT_GE(wall, 59 / kRate - 0.2);  // paced: 60 requests at R per second
  std::printf("[ measured ] --rpm %g: at most %lld requests in any 1 s (R = %g: %.3f R), %.2f s\n",
              kRate * 60, static_cast<long long>(s.max_per_second), kRate,
              static_cast<double>(s.max_per_second) / kRate, wall);
  EXPECT_EQ(stored(db(), 1), std::make_pair(size_t{60}, size_t{0}));
}

// The model registry's limits and replicas apply without any flag: requests_per_min paces
// the run, and base_urls spreads it.
TEST_F(FlowCli, RegistryLimitsAndReplicasApply) {
  LoadServerOptions so;
  so.rate_limit_per_s = 40;  // over all replicas the rate must stay at 20 per second
  std::vector<std::unique_ptr<LoadServer>> servers;
  std::string urls;
  for (int i = 0; i < 2; ++i) {
    servers.push_back(std::make_unique<LoadServer>(so));
    urls += (i ? ", \"" : "\"") + servers.back()->base_url() + "\"";
  }
  test::write_file(dir_ / "models.yaml",
                   "providers:\n  lab: {api: openai, base_url: "
                   "\"http://127.0.0.1:1/v1\"}\nmodels:\n  paced:\n"
                   "    provider: lab\n    id: m\n    base_urls: [" +
                       urls + "]\n    limits: {requests_per_min: 1200}\n");
  const auto start = Clock::now();
  auto r =
      test::run_child({"/usr/bin/env", "YARDSTICK_MODELS_FILE=" + (dir_ / "models.yaml").string(),
                       test::yardstick_bin().string(), "run", "--model", "paced", "--limit", "40",
                       "--concurrency", "8", "--tasks", "arith", "--db", db()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(since(start), 39 / 20.0 - 0.2);
  for (const auto& s : servers) {
    EXPECT_GE(s->stats().answered, 12);
    EXPECT_LE(s->stats().max_per_second, 21);
  }
  EXPECT_EQ(servers[0]->stats().answered + servers[1]->stats().answered, 40);
  EXPECT_EQ(stored(db(), 1), std::make_pair(size_t{40}, size_t{0}));
}

// Without --rpm the same server turns requests away; AIMD and Retry-After still finish the
// run (this is what makes the test above able to fail).
TEST_F(FlowCli, WithoutRpmTheServerRateLimitsAndTheRunStillCompletes) {
  LoadServerOptions so;
  so.rate_limit_per_s = 23;
  LoadServer server(so);
  auto r = yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(), "--limit",
                      "60", "--concurrency", "16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(server.stats().rate_limited, 0);
  EXPECT_NE(r.err.find("run 1 flow control: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("answers 429/529, window halved"), std::string::npos) << r.err;
  EXPECT_EQ(stored(db(), 1), std::make_pair(size_t{60}, size_t{0}));
}

// Tokens per minute: each request is charged its estimate before it is sent; the usage its
// answer reports replaces the estimate. A bucket of 10,000 tokens (600,000 per minute) and
// requests estimated at 20,000: without the correction the second waits 2 s for the debt,
// with it (10 tokens used) the next ones go at once.
TEST(FlowPool, TokensPerMinuteChargesTheEstimateAndCorrectsItFromUsage) {
  LoadServer server(LoadServerOptions{});
  const std::string url = server.base_url() + "/chat/completions";
  HttpPoolOptions o;
  o.max_in_flight = 1;
  o.tokens_per_min = 600000;
  o.estimate_tokens = [](const std::string&) { return int64_t{20000}; };
  {
    HttpPool pool(o);
    const auto start = Clock::now();
    for (const auto& r : post_all(pool, url, 2)) ASSERT_EQ(r.status, 200);
    EXPECT_GE(since(start), 1.8);
  }
  o.used_tokens = [](const std::string& body) { return openai_used_tokens(body) ? 10 : 0; };
  HttpPool pool(o);
  const auto start = Clock::now();
  for (const auto& r : post_all(pool, url, 4)) ASSERT_EQ(r.status, 200);
  EXPECT_LT(since(start), 1.0);
}

// AIMD against 429 injection: the window halves while 429s come, then grows back to the
// cap once they stop; every request ends answered.
TEST(FlowPool, ConcurrencyHalvesOn429AndRecovers) {
  LoadServerOptions so;
  so.latency_ms = 5;
  so.faults = {Fault::k429};
  so.max_faults_per_body = 3;
  so.retry_after_s = 0;
  LoadServer server(so);
  HttpPoolOptions o;
  o.max_in_flight = 32;
  o.retry = {8, 0.001, 0.01};
  HttpPool pool(o);
  std::atomic<int> window_during_faults{32};
  auto results = post_all(pool, server.base_url() + "/chat/completions", 1500,
                          [&](const HttpResult&, int done) {
                            if (done == 200) server.set_fault_rate(0.3);
                            if (done == 500) {
                              window_during_faults = pool.stats().window;
                              server.set_fault_rate(0);
                            }
                          });
  for (const auto& r : results) ASSERT_EQ(r.status, 200) << r.transport_error;
  const auto s = pool.stats();
  EXPECT_GT(s.overloaded, 0);
  EXPECT_GE(s.decreases, 1);
  EXPECT_LE(s.min_window, 16);
  EXPECT_LT(window_during_faults.load(), 32);
  EXPECT_EQ(s.window, 32);  // recovered
  std::printf("[ measured ] AIMD: %lld 429s, %d halvings, window min %d, %d at the end\n",
              static_cast<long long>(s.overloaded), s.decreases, s.min_window, s.window);
}

TEST(FlowPool, FixedConcurrencyNeverShrinks) {
  LoadServer server(test::failing_first(Fault::k429, 1));
  HttpPoolOptions o;
  o.max_in_flight = 8;
  o.adaptive = false;
  o.retry = {4, 0.001, 0.01};
  HttpPool pool(o);
  for (const auto& r : post_all(pool, server.base_url() + "/chat/completions", 50)) {
    ASSERT_EQ(r.status, 200);
  }
  EXPECT_EQ(pool.stats().overloaded, 50);
  EXPECT_EQ(pool.stats().min_window, 8);
}

// --request-timeout: a request's budget covers all its attempts and waits.
TEST(FlowPool, RequestBudgetEndsASlowRequest) {
  LoadServerOptions so;
  so.latency_ms = 3000;
  LoadServer server(so);
  HttpPoolOptions o;
  o.request_budget_s = 0.5;
  HttpPool pool(o);
  const auto start = Clock::now();
  auto results = post_all(pool, server.base_url() + "/chat/completions", 2);
  EXPECT_LT(since(start), 2.0);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.transport_error.find("request budget of 0.5 s spent"), std::string::npos)
        << r.transport_error;
    EXPECT_EQ(r.attempts, 1);
  }
}

TEST(FlowPool, RequestBudgetBoundsRetries) {
  LoadServer server(test::failing_first(Fault::k500, 1000));
  HttpPoolOptions o;
  o.request_budget_s = 1.0;
  o.retry = {50, 0.1, 0.2};
  HttpPool pool(o);
  const auto start = Clock::now();
  auto results = post_all(pool, server.base_url() + "/chat/completions", 1);
  EXPECT_LT(since(start), 1.5);
  EXPECT_EQ(results[0].status, 500);  // the last answer, not retried past the budget
  EXPECT_GE(results[0].attempts, 3);
  EXPECT_LT(results[0].attempts, 50);
}

// --time-budget: the run stops when it is spent, keeps what was answered, exits 4, and the
// same command without the budget finishes it with every sample stored once.
TEST_F(FlowCli, TimeBudgetStopsTheRunResumably) {
  LoadServerOptions so;
  so.latency_ms = 300;
  LoadServer server(so);
  const std::vector<std::string> run = {"run",        "--model",         "openai:m",
                                        "--base-url", server.base_url(), "--limit",
                                        "30",         "--concurrency",   "2"};
  auto with_budget = run;
  for (const char* a : {"--time-budget", "1.2"}) with_budget.push_back(a);
  const auto start = Clock::now();
  auto first = yardstick(with_budget);
  EXPECT_LT(since(start), 6.0);
  EXPECT_EQ(first.exit_code, 4) << first.err;
  EXPECT_NE(first.err.find("time budget of 1.2 s spent"), std::string::npos) << first.err;
  auto [answered, unscored] = stored(db(), 1);
  EXPECT_GE(answered, 2u);
  EXPECT_LT(answered, 30u);
  EXPECT_EQ(unscored, 0u);  // cancelled requests are not stored as errors
  EXPECT_EQ(StoreReader(db()).runs().at(0).status, "incomplete");
  auto second = yardstick(run);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("(resumed)"), std::string::npos) << second.err;
  EXPECT_EQ(stored(db(), 1), std::make_pair(size_t{30}, size_t{0}));
}

// Endpoint pools: least-outstanding spreading is about even while all replicas are up.
TEST(FlowPool, SpreadsEvenlyOverReplicas) {
  LoadServerOptions so;
  so.latency_ms = 10;
  std::vector<std::unique_ptr<LoadServer>> servers;
  HttpPoolOptions o;
  o.max_in_flight = 12;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<LoadServer>(so));
    o.endpoints.push_back(servers.back()->base_url());
  }
  HttpPool pool(o);
  for (const auto& r : post_all(pool, o.endpoints[0] + "/chat/completions", 600)) {
    ASSERT_EQ(r.status, 200);
  }
  const auto s = pool.stats();
  ASSERT_EQ(s.endpoints.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(servers[i]->stats().answered, s.endpoints[i].sent);
    EXPECT_GE(s.endpoints[i].sent, 160) << i;
    EXPECT_LE(s.endpoints[i].sent, 240) << i;
  }
}

// One of three replicas stopped mid-run: it is taken out, the others answer everything.
TEST(FlowPool, AReplicaStoppedMidRunIsTakenOutAndEveryRequestAnswered) {
  LoadServerOptions so;
  so.latency_ms = 10;
  std::vector<std::unique_ptr<LoadServer>> servers;
  HttpPoolOptions o;
  o.max_in_flight = 12;
  o.retry = {8, 0.01, 0.05};
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<LoadServer>(so));
    o.endpoints.push_back(servers.back()->base_url());
  }
  HttpPool pool(o);
  std::mutex m;
  std::condition_variable cv;
  bool stop_now = false;
  std::thread stopper([&] {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return stop_now; });
    servers[1].reset();  // in-flight requests on it are reset, later ones refused
  });
  auto results =
      post_all(pool, o.endpoints[0] + "/chat/completions", 900, [&](const HttpResult&, int done) {
        if (done == 200) {
          std::lock_guard lock(m);
          stop_now = true;
          cv.notify_all();
        }
      });
  stopper.join();
  for (const auto& r : results) ASSERT_EQ(r.status, 200) << r.transport_error;
  const auto s = pool.stats();
  EXPECT_GE(s.endpoints[1].taken_out, 1);
  EXPECT_TRUE(s.endpoints[1].out);
  EXPECT_EQ(servers[0]->stats().answered + servers[2]->stats().answered + s.endpoints[1].answered,
            900);
}

// The breaker trips only once every endpoint is out, and then names them all.
TEST(FlowPool, BreakerTripsWhenEveryEndpointIsOut) {
  HttpPoolOptions o;
  o.endpoints = {"http://127.0.0.1:9/v1", "http://127.0.0.1:1/v1"};
  HttpPool pool(o);
  const auto start = Clock::now();
  auto results = post_all(pool, "http://127.0.0.1:9/v1/chat/completions", 3);
  EXPECT_LT(since(start), 10.0);
  for (const auto& r : results) {
    EXPECT_TRUE(r.circuit_open);
    EXPECT_NE(r.transport_error.find("any endpoint (http://127.0.0.1:9/v1/chat/completions, "
                                     "http://127.0.0.1:1/v1/chat/completions)"),
              std::string::npos)
        << r.transport_error;
  }
}

// Replicas from the CLI: --base-url three times, one replica stopped mid-run; the run
// completes with every sample scored once.
TEST_F(FlowCli, RunCompletesWhenOneOfThreeReplicasStops) {
  LoadServerOptions so;
  so.latency_ms = 40;
  std::vector<std::unique_ptr<LoadServer>> servers;
  std::vector<std::string> args = {"run", "--model",       "openai:m", "--limit",
                                   "240", "--concurrency", "12"};
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<LoadServer>(so));
    args.push_back("--base-url");
    args.push_back(servers.back()->base_url());
  }
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    const auto start = Clock::now();
    while (servers[1]->stats().answered < 20 && since(start) < 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    servers[1].reset();
    stopped = true;
  });
  auto r = yardstick(args);
  stopper.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(stopped.load());
  EXPECT_NE(r.err.find("flow control: endpoints: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(servers[0]->base_url() + " "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(taken out "), std::string::npos) << r.err;
  EXPECT_GT(servers[0]->stats().answered, 20);
  EXPECT_GT(servers[2]->stats().answered, 20);
  EXPECT_EQ(stored(db(), 1), std::make_pair(size_t{240}, size_t{0}));
}

}  // namespace
}  // namespace ys
