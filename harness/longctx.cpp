#include "harness/longctx.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>

#include "harness/cli_checks.h"
#include "harness/evaluation.h"
#include "harness/store/effective_context.h"
#include "reports/longctx.h"
#include "runners/engine/batch/local_runner.h"
#include "runners/mock.h"
#include "tasks/longctx.h"
#include "tasks/spec.h"
#include "tasks/task.h"
#include "tasks/token_estimate.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys {

void add_long_context_options(CLI::App* run, LongContextOptions& o) {
  run->add_option("--context-lengths", o.context_lengths,
                  "Long-context tasks: lengths to generate, e.g. 4096,8k,1M (k=1024)");
  run->add_option("--depths", o.depths, "The niah grid's needle depths in percent, e.g. 0,50,100");
  run->add_option("--max-context", o.max_context,
                  "The model's context window in tokens when the runner cannot tell (openai:, "
                  "mock:); a longer long-context task is refused before any request")
      ->check(kNonNegative);
  run->add_option("--token-estimator", o.estimator,
                  "Tokenizer family for counting long-context prompts of models without a local "
                  "tokenizer: bpe (GPT-style) or spm (Llama-2-style)")
      ->check(CLI::IsMember({"bpe", "spm"}))
      ->capture_default_str();
  run->add_option("--effective-threshold", o.threshold,
                  "Effective context length: the suite average (percent) must stay above this")
      ->capture_default_str();
}

void apply_long_context_options(TaskSpec& s, const LongContextOptions& o) {
  if (o.context_lengths.empty() && o.depths.empty()) return;
  if (!s.generator || s.generator->name != kLongContextGenerator) return;
  nlohmann::json lengths, depths;
  if (!o.context_lengths.empty()) lengths = parse_context_lengths(o.context_lengths);
  if (!o.depths.empty()) {
    depths = nlohmann::json::array();
    for (const auto& part : split(o.depths, ',')) {
      char* end = nullptr;
      const std::string t(trim(part));
      long d = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end != '\0' || d < 0 || d > 100)
        throw InputError("--depths: '" + t + "' is not a depth 0..100");
      depths.push_back(d);
    }
  }
  if (!lengths.is_null()) s.generator->options["context_lengths"] = lengths;
  if (!depths.is_null() && s.generator->options.value("task", "") == "niah")
    s.generator->options["depths"] = depths;
  s.content_hash = hash_hex(s.content_hash + "|longctx=" + lengths.dump() + depths.dump());
}

TokenCounting token_counting_for(const Runner& runner, const LongContextOptions& o) {
  TokenCounting c;
  c.max_context = o.max_context;
  if (const auto* local = dynamic_cast<const engine::LocalRunner*>(&runner)) {
    c.count = [local](const Request& r) {
      return static_cast<int64_t>(local->prompt_tokens(r).size());
    };
    c.name = runner.identity();
    if (c.max_context == 0) c.max_context = runner.config().value("n_ctx", int64_t{0});
    return c;
  }
  if (dynamic_cast<const MockRunner*>(&runner)) {
    // The mock models report (bytes + 3) / 4 prompt tokens: count exactly that.
    c.count = [](const Request& r) {
      size_t bytes = 0;
      for (const auto& m : r.messages) bytes += text_of(m).size();
      return static_cast<int64_t>((bytes + 3) / 4);
    };
    c.name = "chars4";
    return c;
  }
  TokenCounting e = estimator_counting(parse_token_family(o.estimator));
  e.max_context = o.max_context;
  return e;
}

TokenCounting estimator_counting(TokenFamily family) {
  TokenCounting c;
  // Chat APIs add a few tokens of markup per message: 4 is an upper estimate.
  c.count = [family](const Request& r) {
    int64_t n = 0;
    for (const auto& m : r.messages) n += estimate_tokens(text_of(m), family) + 4;
    return n;
  };
  c.name = std::string("estimate:") + token_family_name(family);
  c.margin = estimator_bound(family);
  c.family = family;
  return c;
}

nlohmann::json size_for_model(const Task& task, size_t index, const Request& request,
                              const TokenCounting& counting) {
  const nlohmann::json& description = task.generated_prompt(index);
  TokenBudget budget;
  budget.context_length = description.value("context_length", int64_t{0});
  budget.max_tokens = request.sampling.max_tokens;
  budget.margin = counting.margin;
  budget.counter = counting.name;
  const double scale = counting.family
                           ? estimator_calibration(*counting.family, description.value("task", ""))
                           : 1.0;
  Request probe = request;
  return size_prompt(
      description,
      [&](const std::string& user) {
        probe.messages.back().content = user;
        const int64_t n = counting.count(probe);
        probe.messages.back().content.clear();
        return static_cast<int64_t>(std::llround(static_cast<double>(n) * scale));
      },
      budget);
}

void check_context_lengths(const std::vector<EvalTask>& tasks, const TokenCounting& counting,
                           const std::string& model) {
  if (counting.max_context <= 0) return;
  for (const EvalTask& t : tasks) {
    if (!t.task.long_context()) continue;
    for (size_t i = 0; i < t.task.samples().size(); ++i) {
      const int64_t length = t.task.generated_prompt(i).value("context_length", int64_t{0});
      if (length > counting.max_context) {
        throw ContextLengthError(
            "task " + t.task.name() + ", sample " + t.task.samples()[i].id + ": a context of " +
            std::to_string(length) + " tokens is longer than the " +
            std::to_string(counting.max_context) + " tokens of model " + model +
            " (choose lengths with --context-lengths, or raise --ctx / "
            "--max-context)");
      }
    }
  }
}

std::string record_effective_context(const std::filesystem::path& db, int64_t run_id,
                                     double threshold) {
  EffectiveContext e;
  {
    StoreReader reader(db);
    e = compute_effective_context(reader, run_id, threshold);
  }
  if (e.per_length.empty()) return "";
  write_effective_context(db, e);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", threshold);
  std::string line =
      "run " + std::to_string(run_id) + ": effective context length (suite average > " + buf +
      "): " + (e.effective_length ? std::to_string(*e.effective_length) : std::string("none"));
  line += "; per length:";
  for (const auto& [length, average] : e.per_length) {
    std::snprintf(buf, sizeof buf, " %lld=%.1f", static_cast<long long>(length), average);
    line += buf;
  }
  return line;
}

}  // namespace ys
