// Coding tasks through the whole evaluation: generated answers, the sandbox, pass@k in the
// store.
#include <gtest/gtest.h>

#include "harness/evaluation.h"
#include "harness/store/store.h"
#include "runners/mock.h"
#include "tasks/registry.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

class CodeRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::require_shared(test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz"))
      GTEST_SKIP();
    registry_ = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
    DataLocation where;
    where.roots = {test::shared_dir() / "datasets"};
    tasks_.push_back(load_eval_task(registry_.tasks().at("humaneval"), where, resources_));
  }

  EvalOutcome run(Runner& runner, int limit, int repeats) {
    EvalOptions o;
    o.model_spec = runner.identity();
    o.limit = limit;
    o.repeats = repeats;
    o.scoring_threads = 2;
    return run_evaluation(runner, tasks_, store_, o);
  }

  TaskRegistry registry_;
  ScoringResources resources_;
  std::vector<EvalTask> tasks_;
  test::ScratchDir dir_;
  Store store_{dir_ / "y.db"};
};

const MetricResult* find(const TaskResult& r, const std::string& name) {
  for (const auto& m : r.metrics) {
    if (m.metric == name) return &m;
  }
  return nullptr;
}

TEST_F(CodeRun, OracleSolvesEveryProblem) {
  MockRunner oracle(MockRunner::Behavior::kOracle, 1, 0);
  EvalOutcome out = run(oracle, -1, 1);
  ASSERT_EQ(out.results.size(), 1u);
  const MetricResult* p1 = find(out.results[0], "pass@1");
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->n, 164u);
  EXPECT_EQ(p1->mean, 1.0);
  EXPECT_EQ(find(out.results[0], "pass"), nullptr);  // replaced by pass@k
}

TEST_F(CodeRun, PassAtKFromRepeats) {
  // Right with probability 0.5 per (problem, repeat): pass@1 near 0.5, pass@10 near 1.
  MockRunner noisy(MockRunner::Behavior::kNoisy, 0.5, 3);
  EvalOutcome out = run(noisy, 12, 10);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].samples, 120u);
  const MetricResult* p1 = find(out.results[0], "pass@1");
  const MetricResult* p10 = find(out.results[0], "pass@10");
  ASSERT_NE(p1, nullptr);
  ASSERT_NE(p10, nullptr);
  EXPECT_EQ(p1->n, 12u);  // one estimate per problem
  EXPECT_GT(p1->mean, 0.25);
  EXPECT_LT(p1->mean, 0.75);
  EXPECT_GT(p10->mean, 0.9);
  EXPECT_EQ(find(out.results[0], "pass@100"), nullptr);  // n = 10 < 100
}

TEST_F(CodeRun, WrongAnswersFailWithTheirVerdictStored) {
  MockRunner wrong(MockRunner::Behavior::kWrong, 0, 0);
  EvalOutcome out = run(wrong, 5, 1);
  EXPECT_EQ(find(out.results.at(0), "pass@1")->mean, 0.0);
}

}  // namespace
}  // namespace ys

namespace ys {
namespace {

// Every reference solution of stdio-basic passes every test, in each of its languages,
// through the whole pipeline (prompt, answer, fenced-code extraction, judge, store).
TEST(StdioBasic, AllReferenceSolutionsPassInEveryLanguage) {
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;  // the bundled data root
  where.roots = {std::filesystem::path(YS_SOURCE_DIR) / "datasets/data"};
  ScoringResources resources;
  std::vector<EvalTask> tasks;
  for (const char* name : {"stdio-basic", "stdio-basic-cpp", "stdio-basic-js"}) {
    tasks.push_back(load_eval_task(registry.tasks().at(name), where, resources));
    ASSERT_EQ(tasks.back().task.samples().size(), 32u);
    for (const auto& s : tasks.back().task.samples()) {
      ASSERT_GE(s.fields.at("tests").size(), 5u) << s.id;
    }
  }
  test::ScratchDir dir;
  Store store(dir / "y.db");
  MockRunner oracle(MockRunner::Behavior::kOracle, 1, 0);
  EvalOptions o;
  o.model_spec = "mock:oracle";
  o.scoring_threads = 2;
  EvalOutcome out = run_evaluation(oracle, tasks, store, o);
  ASSERT_EQ(out.results.size(), 3u);
  for (const auto& r : out.results) {
    ASSERT_FALSE(r.metrics.empty()) << r.task;
    EXPECT_EQ(r.metrics[0].metric, "pass@1");
    EXPECT_EQ(r.metrics[0].mean, 1.0) << r.task;
  }
}

}  // namespace
}  // namespace ys
