// maj@K and mean pass@1 over repeats (Aggregation::kMajority): hand-computed figures, and
// an end-to-end gsm8k run with repeats whose maj@K is recomputed from the stored scores.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "harness/evaluation.h"
#include "harness/store/reader.h"
#include "harness/store/store.h"
#include "runners/factory.h"
#include "scoring/aggregate.h"
#include "tasks/registry.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

ScoredValue answer(const std::string& id, int repeat, double value,
                   std::optional<std::string> extracted) {
  ScoredValue v;
  v.sample_id = id;
  v.repeat = repeat;
  v.value = value;
  v.extracted = std::move(extracted);
  return v;
}

TEST(Majority, VotesOverExtractedAnswersWithTiesToTheFirstSeen) {
  // Written out of repeat order, as concurrent answers arrive.
  std::vector<ScoredValue> v = {
      // a: 7, 7, 5, 7 -> 7 wins (3 votes), right.
      answer("a", 1, 1, "7"), answer("a", 0, 1, "7"), answer("a", 2, 0, "5"),
      answer("a", 3, 1, "7"),
      // b: 4, 9, 9, 4 -> tie 2-2, 4 seen first (repeat 0), wrong.
      answer("b", 3, 0, "4"), answer("b", 2, 1, "9"), answer("b", 1, 1, "9"),
      answer("b", 0, 0, "4"),
      // c: none, none, 3, none -> only 3 votes, right although 3 of 4 answers found nothing.
      answer("c", 0, 0, std::nullopt), answer("c", 1, 0, std::nullopt), answer("c", 2, 1, "3"),
      answer("c", 3, 0, std::nullopt),
      // d: nothing extracted at all -> 0.
      answer("d", 0, 0, std::nullopt), answer("d", 1, 0, std::nullopt),
      answer("d", 2, 0, std::nullopt), answer("d", 3, 0, std::nullopt)};
  auto out = aggregate("em", Aggregation::kMajority, v);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].metric, "em");  // the plain mean, as before
  EXPECT_EQ(out[0].n, 16u);
  EXPECT_DOUBLE_EQ(out[0].mean, 6.0 / 16.0);
  EXPECT_EQ(out[1].metric, "em/pass@1");
  EXPECT_EQ(out[1].n, 4u);
  // Per sample 3/4, 2/4, 1/4, 0: mean 0.375; sample sd of {.75,.5,.25,0} = sqrt(0.3125/3).
  EXPECT_DOUBLE_EQ(out[1].mean, 0.375);
  EXPECT_NEAR(out[1].stderr_of_mean, std::sqrt(0.3125 / 3.0) / 2.0, 1e-12);
  EXPECT_EQ(out[2].metric, "em/maj@4");
  EXPECT_EQ(out[2].n, 4u);
  EXPECT_EQ(out[2].questions, 4u);
  EXPECT_DOUBLE_EQ(out[2].mean, 0.5);  // a 1, b 0, c 1, d 0
  EXPECT_EQ(aggregation_name(Aggregation::kMajority), std::string("majority"));
  EXPECT_EQ(parse_aggregation("majority"), Aggregation::kMajority);
}

TEST(Majority, TieGoesToTheEarliestRepeatNotTheEarliestWritten) {
  // 1 and 2 tie; repeat 0 gave 2 (right) though 1's answer was written first.
  std::vector<ScoredValue> v = {answer("q", 1, 0, "1"), answer("q", 0, 1, "2")};
  auto out = aggregate("m", Aggregation::kMajority, v);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].metric, "m/maj@2");
  EXPECT_DOUBLE_EQ(out[2].mean, 1.0);
  EXPECT_DOUBLE_EQ(out[1].mean, 0.5);
}

