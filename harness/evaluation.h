// One evaluation: a model over tasks, streamed through cache, runner, scoring and store.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/longctx.h"
#include "harness/shard.h"
#include "harness/store/run_usage.h"
#include "harness/store/store.h"
#include "runners/registry.h"
#include "runners/runner.h"
#include "scoring/scorer.h"
#include "tasks/task.h"

namespace ys {

// A task and the scorers of its metrics, ready to evaluate.
struct EvalTask {
  Task task;
  ScorerSet scorers;
};

// Loads `spec`'s samples and builds the scorers of its metrics; a code metric starts the
// sandbox of `resources` on first need. Throws InputError (data, options, a sandbox that
// cannot start).
EvalTask load_eval_task(const TaskSpec& spec, const DataLocation& where,
                        ScoringResources& resources);

struct EvalOptions {
  std::string model_spec;  // as the user wrote it, stored with the run
  int limit = -1;          // first N samples of each task in dataset order; -1: all
  int repeats = 1;
  std::optional<uint64_t> seed;             // sent as the sampling seed (plus the repeat index)
  int concurrency = 8;                      // requests in flight
  bool use_cache = true;                    // reuse stored responses to identical requests
  std::string command;                      // the command line, stored with the run
  bool interactive = false;                 // progress on a terminal
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler to stop early
  int scoring_threads = 2;                  // code-running workers (one sandbox slot each)
  LongContextOptions long_context;          // token counting of generated long prompts
  std::optional<ModelPrice> price;          // the model's prices (registry), for the cost
  // Wall-clock seconds this invocation may send requests (--time-budget); 0: no limit.
  // When spent, nothing more is sent, requests in flight are cancelled where the runner
  // can drop them (Runner::cancel; else they are waited for), every answer received is
  // scored and stored, and the run ends 'incomplete'.
  double time_budget_s = 0;
  std::optional<Shard> shard;  // only the samples of this shard (harness/shard.h)
};

// What the answers of one invocation used (docs/RUNNERS.md, "Usage and cost").
struct RunUsage {
  Usage tokens;          // summed over the answers received (cache hits not counted)
  double cost_usd = -1;  // at EvalOptions::price; -1 when no price is known
  size_t answers = 0;    // answers the latencies are of
  double latency_p50_s = 0, latency_p90_s = 0, latency_p99_s = 0;  // nearest rank
  size_t streamed = 0;                    // answers with a time to first token
  double ttft_p50_s = 0, ttft_p90_s = 0;  // nearest rank over those answers
};

struct EvalOutcome {
  int64_t run_id = 0;
  bool resumed = false;
  size_t planned = 0;       // (sample, repeat) pairs in the run
  size_t already_done = 0;  // answered by an earlier, interrupted invocation
  size_t cache_hits = 0;
  size_t sent = 0;      // requests handed to the runner
  size_t errors = 0;    // samples stored with an error (refusals included)
  size_t unscored = 0;  // ... of which not scored (all but refusals): resent on resume
  std::map<std::string, size_t> error_kinds;  // errors by kind (error_kind_name)
  std::string first_error;                    // the first error's message
  RunUsage usage;                             // this invocation's answers
  // The whole run's usage as stored when it ended (every invocation, resumed pieces and
  // cache hits included); empty when it could not be written.
  std::optional<StoredRunUsage> run_usage;
  size_t inline_reasoning = 0;    // answers whose <think> block was split off before scoring
  size_t unclosed_reasoning = 0;  // ... of which the block never closed (no answer left)
  bool budget_spent = false;      // the time budget ran out before every sample was answered
  std::string status;             // completed, incomplete, interrupted, failed
  std::string failure;            // why a failed run stopped
  double wall_s = 0;
  // From the store (StoreReader::task_results, bootstrap intervals included), with this
  // invocation's wall times.
  std::vector<TaskResult> results;
};

// What a run's fingerprint is made of, as JSON: "runner" (the runner's identity: model,
// URL, parameter mapping), "limit", "repeats", "seed" and "tasks" ([{name, spec, data}]:
// the spec's content hash, with its sampling and overrides, and the data's hash). The
// shard is not part of it: shards of one run have equal parts (what merge compares).
nlohmann::json run_fingerprint_parts(const Runner& runner, const std::vector<EvalTask>& tasks,
                                     const EvalOptions& options);

// The fingerprint of a run: a hash of `parts` (run_fingerprint_parts), and of the shard
// when there is one. Equal for the same model, tasks (and their spec files), limit,
// repeats, seed and shard; a rerun of the same command resumes the unfinished run with it.
std::string run_fingerprint(const nlohmann::json& parts, const std::optional<Shard>& shard);
std::string run_fingerprint(const Runner& runner, const std::vector<EvalTask>& tasks,
                            const EvalOptions& options);

// The metrics of `t` as the store aggregates them: its scorers', with mean metrics
// aggregated per file too when its dataset groups samples by file, or else, for a
// generative task run with repeats > 1, with pass@1 and maj@K over the repeats for metrics
// whose extracted answers can be voted on (MetricInfo::votes).
std::vector<MetricInfo> declared_metrics(const EvalTask& t, int repeats);

// Runs (or resumes) the evaluation and returns when every sample is answered, a fatal
// runner error occurs, the store fails, or *options.stop is set. Samples are written as
// they finish; the run's status is always set before returning: completed, incomplete
// (some samples stored unscored with errors, or the time budget spent before all were
// answered), interrupted or failed; all but completed resume.
EvalOutcome run_evaluation(Runner& runner, const std::vector<EvalTask>& tasks, Store& store,
                           const EvalOptions& options);

}  // namespace ys
