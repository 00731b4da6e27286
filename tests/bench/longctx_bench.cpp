// Long-context measurements for docs/LONG_CONTEXT.md and docs/PERFORMANCE.md (not run by
// CTest). One case per process, so that peak memory is that case's:
//   ys_longctx_bench gen TASK LENGTH [estimator]  generation (and sizing) speed, peak RSS
//   ys_longctx_bench estimator VOCAB.gguf...      estimator error against real tokenizers
//   ys_longctx_bench calibrate VOCAB.gguf FAMILY  per-task calibration of an estimator
//   ys_longctx_bench engine MODEL.gguf LENGTH     the local engine's prompt tokens/s
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "runners/engine/batch/local_runner.h"
#include "runners/engine/format/gguf.h"
#include "runners/engine/format/tokenizer.h"
#include "tasks/longctx.h"
#include "tasks/token_estimate.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: KiB
}

nlohmann::json describe(const std::string& task, int64_t length, int64_t index, int depth = -1) {
  return {{"generator", "longctx"},
          {"version", ys::kLongContextVersion},
          {"task", task},
          {"seed", 7},
          {"index", index},
          {"context_length", length},
          {"depth", depth >= 0 ? nlohmann::json(depth) : nlohmann::json()}};
}

// Generation: size a sample with the estimator (several generations) and materialize it.
int gen(const std::string& task, int64_t length, const std::string& estimator) {
  const ys::TokenFamily family = ys::parse_token_family(estimator);
  ys::TokenBudget budget{length, 128, 0, std::string("estimate:") + estimator};
  auto t0 = Clock::now();
  nlohmann::json sized = ys::size_prompt(
      describe(task, length, 0, task == "niah" ? 50 : -1),
      [&](const std::string& text) { return ys::estimate_tokens(text, family); }, budget);
  const double size_s = seconds_since(t0);
  t0 = Clock::now();
  ys::GeneratedPrompt g = ys::materialize_prompt(sized);
  const double gen_s = seconds_since(t0);
  const double tokens = sized["prompt_tokens"].get<double>();
  std::printf(
      "%s length=%lld: prompt %.0f tokens (%s), %zu bytes; materialize %.3f s = %.2f M tokens/s; "
      "sizing (find the size + hash) %.3f s; peak RSS %.1f MiB\n",
      task.c_str(), static_cast<long long>(length), tokens, estimator.c_str(), g.text.size(), gen_s,
      tokens / gen_s / 1e6, size_s, peak_rss_mib());
  return 0;
}

// Prompts of every task at 4K, 8K, 16K and 32K (indexes 0-2), sized by the chars4 rule
// so that the text is the same whatever tokenizer is measured.
std::vector<std::pair<std::string, std::string>> corpus() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& task : ys::long_context_tasks()) {
    for (int64_t length : {4096, 8192, 16384, 32768}) {
      for (int64_t index = 0; index < 3; ++index) {
        nlohmann::json d = ys::size_prompt(
            describe(task, length, index, task == "niah" ? 50 : -1),
            [](const std::string& t) { return static_cast<int64_t>((t.size() + 3) / 4); },
            {length, 128, 0, "chars4"});
        out.emplace_back(task + "@" + std::to_string(length), ys::materialize_prompt(d).text);
      }
    }
  }
  return out;
}

