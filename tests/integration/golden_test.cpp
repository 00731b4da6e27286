// Golden figures: every bundled task scored for three offline models, compared bit for bit
// with tests/golden/mock_figures.tsv; and mock:oracle scoring 1 on every metric of each. Written
// before scoring moved out of tasks/ and the store out of the harness, so that the move provably
// changed no figure. After a deliberate change of a figure, regenerate with YS_WRITE_GOLDEN=1 (the
// test then fails once, saying it wrote the file) and review the diff.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness/evaluation.h"
#include "harness/store/store.h"
#include "runners/factory.h"
#include "tasks/registry.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

const std::filesystem::path kGoldenFile =
    std::filesystem::path(YS_SOURCE_DIR) / "tests/golden/mock_figures.tsv";

std::string format_results(const std::string& label, const std::vector<TaskResult>& results) {
  std::string out;
  char line[512];
  for (const auto& r : results) {
    std::snprintf(line, sizeof line, "%s\t%s\tsamples=%zu\terrors=%zu\n", label.c_str(),
                  r.task.c_str(), r.samples, r.errors);
    out += line;
    for (const auto& m : r.metrics) {
      std::snprintf(line, sizeof line, "%s\t%s\t%s\tn=%zu\tmean=%.17g\tstderr=%.17g\n",
                    label.c_str(), r.task.c_str(), m.metric.c_str(), m.n, m.mean, m.stderr_of_mean);
      out += line;
    }
  }
  return out;
}

TEST(Golden, EveryBundledTaskScoresAsRecordedForMockModels) {
  if (!test::require_shared(test::shared_dir() / "datasets/mmlu")) return;
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  // tests/fixtures stands in for datasets not in ../shared (the full MATH test set) and
  // data that cannot be shipped (GPQA).
  where.roots = {std::filesystem::path(YS_SOURCE_DIR) / "datasets/data",
                 test::shared_dir() / "datasets",
                 std::filesystem::path(YS_SOURCE_DIR) / "tests/fixtures"};
  std::vector<EvalTask> tasks;
  ScoringResources resources;
  size_t longctx = 0;
  for (const auto& [name, spec] : registry.tasks()) {
    // The generated long-context tasks are not part of this record (their grid reaches 1M
    // tokens); longctx_test.cpp runs them with the oracle and the truncating mock.
    if (spec.generator && spec.generator->name == "longctx") {
      ++longctx;
      continue;
    }
    tasks.push_back(load_eval_task(spec, where, resources));
  }
  ASSERT_EQ(tasks.size() + longctx, registry.tasks().size());  // every other task loads
  ASSERT_GE(tasks.size(), 37u);

  test::ScratchDir dir;
  Store store(dir / "golden.db");
  std::string figures;
  auto evaluate = [&](const std::string& model, const std::vector<EvalTask>& which, int repeats,
                      int limit) {
    RunnerOptions ro;
    ro.seed = 11;
    auto runner = make_runner(model, ro);
    EvalOptions o;
    o.model_spec = model;
    o.repeats = repeats;
    o.limit = limit;
    o.scoring_threads = 2;
    EvalOutcome out = run_evaluation(*runner, which, store, o);
    EXPECT_EQ(out.status, "completed") << model;
    if (model == std::string("mock:oracle")) {
      // The oracle scores 1 on every metric of every task (issue 11's "done when"), asserted
      // here and not only through the recorded figures.
      EXPECT_EQ(out.results.size(), which.size());
      for (const auto& r : out.results) {
        EXPECT_GT(r.samples, 0u) << r.task;
        EXPECT_EQ(r.errors, 0u) << r.task;
        EXPECT_FALSE(r.metrics.empty()) << r.task;
        for (const auto& m : r.metrics) EXPECT_EQ(m.mean, 1.0) << r.task << " " << m.metric;
      }
    }
    figures += format_results(model + " x" + std::to_string(repeats), out.results);
  };
  // Every sample of the tasks scored without running code; a slice of each coding task
  // (running its programs takes seconds per hundred).
  std::vector<EvalTask> code, no_code;
  for (const auto& t : tasks) (t.scorers.runs_code() ? code : no_code).push_back(t);
  for (const char* model : {"mock:oracle", "mock:wrong", "mock:noisy:0.7"}) {
    evaluate(model, no_code, 1, -1);
    evaluate(model, code, 1, 10);
  }
  // pass@k, and mean ± stderr, over repeats.
  code.push_back(no_code.front());
  evaluate("mock:noisy:0.5", code, 10, 3);

  if (std::getenv("YS_WRITE_GOLDEN")) {
    std::ofstream(kGoldenFile, std::ios::binary) << figures;
    FAIL() << "wrote " << kGoldenFile << "; review its diff and run again without YS_WRITE_GOLDEN";
  }
  std::ifstream in(kGoldenFile, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << kGoldenFile;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(figures, expected.str());
}

}  // namespace
}  // namespace ys
