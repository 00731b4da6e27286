// The harness side of the generated long-context tasks (docs/LONG_CONTEXT.md): how a
// model's prompt tokens are counted, the context check made before any request, and the
// effective context length printed and stored after a run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runners/request.h"
#include "runners/runner.h"
#include "tasks/token_estimate.h"

namespace CLI {
class App;
}

namespace ys {

struct EvalTask;
struct TaskSpec;
class Task;

// The run options of long-context tasks (`yardstick run`).
struct LongContextOptions {
  std::string context_lengths;    // "4096,8k,1M": overrides the specs' lengths; empty: keep
  std::string depths;             // "0,50,100": overrides the niah grid's depths; empty: keep
  int64_t max_context = 0;        // the model's window when the runner cannot tell; 0: unknown
  std::string estimator = "bpe";  // tokenizer family for models without a local tokenizer
  double threshold = 85.6;        // effective length: suite average above this (RULER)
};

// Adds --context-lengths, --depths, --max-context, --token-estimator and
// --effective-threshold to `run`.
void add_long_context_options(CLI::App* run, LongContextOptions& options);

// Applies --context-lengths and --depths to `spec` when it is a long-context task (its
// content hash changes with them). Throws InputError for a bad list.
void apply_long_context_options(TaskSpec& spec, const LongContextOptions& options);

// How a runner's prompts are counted: exactly with the local engine's tokenizer (chat
// template and BOS included), exactly by the mock models' rule, or by the estimator of
// options.estimator with its error bound as margin.
struct TokenCounting {
  std::function<int64_t(const Request&)> count;
  std::string name;         // stored in each description as "counter"
  double margin = 0;        // fraction kept free for the estimator's error
  int64_t max_context = 0;  // the model's window: the local engine's --ctx, or --max-context
  // Set for an estimator: counts are scaled by estimator_calibration(family, task).
  std::optional<TokenFamily> family;
};
TokenCounting token_counting_for(const Runner& runner, const LongContextOptions& options);

// The estimator counting of `family` (what token_counting_for gives API models).
TokenCounting estimator_counting(TokenFamily family);

// Sample `index` of long-context `task` fitted to the budget of `counting`: the context
// length less request.sampling.max_tokens, counted over the whole request (system prompt
// included) with the user message generated. Throws ContextLengthError when it cannot fit.
nlohmann::json size_for_model(const Task& task, size_t index, const Request& request,
                              const TokenCounting& counting);

// Throws ContextLengthError (tasks/longctx.h) naming the task, sample length and model when
// a long-context task asks for more tokens than counting.max_context (when known).
void check_context_lengths(const std::vector<EvalTask>& tasks, const TokenCounting& counting,
                           const std::string& model);

// After a run with long-context tasks: computes the effective context length from the
// store (reports/longctx.h), stores it and returns the summary line ("" when the run had
// no long-context samples).
std::string record_effective_context(const std::filesystem::path& db, int64_t run_id,
                                     double threshold);

}  // namespace ys