TEST(Majority, AllInvalidScoresZeroAndAFallbackStringVotes) {
  // No answer extracted anywhere: maj@3 is 0 although nothing "wrong" won.
  std::vector<ScoredValue> none = {answer("x", 0, 0, std::nullopt), answer("x", 1, 0, std::nullopt),
                                   answer("x", 2, 0, std::nullopt)};
  auto out = aggregate("m", Aggregation::kMajority, none);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].metric, "m/maj@3");
  EXPECT_DOUBLE_EQ(out[2].mean, 0.0);
  // A scorer's fallback ("[invalid]") is an extracted string, so it votes, as in
  // lm-evaluation-harness's majority_vote after a regex filter: 2 of 3 invalid -> wrong.
  std::vector<ScoredValue> fallback = {answer("x", 0, 1, "12"), answer("x", 1, 0, "[invalid]"),
                                       answer("x", 2, 0, "[invalid]")};
  out = aggregate("m", Aggregation::kMajority, fallback);
  EXPECT_DOUBLE_EQ(out[2].mean, 0.0);
  EXPECT_NEAR(out[1].mean, 1.0 / 3.0, 1e-15);
}

TEST(Majority, OneRepeatGivesMajEqualToPassAtOneEqualToMean) {
  std::vector<ScoredValue> v = {answer("a", 0, 1, "3"), answer("b", 0, 0, "4"),
                                answer("c", 0, 0, std::nullopt), answer("d", 0, 1, "x")};
  auto out = aggregate("m", Aggregation::kMajority, v);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].metric, "m/maj@1");
  for (const auto& r : out) {
    EXPECT_DOUBLE_EQ(r.mean, 0.5) << r.metric;
    EXPECT_EQ(r.n, 4u) << r.metric;
  }
  EXPECT_DOUBLE_EQ(out[1].stderr_of_mean, out[0].stderr_of_mean);
}

TEST(Majority, UnevenRepeatsNameTheLargestK) {
  // A sample that lost a repeat to a transport error votes with what it has.
  std::vector<ScoredValue> v = {answer("a", 0, 1, "1"), answer("a", 1, 1, "1"),
                                answer("a", 2, 0, "2"), answer("b", 0, 0, "5")};
  auto out = aggregate("m", Aggregation::kMajority, v);
  EXPECT_EQ(out[2].metric, "m/maj@3");
  EXPECT_DOUBLE_EQ(out[2].mean, 0.5);
  EXPECT_DOUBLE_EQ(out[1].mean, (2.0 / 3.0 + 0.0) / 2.0);
}

