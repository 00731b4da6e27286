// Scorer kinds (scoring/scorers/) and aggregation (scoring/aggregate.h), against
// hand-computed values.
#include "scoring/scorer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scoring/options.h"
#include "scoring/stats.h"

namespace ys {
namespace {

std::unique_ptr<Scorer> scorer(const std::string& kind, const std::string& name,
                               nlohmann::json options = nlohmann::json::object()) {
  return make_scorer({kind, name, std::move(options)}, nullptr);
}

Completion answer(const std::string& text) {
  Completion c;
  c.text = text;
  return c;
}

TEST(ExactMatchScorer, UsesExtractionAndNormalization) {
  auto em =
      scorer("exact_match", "em",
             {{"extract", {{{"regex", R"(#### (\-?[0-9\.\,]+))"}}}}, {"normalize", "number"}});
  Sample s;
  s.reference = "1234";
  Score right = em->score(s, answer("so... #### 1,234.0"), {})[0];
  EXPECT_EQ(right.metric, "em");
  EXPECT_EQ(right.value, 1.0);
  EXPECT_EQ(right.extracted, "1234");
  Score wrong = em->score(s, answer("#### 12"), {})[0];
  EXPECT_EQ(wrong.value, 0.0);
  EXPECT_EQ(wrong.reason, "expected 1234");
  Score none = em->score(s, answer("no idea"), {})[0];
  EXPECT_EQ(none.value, 0.0);
  EXPECT_FALSE(none.extracted.has_value());
  EXPECT_EQ(em->metrics()[0].aggregation, Aggregation::kMean);
}

TEST(ExactMatchScorer, BadOptionsNameTheKey) {
  try {
    scorer("exact_match", "em", {{"extract", {{{"regex", "("}}}}});
    FAIL() << "an invalid regex was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "extract");
    EXPECT_NE(std::string(e.what()).find("invalid regex"), std::string::npos);
  }
  try {
    scorer("exact_match", "em", {{"extract", {"last_number"}}, {"normalise", "number"}});
    FAIL() << "a misspelt key was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "normalise");
  }
  EXPECT_THROW(scorer("exact_match", "em", nlohmann::json::object()), OptionError);
  EXPECT_THROW(scorer("no_such_kind", "x"), OptionError);
}

Completion logprobs(std::vector<double> values) {
  Completion c;
  for (double v : values) c.continuations.push_back({v, false, 1});
  return c;
}

TEST(ChoiceScorer, AccPicksTheLikeliestAndAccNormThePerCharacterLikeliest) {
  Sample s;
  s.choice_labels = {"A", "B"};
  s.choice_targets = {" a", " a much longer answer"};  // 2 and 21 code points
  s.gold = 1;
  auto acc = scorer("choice", "acc"), norm = scorer("choice", "acc_norm");
  // logprob -3 vs -10: acc picks A; per character -1.5 vs -0.476: acc_norm picks B.
  Score a = acc->score(s, logprobs({-3.0, -10.0}), {})[0];
  Score n = norm->score(s, logprobs({-3.0, -10.0}), {})[0];
  EXPECT_EQ(a.extracted, "A");
  EXPECT_EQ(a.value, 0.0);
  EXPECT_EQ(n.extracted, "B");
  EXPECT_EQ(n.value, 1.0);
  Score missing = acc->score(s, logprobs({-1.0}), {})[0];
  EXPECT_EQ(missing.value, 0.0);
  EXPECT_EQ(missing.reason, "expected 2 loglikelihoods, got 1");
  EXPECT_THROW(scorer("choice", "acc_char"), OptionError);
}

TEST(CodeScorer, IsOnePassMetricAggregatedAsPassAtK) {
  auto code = scorer("code", "", {{"judge", "python_script"}, {"program", "{{completion}}"}});
  ASSERT_EQ(code->metrics().size(), 1u);
  EXPECT_EQ(code->metrics()[0].name, "pass");
  EXPECT_EQ(code->metrics()[0].aggregation, Aggregation::kPassAtK);
  EXPECT_TRUE(code->runs_code());
  try {
    scorer("code", "", {{"judge", "stdio"}, {"language", "cobol"}});
    FAIL() << "an unknown language was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.key(), "language");
  }
  EXPECT_THROW(scorer("code", "", {{"judge", "python_script"}}), OptionError);  // no program
}

TEST(ContainsScorer, AllOrNothingAndFraction) {
  Sample s;
  s.fields = {{"needles", {"7421", "blue", "Zanzibar"}}};
  auto all = scorer("contains", "all", {{"field", "needles"}});
  auto part = scorer("contains_fraction", "part", {{"field", "needles"}});
  auto folded =
      scorer("contains_fraction", "folded", {{"field", "needles"}, {"ignore_case", true}});
  const Completion c = answer("The numbers were 7421 and the colour Blue; zanzibar too.");
  EXPECT_EQ(all->score(s, c, {})[0].value, 0.0);
  EXPECT_EQ(all->score(s, c, {})[0].reason, "missing 'blue'");
  EXPECT_DOUBLE_EQ(part->score(s, c, {})[0].value, 1.0 / 3.0);
  EXPECT_EQ(part->score(s, c, {})[0].extracted, "1/3");
  EXPECT_DOUBLE_EQ(folded->score(s, c, {})[0].value, 1.0);
  EXPECT_EQ(all->score(s, answer("7421 blue Zanzibar"), {})[0].value, 1.0);
}

TEST(ContainsScorer, WithoutAFieldTheReferenceIsTheString) {
  Sample s;
  s.reference = "Paris";
  auto c = scorer("contains", "has_answer");
  EXPECT_EQ(c->score(s, answer("It is Paris."), {})[0].value, 1.0);
  EXPECT_EQ(c->score(s, answer("It is Lyon."), {})[0].value, 0.0);
  Sample no_field;
  auto by_field = scorer("contains", "x", {{"field", "needles"}});
  Score missing = by_field->score(no_field, answer("anything"), {})[0];
  EXPECT_EQ(missing.value, 0.0);
  EXPECT_NE(missing.reason.find("needles"), std::string::npos);
}

TEST(ScorerSet, RefusesDuplicateMetricNames) {
  const auto none = nlohmann::json::object();
  std::vector<MetricConfig> configs = {{"contains", "m", none}, {"contains_fraction", "m", none}};
  EXPECT_THROW(make_scorers(configs, nullptr), InputError);
  configs[1].name = "n";
  ScorerSet set = make_scorers(configs, nullptr);
  ASSERT_EQ(set.metrics().size(), 2u);
  EXPECT_EQ(set.metrics()[1].name, "n");
  EXPECT_FALSE(set.runs_code());
}

// A scorer that cannot read its sample's data.
class ThrowingScorer : public Scorer {
 public:
  std::vector<MetricInfo> metrics() const override {
    return {{"a", Aggregation::kMean}, {"b", Aggregation::kMean}};
  }
  std::vector<Score> score(const Sample&, const Completion&, const ScoringContext&) const override {
    throw nlohmann::json::out_of_range::create(403, "key 'tests' not found", nullptr);
  }
};

TEST(ScorerSet, AScorerThatThrowsScoresZeroWithTheReason) {
  ScorerSet set(
      {std::make_shared<ThrowingScorer>(), std::shared_ptr<const Scorer>(scorer("contains", "c"))});
  Sample s;
  s.reference = "x";
  auto scores = set.score(s, answer("x"));
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0].metric, "a");
  EXPECT_EQ(scores[1].metric, "b");
  EXPECT_EQ(scores[1].value, 0.0);
  EXPECT_NE(scores[1].reason.find("scoring failed"), std::string::npos) << scores[1].reason;
  EXPECT_NE(scores[1].reason.find("'tests'"), std::string::npos) << scores[1].reason;
  EXPECT_EQ(scores[2].value, 1.0);  // the other scorers still score
}

