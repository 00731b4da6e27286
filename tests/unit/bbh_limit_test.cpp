// BBH's --limit (stratified over the 27 subtasks) and the bootstrap interval of its macro
// average (stratified: questions resampled within subtasks).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "harness/evaluation.h"
#include "harness/store/store.h"
#include "runners/factory.h"
#include "scoring/aggregate.h"
#include "scoring/stats.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

const std::filesystem::path kSpecs = std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs";

DataLocation shared_data() {
  DataLocation where;
  where.roots = {test::shared_dir() / "datasets"};
  return where;
}

// How many of `indices` fall in each subtask of `t`.
std::map<std::string, size_t> per_subtask(const Task& t, const std::vector<size_t>& indices) {
  std::map<std::string, size_t> out;
  for (size_t i : indices) ++out[t.samples()[i].fields.at("subtask").get<std::string>()];
  return out;
}

TEST(BbhLimit, SpreadsTheLimitOverTheSubtasksInRounds) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(kSpecs);
  Task t = Task::load(reg.tasks().at("bbh"), shared_data());
  ASSERT_EQ(t.samples().size(), 6511u);
  // 27: the first sample of every subtask.
  auto one = t.evaluated_indices(27);
  ASSERT_EQ(one.size(), 27u);
  for (const auto& [subtask, n] : per_subtask(t, one)) EXPECT_EQ(n, 1u) << subtask;
  for (size_t i : one) EXPECT_EQ(t.samples()[i].id.substr(t.samples()[i].id.rfind('/')), "/0");
  // 60 = 2 rounds of 27 + 6: the first 6 subtasks in name order get a third.
  auto sixty = t.evaluated_indices(60);
  ASSERT_EQ(sixty.size(), 60u);
  EXPECT_TRUE(std::is_sorted(sixty.begin(), sixty.end()));
  const auto counts = per_subtask(t, sixty);
  ASSERT_EQ(counts.size(), 27u);
  size_t rank = 0;
  for (const auto& [subtask, n] : counts) EXPECT_EQ(n, rank++ < 6 ? 3u : 2u) << subtask;
  EXPECT_EQ(counts.at("boolean_expressions"), 3u);
  EXPECT_EQ(counts.at("word_sorting"), 2u);
  // A limit past the smallest subtasks (penguins_in_a_table 146, snarks 178): the others
  // take their share in later rounds. 27 * 180 = 4860: 146 rounds of 27, 32 of 26, then 86
  // over the other 25 (3 rounds and 11 more): 181 each, 182 for the first 11 in name order.
  auto most = t.evaluated_indices(27 * 180);
  ASSERT_EQ(most.size(), 27u * 180u);
  const auto big = per_subtask(t, most);
  size_t with_182 = 0, with_181 = 0;
  for (const auto& [subtask, n] : big) {
    if (subtask == "penguins_in_a_table") {
      EXPECT_EQ(n, 146u);
    } else if (subtask == "snarks") {
      EXPECT_EQ(n, 178u);
    } else {
      with_182 += n == 182u;
      with_181 += n == 181u;
    }
  }
  EXPECT_EQ(with_182, 11u);
  EXPECT_EQ(with_181, 14u);
  EXPECT_EQ(big.at("causal_judgement"), 182u);  // 2nd in name order
  EXPECT_EQ(big.at("word_sorting"), 181u);
  EXPECT_EQ(t.evaluated_indices(-1).size(), 6511u);
  EXPECT_EQ(t.evaluated_indices(100000).size(), 6511u);
  EXPECT_TRUE(t.evaluated_indices(0).empty());
  // A task without groups takes the first N.
  Task arc = Task::load(reg.tasks().at("arc_easy"), shared_data());
  EXPECT_EQ(arc.evaluated_indices(3), (std::vector<size_t>{0, 1, 2}));
}

TEST(BbhLimit, ARunWithALimitHasEverySubtask) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(kSpecs);
  ScoringResources resources;
  std::vector<EvalTask> tasks = {load_eval_task(reg.tasks().at("bbh"), shared_data(), resources)};
  test::ScratchDir dir;
  Store store(dir / "bbh.db");
  auto runner = make_runner("mock:oracle", {});
  EvalOptions o;
  o.model_spec = "mock:oracle";
  o.limit = 54;
  EvalOutcome out = run_evaluation(*runner, tasks, store, o);
  ASSERT_EQ(out.status, "completed");
  EXPECT_EQ(out.planned, 54u);
  const auto& m = out.results.at(0).metrics;
  ASSERT_EQ(m.size(), 2u + 27u);  // overall, macro, and all 27 subtasks
  for (size_t g = 2; g < m.size(); ++g) EXPECT_EQ(m[g].n, 2u) << m[g].metric;
  EXPECT_EQ(m[1].mean, 1.0);
}

