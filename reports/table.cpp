#include "reports/table.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "reports/interval.h"
#include "util/strings.h"

namespace ys {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

std::string shard_text(const RunRecord& run) {
  if (!run.shard.empty()) return run.shard;
  if (run.merged_from.is_array() && !run.merged_from.empty())
    return "merged (" + std::to_string(run.merged_from.size()) + " pieces)";
  return "-";
}

std::string render_columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (row.size() > width.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string render_results_table(const std::vector<TaskResult>& results) {
  std::vector<std::vector<std::string>> rows = {{"model", "task", "metric", "value",
                                                 "± clustered se", "95% CI", "n", "answers",
                                                 "errors", "tokens", "wall"}};
  for (const auto& r : results) {
    std::string tokens = std::to_string(r.prompt_tokens + r.completion_tokens);
    std::string wall = r.wall_s >= 0 ? format_duration(r.wall_s) : "-";
    if (r.metrics.empty()) {
      rows.push_back({r.model, r.task, "-", "-", "-", "-", "-", std::to_string(r.samples),
                      std::to_string(r.errors), tokens, wall});
    }
    for (const auto& m : r.metrics) {
      const ScoreInterval ci = score_interval(m);
      rows.push_back({r.model, r.task, m.metric, fixed(m.mean, 4), fixed(m.clustered_stderr, 4),
                      "[" + fixed(ci.low, 4) + ", " + fixed(ci.high, 4) + "]", std::to_string(m.n),
                      std::to_string(r.samples), std::to_string(r.errors), tokens, wall});
    }
  }
  return render_columns(rows);
}

std::string render_runs_table(StoreReader& store) {
  std::map<int64_t, size_t> samples;
  for (const auto& r : store.task_results()) samples[r.run_id] += r.samples;
  std::vector<std::vector<std::string>> rows = {{"run", "model", "tasks", "samples", "status",
                                                 "shard", "started", "finished", "tokens in/out",
                                                 "cost", "latency p50", "ttft p50"}};
  for (const auto& r : store.runs()) {
    std::string tasks;
    for (const auto& t : r.tasks) tasks += (tasks.empty() ? "" : ",") + t;
    std::vector<std::string> row = {
        std::to_string(r.id), r.model,      tasks,        std::to_string(samples[r.id]), r.status,
        shard_text(r),        r.started_at, r.finished_at};
    // What the run's answers used (recorded when it ended); "-" where unknown.
    const std::optional<StoredRunUsage> u = store.run_usage(r.id);
    row.push_back(u ? std::to_string(u->input_tokens) + "/" + std::to_string(u->output_tokens)
                    : "-");
    row.push_back(u && u->cost_usd ? "$" + fixed(*u->cost_usd, 4) : "-");
    row.push_back(u && u->answers > 0 ? fixed(u->latency_p50_s, 3) + " s" : "-");
    row.push_back(u && u->ttft_p50_s ? fixed(*u->ttft_p50_s, 3) + " s" : "-");
    rows.push_back(std::move(row));
  }
  // The usage columns are the whole run's; a run's summary line also gives one
  // invocation's, so say which these are (docs/RUNNERS.md, "Usage and cost").
  return render_columns(rows) +
         "tokens, cost, latency and ttft: the whole run (every invocation that added to it, "
         "resumed and merged pieces and cache hits included)\n";
}

}  // namespace ys
