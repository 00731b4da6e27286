// The code sandbox on HumanEval's canonical solutions, every protection on: the fast path
// (warm forked interpreters) against a fresh interpreter per program, side by side.
//   build/tests/ys_bench --benchmark_filter=HumanEval
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "datasets/reader.h"
#include "scoring/sandbox/judge.h"

namespace ys::sandbox {
namespace {

const std::vector<std::string>& programs() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (const auto& r : read_records(YS_SHARED_DIR "/datasets/humaneval/HumanEval.jsonl.gz", {})) {
      out.push_back(r["prompt"].get<std::string>() + r["canonical_solution"].get<std::string>() +
                    "\n" + r["test"].get<std::string>() + "\ncheck(" +
                    r["entry_point"].get<std::string>() + ")\n");
    }
    return out;
  }();
  return all;
}

// Judges `copies` copies of the 164 programs on `workers` slots; every one must pass.
void judge_humaneval(benchmark::State& state, bool fast, int copies) {
  static Sandbox sandbox;
  JudgeOptions o;
  o.fast_python = fast;
  Judge judge(sandbox, o);
  // Workers: $YS_BENCH_WORKERS, else one per core.
  const char* env = std::getenv("YS_BENCH_WORKERS");
  const int workers = env ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
  const auto& progs = programs();
  const size_t total = progs.size() * static_cast<size_t>(copies);
  for (int w = 0; w < workers; ++w) judge.python_script(progs[0], w);  // zygotes start untimed
  for (auto _ : state) {
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::string first_failure;  // a failure in the timed run is an error, never retried
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (size_t i; (i = next++) < total;) {
          Judgement j = judge.python_script(progs[i % progs.size()], w);
          if (j.verdict == Verdict::kPassed) continue;
          std::lock_guard lock(mutex);
          if (first_failure.empty()) {
            first_failure = "canonical solution " + std::to_string(i % progs.size()) + ": " +
                            verdict_name(j.verdict) + " " + j.detail;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    if (!first_failure.empty()) {
      state.SkipWithError(first_failure.c_str());
      break;
    }
  }
  state.counters["programs"] = static_cast<double>(total);
  state.counters["programs/s"] =
      benchmark::Counter(static_cast<double>(total) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_HumanEvalCanonical_FastPath(benchmark::State& s) {
  judge_humaneval(s, true, 1);
}
void BM_HumanEvalCanonical_ForkExec(benchmark::State& s) {
  judge_humaneval(s, false, 1);
}
void BM_HumanEvalN20_FastPath(benchmark::State& s) {
  judge_humaneval(s, true, 20);
}
BENCHMARK(BM_HumanEvalCanonical_FastPath)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_HumanEvalCanonical_ForkExec)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_HumanEvalN20_FastPath)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace ys::sandbox