int estimator(const std::vector<std::string>& vocabs) {
  auto texts = corpus();
  std::printf(
      "| tokenizer | family | max error | mean error | worst task |\n|---|---|---|---|---|\n");
  for (const auto& path : vocabs) {
    ys::engine::GgufFile file(path);
    ys::engine::Tokenizer tok(file);
    for (auto family : {ys::TokenFamily::kSentencePiece, ys::TokenFamily::kBytePairs}) {
      double worst = 0, sum = 0;
      std::string worst_task;
      for (const auto& [name, text] : texts) {
        const double truth = static_cast<double>(tok.encode(text, false, false).size());
        const std::string task = name.substr(0, name.find('@'));
        const double est = static_cast<double>(ys::estimate_tokens(text, family)) *
                           ys::estimator_calibration(family, task);
        const double err = (est - truth) / truth;
        sum += std::fabs(err);
        if (std::fabs(err) > std::fabs(worst)) {
          worst = err;
          worst_task = name;
        }
      }
      std::printf("| %s | %s | %+.1f%% | %.1f%% | %s |\n",
                  std::filesystem::path(path).filename().c_str(), ys::token_family_name(family),
                  100 * worst, 100 * sum / static_cast<double>(texts.size()), worst_task.c_str());
    }
  }
  return 0;
}

// Per task: the mean ratio true/estimate on `path`'s tokenizer, as C++ table rows for
// estimator_calibration() in tasks/token_estimate.cpp.
int calibrate(const std::string& path, const std::string& family_name) {
  const ys::TokenFamily family = ys::parse_token_family(family_name);
  auto texts = corpus();
  ys::engine::GgufFile file(path);
  ys::engine::Tokenizer tok(file);
  std::string task;
  double sum = 0;
  int n = 0;
  auto flush = [&] {
    if (n) std::printf("      {\"%s\", %.4f},\n", task.c_str(), sum / n);
    sum = 0;
    n = 0;
  };
  for (const auto& [name, text] : texts) {
    std::string t = name.substr(0, name.find('@'));
    if (t != task) flush();
    task = t;
    sum += static_cast<double>(tok.encode(text, false, false).size()) /
           static_cast<double>(ys::estimate_tokens(text, family));
    ++n;
  }
  flush();
  return 0;
}

int engine(const std::string& path, int64_t length) {
  ys::engine::LocalRunnerOptions o;
  o.path = path;
  o.n_ctx = static_cast<int>(length);
  o.batch = 1;
  ys::engine::LocalRunner runner(o);
  ys::Request r;
  r.messages.push_back({"user", ""});
  r.sampling.max_tokens = 1;
  nlohmann::json sized =
      ys::size_prompt(describe("niah_single_2", length, 0),
                      [&](const std::string& text) {
                        r.messages.back().content = text;
                        return static_cast<int64_t>(runner.prompt_tokens(r).size());
                      },
                      {length, 1, 0, runner.identity()});
  r.messages.back().content = ys::materialize_prompt(sized).text;
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  const double cpu0 = cpu();
  auto t0 = Clock::now();
  ys::Completion c = runner.answer(r);
  const double s = seconds_since(t0), cpu_s = cpu() - cpu0;
  if (!c.ok()) {
    std::fprintf(stderr, "error: %s\n", c.error_message.c_str());
    return 1;
  }
  // CPU time too: on a shared machine the wall time measures the other processes.
  std::printf(
      "%s n_ctx=%lld: %lld prompt tokens in %.2f s wall = %.0f tokens/s; %.2f s CPU = %.0f "
      "tokens/CPU-s (1 thread, 1 generated)\n",
      std::filesystem::path(path).filename().c_str(), static_cast<long long>(length),
      static_cast<long long>(c.usage.prompt_tokens), s,
      static_cast<double>(c.usage.prompt_tokens) / s, cpu_s,
      static_cast<double>(c.usage.prompt_tokens) / cpu_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 3 && args[0] == "gen")
      return gen(args[1], std::stoll(args[2]), args.size() > 3 ? args[3] : "bpe");
    if (args.size() >= 2 && args[0] == "estimator")
      return estimator(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args.size() == 3 && args[0] == "calibrate") return calibrate(args[1], args[2]);
    if (args.size() == 3 && args[0] == "engine") return engine(args[1], std::stoll(args[2]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: ys_longctx_bench gen TASK LENGTH [bpe|spm] | estimator VOCAB.gguf... | "
               "calibrate VOCAB.gguf bpe|spm | engine MODEL.gguf LENGTH\n");
  return 2;
}
