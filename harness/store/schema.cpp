#include "harness/store/schema.h"

#include <sqlite3.h>

#include <iterator>
#include <string>

#include "harness/store/sqlite.h"

namespace ys {
namespace {

// kMigrations[i] takes the schema from version i to i + 1.
const char* const kMigrations[] = {
    // 1: runs, samples, scores, the response cache.
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
    // 2: each (run, task)'s metrics, in order, with their aggregation, so that reading
    // needs no knowledge of metric names. Version 1 stores knew one pass@k metric, the
    // code judge's 'pass'; their order was that of the first score written.
    R"sql(
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id),
  task TEXT NOT NULL,
  metric TEXT NOT NULL,
  aggregation TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY(run_id, task, metric));
INSERT INTO metrics(run_id, task, metric, aggregation, position)
  SELECT run_id, task, metric, CASE metric WHEN 'pass' THEN 'pass_at_k' ELSE 'mean' END,
         min(rowid)
  FROM scores GROUP BY run_id, task, metric;
)sql",
    // 3: names for runs (`yardstick tag RUN NAME`), e.g. the baseline a CI gate compares
    // against. A name points at one run; tagging again moves it.
    R"sql(
CREATE TABLE tags(
  name TEXT PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  tagged_at TEXT NOT NULL);
)sql",
    // 4: the effective context length of a run with long-context tasks (docs/LONG_CONTEXT.md):
    // the threshold used, the length found (NULL: none passed) and each length's suite
    // average as JSON [[length, average], ...].
    R"sql(
CREATE TABLE effective_context(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  threshold REAL NOT NULL,
  effective_length INTEGER,
  per_length TEXT NOT NULL,
  tasks TEXT NOT NULL);
)sql",
    // 5: shards and merges (docs/SCALING.md): a run's fingerprint parts as JSON (what
    // `yardstick merge` compares field by field), its shard "i/N", and for a merged run
    // the pieces merged into it. NULL in runs written before.
    R"sql(
ALTER TABLE runs ADD COLUMN fingerprint_parts TEXT;
ALTER TABLE runs ADD COLUMN shard TEXT;
ALTER TABLE runs ADD COLUMN merged_from TEXT;
)sql",
    // 6: what each run's stored answers used (harness/store/run_usage.h), written when a
    // run ends and recomputed when it is resumed. Runs stored before have no row.
    R"sql(
CREATE TABLE run_usage(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  samples INTEGER NOT NULL,
  answers INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cost_usd REAL,
  latency_p50_s REAL NOT NULL,
  latency_p90_s REAL NOT NULL,
  latency_p99_s REAL NOT NULL,
  streamed INTEGER NOT NULL,
  ttft_p50_s REAL,
  ttft_p90_s REAL,
  updated_at TEXT NOT NULL);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

sqlite3* open_connection(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (create && path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError(path.string() + ": cannot open: " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

std::string scored_sample(std::string_view alias) {
  const std::string column = alias.empty() ? "error_kind" : std::string(alias) + ".error_kind";
  return "(" + column + " IS NULL OR " + column + "='refused')";
}

std::string unscored_sample(std::string_view alias) {
  return "(NOT " + scored_sample(alias) + ")";
}

int schema_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void migrate_store(sqlite3* db) {
  exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  const int version = schema_version(db);
  if (version > kSchemaVersion) {
    throw StoreError("schema version " + std::to_string(version) +
                     " is newer than this yardstick supports (" + std::to_string(kSchemaVersion) +
                     "); use a newer yardstick");
  }
  if (version == kSchemaVersion) return;
  for (bool done = false; !done;) {
    in_transaction(db, [&] {
      // Read again under the write lock: another process may have migrated meanwhile.
      const int v = schema_version(db);
      if (v >= kSchemaVersion) {
        done = true;
        return;
      }
      exec_sql(db, kMigrations[v]);
      exec_sql(db, ("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
    });
  }
}

StoreConnection::StoreConnection(const std::filesystem::path& path)
    : db(open_connection(path, false)) {
  try {
    migrate_store(db);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
}

StoreConnection::~StoreConnection() {
  sqlite3_close(db);
}

}  // namespace ys
