#include "harness/store/reader.h"

#include <sqlite3.h>

#include <map>

#include "harness/store/run_rows.h"
#include "harness/store/schema.h"
#include "harness/store/sqlite.h"
#include "util/error.h"

namespace ys {

const char* const kRunColumns =
    "id, fingerprint, model, runner_config, tasks, seed, repeats, sample_limit, "
    "yardstick_version, git_describe, started_at, finished_at, status, command, fingerprint_parts, "
    "shard, merged_from";

RunRecord read_run(const Statement& s) {
  RunRecord r;
  r.id = s.integer(0);
  r.fingerprint = s.text(1);
  r.model = s.text(2);
  r.runner_config = nlohmann::json::parse(s.text(3), nullptr, false);
  auto tasks = nlohmann::json::parse(s.text(4), nullptr, false);
  if (tasks.is_array()) r.tasks = tasks.get<std::vector<std::string>>();
  if (!s.is_null(5)) r.seed = static_cast<uint64_t>(s.integer(5));
  r.repeats = static_cast<int>(s.integer(6));
  r.sample_limit = static_cast<int>(s.integer(7));
  r.yardstick_version = s.text(8);
  r.git_describe = s.text(9);
  r.started_at = s.text(10);
  r.finished_at = s.text(11);
  r.status = s.text(12);
  r.command = s.text(13);
  if (!s.is_null(14)) r.fingerprint_parts = nlohmann::json::parse(s.text(14), nullptr, false);
  if (!s.is_null(15)) r.shard = s.text(15);
  if (!s.is_null(16)) r.merged_from = nlohmann::json::parse(s.text(16), nullptr, false);
  return r;
}

StoreReader::StoreReader(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw StoreError(path.string() + ": no such store");
  }
  db_ = open_connection(path, false);
  try {
    migrate_store(db_);
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    throw StoreError(path.string() + ": " + e.what());
  }
}

StoreReader::~StoreReader() {
  sqlite3_close(db_);
}

std::optional<StoredRunUsage> StoreReader::run_usage(int64_t run_id) {
  return read_run_usage(db_, run_id);
}

