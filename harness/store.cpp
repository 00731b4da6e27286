#include "harness/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>

#include "harness/sqlite_util.h"
#include "scoring/stats.h"
#include "util/strings.h"

namespace ys {
namespace {

// kMigrations[i] takes the schema from version i to i + 1.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  model TEXT NOT NULL,
  runner_config TEXT NOT NULL,
  tasks TEXT NOT NULL,
  seed INTEGER,
  repeats INTEGER NOT NULL,
  sample_limit INTEGER NOT NULL,
  yardstick_version TEXT NOT NULL,
  git_describe TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  command TEXT NOT NULL);
CREATE INDEX runs_by_fingerprint ON runs(fingerprint);
CREATE TABLE samples(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  task TEXT NOT NULL,
  sample_id TEXT NOT NULL,
  repeat INTEGER NOT NULL,
  cache_key TEXT NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL,
  reference TEXT NOT NULL,
  extracted TEXT,
  scores TEXT,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_s REAL NOT NULL,
  error_kind TEXT,
  error TEXT,
  written_at TEXT NOT NULL,
  UNIQUE(run_id, task, sample_id, repeat));
CREATE TABLE scores(
  sample_row INTEGER NOT NULL REFERENCES samples(id),
  run_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY(sample_row, metric));
CREATE INDEX scores_by_run ON scores(run_id, task, metric);
CREATE TABLE responses(
  cache_key TEXT PRIMARY KEY,
  runner TEXT NOT NULL,
  response TEXT NOT NULL,
  written_at TEXT NOT NULL);
)sql",
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion);

sqlite3* open_connection(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError(path.string() + ": cannot open: " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

bool is_scored(const Completion& c) {
  return c.ok() || c.error == ErrorKind::kRefused;
}

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
  return r;
}

constexpr const char* kRunColumns =
    "id, fingerprint, model, runner_config, tasks, seed, repeats, sample_limit, "
    "yardstick_version, git_describe, started_at, finished_at, status, command";

}  // namespace