TEST(MacroBootstrap, KeepsEveryGroupsWeight) {
  // Group a: 100 questions all right; group b: 2 questions all wrong. The macro average is
  // 0.5 in every replicate when each group resamples its own questions; a pooled bootstrap
  // of the same values centres near 100/102.
  std::vector<std::vector<double>> a(100, {1.0}), b(2, {0.0});
  const Interval ci = stratified_macro_bootstrap_ci({a, b});
  EXPECT_DOUBLE_EQ(ci.low, 0.5);
  EXPECT_DOUBLE_EQ(ci.high, 0.5);
  std::vector<std::vector<double>> pooled = a;
  pooled.insert(pooled.end(), b.begin(), b.end());
  EXPECT_GT(bootstrap_mean_ci(pooled).low, 0.9);
  EXPECT_EQ(stratified_macro_bootstrap_ci({}).high, 0.0);
  EXPECT_THROW(stratified_macro_bootstrap_ci({a}, {0, 1, 0.95}), std::invalid_argument);
}

TEST(MacroBootstrap, SeededAndAroundTheMacroMean) {
  // Two groups of 0/1 values, means 0.3 and 0.8: macro 0.55.
  std::vector<std::vector<double>> a, b;
  for (int i = 0; i < 50; ++i) a.push_back({i < 15 ? 1.0 : 0.0});
  for (int i = 0; i < 20; ++i) b.push_back({i < 16 ? 1.0 : 0.0});
  const Interval x = stratified_macro_bootstrap_ci({a, b});
  EXPECT_LT(x.low, 0.55);
  EXPECT_GT(x.high, 0.55);
  // Normal approximation: se = sqrt(0.3*0.7/50 + 0.8*0.2/20) / 2 = 0.0543; the 95% interval
  // is about +-0.106.
  EXPECT_NEAR(x.high - x.low, 2 * 1.96 * 0.0543, 0.03);
  const Interval same = stratified_macro_bootstrap_ci({a, b});
  EXPECT_EQ(same.low, x.low);
  EXPECT_EQ(same.high, x.high);
  BootstrapOptions other;
  other.seed = 7;
  const Interval y = stratified_macro_bootstrap_ci({a, b}, other);
  EXPECT_TRUE(y.low != x.low || y.high != x.high);
}

TEST(MacroBootstrap, GroupMeanAggregationCarriesIt) {
  std::vector<ScoredValue> v;
  for (int i = 0; i < 40; ++i) v.push_back({"a/" + std::to_string(i), 0, i % 4 == 0 ? 1.0 : 0.0});
  for (int i = 0; i < 10; ++i) v.push_back({"b/" + std::to_string(i), 0, i % 2 == 0 ? 1.0 : 0.0});
  auto out = aggregate("em", Aggregation::kGroupMean, v);
  ASSERT_EQ(out[1].metric, "em/macro");
  EXPECT_DOUBLE_EQ(out[1].mean, (0.25 + 0.5) / 2);
  EXPECT_LT(out[1].ci.low, out[1].mean);
  EXPECT_GT(out[1].ci.high, out[1].mean);
  // The same interval as the stats function on the groups' questions, in name order.
  std::vector<std::vector<std::vector<double>>> groups(2);
  std::map<std::string, double> a, b;
  for (const auto& s : v) (s.sample_id[0] == 'a' ? a : b)[s.sample_id] = s.value;
  for (const auto& [id, x] : a) groups[0].push_back({x});
  for (const auto& [id, x] : b) groups[1].push_back({x});
  const Interval direct = stratified_macro_bootstrap_ci(groups);
  EXPECT_EQ(out[1].ci.low, direct.low);
  EXPECT_EQ(out[1].ci.high, direct.high);
  // No bootstrap: the point.
  BootstrapOptions none;
  none.replicates = 0;
  auto plain = aggregate("em", Aggregation::kGroupMean, v, none);
  EXPECT_EQ(plain[1].ci.low, plain[1].mean);
  EXPECT_EQ(plain[1].ci.high, plain[1].mean);
}

}  // namespace
}  // namespace ys
