#include "harness/store/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "harness/store/run_rows.h"
#include "harness/store/schema.h"
#include "harness/store/sqlite.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace ys {
namespace {

constexpr size_t kMaxBatch = 512;  // rows per transaction, at most

// JSON text for the store: never throws on a string that is not valid UTF-8 (each bad
// byte becomes U+FFFD), so one odd byte from a server cannot lose a batch.
std::string to_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// The writer's statements, prepared on its first batch and reused: preparing them for
// each (often small) batch cost more than the inserts.
struct Store::WriterStatements {
  explicit WriterStatements(sqlite3* db)
      : upsert(db,
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
               "error=excluded.error, written_at=excluded.written_at"),
        find_row(db,
                 "SELECT id FROM samples WHERE run_id=? AND task=? AND sample_id=? AND repeat=?"),
        clear_scores(db, "DELETE FROM scores WHERE sample_row=?"),
        add_score(db,
                  "INSERT INTO scores(sample_row, run_id, task, metric, value) "
                  "VALUES(?,?,?,?,?)"),
        cache(db,
              "INSERT OR IGNORE INTO responses(cache_key, runner, response, written_at) "
              "VALUES(?,?,?,?)") {}
  // The upsert has no RETURNING: SQLite buffers a RETURNING row in a temporary table, which
  // cost more than the insert. A new row's id is sqlite3_last_insert_rowid; a replaced
  // row's is looked up with find_row.
  Statement upsert, find_row, clear_scores, add_score, cache;
};

Store::Store(const std::filesystem::path& path) : path_(path) {
  db_ = open_connection(path, true);
  try {
    migrate_store(db_);
    writer_db_ = open_connection(path, false);
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
  statements_.reset();
  cache_lookup_.reset();
  sqlite3_close(writer_db_);
  sqlite3_close(db_);
}

int64_t Store::create_run(const RunRecord& run) {
  Statement s(db_,
              "INSERT INTO runs(fingerprint, model, runner_config, tasks, seed, repeats, "
              "sample_limit, yardstick_version, git_describe, started_at, status, command, "
              "fingerprint_parts, shard, merged_from) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, run.fingerprint).bind(2, valid_utf8(run.model)).bind(3, to_text(run.runner_config));
  s.bind(4, to_text(nlohmann::json(run.tasks)));
  if (run.seed) {
    s.bind(5, static_cast<int64_t>(*run.seed));
  } else {
    s.bind_null(5);
  }
  s.bind(6, int64_t{run.repeats}).bind(7, int64_t{run.sample_limit});
  s.bind(8, run.yardstick_version).bind(9, run.git_describe);
  s.bind(10, run.started_at.empty() ? utc_now_iso() : run.started_at);
  s.bind(11, run.status.empty() ? std::string("running") : run.status)
      .bind(12, valid_utf8(run.command));
  auto bind_json = [&s](int i, const nlohmann::json& j) {
    if (j.is_null()) {
      s.bind_null(i);
    } else {
      s.bind(i, to_text(j));
    }
  };
  bind_json(13, run.fingerprint_parts);
  if (run.shard.empty()) {
    s.bind_null(14);
  } else {
    s.bind(14, run.shard);
  }
  bind_json(15, run.merged_from);
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

void Store::tag_run(int64_t run_id, const std::string& name) {
  Statement exists(db_, "SELECT 1 FROM runs WHERE id=?");
  exists.bind(1, run_id);
  if (!exists.step())
    throw StoreError("no run " + std::to_string(run_id) + " in " + path_.string());
  Statement s(db_, "INSERT OR REPLACE INTO tags(name, run_id, tagged_at) VALUES(?, ?, ?)");
  s.bind(1, name).bind(2, run_id).bind(3, utc_now_iso()).run();
}

void Store::declare_metrics(int64_t run_id, const std::string& task,
                            const std::vector<MetricInfo>& metrics) {
  in_transaction(db_, [&] {
    Statement clear(db_, "DELETE FROM metrics WHERE run_id=? AND task=?");
    clear.bind(1, run_id).bind(2, task).run();
    Statement add(db_,
                  "INSERT INTO metrics(run_id, task, metric, aggregation, position) "
                  "VALUES(?,?,?,?,?)");
    for (size_t i = 0; i < metrics.size(); ++i) {
      add.bind(1, run_id).bind(2, task).bind(3, metrics[i].name);
      add.bind(4, std::string(aggregation_name(metrics[i].aggregation)));
      add.bind(5, static_cast<int64_t>(i)).run();
    }
  });
}

std::set<SampleKey> Store::answered_samples(int64_t run_id) {
  const std::string sql =
      "SELECT task, sample_id, repeat FROM samples WHERE run_id=? AND " + scored_sample();
  Statement s(db_, sql.c_str());
  s.bind(1, run_id);
  std::set<SampleKey> done;
  while (s.step()) done.emplace(s.text(0), s.text(1), static_cast<int>(s.integer(2)));
  return done;
}

std::optional<Completion> Store::cached_response(const std::string& cache_key) {
  // Prepared once: a run looks up every sample, and preparing cost more than the lookup.
  if (!cache_lookup_)
    cache_lookup_ =
        std::make_unique<Statement>(db_, "SELECT response FROM responses WHERE cache_key=?");
  Statement& s = *cache_lookup_;
  s.reset();  // after a lookup that threw
  s.bind(1, cache_key);
  if (!s.step()) {
    s.reset();
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(s.view(0), nullptr, false);
  s.reset();
  if (!j.is_object()) return std::nullopt;
  return completion_from_json(j);
}

void Store::cached_responses(size_t count, const std::function<const std::string&(size_t)>& key,
                             const std::function<void(size_t, Completion)>& found) {
  exec_sql(db_, "BEGIN");  // deferred: a read transaction, the writer thread is not held up
  try {
    for (size_t i = 0; i < count; ++i) {
      if (auto c = cached_response(key(i))) found(i, std::move(*c));
    }
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec_sql(db_, "COMMIT");
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
  ++flush_waiters_;
  wake_writer_.notify_all();
  drained_.wait(lock, [this] { return (queue_.empty() && in_progress_ == 0) || writer_error_; });
  --flush_waiters_;
  rethrow_writer_error();
}

void Store::writer_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_writer_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    // Lingers a little for a fuller batch: one transaction per handful of rows cost more
    // than the rows (commit, statement resets); nobody waits on a write unless flushing.
    constexpr auto kLinger = std::chrono::milliseconds(20);
    wake_writer_.wait_for(lock, kLinger, [this] {
      return stopping_ || flush_waiters_ > 0 || queue_.size() >= kMaxBatch;
    });
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
  if (!statements_) statements_ = std::make_unique<WriterStatements>(writer_db_);
  Statement& upsert = statements_->upsert;
  Statement& find_row = statements_->find_row;
  Statement& clear_scores = statements_->clear_scores;
  Statement& add_score = statements_->add_score;
  Statement& cache = statements_->cache;
  try {
    in_transaction(writer_db_, [&] {
      const std::string now = utc_now_iso();
      for (auto& s : batch) {
        make_valid_utf8(s.completion);
        const Completion& c = s.completion;
        nlohmann::json extracted = nlohmann::json::object(), scores = nlohmann::json::object();
        for (const auto& sc : s.scores) {
          extracted[sc.metric] = sc.extracted ? nlohmann::json(*sc.extracted) : nlohmann::json();
          scores[sc.metric] = sc.value;
        }
        const std::string response = to_text(to_json(c));
        upsert.bind(1, s.run_id).bind(2, s.task).bind(3, s.sample_id).bind(4, int64_t{s.repeat});
        upsert.bind(5, s.cache_key).bind(6, to_text(s.request)).bind(7, response);
        upsert.bind(8, valid_utf8(s.reference));
        if (s.scores.empty()) {
          upsert.bind_null(9).bind_null(10);
        } else {
          upsert.bind(9, to_text(extracted)).bind(10, to_text(scores));
        }
        upsert.bind(11, c.usage.prompt_tokens).bind(12, c.usage.completion_tokens);
        upsert.bind(13, c.latency_s);
        if (c.ok()) {
          upsert.bind_null(14).bind_null(15);
        } else {
          upsert.bind(14, std::string(error_kind_name(c.error)))
              .bind(15, valid_utf8(c.error_message));
        }
        upsert.bind(16, now);
        // An upsert that updates leaves the last insert rowid as it was: 0 says it did.
        sqlite3_set_last_insert_rowid(writer_db_, 0);
        upsert.run();
        int64_t row = sqlite3_last_insert_rowid(writer_db_);
        if (row == 0) {
          find_row.bind(1, s.run_id).bind(2, s.task).bind(3, s.sample_id);
          find_row.bind(4, int64_t{s.repeat});
          if (!find_row.step()) throw StoreError("upsert of a sample left no row");
          row = find_row.integer(0);
          find_row.reset();
        }

        clear_scores.bind(1, row).run();
        if (c.scorable()) {
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
    });
  } catch (...) {
    upsert.reset();  // a statement that failed mid-row must not stay bound to it
    find_row.reset();
    clear_scores.reset();
    add_score.reset();
    cache.reset();
    throw;
  }
}

}  // namespace ys
