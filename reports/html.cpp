#include "reports/html.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "reports/assets.h"
#include "reports/interval.h"
#include "reports/longctx.h"
#include "reports/table.h"
#include "util/base64.h"
#include "util/strings.h"

namespace ys {
namespace {

using nlohmann::json;

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v * 100);
  return buf;
}

// Appends `s` as a JSON string; '<' becomes \u003c so that no text can end a <script>.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
        out += "\\u003c";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// JSON for a <script type="application/json"> block: '<' only occurs inside strings.
std::string script_json(const json& j) {
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// An inlined script: "</script" inside it would end the element early.
std::string script_text(std::string_view js) {
  std::string out(js);
  for (size_t at = out.find("</"); at != std::string::npos; at = out.find("</", at + 3)) {
    out.replace(at, 2, "<\\/");
  }
  return out;
}

// `text` compressed in the zlib format (what DecompressionStream("deflate") reads), in
// base64. Level 1: the report's time goes to compression; level 6 saves ~10% more.
std::string deflate_base64(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::vector<unsigned char> packed(size);
  int rc = compress2(packed.data(), &size, reinterpret_cast<const Bytef*>(text.data()),
                     static_cast<uLong>(text.size()), 1);
  if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed: " + std::to_string(rc));
  std::string out;
  append_base64(out, packed.data(), size);
  return out;
}

// The number after `"key":` in flat JSON text, if any (no full parse).
std::optional<double> json_number(std::string_view text, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  at += needle.size();
  std::string digits(text.substr(at, 32));
  char* end = nullptr;
  double v = std::strtod(digits.c_str(), &end);
  if (end == digits.c_str()) return std::nullopt;
  return v;
}

// What one pass over the samples learns of a (run, task).
struct TaskStats {
  size_t samples = 0;
  double latency_s = 0;
  int64_t tokens = 0;
  double cost = 0;
  bool has_cost = false;
  json sampling;                                                       // of its first request
  std::map<std::pair<int, int64_t>, std::pair<double, size_t>> cells;  // (depth, length)
};

using TaskKey = std::pair<int64_t, std::string>;

// One cell of the leaderboard.
struct Cell {
  double mean = 0, low = 0, high = 0;
  size_t n = 0;
  std::string metric;
  int64_t run_id = 0;
  std::string partial;  // why the run shown is not a whole completed run; empty when it is
};

// Why `r`'s run is not a whole, completed run ("run 4 is incomplete", "run 5 is shard
// 1/2"); empty for a completed unsharded (or merged) run.
std::string partial_reason(const TaskResult& r) {
  std::string why;
  if (r.status != "completed") why = r.status;
  if (!r.shard.empty()) why += (why.empty() ? "" : ", ") + std::string("shard ") + r.shard;
  return why.empty() ? "" : "run " + std::to_string(r.run_id) + " is " + why;
}

struct Board {
  std::vector<std::string> models, tasks;
  std::vector<std::string> columns;                           // tasks, then "suite: NAME"
  std::map<std::pair<std::string, std::string>, Cell> cells;  // (model, column)
  std::vector<std::string> partial;  // "MODEL / TASK: run N is ..." for each partial cell
};

Board make_board(const std::vector<TaskResult>& results, const ReportInfo& info) {
  Board b;
  std::map<std::pair<std::string, std::string>, const TaskResult*> latest;
  std::set<std::string> models, tasks;
  // Per (model, task) the newest whole run (completed, unsharded or merged); only when
  // there is none, the newest run of any kind, marked partial on the page.
  for (const auto& r : results) {
    auto& slot = latest[{r.model, r.task}];
    const bool whole = partial_reason(r).empty();
    const bool slot_whole = slot && partial_reason(*slot).empty();
    if (!slot || (whole && !slot_whole) || (whole == slot_whole && r.run_id > slot->run_id))
      slot = &r;
    models.insert(r.model);
    tasks.insert(r.task);
  }
  b.models.assign(models.begin(), models.end());
  b.tasks.assign(tasks.begin(), tasks.end());
  b.columns = b.tasks;
  for (const auto& [key, r] : latest) {
    if (r->metrics.empty()) continue;
    const MetricResult& m = r->metrics[0];
    ScoreInterval ci = score_interval(m);
    b.cells[key] = {m.mean, ci.low, ci.high, m.n, m.metric, r->run_id, partial_reason(*r)};
    if (!b.cells[key].partial.empty())
      b.partial.push_back(key.first + " / " + key.second + ": " + b.cells[key].partial);
  }
  // A suite's average over its tasks, for models that have them all; the tasks' errors
  // taken as independent: se = sqrt(sum se_i^2) / k.
  for (const auto& [suite, suite_tasks] : info.suites) {
    if (suite_tasks.empty()) continue;
    const std::string column = "suite: " + suite;
    bool any = false;
    for (const auto& model : b.models) {
      double sum = 0, var = 0;
      size_t n = SIZE_MAX;
      bool complete = true;
      for (const auto& t : suite_tasks) {
        auto it = latest.find({model, t});
        if (it == latest.end() || it->second->metrics.empty()) {
          complete = false;
          break;
        }
        const MetricResult& m = it->second->metrics[0];
        sum += m.mean;
        var += m.stderr_of_mean * m.stderr_of_mean;
        n = std::min(n, m.n);
      }
      if (!complete) continue;
      const double k = static_cast<double>(suite_tasks.size());
      MetricResult avg{"average", n, sum / k, std::sqrt(var) / k};
      ScoreInterval ci = score_interval(avg);
      std::string partial;
      for (const auto& t : suite_tasks) {
        if (!b.cells[{model, t}].partial.empty()) partial = "averages partial runs";
      }
      b.cells[{model, column}] = {avg.mean, ci.low, ci.high, n, "average of first metrics",
                                  0,        partial};
      any = true;
    }
    if (any) b.columns.push_back(column);
  }
  return b;
}

void write_board(const Board& b, std::ostream& out) {
  // Plain header cells: the page's script makes them sortable.
  out << "<table id=\"board\" class=\"board\"><thead><tr><th>model</th>";
  for (const auto& column : b.columns) out << "<th>" << html_escape(column) << "</th>";
  out << "</tr></thead><tbody>\n";
  // Best per column, and which cells' intervals overlap the best's.
  std::map<std::string, const Cell*> best;
  for (const auto& [key, cell] : b.cells) {
    auto& slot = best[key.second];
    if (!slot || cell.mean > slot->mean) slot = &cell;
  }
  for (const auto& model : b.models) {
    out << "<tr><td data-value=\"" << html_escape(model) << "\">" << html_escape(model) << "</td>";
    for (const auto& column : b.columns) {
      auto it = b.cells.find({model, column});
      if (it == b.cells.end()) {
        out << "<td class=\"none\" data-value=\"\">&ndash;</td>";
        continue;
      }
      const Cell& cell = it->second;
      const Cell* top = best[column];
      std::string cls;
      if (b.models.size() > 1) {
        if (&cell == top) {
          cls = "best";
        } else if (cell.high >= top->low && cell.low <= top->high) {
          cls = "tie";
        }
      }
      const bool partial = !cell.partial.empty();
      std::string classes = cls + (partial ? std::string(cls.empty() ? "" : " ") + "partial" : "");
      char value[32];
      std::snprintf(value, sizeof value, "%.17g", cell.mean);
      out << "<td" << (classes.empty() ? "" : " class=\"" + classes + "\"") << " data-value=\""
          << value << "\" title=\"" << html_escape(cell.metric) << ", n=" << cell.n << ", 95% CI "
          << percent(cell.low) << "–" << percent(cell.high)
          << (cls == "tie" ? "; interval overlaps the best's" : "")
          << (partial ? "; partial: " + html_escape(cell.partial) + ", no completed whole run" : "")
          << "\">" << percent(cell.mean) << " <span class=\"se\">&plusmn; "
          << percent((cell.high - cell.low) / 2) << "</span>"
          << (cls == "best" ? " <span class=\"mark\">&#9733;</span>" : "")
          << (cls == "tie" ? " <span class=\"mark\">&asymp;</span>" : "")
          << (partial ? " <span class=\"mark\">&dagger;</span>" : "") << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
  if (!b.partial.empty()) {
    out << "<div class=\"hint partial-note\">&dagger; partial: no completed whole run (completed, "
           "unsharded or merged) of this model and task; the cell shows the newest run there "
           "is:<ul>";
    for (const auto& line : b.partial) out << "<li>" << html_escape(line) << "</li>";
    out << "</ul></div>\n";
  }
}

void write_runs(const std::vector<RunRecord>& runs, const std::map<TaskKey, TaskStats>& stats,
                std::ostream& out) {
  out << "<h2 id=\"runs\">Runs</h2>\n<table class=\"runs\"><thead><tr><th>run</th><th>model</th>"
         "<th>provider</th><th>tasks</th><th>sampling</th><th>seed</th><th>repeats</th>"
         "<th>started</th><th>finished</th><th>status</th><th>shard</th><th>yardstick</th>"
         "<th>runner</th>"
         "</tr></thead><tbody>\n";
  for (const auto& r : runs) {
    std::string tasks, sampling;
    std::set<std::string> samplings;
    for (const auto& t : r.tasks) {
      tasks += (tasks.empty() ? "" : ", ") + t;
      auto it = stats.find({r.id, t});
      if (it != stats.end() && !it->second.sampling.is_null()) {
        samplings.insert(it->second.sampling.dump(-1, ' ', false, json::error_handler_t::replace));
      }
    }
    for (const auto& s : samplings) sampling += (sampling.empty() ? "" : "; ") + s;
    const std::string provider = r.model.substr(0, r.model.find(':'));
    out << "<tr><td>" << r.id << "</td><td>" << html_escape(r.model) << "</td><td>"
        << html_escape(provider) << "</td><td>" << html_escape(tasks) << "</td><td class=\"code\">"
        << html_escape(sampling) << "</td><td>" << (r.seed ? std::to_string(*r.seed) : "&ndash;")
        << "</td><td>" << r.repeats << "</td><td>" << html_escape(r.started_at) << "</td><td>"
        << html_escape(r.finished_at) << "</td><td>" << html_escape(r.status) << "</td><td>"
        << html_escape(shard_text(r)) << "</td><td>"
        << html_escape(r.yardstick_version + " (" + r.git_describe + ")")
        << "</td><td class=\"code\">"
        << html_escape(r.runner_config.dump(-1, ' ', false, json::error_handler_t::replace))
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

// Everything after the streamed sample chunks: the body and the page's data and scripts.
void write_page(const std::vector<TaskResult>& results, const std::vector<RunRecord>& runs,
                const std::map<TaskKey, TaskStats>& stats, const json& chunks,
                const ReportInfo& info, std::ostream& out) {
  const Board board = make_board(results, info);
  json data;
  data["interval"] = kScoreIntervalMethod;
  data["models"] = board.models;
  data["tasks"] = board.tasks;
  data["chunks"] = chunks;
  // Per (run, task) figures, for charts and the sample browser.
  json rows = json::array();
  for (const auto& r : results) {
    json row = {{"run", r.run_id},    {"model", r.model},
                {"task", r.task},     {"status", r.status},
                {"shard", r.shard},   {"samples", r.samples},
                {"errors", r.errors}, {"tokens", r.prompt_tokens + r.completion_tokens}};
    json metrics = json::array();
    for (const auto& m : r.metrics) {
      ScoreInterval ci = score_interval(m);
      metrics.push_back(
          {{"metric", m.metric}, {"n", m.n}, {"mean", m.mean}, {"low", ci.low}, {"high", ci.high}});
    }
    row["metrics"] = metrics;
    auto it = stats.find({r.run_id, r.task});
    if (it != stats.end()) {
      row["latency_s"] = it->second.latency_s;
      if (it->second.has_cost) row["cost"] = it->second.cost;
    }
    rows.push_back(std::move(row));
  }
  data["results"] = rows;
  json board_cells = json::array();
  for (const auto& [key, cell] : board.cells) {
    if (key.second.rfind("suite: ", 0) == 0) continue;
    board_cells.push_back({{"model", key.first},
                           {"task", key.second},
                           {"run", cell.run_id},
                           {"partial", cell.partial.empty() ? json() : json(cell.partial)},
                           {"mean", cell.mean},
                           {"low", cell.low},
                           {"high", cell.high}});
  }
  data["board"] = board_cells;
  json heatmaps = json::array();
  std::map<int64_t, std::string> model_of;
  for (const auto& r : runs) model_of[r.id] = r.model;
  for (const auto& [key, s] : stats) {
    if (s.cells.empty()) continue;
    json cells = json::array();
    for (const auto& [dl, acc] : s.cells) {
      cells.push_back(
          {dl.first, dl.second, acc.first / static_cast<double>(acc.second), acc.second});
    }
    heatmaps.push_back({{"run", key.first},
                        {"model", model_of[key.first]},
                        {"task", key.second},
                        {"cells", cells}});
  }
  data["heatmaps"] = heatmaps;
  json run_list = json::array();
  for (const auto& r : runs) run_list.push_back({{"id", r.id}, {"model", r.model}});
  data["runs"] = run_list;

  out << "</head><body>\n<h1>" << html_escape(info.title) << "</h1>\n<div class=\"meta\">Generated "
      << html_escape(info.generated_at) << " by yardstick " << html_escape(info.version)
      << ". Scores in percent of each task's first metric, newest completed whole run per "
         "model and task (&dagger;: only a partial run exists), "
      << html_escape(kScoreIntervalMethod)
      << ". &#9733; best in column; &asymp; interval overlaps the best's.</div>\n"
      << "<nav><a href=\"#leaderboard\">Leaderboard</a> <a href=\"#charts\">Charts</a> "
         "<a href=\"#efficiency\">Efficiency</a> <a href=\"#heatmaps\">Long context</a> "
         "<a href=\"#browser\">Samples</a> <a href=\"#runs\">Runs</a></nav>\n"
      << "<h2 id=\"leaderboard\">Leaderboard</h2>\n";
  write_board(board, out);
  out << "<h2 id=\"charts\">Per task</h2>\n<div id=\"task-charts\" class=\"charts\"></div>\n"
      << "<h2 id=\"efficiency\">Efficiency</h2>\n<div class=\"controls\">score of "
         "<select id=\"eff-task\"></select> against <select id=\"eff-x\"></select> "
         "<span class=\"hint\">the line is the Pareto frontier (no other model is "
         "both cheaper and better)</span></div>\n"
         "<div class=\"chart-box wide\"><canvas id=\"eff-chart\"></canvas></div>\n"
      << "<h2 id=\"heatmaps\">Long context</h2>\n<div id=\"heatmap-list\"></div>\n"
      << "<h2 id=\"browser\">Samples</h2>\n<div class=\"controls\">run <select id=\"sb-run\">"
         "</select> task <select id=\"sb-task\"></select> verdict <select id=\"sb-verdict\">"
         "<option value=\"\">all</option><option>correct</option><option>wrong</option>"
         "<option>partial</option><option>error</option></select> flipped against "
         "<select id=\"sb-other\"><option value=\"\">(none)</option></select> "
         "<button id=\"sb-prev\">&larr;</button> <span id=\"sb-page\"></span> "
         "<button id=\"sb-next\">&rarr;</button></div>\n"
         "<div id=\"sb-summary\" class=\"hint\"></div><div id=\"sb-list\"></div>\n";
  write_runs(runs, stats, out);
  out << "<script type=\"application/json\" id=\"ys-data\">" << script_json(data)
      << "</script>\n<script>" << script_text(kChartJs) << "</script>\n<script>"
      << script_text(kReportJs) << "</script>\n</body></html>\n";
}

void write_head(const ReportInfo& info, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width\">\n<title>"
      << html_escape(info.title) << "</title>\n<style>" << kReportCss << "</style>\n";
}

}  // namespace

void write_html_report(StoreReader& store, const ReportInfo& info, std::ostream& out) {
  const std::vector<TaskResult> results = store.task_results();
  const std::vector<RunRecord> runs = store.runs();
  std::map<TaskKey, std::string> first_metric;
  for (const auto& r : results) {
    if (!r.metrics.empty()) first_metric[{r.run_id, r.task}] = r.metrics[0].metric;
  }
  write_head(info, out);
  // One pass over the samples: per (run, task) a JSON array of rows, compressed into a
  // <script type="application/octet-stream"> element as soon as the (run, task) ends.
  std::map<TaskKey, TaskStats> stats;
  json chunks = json::array();
  std::string buffer;
  TaskKey current{-1, ""};
  TaskStats* st = nullptr;
  // A (run, task) is compressed on a second thread while the next one is read.
  std::future<std::string> compressing;
  auto write_compressed = [&] {
    if (compressing.valid()) out << compressing.get();
  };
  auto flush = [&] {
    if (current.first < 0 || !info.include_samples) return;
    buffer += ']';
    const std::string id = "ys-chunk-" + std::to_string(chunks.size());
    auto fm = first_metric.find(current);
    chunks.push_back({{"run", current.first},
                      {"task", current.second},
                      {"metric", fm == first_metric.end() ? "" : fm->second},
                      {"samples", st->samples},
                      {"id", id}});
    write_compressed();
    compressing = std::async(std::launch::async, [id, text = std::move(buffer)] {
      return "<script type=\"application/octet-stream\" id=\"" + id + "\">" + deflate_base64(text) +
             "</script>\n";
    });
    buffer = std::string();
  };
  store.each_row([&](const StoredRow& row) {
    if (row.run_id != current.first || row.task != current.second) {
      flush();
      current = {row.run_id, std::string(row.task)};
      st = &stats[current];
      buffer = "[";
      json request = json::parse(row.request_json, nullptr, false);
      if (request.is_object() && request.contains("sampling")) st->sampling = request["sampling"];
    }
    ++st->samples;
    st->latency_s += row.latency_s;
    st->tokens += row.prompt_tokens + row.completion_tokens;
    if (auto cost = json_number(row.response_json, "cost_usd")) {
      st->cost += *cost;
      st->has_cost = true;
    }
    if (auto dl = depth_and_length(row.request_json)) {
      auto fm = first_metric.find(current);
      double score = 0;  // an unscored error counts 0, as in the figures
      if (fm != first_metric.end()) {
        score = json_number(row.scores_json, fm->second).value_or(0.0);
      }
      auto& cell = st->cells[*dl];
      cell.first += score;
      ++cell.second;
    }
    if (!info.include_samples) return;
    // [id, repeat, request, response, reference, extracted, scores, error kind]
    if (buffer.size() > 1) buffer += ',';
    buffer += '[';
    append_json_string(buffer, row.sample_id);
    buffer += ',' + std::to_string(row.repeat) + ',';
    buffer += row.request_json.empty() ? std::string_view("null") : row.request_json;
    buffer += ',';
    buffer += row.response_json.empty() ? std::string_view("null") : row.response_json;
    buffer += ',';
    append_json_string(buffer, row.reference);
    buffer += ',';
    buffer += row.extracted_json.empty() ? std::string_view("null") : row.extracted_json;
    buffer += ',';
    buffer += row.scores_json.empty() ? std::string_view("null") : row.scores_json;
    buffer += ',';
    if (row.error_kind.empty()) {
      buffer += "null";
    } else {
      append_json_string(buffer, row.error_kind);
    }
    buffer += ']';
  });
  flush();
  write_compressed();
  write_page(results, runs, stats, chunks, info, out);
}

std::string render_html_report(StoreReader& store, const ReportInfo& info) {
  std::ostringstream out;
  write_html_report(store, info, out);
  return out.str();
}

std::string render_html_report(const std::vector<TaskResult>& results, const ReportInfo& info) {
  std::ostringstream out;
  write_head(info, out);
  write_page(results, {}, {}, json::array(), info, out);
  return out.str();
}

}  // namespace ys
