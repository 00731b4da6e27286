// The store's write side: runs, samples, scores and the response cache, written by one
// writer thread in batched transactions. Reading for reports is reader.h.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/store/records.h"
#include "harness/store/sqlite.h"
#include "scoring/aggregate.h"

struct sqlite3;

namespace ys {

class Store {
 public:
  // Opens or creates the database at `path` (and its folder), in WAL mode, migrating an
  // older schema. Throws StoreError when the file is not a yardstick store or was written
  // by a newer yardstick.
  explicit Store(const std::filesystem::path& path);
  // Commits every queued sample before closing.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Runs. ------------------------------------------------------------------------------
  int64_t create_run(const RunRecord& run);
  // The newest run with this fingerprint that did not complete, if any.
  std::optional<RunRecord> find_unfinished_run(const std::string& fingerprint);
  // Sets status (and finished_at when the status is final).
  void set_run_status(int64_t run_id, const std::string& status);
  // Records the metrics of `task` in run `run_id`, in order, with their aggregation (what
  // the read side aggregates by). Replaces an earlier declaration.
  void declare_metrics(int64_t run_id, const std::string& task,
                       const std::vector<MetricInfo>& metrics);

  // Names run `run_id` `name` (a tag), moving the name when another run had it. Throws
  // StoreError when there is no such run.
  void tag_run(int64_t run_id, const std::string& name);

  // Samples. ---------------------------------------------------------------------------
  // Samples of `run_id` already answered (scored rows: no error, or a refusal).
  std::set<SampleKey> answered_samples(int64_t run_id);
  // A previously received successful response for `cache_key`.
  std::optional<Completion> cached_response(const std::string& cache_key);
  // cached_response for keys key(0) … key(count - 1), in one read transaction (one per
  // lookup cost more than the lookup: file locks and a check of the WAL each); calls
  // found(i, completion) for each key that has one, in order. `found` must not use this
  // Store's reading methods (it may write()).
  void cached_responses(size_t count, const std::function<const std::string&(size_t)>& key,
                        const std::function<void(size_t, Completion)>& found);
  // Queues `sample` for the writer thread (batched transactions). A second write of the
  // same (run, task, sample, repeat) replaces the first. Text that is not valid UTF-8 is
  // stored with U+FFFD in place of each bad byte. Rethrows a failure of an earlier batch
  // as StoreError.
  void write(SampleRecord sample);
  // Blocks until everything queued so far is committed; rethrows a writer failure as
  // StoreError.
  void flush();

 private:
  struct WriterStatements;  // prepared once, on the writer thread

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
  int flush_waiters_ = 0;  // flush() calls waiting: the writer does not linger for more rows
  std::unique_ptr<WriterStatements> statements_;  // the writer thread's
  std::unique_ptr<Statement> cache_lookup_;       // cached_response's, on db_
  std::thread writer_;
};

}  // namespace ys
