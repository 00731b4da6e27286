// The SQLite store: runs, samples, scores and the response cache. Schema: docs/ARCHITECTURE.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "reports/results.h"
#include "runners/completion.h"
#include "scoring/metrics.h"

struct sqlite3;

namespace ys {

// The store cannot be opened, migrated or written.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message) : std::runtime_error(message) {}
};

struct RunRecord {
  int64_t id = 0;
  std::string fingerprint;       // same command, same specs => same fingerprint
  std::string model;             // the model spec as given, e.g. "openai:gpt-4o-mini"
  nlohmann::json runner_config;  // without secrets
  std::vector<std::string> tasks;
  std::optional<uint64_t> seed;
  int repeats = 1;
  int sample_limit = -1;  // -1: all
  std::string yardstick_version, git_describe;
  std::string started_at, finished_at;
  std::string status;  // running, completed, interrupted, failed
  std::string command;
};

struct SampleRecord {
  int64_t run_id = 0;
  std::string task, sample_id;
  int repeat = 0;
  std::string cache_key;
  nlohmann::json request;  // canonical request
  std::string reference;
  Completion completion;
  std::vector<Score> scores;  // empty when the completion is an unscored error
};

// (task, sample id, repeat)
using SampleKey = std::tuple<std::string, std::string, int>;

class Store {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens or creates the database at `path` (and its folder), in WAL mode, migrating an
  // older schema. Throws StoreError when the file is not a yardstick store or was written
  // by a newer yardstick.
  explicit Store(const std::filesystem::path& path);
  // Commits every queued sample before closing.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs. ------------------------------------------------------------------------------
  int64_t create_run(const RunRecord& run);
  // The newest run with this fingerprint that did not complete, if any.
  std::optional<RunRecord> find_unfinished_run(const std::string& fingerprint);
  // Sets status (and finished_at when the status is final).
  void set_run_status(int64_t run_id, const std::string& status);
  std::vector<RunRecord> list_runs();

  // Samples. ---------------------------------------------------------------------------
  // Samples of `run_id` already answered (scored rows: no error, or a refusal).
  std::set<SampleKey> answered_samples(int64_t run_id);
  // A previously received successful response for `cache_key`.
  std::optional<Completion> cached_response(const std::string& cache_key);
  // Queues `sample` for the writer thread (batched transactions). A second write of the
  // same (run, task, sample, repeat) replaces the first. Rethrows a failure of an earlier
  // batch as StoreError.
  void write(SampleRecord sample);
  // Blocks until everything queued so far is committed.
  void flush();

  // Reading for reports. ----------------------------------------------------------------
  // Per (run, task): sample and error counts, tokens and each metric's mean and standard
  // error; for coding tasks, pass@1/10/100 (the unbiased estimator over each problem's
  // repeats, for each k no larger than every problem's count) instead of the raw "pass".
  // All runs when `run_id` is empty.
  std::vector<TaskResult> task_results(std::optional<int64_t> run_id = std::nullopt);

  int schema_version();

 private:
  void migrate();
  void add_pass_at_k(std::optional<int64_t> run_id,
                     std::map<std::pair<int64_t, std::string>, TaskResult>& results);
  void writer_loop();
  void commit_batch(std::vector<SampleRecord>& batch);
  void rethrow_writer_error();

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;         // the caller's thread
  sqlite3* writer_db_ = nullptr;  // the writer thread

  std::mutex mutex_;
  std::condition_variable wake_writer_, drained_;
  std::deque<SampleRecord> queue_;
  size_t in_progress_ = 0;
  bool stopping_ = false;
  std::exception_ptr writer_error_;
  std::thread writer_;
};

}  // namespace ys