Store::Store(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  db_ = open_connection(path);
  try {
    exec_sql(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    migrate();
    writer_db_ = open_connection(path);
    exec_sql(writer_db_, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    sqlite3_close(writer_db_);
    throw StoreError(path.string() + ": " + e.what());
  }
  writer_ = std::thread([this] { writer_loop(); });
}

Store::~Store() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_all();
  writer_.join();
  sqlite3_close(writer_db_);
  sqlite3_close(db_);
}

int Store::schema_version() {
  Statement s(db_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void Store::migrate() {
  int version = schema_version();
  if (version > kSchemaVersion) {
    throw StoreError("schema version " + std::to_string(version) +
                     " is newer than this yardstick supports (" + std::to_string(kSchemaVersion) +
                     "); use a newer yardstick");
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    exec_sql(db_, "BEGIN IMMEDIATE");
    try {
      exec_sql(db_, kMigrations[v]);
      exec_sql(db_, ("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
      exec_sql(db_, "COMMIT");
    } catch (...) {
      exec_sql(db_, "ROLLBACK");
      throw;
    }
  }
}

int64_t Store::create_run(const RunRecord& run) {
  Statement s(db_,
              "INSERT INTO runs(fingerprint, model, runner_config, tasks, seed, repeats, "
              "sample_limit, yardstick_version, git_describe, started_at, status, command) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, run.fingerprint).bind(2, run.model).bind(3, run.runner_config.dump());
  s.bind(4, nlohmann::json(run.tasks).dump());
  if (run.seed) {
    s.bind(5, static_cast<int64_t>(*run.seed));
  } else {
    s.bind_null(5);
  }
  s.bind(6, int64_t{run.repeats}).bind(7, int64_t{run.sample_limit});
  s.bind(8, run.yardstick_version).bind(9, run.git_describe);
  s.bind(10, run.started_at.empty() ? utc_now_iso() : run.started_at);
  s.bind(11, run.status.empty() ? std::string("running") : run.status).bind(12, run.command);
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<RunRecord> Store::find_unfinished_run(const std::string& fingerprint) {
  std::string sql = std::string("SELECT ") + kRunColumns +
                    " FROM runs WHERE fingerprint=? AND status!='completed' ORDER BY id DESC "
                    "LIMIT 1";
  Statement s(db_, sql.c_str());
  s.bind(1, fingerprint);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

void Store::set_run_status(int64_t run_id, const std::string& status) {
  Statement s(db_, "UPDATE runs SET status=?, finished_at=? WHERE id=?");
  s.bind(1, status);
  if (status == "running") {
    s.bind_null(2);
  } else {
    s.bind(2, utc_now_iso());
  }
  s.bind(3, run_id).run();
}

std::vector<RunRecord> Store::list_runs() {
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id";
  Statement s(db_, sql.c_str());
  std::vector<RunRecord> runs;
  while (s.step()) runs.push_back(read_run(s));
  return runs;
}

std::set<SampleKey> Store::answered_samples(int64_t run_id) {
  Statement s(db_,
              "SELECT task, sample_id, repeat FROM samples WHERE run_id=? AND "
              "(error_kind IS NULL OR error_kind='refused')");
  s.bind(1, run_id);
  std::set<SampleKey> done;
  while (s.step()) done.emplace(s.text(0), s.text(1), static_cast<int>(s.integer(2)));
  return done;
}

std::optional<Completion> Store::cached_response(const std::string& cache_key) {
  Statement s(db_, "SELECT response FROM responses WHERE cache_key=?");
  s.bind(1, cache_key);
  if (!s.step()) return std::nullopt;
  auto j = nlohmann::json::parse(s.text(0), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return completion_from_json(j);
}

void Store::rethrow_writer_error() {
  if (writer_error_) {
    try {
      std::rethrow_exception(writer_error_);
    } catch (const std::exception& e) {
      throw StoreError(path_.string() + ": writing samples failed: " + e.what());
    }
  }
}

void Store::write(SampleRecord sample) {
  {
    std::lock_guard lock(mutex_);
    rethrow_writer_error();
    queue_.push_back(std::move(sample));
  }
  wake_writer_.notify_one();
}

void Store::flush() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return (queue_.empty() && in_progress_ == 0) || writer_error_; });
  rethrow_writer_error();
}

void Store::writer_loop() {
  constexpr size_t kMaxBatch = 512;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_writer_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    std::vector<SampleRecord> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    in_progress_ = batch.size();
    lock.unlock();
    std::exception_ptr error;
    try {
      commit_batch(batch);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    in_progress_ = 0;
    if (error && !writer_error_) writer_error_ = error;
    drained_.notify_all();
  }
}

void Store::commit_batch(std::vector<SampleRecord>& batch) {
  exec_sql(writer_db_, "BEGIN IMMEDIATE");
  try {
    Statement upsert(writer_db_,
                     "INSERT INTO samples(run_id, task, sample_id, repeat, cache_key, request, "
                     "response, reference, extracted, scores, prompt_tokens, completion_tokens, "
                     "latency_s, error_kind, error, written_at) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT(run_id, task, sample_id, repeat) DO UPDATE SET "
                     "cache_key=excluded.cache_key, request=excluded.request, "
                     "response=excluded.response, reference=excluded.reference, "
                     "extracted=excluded.extracted, scores=excluded.scores, "
                     "prompt_tokens=excluded.prompt_tokens, "
                     "completion_tokens=excluded.completion_tokens, "
                     "latency_s=excluded.latency_s, error_kind=excluded.error_kind, "
                     "error=excluded.error, written_at=excluded.written_at RETURNING id");
    Statement clear_scores(writer_db_, "DELETE FROM scores WHERE sample_row=?");
    Statement add_score(writer_db_,
                        "INSERT INTO scores(sample_row, run_id, task, metric, value) "
                        "VALUES(?,?,?,?,?)");
    Statement cache(writer_db_,
                    "INSERT OR IGNORE INTO responses(cache_key, runner, response, written_at) "
                    "VALUES(?,?,?,?)");
    const std::string now = utc_now_iso();
    for (const auto& s : batch) {
      const Completion& c = s.completion;
      nlohmann::json extracted = nlohmann::json::object(), scores = nlohmann::json::object();
      for (const auto& sc : s.scores) {
        extracted[sc.metric] = sc.extracted ? nlohmann::json(*sc.extracted) : nlohmann::json();
        scores[sc.metric] = sc.value;
      }
      const std::string response = to_json(c).dump();
      upsert.bind(1, s.run_id).bind(2, s.task).bind(3, s.sample_id).bind(4, int64_t{s.repeat});
      upsert.bind(5, s.cache_key).bind(6, s.request.dump()).bind(7, response).bind(8, s.reference);
      if (s.scores.empty()) {
        upsert.bind_null(9).bind_null(10);
      } else {
        upsert.bind(9, extracted.dump()).bind(10, scores.dump());
      }
      upsert.bind(11, c.usage.prompt_tokens).bind(12, c.usage.completion_tokens);
      upsert.bind(13, c.latency_s);
      if (c.ok()) {
        upsert.bind_null(14).bind_null(15);
      } else {
        upsert.bind(14, std::string(error_kind_name(c.error))).bind(15, c.error_message);
      }
      upsert.bind(16, now);
      if (!upsert.step()) throw StoreError("upsert of a sample returned no row");
      int64_t row = upsert.integer(0);
      upsert.reset();

      clear_scores.bind(1, row).run();
      if (is_scored(c)) {
        for (const auto& sc : s.scores) {
          add_score.bind(1, row).bind(2, s.run_id).bind(3, s.task).bind(4, sc.metric);
          add_score.bind(5, sc.value).run();
        }
      }
      if (c.ok()) {
        auto runner = s.request.value("runner", std::string());
        cache.bind(1, s.cache_key).bind(2, runner).bind(3, response).bind(4, now).run();
      }
    }
    exec_sql(writer_db_, "COMMIT");
  } catch (...) {
    sqlite3_exec(writer_db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Store::add_pass_at_k(std::optional<int64_t> run_id,
                          std::map<std::pair<int64_t, std::string>, TaskResult>& results) {
  // Per (run, task): each sample's (n, c) of the "pass" metric.
  std::string sql =
      "SELECT s.run_id, s.task, count(*), sum(sc.value) FROM scores sc "
      "JOIN samples s ON s.id = sc.sample_row WHERE sc.metric='pass'" +
      std::string(run_id ? " AND s.run_id=?" : "") + " GROUP BY s.run_id, s.task, s.sample_id";
  Statement s(db_, sql.c_str());
  if (run_id) s.bind(1, *run_id);
  std::map<std::pair<int64_t, std::string>, std::vector<std::pair<int, int>>> counts;
  while (s.step()) {
    counts[{s.integer(0), s.text(1)}].emplace_back(static_cast<int>(s.integer(2)),
                                                   static_cast<int>(s.real(3)));
  }
  for (auto& [key, per_sample] : counts) {
    auto it = results.find(key);
    if (it == results.end()) continue;
    int min_n = per_sample.front().first;
    for (const auto& [n, c] : per_sample) min_n = std::min(min_n, n);
    std::vector<MetricResult> pass;
    for (int k : {1, 10, 100}) {
      if (k > min_n) break;  // reported only when every problem has n >= k
      MeanAccumulator acc;
      for (const auto& [n, c] : per_sample) acc.add(pass_at_k(n, c, k));
      pass.push_back({"pass@" + std::to_string(k), acc.count(), acc.mean(), acc.stderr_of_mean()});
    }
    auto& metrics = it->second.metrics;
    metrics.erase(std::remove_if(metrics.begin(), metrics.end(),
                                 [](const MetricResult& m) { return m.metric == "pass"; }),
                  metrics.end());
    metrics.insert(metrics.begin(), pass.begin(), pass.end());
  }
}

std::vector<TaskResult> Store::task_results(std::optional<int64_t> run_id) {
  std::map<std::pair<int64_t, std::string>, TaskResult> by_key;
  std::string filter = run_id ? " WHERE s.run_id=?" : "";
  {
    std::string sql =
        "SELECT s.run_id, r.model, s.task, r.status, COALESCE(r.finished_at, ''), count(*), "
        "sum(s.error_kind IS NOT NULL AND s.error_kind!='refused'), sum(s.prompt_tokens), "
        "sum(s.completion_tokens) FROM samples s JOIN runs r ON r.id=s.run_id" +
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
      by_key.emplace(std::make_pair(t.run_id, t.task), std::move(t));
    }
  }
  {
    // min(rowid) keeps the metrics in the order the task spec lists them.
    std::string sql =
        "SELECT run_id, task, metric, count(*), sum(value), sum(value*value), min(rowid) "
        "FROM scores s" +
        filter + " GROUP BY run_id, task, metric ORDER BY run_id, task, 7";
    Statement s(db_, sql.c_str());
    if (run_id) s.bind(1, *run_id);
    while (s.step()) {
      auto it = by_key.find({s.integer(0), s.text(1)});
      if (it == by_key.end()) continue;
      MetricResult m;
      m.metric = s.text(2);
      m.n = static_cast<size_t>(s.integer(3));
      m.mean = m.n ? s.real(4) / static_cast<double>(m.n) : 0;
      m.stderr_of_mean = stderr_from_sums(m.n, s.real(4), s.real(5));
      it->second.metrics.push_back(std::move(m));
    }
  }
  add_pass_at_k(run_id, by_key);
  std::vector<TaskResult> out;
  out.reserve(by_key.size());
  for (auto& [key, t] : by_key) out.push_back(std::move(t));
  return out;
}

}  // namespace ys