std::vector<RunRecord> StoreReader::runs() {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id";
  Statement s(db_, sql.c_str());
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> StoreReader::run(int64_t run_id) {
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?";
  Statement s(db_, sql.c_str());
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<StoredSample> StoreReader::samples(int64_t run_id, const std::string& task) {
  const std::string sql =
      "SELECT task, sample_id, repeat, request, reference, response, extracted, scores "
      "FROM samples WHERE run_id=?" +
      std::string(task.empty() ? "" : " AND task=?") + " ORDER BY task, sample_id, repeat";
  Statement s(db_, sql.c_str());
  s.bind(1, run_id);
  if (!task.empty()) s.bind(2, task);
  std::vector<StoredSample> out;
  while (s.step()) {
    StoredSample row;
    row.task = s.text(0);
    row.sample_id = s.text(1);
    row.repeat = static_cast<int>(s.integer(2));
    row.request = nlohmann::json::parse(s.text(3), nullptr, false);
    row.reference = s.text(4);
    auto response = nlohmann::json::parse(s.text(5), nullptr, false);
    if (response.is_object()) row.completion = completion_from_json(response);
    auto extracted = nlohmann::json::parse(s.is_null(6) ? "{}" : s.text(6), nullptr, false);
    auto scores = nlohmann::json::parse(s.is_null(7) ? "{}" : s.text(7), nullptr, false);
    for (const auto& [metric, value] : scores.items()) {
      if (value.is_number()) row.scores[metric] = value.get<double>();
    }
    for (const auto& [metric, value] : extracted.items()) {
      row.extracted[metric] =
          value.is_string() ? std::optional<std::string>(value.get<std::string>()) : std::nullopt;
    }
    out.push_back(std::move(row));
  }
  return out;
}

void StoreReader::each_row(const std::function<void(const StoredRow&)>& visit) {
  // The UNIQUE(run_id, task, sample_id, repeat) index gives this order without sorting.
  Statement s(db_,
              "SELECT run_id, task, sample_id, repeat, request, response, reference, extracted, "
              "scores, error_kind, prompt_tokens, completion_tokens, latency_s FROM samples "
              "ORDER BY run_id, task, sample_id, repeat");
  while (s.step()) {
    StoredRow row;
    row.run_id = s.integer(0);
    row.task = s.view(1);
    row.sample_id = s.view(2);
    row.repeat = static_cast<int>(s.integer(3));
    row.request_json = s.view(4);
    row.response_json = s.view(5);
    row.reference = s.view(6);
    row.extracted_json = s.view(7);
    row.scores_json = s.view(8);
    row.error_kind = s.view(9);
    row.prompt_tokens = s.integer(10);
    row.completion_tokens = s.integer(11);
    row.latency_s = s.real(12);
    visit(row);
  }
}

std::vector<TaskResult> StoreReader::task_results(std::optional<int64_t> run_id,
                                                  const BootstrapOptions& bootstrap) {
  std::map<std::pair<int64_t, std::string>, TaskResult> by_key;
  const std::string filter = run_id ? " WHERE s.run_id=?" : "";
  {
    const std::string sql =
        "SELECT s.run_id, r.model, s.task, r.status, COALESCE(r.finished_at, ''), count(*), "
        "sum" +
        unscored_sample("s") +
        ", sum(s.prompt_tokens), "
        "sum(s.completion_tokens), COALESCE(r.shard, '') FROM samples s JOIN runs r ON "
        "r.id=s.run_id" +
        filter + " GROUP BY s.run_id, s.task";
    Statement s(db_, sql.c_str());
    if (run_id) s.bind(1, *run_id);
    while (s.step()) {
      TaskResult t;
      t.run_id = s.integer(0);
      t.model = s.text(1);
      t.task = s.text(2);
      t.status = s.text(3);
      t.finished_at = s.text(4);
      t.samples = static_cast<size_t>(s.integer(5));
      t.errors = static_cast<size_t>(s.integer(6));
      t.prompt_tokens = s.integer(7);
      t.completion_tokens = s.integer(8);
      t.shard = s.text(9);
      by_key.emplace(std::make_pair(t.run_id, t.task), std::move(t));
    }
  }
  const std::string sql = "SELECT run_id, task, metric, aggregation FROM metrics s" + filter +
                          " ORDER BY run_id, task, position";
  Statement metrics(db_, sql.c_str());
  if (run_id) metrics.bind(1, *run_id);
  while (metrics.step()) {
    auto it = by_key.find({metrics.integer(0), metrics.text(1)});
    if (it == by_key.end()) continue;
    const std::string metric = metrics.text(2);
    std::vector<ScoredValue> scored = metric_values(it->first.first, it->first.second, metric);
    Aggregation how;
    try {
      how = parse_aggregation(metrics.text(3));
    } catch (const InputError& e) {
      throw StoreError("run " + std::to_string(it->first.first) + ", task " + it->first.second +
                       ", metric " + metric + ": " + e.what());
    }
    for (auto& r : aggregate(metric, how, scored, bootstrap)) {
      it->second.metrics.push_back(std::move(r));
    }
  }
  std::vector<TaskResult> out;
  out.reserve(by_key.size());
  for (auto& [key, t] : by_key) out.push_back(std::move(t));
  return out;
}

std::vector<std::string> StoreReader::tasks(int64_t run_id) {
  Statement s(db_, "SELECT DISTINCT task FROM samples WHERE run_id=? ORDER BY task");
  s.bind(1, run_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<ScoredValue> StoreReader::metric_values(int64_t run_id, const std::string& task,
                                                    const std::string& metric) {
  // Values in the order they were written: sums (and so the figures) do not depend on
  // how SQLite happens to scan.
  // The extracted answer is the metric's key in the sample's `extracted` object.
  Statement values(db_,
                   "SELECT s.sample_id, s.repeat, sc.value, "
                   "(SELECT value FROM json_each(s.extracted) WHERE key=sc.metric) "
                   "FROM scores sc JOIN samples s ON s.id=sc.sample_row "
                   "WHERE sc.run_id=? AND sc.task=? AND sc.metric=? ORDER BY sc.rowid");
  values.bind(1, run_id).bind(2, task).bind(3, metric);
  std::vector<ScoredValue> out;
  while (values.step()) {
    ScoredValue& v = out.emplace_back();
    v.sample_id = values.text(0);
    v.repeat = static_cast<int>(values.integer(1));
    v.value = values.real(2);
    if (!values.is_null(3)) v.extracted = values.text(3);
  }
  return out;
}

size_t StoreReader::unscored_samples(int64_t run_id, const std::string& task) {
  Statement s(db_,
              "SELECT count(*) FROM samples WHERE run_id=? AND task=? AND "
              "(scores IS NULL OR scores='{}')");
  s.bind(1, run_id).bind(2, task);
  s.step();
  return static_cast<size_t>(s.integer(0));
}

std::vector<MetricInfo> StoreReader::metrics(int64_t run_id, const std::string& task) {
  Statement s(
      db_, "SELECT metric, aggregation FROM metrics WHERE run_id=? AND task=? ORDER BY position");
  s.bind(1, run_id).bind(2, task);
  std::vector<MetricInfo> out;
  while (s.step()) {
    try {
      out.push_back({s.text(0), parse_aggregation(s.text(1))});
    } catch (const InputError& e) {
      throw StoreError("run " + std::to_string(run_id) + ", task " + task + ", metric " +
                       s.text(0) + ": " + e.what());
    }
  }
  return out;
}

std::optional<int64_t> StoreReader::tagged_run(const std::string& name) {
  Statement s(db_, "SELECT run_id FROM tags WHERE name=?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

std::vector<std::pair<std::string, int64_t>> StoreReader::tags() {
  Statement s(db_, "SELECT name, run_id FROM tags ORDER BY name");
  std::vector<std::pair<std::string, int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.integer(1));
  return out;
}

}  // namespace ys
