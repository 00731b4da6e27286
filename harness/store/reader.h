// The store's read side: runs, a run's samples and scores, and per-task figures
// aggregated by scoring/aggregate.h. What reports/ and the CLI's listings read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/store/records.h"
#include "harness/store/run_usage.h"

struct sqlite3;

namespace ys {

// One stored sample as written, for reading every sample of a store in one pass without
// decoding it: views into the current row, valid only during the visit.
struct StoredRow {
  int64_t run_id = 0;
  std::string_view task, sample_id;
  int repeat = 0;
  std::string_view request_json;   // the canonical request (runners/request.h), JSON text
  std::string_view response_json;  // the completion (to_json in runners/completion.h)
  std::string_view reference;
  std::string_view extracted_json;  // {"metric": "answer" or null}; empty when unscored
  std::string_view scores_json;     // {"metric": value}; empty when unscored
  std::string_view error_kind;      // empty when answered
  int64_t prompt_tokens = 0, completion_tokens = 0;
  double latency_s = 0;
};

class StoreReader {
 public:
  // Opens the store at `path`, migrating an older schema first. Throws StoreError when
  // there is no such file, it is not a yardstick store, or a newer yardstick wrote it.
  explicit StoreReader(const std::filesystem::path& path);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  // Every run, oldest first.
  std::vector<RunRecord> runs();
  // Run `run_id`, if there is one.
  std::optional<RunRecord> run(int64_t run_id);
  // What run `run_id`'s answers used, as recorded when it last ended (run_usage.h); empty
  // for a run that never ended or was stored before usage was recorded.
  std::optional<StoredRunUsage> run_usage(int64_t run_id);

  // The stored samples of `run_id` (of `task` only, when given), ordered by task, sample
  // id and repeat, each with its completion and scores.
  std::vector<StoredSample> samples(int64_t run_id, const std::string& task = "");

  // Calls `visit` for every stored sample of every run, ordered by run, task, sample id
  // and repeat, streaming (one row in memory at a time). Throws StoreError when reading
  // fails, and whatever `visit` throws.
  void each_row(const std::function<void(const StoredRow&)>& visit);

  // Per (run, task): sample and error counts, tokens, and the figures of each metric in
  // the task's order, aggregated as the metric declares (mean ± standard error, or
  // pass@1/10/100 over repeats). All runs when `run_id` is empty; ordered by run, task.
  // Each metric also has its clustered standard error and a bootstrap interval drawn with
  // `bootstrap` (scoring/aggregate.h; replicates 0 turns the bootstrap off).
  std::vector<TaskResult> task_results(std::optional<int64_t> run_id = std::nullopt,
                                       const BootstrapOptions& bootstrap = {});

  // The tasks run `run_id` stored samples of, by name.
  std::vector<std::string> tasks(int64_t run_id);
  // The values of `metric` for `task` in run `run_id` (sample id, repeat, value and the
  // answer extracted for that metric, if any) in the order they were written, without
  // reading requests or responses.
  std::vector<ScoredValue> metric_values(int64_t run_id, const std::string& task,
                                         const std::string& metric);
  // How many stored samples of `task` in run `run_id` have no scores (transport errors).
  size_t unscored_samples(int64_t run_id, const std::string& task);

  // The metrics `task` declared in run `run_id`, in the task's order (empty when none).
  std::vector<MetricInfo> metrics(int64_t run_id, const std::string& task);

  // Tags (`yardstick tag`): the run tagged `name`, if any, and every (name, run id).
  std::optional<int64_t> tagged_run(const std::string& name);
  std::vector<std::pair<std::string, int64_t>> tags();

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace ys
