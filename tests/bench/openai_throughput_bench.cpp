// Throughput of the OpenAI-compatible runner against an in-process server on loopback:
// requests per second for a given concurrency and server latency.
//   build/tests/ys_bench --benchmark_filter=OpenAI
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <mutex>

#include "runners/openai.h"
#include "tests/support/fake_openai_server.h"

namespace ys {
namespace {

void BM_OpenAIRunnerThroughput(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int latency_ms = static_cast<int>(state.range(1));
  const int requests = static_cast<int>(state.range(2));
  test::FakeOpenAIServer::Options so;
  so.answer = [](const nlohmann::json&) { return std::string("#### 42"); };
  so.latency_ms = latency_ms;
  so.threads = concurrency + 8;
  test::FakeOpenAIServer server(so);
  OpenAIOptions o;
  o.model = "bench";
  o.base_url = server.base_url();
  o.http.max_in_flight = concurrency;
  OpenAIRunner runner(o);
  Request r;
  r.messages = {{"user", std::string(2000, 'x')}};  // a few-shot-sized prompt

  for (auto _ : state) {
    std::mutex m;
    std::condition_variable cv;
    int done = 0, failed = 0;
    for (int i = 0; i < requests; ++i) {
      r.repeat = i;  // distinct bodies
      runner.submit(r, [&](Completion c) {
        std::lock_guard lock(m);
        failed += !c.ok();
        if (++done == requests) cv.notify_one();
      });
    }
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done == requests; });
    if (failed) state.SkipWithError("requests failed");
  }
  state.counters["connections"] = server.connections();
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(requests) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

BENCHMARK(BM_OpenAIRunnerThroughput)
    ->ArgNames({"concurrency", "latency_ms", "requests"})
    ->Args({1, 20, 100})
    ->Args({16, 20, 1000})
    ->Args({64, 20, 2000})
    ->Args({16, 0, 2000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ys
