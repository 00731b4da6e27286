#include "harness/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "harness/store/reader.h"
#include "harness/store/schema.h"
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
  { Store store(dir / "sub/y.db"); }  // creates the folder too
  sqlite3* db = open_connection(dir / "sub/y.db", false);
  EXPECT_EQ(schema_version(db), kSchemaVersion);
  sqlite3_close(db);
}

TEST(Store, RoundTripsRunsSamplesScoresAndCache) {
  ScratchDir dir;
  int64_t run;
  {
    Store store(dir / "y.db");
    run = store.create_run(run_record("fp"));
    store.declare_metrics(run, "t", {{"em", Aggregation::kMean}, {"flex", Aggregation::kMean}});
    store.write(sample(run, "a", 1.0));
    store.write(sample(run, "b", 0.0));
    store.write(sample(run, "c", 0.0, ErrorKind::kTransient));
    store.flush();
    store.set_run_status(run, "completed");
  }
  Store store(dir / "y.db");  // reopen: everything persisted
  StoreReader reader(dir / "y.db");
  auto runs = reader.runs();
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

  auto results = reader.task_results(run);
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
  store.declare_metrics(run, "t", {{"em", Aggregation::kMean}, {"flex", Aggregation::kMean}});
  store.write(sample(run, "a", 0.0, ErrorKind::kRateLimited));
  store.write(sample(run, "a", 1.0));
  store.flush();
  auto results = StoreReader(dir / "y.db").task_results(run);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].samples, 1u);
  EXPECT_EQ(results[0].errors, 0u);
  EXPECT_DOUBLE_EQ(results[0].metrics[0].mean, 1.0);
}

TEST(Store, RewritingAScoredSampleInALaterBatchReplacesItsScores) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  store.declare_metrics(run, "t", {{"em", Aggregation::kMean}, {"flex", Aggregation::kMean}});
  store.write(sample(run, "b", 1.0));
  store.write(sample(run, "a", 1.0));
  store.flush();
  store.write(sample(run, "a", 0.0));  // an update: the row keeps its id, its scores change
  store.flush();
  auto results = StoreReader(dir / "y.db").task_results(run);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].samples, 2u);
  EXPECT_DOUBLE_EQ(results[0].metrics[0].mean, 0.5);  // a 0, b 1
  sqlite3* db = open_connection(dir / "y.db", false);
  {
    Statement rows(db, "SELECT count(*) FROM scores");
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.integer(0), 4);  // em and flex of a and of b, none left over
    Statement a_em(db,
                   "SELECT s.value FROM scores s JOIN samples x ON x.id = s.sample_row "
                   "WHERE x.sample_id = 'a' AND s.metric = 'em'");
    ASSERT_TRUE(a_em.step());
    EXPECT_DOUBLE_EQ(a_em.real(0), 0.0);
    EXPECT_FALSE(a_em.step());
  }
  sqlite3_close(db);
}

TEST(Store, CachedResponsesLooksUpEveryKeyAndReportsTheHitsInOrder) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  store.declare_metrics(run, "t", {{"em", Aggregation::kMean}, {"flex", Aggregation::kMean}});
  SampleRecord b = sample(run, "b", 1.0);
  b.completion.text = "#### 5";
  store.write(sample(run, "a", 1.0));
  store.write(b);
  store.write(sample(run, "c", 0.0, ErrorKind::kTransient));  // never cached
  store.flush();
  const std::vector<std::string> keys = {"key-b", "key-x", "key-c", "key-a"};
  std::vector<std::pair<size_t, std::string>> found;
  store.cached_responses(
      keys.size(), [&keys](size_t i) -> const std::string& { return keys[i]; },
      [&](size_t i, Completion c) {
        found.emplace_back(i, c.text);
        store.write(sample(run, "d" + std::to_string(i), 1.0));  // writing is allowed
      });
  const std::vector<std::pair<size_t, std::string>> want = {{0, "#### 5"}, {3, "#### 4"}};
  EXPECT_EQ(found, want);
  store.flush();
  EXPECT_EQ(store.answered_samples(run).size(), 4u);         // a, b, d0, d3
  EXPECT_TRUE(store.cached_response("key-d0").has_value());  // the new rows are seen
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

TEST(Store, MetricsAggregateAsDeclaredInDeclaredOrder) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  // "flex" first, and "em" as pass@k: the read side follows the declaration, not names.
  store.declare_metrics(run, "t", {{"flex", Aggregation::kMean}, {"em", Aggregation::kPassAtK}});
  store.write(sample(run, "a", 1.0));
  store.write(sample(run, "b", 0.0));
  store.flush();
  auto results = StoreReader(dir / "y.db").task_results(run);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].metrics.size(), 2u);
  EXPECT_EQ(results[0].metrics[0].metric, "flex");
  EXPECT_EQ(results[0].metrics[1].metric, "em@1");
  EXPECT_DOUBLE_EQ(results[0].metrics[1].mean, 0.5);
}

TEST(Store, TextThatIsNotUtf8IsStoredRepairedAndTheRunGoesOn) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  store.declare_metrics(run, "t", {{"em", Aggregation::kMean}, {"flex", Aggregation::kMean}});
  SampleRecord bad = sample(run, "latin1", 1.0);
  bad.completion.text = "caf\xE9 #### 4";     // Latin-1, as a broken server sends it
  bad.completion.reasoning = "cut \xF0\x9F";  // a character cut in two
  bad.request["messages"] = {{{"role", "user"}, {"content", "\xFF?"}}};
  bad.scores[0].extracted = "\xE9";
  store.write(bad);
  SampleRecord failed = sample(run, "page", 0.0, ErrorKind::kTransient);
  failed.completion.error_message = "HTTP 502: <h1>Erreur \xE0 la passerelle</h1>";
  store.write(failed);
  store.write(sample(run, "fine", 1.0));
  ASSERT_NO_THROW(store.flush());
  auto rows = StoreReader(dir / "y.db").samples(run);
  ASSERT_EQ(rows.size(), 3u);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(rows[1].sample_id, "latin1");
  EXPECT_EQ(rows[1].completion.text, "caf" + fffd + " #### 4");
  EXPECT_EQ(rows[1].completion.reasoning, "cut " + fffd + fffd);
  EXPECT_EQ(rows[1].scores.at("em"), 1.0);
  EXPECT_EQ(rows[1].extracted.at("em"), fffd);
  EXPECT_EQ(rows[2].sample_id, "page");
  EXPECT_EQ(rows[2].completion.error_message,
            "HTTP 502: <h1>Erreur " + fffd + " la passerelle</h1>");
  EXPECT_EQ(store.answered_samples(run).size(), 2u);
}

TEST(StoreReader, SamplesOfARunWithTheirScores) {
  ScratchDir dir;
  Store store(dir / "y.db");
  int64_t run = store.create_run(run_record("fp"));
  store.write(sample(run, "b", 0.0));
  store.write(sample(run, "a", 1.0));
  store.flush();
  StoreReader reader(dir / "y.db");
  auto rows = reader.samples(run, "t");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].sample_id, "a");  // ordered by id
  EXPECT_EQ(rows[0].scores.at("em"), 1.0);
  EXPECT_EQ(rows[1].scores.at("em"), 0.0);
  EXPECT_EQ(rows[0].completion.text, "#### 4");
  EXPECT_TRUE(reader.samples(run, "other").empty());
  ASSERT_TRUE(reader.run(run).has_value());
  EXPECT_FALSE(reader.run(run + 1).has_value());
  EXPECT_THROW(StoreReader(dir / "missing.db"), StoreError);
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