TEST(ChoiceScorer, SampleWithoutChoicesScoresZero) {
  auto acc = scorer("choice", "acc");
  Score s = acc->score(Sample{}, logprobs({}), {})[0];
  EXPECT_EQ(s.value, 0.0);
  EXPECT_FALSE(s.extracted.has_value());
}

TEST(Aggregate, MeanAndStandardErrorOverEveryValue) {
  std::vector<ScoredValue> v = {{"a", 0, 1}, {"a", 1, 0}, {"b", 0, 1}, {"b", 1, 1}};
  auto r = aggregate("em", Aggregation::kMean, v);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].metric, "em");
  EXPECT_EQ(r[0].n, 4u);
  EXPECT_DOUBLE_EQ(r[0].mean, 0.75);
  EXPECT_NEAR(r[0].stderr_of_mean, std::sqrt(0.25) / 2.0, 1e-12);  // sd 0.5, n 4
  EXPECT_TRUE(aggregate("em", Aggregation::kMean, {}).empty());
}

TEST(Aggregate, PassAtKForTenAnswersThreeRight) {
  // n=10, c=3: pass@1 = 3/10, pass@5 = 1 - C(7,5)/C(10,5) = 1 - 21/252, pass@10 = 1.
  EXPECT_NEAR(pass_at_k(10, 3, 1), 0.3, 1e-12);
  EXPECT_NEAR(pass_at_k(10, 3, 5), 1.0 - 21.0 / 252.0, 1e-12);
  EXPECT_EQ(pass_at_k(10, 3, 10), 1.0);
  std::vector<ScoredValue> v;
  for (int r = 0; r < 10; ++r) v.push_back({"p1", r, r < 3 ? 1.0 : 0.0});
  for (int r = 0; r < 10; ++r) v.push_back({"p2", r, 0.0});
  auto out = aggregate("pass", Aggregation::kPassAtK, v);
  ASSERT_EQ(out.size(), 2u);  // pass@100 needs 100 answers per sample
  EXPECT_EQ(out[0].metric, "pass@1");
  EXPECT_EQ(out[0].n, 2u);  // one estimate per sample
  EXPECT_NEAR(out[0].mean, (0.3 + 0.0) / 2, 1e-12);
  EXPECT_EQ(out[1].metric, "pass@10");
  EXPECT_NEAR(out[1].mean, 0.5, 1e-12);
  EXPECT_NEAR(out[1].stderr_of_mean, 0.5, 1e-12);  // values 1 and 0: sd 0.707, / sqrt(2)
}

TEST(Aggregate, PassAtKStopsAtTheFewestAnswersOfAnySample) {
  std::vector<ScoredValue> v;
  for (int r = 0; r < 12; ++r) v.push_back({"a", r, 1.0});
  for (int r = 0; r < 9; ++r) v.push_back({"b", r, 1.0});
  auto out = aggregate("solved", Aggregation::kPassAtK, v);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, "solved@1");  // named after its metric
}

}  // namespace
}  // namespace ys
