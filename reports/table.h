// Plain-text tables for the terminal.
#pragma once

#include <string>
#include <vector>

#include "harness/store/reader.h"

namespace ys {

// One line per (task, metric): value, its standard error with repeats of a question taken
// as one cluster (MetricResult::clustered_stderr), the 95% interval of score_interval()
// (reports/interval.h); n, the values the figure averages (MetricResult::n: scored answers
// for a mean, questions for NAME/pass@1, NAME/maj@K and pass@k, as docs/SCORING.md and the
// report's data say); the task's stored answers (errors included), errors, tokens, wall
// time.
std::string render_results_table(const std::vector<TaskResult>& results);

// One line per stored run: id, model, tasks, samples, status, shard (shard_text), start
// and end times, and the whole run's usage (run_usage: tokens, cost, latency and TTFT p50),
// then a line saying those are the whole run's.
std::string render_runs_table(StoreReader& store);

// A run's shard as the runs tables show it: "i/N" for one shard, "merged (K pieces)" for a
// run made by `yardstick merge`, "-" for a whole run.
std::string shard_text(const RunRecord& run);

// Aligns `rows` (the first is the header) into columns separated by two spaces.
std::string render_columns(const std::vector<std::vector<std::string>>& rows);

}  // namespace ys
