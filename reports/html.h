// The self-contained HTML report: one file, no external resources.
#pragma once

#include <string>
#include <vector>

#include "harness/store/reader.h"

namespace ys {

struct ReportInfo {
  std::string title = "yardstick report";
  std::string generated_at;  // ISO-8601
  std::string version;       // yardstick version and git describe
};

// A page with a models x tasks table of each task's first metric (value ± standard error)
// from the newest run of each (model, task) in `store`, and a detail table of every
// metric. All text from the store is HTML-escaped. Throws StoreError when reading fails.
std::string render_html_report(StoreReader& store, const ReportInfo& info);

// The same page from results already read.
std::string render_html_report(const std::vector<TaskResult>& results, const ReportInfo& info);

}  // namespace ys
