// The leaderboard: one self-contained HTML file (CSS, JavaScript, Chart.js and data
// inlined; no external resource). docs/REPORTS.md describes the page and its data.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "harness/store/reader.h"

namespace ys {

struct ReportInfo {
  std::string title = "yardstick report";
  std::string generated_at;  // ISO-8601
  std::string version;       // yardstick version and git describe
  // Suites (name, tasks) whose averages get a column when a model has all their tasks.
  std::vector<std::pair<std::string, std::vector<std::string>>> suites;
  // Embed every sample (compressed) for the sample browser; false: figures only.
  bool include_samples = true;
};

// Writes the page for `store` to `out`:
// - the leaderboard: per model (rows) and task (columns) the first metric of the newest
//   run of that (model, task), in percent, with a 95% interval (reports/interval.h);
//   suite averages; the best of each column and those whose interval overlaps it marked;
// - per task a bar chart with error bars; score against tokens, latency and (when the
//   store has it) cost per sample with the Pareto frontier; depth x length heatmaps of
//   samples whose request carries a `generated` description with `depth` and
//   `context_length`;
// - a paginated sample browser over every run and task, from deflate-compressed JSON;
// - each run's metadata.
// Samples are streamed from the store: memory grows with one (run, task)'s samples and
// the compressed output, not with the whole store. Every stored text reaches the page
// HTML-escaped or as JSON inserted with textContent. Throws StoreError when reading fails.
void write_html_report(StoreReader& store, const ReportInfo& info, std::ostream& out);

// The same page as a string.
std::string render_html_report(StoreReader& store, const ReportInfo& info);

// A page from figures already read: leaderboard, bar charts, token efficiency; no runs'
// metadata and no samples.
std::string render_html_report(const std::vector<TaskResult>& results, const ReportInfo& info);

}  // namespace ys
