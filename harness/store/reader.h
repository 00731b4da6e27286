// The store's read side: runs, a run's samples and scores, and per-task figures
// aggregated by scoring/aggregate.h. What reports/ and the CLI's listings read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/store/records.h"

struct sqlite3;

namespace ys {

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

  // The stored samples of `run_id` (of `task` only, when given), ordered by task, sample
  // id and repeat, each with its completion and scores.
  std::vector<StoredSample> samples(int64_t run_id, const std::string& task = "");

  // Per (run, task): sample and error counts, tokens, and the figures of each metric in
  // the task's order, aggregated as the metric declares (mean ± standard error, or
  // pass@1/10/100 over repeats). All runs when `run_id` is empty; ordered by run, task.
  // Each metric also has its clustered standard error and a bootstrap interval drawn with
  // `bootstrap` (scoring/aggregate.h; replicates 0 turns the bootstrap off).
  std::vector<TaskResult> task_results(std::optional<int64_t> run_id = std::nullopt,
                                       const BootstrapOptions& bootstrap = {});

  // The tasks run `run_id` stored samples of, by name.
  std::vector<std::string> tasks(int64_t run_id);
  // The values of `metric` for `task` in run `run_id` (sample id, repeat, value) in the
  // order they were written, without reading requests or responses.
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