// gsm8k with mock:noisy:0.5 and 4 repeats: each answer is either the oracle's (its number
// extracted) or a refusal (exact_match's fallback "[invalid]"; numeric_match finds
// nothing). So exact_match/flexible/maj@4 is right when 3+ repeats are right, or 2 with
// repeat 0 right (the tie rule); numeric_match/flexible/maj@4 whenever any repeat is right
// (answers without a number do not vote).
TEST(Majority, Gsm8kRunWithRepeatsReportsMajAndPassAtOne) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  where.roots = {test::shared_dir() / "datasets"};
  ScoringResources resources;
  std::vector<EvalTask> tasks = {load_eval_task(reg.tasks().at("gsm8k"), where, resources)};
  test::ScratchDir dir;
  Store store(dir / "maj.db");
  auto runner = make_runner("mock:noisy:0.5", {});
  EvalOptions o;
  o.model_spec = "mock:noisy:0.5";
  o.repeats = 4;
  o.limit = 60;
  EvalOutcome out = run_evaluation(*runner, tasks, store, o);
  ASSERT_EQ(out.status, "completed");
  store.flush();

  StoreReader reader(dir / "maj.db");
  std::map<std::string, std::map<int, double>> em;  // sample -> repeat -> value
  for (const auto& s : reader.samples(out.run_id, "gsm8k"))
    em[s.sample_id][s.repeat] = s.scores.at("exact_match/flexible");
  ASSERT_EQ(em.size(), 60u);
  double maj_em = 0, maj_numeric = 0, pass1 = 0;
  int ties = 0;
  for (const auto& [id, reps] : em) {
    ASSERT_EQ(reps.size(), 4u);
    int right = 0;
    for (const auto& [r, v] : reps) right += v == 1.0 ? 1 : 0;
    ties += right == 2 ? 1 : 0;
    maj_em += right >= 3 || (right == 2 && reps.at(0) == 1.0) ? 1 : 0;
    maj_numeric += right >= 1 ? 1 : 0;
    pass1 += right / 4.0;
  }
  EXPECT_GT(ties, 0);  // the tie rule is exercised
  std::map<std::string, MetricResult> figures;
  ASSERT_EQ(out.results.size(), 1u);
  for (const auto& m : out.results[0].metrics) figures[m.metric] = m;
  ASSERT_TRUE(figures.count("exact_match/flexible/maj@4"));
  ASSERT_TRUE(figures.count("exact_match/flexible/pass@1"));
  ASSERT_TRUE(figures.count("numeric_match/flexible/maj@4"));
  EXPECT_DOUBLE_EQ(figures["exact_match/flexible/maj@4"].mean, maj_em / 60.0);
  EXPECT_DOUBLE_EQ(figures["numeric_match/flexible/maj@4"].mean, maj_numeric / 60.0);
  EXPECT_NEAR(figures["exact_match/flexible/pass@1"].mean, pass1 / 60.0, 1e-12);
  EXPECT_EQ(figures["exact_match/flexible/maj@4"].n, 60u);
  EXPECT_EQ(figures["exact_match/flexible"].n, 240u);
  EXPECT_NE(maj_em, maj_numeric);  // the two voting rules differ on this data

  // The store records the aggregation; a reader recomputes the same figures.
  auto declared = reader.metrics(out.run_id, "gsm8k");
  ASSERT_FALSE(declared.empty());
  EXPECT_EQ(declared[0].aggregation, Aggregation::kMajority);
  auto again = reader.task_results(out.run_id);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].metrics.size(), out.results[0].metrics.size());
  for (size_t i = 0; i < again[0].metrics.size(); ++i) {
    EXPECT_EQ(again[0].metrics[i].metric, out.results[0].metrics[i].metric);
    EXPECT_DOUBLE_EQ(again[0].metrics[i].mean, out.results[0].metrics[i].mean);
  }
}

TEST(Majority, OneRepeatRunKeepsPlainMeans) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  where.roots = {test::shared_dir() / "datasets"};
  ScoringResources resources;
  std::vector<EvalTask> tasks = {load_eval_task(reg.tasks().at("gsm8k"), where, resources)};
  test::ScratchDir dir;
  Store store(dir / "one.db");
  auto runner = make_runner("mock:oracle", {});
  EvalOptions o;
  o.model_spec = "mock:oracle";
  o.limit = 5;
  EvalOutcome out = run_evaluation(*runner, tasks, store, o);
  ASSERT_EQ(out.status, "completed");
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].metrics.size(), 4u);  // the four metrics, no maj@/pass@ rows
  for (const auto& m : out.results[0].metrics) EXPECT_EQ(m.metric.find('@'), std::string::npos);
}

// maj@K only where the extracted answer is an answer: a needle task's "found/wanted"
// count is not voted on, so its metric stays a plain mean with repeats.
TEST(Majority, OnlyMetricsWhoseAnswersCanBeVotedOn) {
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  ScoringResources resources;
  EvalTask niah = load_eval_task(reg.tasks().at("niah_single_1"), DataLocation{}, resources);
  for (const auto& m : declared_metrics(niah, 3)) {
    EXPECT_EQ(m.aggregation, Aggregation::kMean) << m.name;
  }
  EvalTask arith = load_eval_task(reg.tasks().at("arith"), DataLocation{}, resources);
  bool voted = false;
  for (const auto& m : declared_metrics(arith, 3)) voted |= m.aggregation == Aggregation::kMajority;
  EXPECT_TRUE(voted);
  for (const auto& m : declared_metrics(arith, 1)) EXPECT_EQ(m.aggregation, Aggregation::kMean);
}

}  // namespace
}  // namespace ys
