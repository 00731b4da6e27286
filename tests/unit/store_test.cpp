#include "harness/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/support/test_paths.h"

namespace ys {
namespace {

using test::ScratchDir;

RunRecord run_record(const std::string& fingerprint) {
  RunRecord r;
  r.fingerprint = fingerprint;
  r.model = "mock:oracle";
  r.runner_config = {{"provider", "mock"}};
  r.tasks = {"t"};
  r.yardstick_version = "test";
  r.git_describe = "g";
  r.command = "yardstick run";
  return r;
}

SampleRecord sample(int64_t run, const std::string& id, double value,
                    ErrorKind error = ErrorKind::kNone) {
  SampleRecord s;
  s.run_id = run;
  s.task = "t";
  s.sample_id = id;
  s.cache_key = "key-" + id;
  s.request = {{"messages", nlohmann::json::array()}, {"runner", "mock:oracle"}};
  s.reference = "4";
  s.completion.text = "#### 4";
  s.completion.usage = {10, 2};
  s.completion.error = error;
  if (error == ErrorKind::kNone) {
    s.scores = {{"em", value, "4", "correct"}, {"flex", 1.0, "4", "correct"}};
  } else {
    s.completion.error_message = "boom";
  }
  return s;
}

TEST(Store, CreatesSchemaAtCurrentVersion) {
  ScratchDir dir;
  Store store(dir / "sub/y.db");  // creates the folder too
  EXPECT_EQ(store.schema_version(), Store::kSchemaVersion);
}

TEST(Store, RoundTripsRunsSamplesScoresAndCache) {
  ScratchDir dir;
  int64_t run;
  {
    Store store(dir / "y.db");
    run = store.create_run(run_record("fp"));
    store.write(sample(run, "a", 1.0));
    store.write(sample(run, "b", 0.0));
    store.write(sample(run, "c", 0.0, ErrorKind::kTransient));
    store.flush();
    store.set_run_status(run, "completed");
  }
  Store store(dir / "y.db");  // reopen: everything persisted
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "completed");
  EXPECT_FALSE(runs[0].finished_at.empty());
  EXPECT_EQ(runs[0].tasks, std::vector<std::string>{"t"});

  auto answered = store.answered_samples(run);
  EXPECT_EQ(answered.size(), 2u);  // the transient error is not answered
  EXPECT_TRUE(answered.count({"t", "a", 0}));

  auto cached = store.cached_response("key-a");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->text, "#### 4");
  EXPECT_EQ(cached->usage.prompt_tokens, 10);
  EXPECT_FALSE(store.cached_response("key-c").has_value());  // errors are never cached

  auto results = store.task_results(run);
  ASSERT_EQ(results.size(), 1u);
  const TaskResult& r = results[0];
  EXPECT_EQ(r.samples, 3u);
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(r.prompt_tokens, 30);
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(r.metrics[0].metric, "em");  // spec order kept
  EXPECT_EQ(r.metrics[0].n, 2u);
  EXPECT_DOUBLE_EQ(r.metrics[0].mean, 0.5);
  EXPECT_NEAR(r.metrics[0].stderr_of_mean, 0.5, 1e-12);  // sd sqrt(0.5), n 2
}

TEST(Store, RewritingASampleReplacesIt) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  store.write(sample(run, "a", 0.0, ErrorKind::kRateLimited));
  store.write(sample(run, "a", 1.0));
  store.flush();
  auto results = store.task_results(run);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].samples, 1u);
  EXPECT_EQ(results[0].errors, 0u);
  EXPECT_DOUBLE_EQ(results[0].metrics[0].mean, 1.0);
}

TEST(Store, FindsOnlyUnfinishedRunsByFingerprint) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t a = store.create_run(run_record("fp"));
  EXPECT_EQ(store.find_unfinished_run("fp")->id, a);
  EXPECT_FALSE(store.find_unfinished_run("other").has_value());
  store.set_run_status(a, "completed");
  EXPECT_FALSE(store.find_unfinished_run("fp").has_value());
  int64_t b = store.create_run(run_record("fp"));
  store.set_run_status(b, "interrupted");
  EXPECT_EQ(store.find_unfinished_run("fp")->id, b);
}

TEST(Store, RefusesANewerSchema) {
  ScratchDir dir;
  { Store store(dir / "y.db"); }
  sqlite3* db;
  ASSERT_EQ(sqlite3_open((dir / "y.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    Store store(dir / "y.db");
    FAIL();
  } catch (const StoreError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("schema version 99"), std::string::npos) << m;
    EXPECT_NE(m.find("y.db"), std::string::npos) << m;
  }
}

TEST(Store, RefusesAFileThatIsNotADatabase) {
  ScratchDir dir;
  test::write_file(dir / "y.db", std::string(4096, 'x'));
  EXPECT_THROW(Store store(dir / "y.db"), StoreError);
}

}  // namespace
}  // namespace ys
