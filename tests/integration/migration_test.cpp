// The store across versions and failures: a store written by schema version 1 (a dump made
// by the yardstick before the scoring move, with two interrupted runs) opens, reads the
// same figures and resumes; a writer failure marks the run failed, never 'running'.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "harness/evaluation.h"
#include "harness/store/reader.h"
#include "harness/store/schema.h"
#include "runners/mock.h"
#include "tasks/registry.h"
#include "tests/support/child.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

void exec(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class VersionOneStore : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dump =
        read_text(std::filesystem::path(YS_SOURCE_DIR) / "tests/golden/store_v1.sql");
    ASSERT_FALSE(dump.empty());
    exec(db_, dump);
    // The figures version 1 read with SQL, before any migration.
    strict_mean_ = test::query_number(db_,
                                      "SELECT avg(value) FROM scores WHERE run_id=1 AND "
                                      "metric='exact_match/strict'");
    ASSERT_GT(strict_mean_, 0.0);
    ASSERT_EQ(test::query_number(db_, "PRAGMA user_version"), 1.0);
  }

  test::ScratchDir dir_;
  std::filesystem::path db_ = dir_ / "v1.db";
  double strict_mean_ = 0;
};

TEST_F(VersionOneStore, OpensAtTheCurrentVersionWithTheSameFigures) {
  StoreReader reader(db_);
  EXPECT_EQ(test::query_number(db_, "PRAGMA user_version"), static_cast<double>(kSchemaVersion));
  auto runs = reader.runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, "interrupted");
  auto results = reader.task_results();
  ASSERT_EQ(results.size(), 2u);
  const TaskResult& arith = results[0];
  EXPECT_EQ(arith.task, "arith");
  EXPECT_EQ(arith.samples, 18u);
  ASSERT_EQ(arith.metrics.size(), 2u);
  EXPECT_EQ(arith.metrics[0].metric, "exact_match/strict");  // the order of version 1
  EXPECT_EQ(arith.metrics[1].metric, "exact_match/flexible");
  EXPECT_DOUBLE_EQ(arith.metrics[0].mean, strict_mean_);
  EXPECT_EQ(arith.metrics[0].n, 18u);
  const TaskResult& code = results[1];
  EXPECT_EQ(code.task, "stdio-basic");
  ASSERT_EQ(code.metrics.size(), 1u);
  EXPECT_EQ(code.metrics[0].metric, "pass@1");  // 'pass' of version 1 aggregates as pass@k
  EXPECT_EQ(code.metrics[0].n, 3u);
}

TEST_F(VersionOneStore, AnInterruptedRunResumesAfterTheMigration) {
  // The command that made run 2: three stdio problems, two answers each; repeat 1 of
  // every problem was lost.
  auto r =
      test::run_child({test::yardstick_bin().string(), "run", "--model", "mock:oracle", "--tasks",
                       "stdio-basic", "--limit", "3", "--repeats", "2", "--db", db_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("run 2 (mock:oracle): completed (resumed)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 answered before"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 requests sent"), std::string::npos) << r.err;
  StoreReader reader(db_);
  EXPECT_EQ(reader.runs().size(), 2u);  // no new run
  EXPECT_EQ(reader.run(2)->status, "completed");
  auto results = reader.task_results(2);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].samples, 6u);
  ASSERT_EQ(results[0].metrics.size(), 1u);
  EXPECT_EQ(results[0].metrics[0].metric, "pass@1");
  EXPECT_EQ(results[0].metrics[0].mean, 1.0);
}

TEST(StoreFailure, AFailedWriteMarksTheRunFailedAndARerunCompletesIt) {
  test::ScratchDir dir;
  const auto db = dir / "y.db";
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  ScoringResources resources;
  std::vector<EvalTask> tasks;
  tasks.push_back(load_eval_task(registry.tasks().at("arith"), {}, resources));
  MockRunner oracle(MockRunner::Behavior::kOracle, 1, 0);
  EvalOptions o;
  o.model_spec = "mock:oracle";
  o.limit = 40;
  {
    Store store(db);
    // One sample cannot be written (as a full disk or a broken row would do).
    exec(db,
         "CREATE TRIGGER refuse BEFORE INSERT ON samples WHEN NEW.sample_id='17' "
         "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
    EvalOutcome out = run_evaluation(oracle, tasks, store, o);
    EXPECT_EQ(out.status, "failed");
    EXPECT_NE(out.failure.find("disk on fire"), std::string::npos) << out.failure;
    EXPECT_EQ(StoreReader(db).run(out.run_id)->status, "failed");
  }
  exec(db, "DROP TRIGGER refuse");
  Store store(db);
  EvalOutcome again = run_evaluation(oracle, tasks, store, o);
  EXPECT_EQ(again.status, "completed");
  EXPECT_TRUE(again.resumed);
  ASSERT_EQ(again.results.size(), 1u);
  EXPECT_EQ(again.results[0].samples, 40u);
  EXPECT_EQ(again.results[0].metrics.at(0).mean, 1.0);
}

}  // namespace
}  // namespace ys
