#include "reports/html.h"

#include <cstdio>
#include <map>
#include <set>

#include "util/strings.h"

namespace ys {
namespace {

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v * 100);
  return buf;
}

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2430;background:#fff}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin-top:2rem}
.meta{color:#667;margin-bottom:1.5rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.35rem .7rem;border-bottom:1px solid #e3e6ea;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f5f7fa;font-weight:600}
td.best{font-weight:700;background:#eef8ee}
.se{color:#778;font-size:.85em}
.none{color:#aab}
)";

}  // namespace

std::string render_html_report(const std::vector<TaskResult>& results, const ReportInfo& info) {
  // Newest run per (model, task).
  std::map<std::pair<std::string, std::string>, const TaskResult*> latest;
  std::set<std::string> models, tasks;
  for (const auto& r : results) {
    auto& slot = latest[{r.model, r.task}];
    if (!slot || r.run_id > slot->run_id) slot = &r;
    models.insert(r.model);
    tasks.insert(r.task);
  }
  // The best first-metric value of each task, to highlight.
  std::map<std::string, double> best;
  for (const auto& [key, r] : latest) {
    if (r->metrics.empty()) continue;
    auto [it, inserted] = best.emplace(key.second, r->metrics[0].mean);
    if (!inserted && r->metrics[0].mean > it->second) it->second = r->metrics[0].mean;
  }

  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                  html_escape(info.title) + "</title>\n<style>" + kStyle +
                  "</style></head><body>\n";
  h += "<h1>" + html_escape(info.title) + "</h1>\n<div class=\"meta\">Generated " +
       html_escape(info.generated_at) + " by yardstick " + html_escape(info.version) +
       ". Values are percentages ± one standard error of the mean.</div>\n";

  h += "<h2>Models &times; tasks</h2>\n<table><thead><tr><th>model</th>";
  for (const auto& t : tasks) h += "<th>" + html_escape(t) + "</th>";
  h += "</tr></thead><tbody>\n";
  for (const auto& m : models) {
    h += "<tr><td>" + html_escape(m) + "</td>";
    for (const auto& t : tasks) {
      auto it = latest.find({m, t});
      if (it == latest.end() || it->second->metrics.empty()) {
        h += "<td class=\"none\">&ndash;</td>";
        continue;
      }
      const MetricResult& mr = it->second->metrics[0];
      bool is_best = models.size() > 1 && mr.mean == best[t];
      h += std::string("<td") + (is_best ? " class=\"best\"" : "") + " title=\"" +
           html_escape(mr.metric) + ", n=" + std::to_string(mr.n) + "\">" + percent(mr.mean) +
           " <span class=\"se\">&plusmn; " + percent(mr.stderr_of_mean) + "</span></td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table>\n";

  h += "<h2>All metrics</h2>\n<table><thead><tr><th>model</th><th>task</th><th>metric</th>"
       "<th>value</th><th>&plusmn; se</th><th>n</th><th>errors</th><th>tokens</th>"
       "<th>run</th><th>status</th></tr></thead><tbody>\n";
  for (const auto& [key, r] : latest) {
    for (const auto& mr : r->metrics) {
      h += "<tr><td>" + html_escape(r->model) + "</td><td>" + html_escape(r->task) + "</td><td>" +
           html_escape(mr.metric) + "</td><td>" + percent(mr.mean) + "</td><td>" +
           percent(mr.stderr_of_mean) + "</td><td>" + std::to_string(mr.n) + "</td><td>" +
           std::to_string(r->errors) + "</td><td>" +
           std::to_string(r->prompt_tokens + r->completion_tokens) + "</td><td>" +
           std::to_string(r->run_id) + "</td><td>" + html_escape(r->status) + "</td></tr>\n";
    }
  }
  h += "</tbody></table>\n</body></html>\n";
  return h;
}

std::string render_html_report(StoreReader& store, const ReportInfo& info) {
  return render_html_report(store.task_results(), info);
}

}  // namespace ys
