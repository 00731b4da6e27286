// One evaluation: a model over tasks, streamed through cache, runner, scoring and store.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/store.h"
#include "runners/runner.h"
#include "tasks/task.h"

namespace ys {

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
  sandbox::Judge* judge = nullptr;          // needed by tasks that run code
  int scoring_threads = 2;                  // code-running workers (one sandbox slot each)
};

struct EvalOutcome {
  int64_t run_id = 0;
  bool resumed = false;
  size_t planned = 0;       // (sample, repeat) pairs in the run
  size_t already_done = 0;  // answered by an earlier, interrupted invocation
  size_t cache_hits = 0;
  size_t sent = 0;  // requests handed to the runner
  size_t errors = 0;
  std::string status;   // completed, interrupted, failed
  std::string failure;  // why a failed run stopped
  double wall_s = 0;
  std::vector<TaskResult> results;  // from the store, with this invocation's wall times
};

// The fingerprint of a run: equal for the same model, tasks (and their spec files), limit,
// repeats and seed. A rerun of the same command resumes the unfinished run with it.
std::string run_fingerprint(const Runner& runner, const std::vector<Task>& tasks,
                            const EvalOptions& options);

// Runs (or resumes) the evaluation and returns when every sample is answered, a fatal
// runner error occurs, or *options.stop is set. Samples are written as they finish.
EvalOutcome run_evaluation(Runner& runner, const std::vector<Task>& tasks, Store& store,
                           const EvalOptions& options);

}  // namespace ys
