// Comparisons of score sets, the gate's rules and outputs, and the baseline file format
// (reports/compare.h, reports/gate.h); the statistics themselves are in stats_test.cpp.
#include "reports/compare.h"

#include <gtest/gtest.h>

#include <fstream>

#include "reports/export.h"
#include "reports/gate.h"
#include "scoring/stats.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

// `right` of `n` questions q0..q{n-1} answered rightly: the first `right` of them, or the
// ids given.
TaskScores binary_scores(const std::string& metric, size_t n, const std::vector<size_t>& right) {
  TaskScores t;
  t.metric = metric;
  for (size_t i = 0; i < n; ++i) t.samples["q" + std::to_string(i)] = 0;
  for (size_t i : right) t.samples["q" + std::to_string(i)] = 1;
  return t;
}

std::vector<size_t> range(size_t from, size_t to) {
  std::vector<size_t> v;
  for (size_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

ScoreSet set(const std::string& label, std::map<std::string, TaskScores> tasks) {
  ScoreSet s;
  s.label = label;
  s.tasks = std::move(tasks);
  return s;
}

const BootstrapOptions kFast{2000, 7, 0.95};

TEST(Compare, FlipsAndPairedFiguresPerTask) {
  // A right on q0..q5, B right on q2..q7 of 10: q0,q1 right->wrong, q6,q7 wrong->right.
  ScoreSet a = set("A", {{"t", binary_scores("em", 10, range(0, 6))}});
  ScoreSet b = set("B", {{"t", binary_scores("em", 10, range(2, 8))}});
  Comparison c = compare_scores(a, b, kFast);
  ASSERT_EQ(c.tasks.size(), 1u);
  const TaskComparison& t = c.tasks[0];
  EXPECT_EQ(t.right_to_wrong, (std::vector<std::string>{"q0", "q1"}));
  EXPECT_EQ(t.wrong_to_right, (std::vector<std::string>{"q6", "q7"}));
  EXPECT_DOUBLE_EQ(t.stats.difference, 0.0);
  EXPECT_EQ(t.stats.p_value, 1.0);  // McNemar(2, 2)
  EXPECT_EQ(t.p_holm, 1.0);
  EXPECT_TRUE(t.stats.binary);
}

TEST(Compare, FlippedIdsAreInNaturalOrder) {
  // A right on all 12, B wrong on q2, q9, q10, q11: text order would put q10 first.
  ScoreSet a = set("A", {{"t", binary_scores("em", 12, range(0, 12))}});
  ScoreSet b = set("B", {{"t", binary_scores("em", 12, {0, 1, 3, 4, 5, 6, 7, 8})}});
  Comparison c = compare_scores(a, b, kFast);
  ASSERT_EQ(c.tasks.size(), 1u);
  EXPECT_EQ(c.tasks[0].right_to_wrong, (std::vector<std::string>{"q2", "q9", "q10", "q11"}));
}

TEST(Compare, PairsOnlyCommonQuestionsAndAdjustsAcrossTasks) {
  // Task x: A all right on 10, B wrong on 6 of them: McNemar(6, 0) = 2/64 = 0.03125.
  // Task y: A right on q0, B right on q1 (of 2): McNemar(1, 1) = 1.
  // Holm over {0.03125, 1}: 2 * 0.03125 = 0.0625, then max(0.0625, 1) = 1.
  TaskScores bx = binary_scores("em", 10, range(6, 10));
  bx.samples["extra"] = 1;  // only in B: not paired
  ScoreSet a = set("A", {{"x", binary_scores("em", 10, range(0, 10))},
                         {"y", binary_scores("em", 2, {0})},
                         {"z", binary_scores("em", 2, {0})}});
  ScoreSet b = set("B", {{"x", bx}, {"y", binary_scores("em", 2, {1})}});
  Comparison c = compare_scores(a, b, kFast);
  ASSERT_EQ(c.tasks.size(), 2u);
  EXPECT_EQ(c.only_a_tasks, (std::vector<std::string>{"z"}));
  EXPECT_EQ(c.tasks[0].task, "x");
  EXPECT_EQ(c.tasks[0].stats.n, 10u);
  EXPECT_EQ(c.tasks[0].only_b, 1u);
  EXPECT_NEAR(c.tasks[0].stats.p_value, 0.03125, 1e-12);
  EXPECT_NEAR(c.tasks[0].p_holm, 0.0625, 1e-12);
  EXPECT_EQ(c.tasks[1].p_holm, 1.0);
  EXPECT_NEAR(c.tasks[0].mean_b_all, 5.0 / 11, 1e-12);  // the unpaired extra counts here

  auto j = comparison_json(c);
  EXPECT_EQ(j["tasks"][0]["right_to_wrong"].size(), 6u);
  EXPECT_EQ(j["tasks"][0]["test"], "mcnemar_exact");
  std::string md = render_comparison_markdown(c);
  EXPECT_NE(md.find("| x | em | 10 | 100.0 | 40.0 | -60.0 |"), std::string::npos) << md;
  std::string text = render_comparison_text(c, 2);
  EXPECT_NE(text.find("x right->wrong: q0, q1, ... (4 more)"), std::string::npos) << text;
}

TEST(Compare, DifferentMetricsAreAnError) {
  ScoreSet a = set("A", {{"t", binary_scores("em", 2, {0})}});
  ScoreSet b = set("B", {{"t", binary_scores("f1", 2, {0})}});
  EXPECT_THROW(compare_scores(a, b, kFast), InputError);
}

// No question in common: no figure exists, so none is printed (n/a, JSON null), the task
// says why, and it does not count in Holm's family of the tasks that were tested.
TEST(Compare, NoQuestionInCommonPrintsNotAvailableNotNumbers) {
  TaskScores other;
  other.metric = "em";
  for (int i = 0; i < 5; ++i) other.samples["x" + std::to_string(i)] = 1;
  ScoreSet a = set("A", {{"t", binary_scores("em", 5, range(0, 3))},
                         {"u", binary_scores("em", 40, range(0, 40))}});
  ScoreSet b = set("B", {{"t", other}, {"u", binary_scores("em", 40, range(0, 28))}});
  Comparison c = compare_scores(a, b, kFast);
  ASSERT_EQ(c.tasks.size(), 2u);
  EXPECT_EQ(c.tasks[0].stats.n, 0u);
  EXPECT_EQ(tested_tasks(c), 1u);
  EXPECT_EQ(c.tasks[1].p_holm, c.tasks[1].stats.p_value);  // a family of one: unadjusted
  const std::string text = render_comparison_text(c);
  EXPECT_NE(text.find("no question scored in both runs (5 only in A, 5 only in B)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("[+0.0, +0.0]"), std::string::npos) << text;
  EXPECT_EQ(text.find("1.0000"), std::string::npos) << text;
  EXPECT_NE(text.find("n/a"), std::string::npos) << text;
  EXPECT_NE(text.find("Holm across 1 tasks"), std::string::npos) << text;
  const std::string md = render_comparison_markdown(c);
  EXPECT_NE(md.find("| t | em | 0 | n/a | n/a |"), std::string::npos) << md;
  EXPECT_NE(md.find("no question scored in both"), std::string::npos) << md;
  const nlohmann::json j = comparison_json(c);
  const nlohmann::json& t = j["tasks"][0];
  EXPECT_EQ(t["n"], 0);
  EXPECT_EQ(t["overlap"], false);
  for (const char* key : {"a", "b", "difference", "stderr", "ci", "p", "p_holm", "test"})
    EXPECT_TRUE(t[key].is_null()) << key << ": " << t[key];
  EXPECT_EQ(t["a_all"], 0.6);  // each side's own mean still exists
  EXPECT_EQ(j["tasks"][1]["overlap"], true);
  EXPECT_FALSE(j["tasks"][1]["p"].is_null());
}

// The interval's level is printed as given, not rounded through an integer cast.
TEST(Compare, ConfidenceLevelLabelIsExact) {
  EXPECT_EQ(confidence_percent(0.95), "95%");
  EXPECT_EQ(confidence_percent(0.975), "97.5%");
  EXPECT_EQ(confidence_percent(0.999), "99.9%");
  ScoreSet a = set("A", {{"t", binary_scores("em", 10, range(0, 6))}});
  ScoreSet b = set("B", {{"t", binary_scores("em", 10, range(0, 5))}});
  const Comparison c = compare_scores(a, b, {500, 7, 0.975});
  EXPECT_NE(render_comparison_text(c).find("97.5% CI"), std::string::npos);
  EXPECT_NE(render_comparison_markdown(c).find("97.5% CI"), std::string::npos);
  GateResult g = run_gate(a, b, GateRules{}, {500, 7, 0.975});
  EXPECT_NE(gate_text(g).find("97.5% CI"), std::string::npos) << gate_text(g);
  EXPECT_NE(gate_markdown(g).find("97.5% CI"), std::string::npos) << gate_markdown(g);
}

// ---- gate ----------------------------------------------------------------------------

GateRules rules_with(GateRule r) {
  GateRules rules;
  rules.defaults = r;
  return rules;
}

TEST(Gate, NoRulesMeansNoSignificantDropAtFivePercent) {
  GateRules none;
  GateRule r = none.for_task("t");
  ASSERT_TRUE(r.alpha.has_value());
  EXPECT_EQ(*r.alpha, 0.05);
  EXPECT_FALSE(r.max_drop || r.floor);
}

TEST(Gate, SignificanceRuleIgnoresNoiseButCatchesARealDrop) {
  // Noise: 200 questions, A right on 0..119, B right on 3..122: 3 lost, 3 gained
  // (difference 0, McNemar p 1). Drop: B right on 0..89 only: McNemar(30, 0) ~ 2^-29.
  ScoreSet a = set("A", {{"t", binary_scores("em", 200, range(0, 120))}});
  ScoreSet noisy = set("B", {{"t", binary_scores("em", 200, range(3, 123))}});
  ScoreSet worse = set("B", {{"t", binary_scores("em", 200, range(0, 90))}});
  GateRules sig = rules_with({std::nullopt, 0.05, std::nullopt});
  EXPECT_EQ(run_gate(a, noisy, sig, kFast).status(), GateStatus::kPass);
  GateResult bad = run_gate(a, worse, sig, kFast);
  EXPECT_EQ(bad.status(), GateStatus::kFail);
  ASSERT_EQ(bad.tasks[0].failures.size(), 1u);
  EXPECT_NE(bad.tasks[0].failures[0].find("significant drop"), std::string::npos);
  // Noise that loses a little (2 of 200 = 1 point) within its CI: the significance rule
  // passes while a zero-tolerance drop rule fails.
  ScoreSet slightly = set("B", {{"t", binary_scores("em", 200, range(2, 120))}});
  GateResult within = run_gate(a, slightly, sig, kFast);
  EXPECT_EQ(within.status(), GateStatus::kPass);
  EXPECT_LT(within.comparison.tasks[0].stats.ci.low, 0.0);
  EXPECT_GE(within.comparison.tasks[0].stats.ci.high, 0.0);
  EXPECT_EQ(run_gate(a, slightly, rules_with({0.0, std::nullopt, std::nullopt}), kFast).status(),
            GateStatus::kFail);
  EXPECT_EQ(run_gate(a, slightly, rules_with({1.0, std::nullopt, std::nullopt}), kFast).status(),
            GateStatus::kPass);  // exactly 1 point allowed
}

TEST(Gate, FloorPerTaskOverDefaultsAndMissingTasksAreErrors) {
  ScoreSet a = set("A", {{"t", binary_scores("em", 10, range(0, 7))},
                         {"u", binary_scores("em", 10, range(0, 5))}});
  ScoreSet b = set("B", {{"t", binary_scores("em", 10, range(0, 7))},
                         {"u", binary_scores("em", 10, range(0, 5))}});
  GateRules rules;
  rules.defaults.floor = 60;
  rules.tasks["u"].floor = 40;
  EXPECT_EQ(run_gate(a, b, rules, kFast).status(), GateStatus::kPass);
  rules.tasks["u"].floor = 50.1;
  GateResult r = run_gate(a, b, rules, kFast);
  EXPECT_EQ(r.status(), GateStatus::kFail);
  EXPECT_EQ(r.tasks[0].status, GateStatus::kPass);
  EXPECT_EQ(r.tasks[1].status, GateStatus::kFail);
  b.tasks.erase("u");
  EXPECT_EQ(run_gate(a, b, rules, kFast).status(), GateStatus::kError);
}

TEST(Gate, JUnitHasATestCasePerTaskAndEscapesText) {
  ScoreSet a = set("A", {{"ok", binary_scores("em", 10, range(0, 5))},
                         {"bad<&>", binary_scores("em", 10, range(0, 10))}});
  ScoreSet b = set("B", {{"ok", binary_scores("em", 10, range(0, 5))},
                         {"bad<&>", binary_scores("em", 10, range(0, 1))}});
  GateResult r = run_gate(a, b, rules_with({5.0, std::nullopt, std::nullopt}), kFast);
  std::string xml = gate_junit_xml(r);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"yardstick.gate\" name=\"ok\">"), std::string::npos);
  EXPECT_NE(xml.find("name=\"bad&lt;&amp;&gt;\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("bad<&>"), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"dropped 90.0 points (allowed 5)\""), std::string::npos)
      << xml;
  std::string md = gate_markdown(r);
  EXPECT_NE(md.find("❌ regression"), std::string::npos) << md;
  EXPECT_NE(md.find("| ok | em | 50.0 | 50.0 | +0.0"), std::string::npos) << md;
}

TEST(Gate, RulesFileErrorsNameTheField) {
  test::ScratchDir dir;
  test::write_file(
      dir / "r.json",
      R"({"default": {"alpha": 0.05}, "tasks": {"gsm8k": {"max_drop": 2, "floor": 60}}})");
  GateRules rules = read_gate_rules(dir / "r.json");
  EXPECT_EQ(*rules.for_task("gsm8k").max_drop, 2.0);
  EXPECT_EQ(*rules.for_task("gsm8k").alpha, 0.05);
  EXPECT_EQ(*rules.for_task("gsm8k").floor, 60.0);
  EXPECT_FALSE(rules.for_task("arith").max_drop.has_value());
  test::write_file(dir / "bad.json", R"({"tasks": {"gsm8k": {"max_dorp": 2}}})");
  try {
    read_gate_rules(dir / "bad.json");
    FAIL() << "accepted an unknown rule";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tasks.gsm8k.max_dorp: unknown rule"), std::string::npos)
        << e.what();
  }
}

TEST(Gate, RulesFileInYamlWithLinesInErrors) {
  test::ScratchDir dir;
  test::write_file(dir / "r.yaml",
                   "# gate rules\n"
                   "default:\n"
                   "  alpha: 0.01\n"
                   "tasks:\n"
                   "  gsm8k: {max_drop: 2.5, floor: 70}\n");
  GateRules rules = read_gate_rules(dir / "r.yaml");
  EXPECT_EQ(*rules.for_task("gsm8k").max_drop, 2.5);
  EXPECT_EQ(*rules.for_task("gsm8k").floor, 70.0);
  EXPECT_EQ(*rules.for_task("arith").alpha, 0.01);
  EXPECT_FALSE(rules.for_task("arith").max_drop.has_value());
  const std::pair<const char*, const char*> bad[] = {
      {"default:\n  alpha: 1.5\n", "r.yaml:2: default.alpha must be in (0, 1)"},
      {"tasks:\n  gsm8k:\n    floor: high\n", "r.yaml:3: tasks.gsm8k.floor must be a number"},
      {"defaults:\n  alpha: 0.1\n", "r.yaml:1: defaults: unknown field"},
      {"default: [1, 2]\n", "r.yaml:1: default must be a mapping"},
      {"default: {alpha: 0.1\n", "r.yaml:"},
  };
  for (const auto& [text, message] : bad) {
    test::write_file(dir / "r.yaml", text);
    try {
      read_gate_rules(dir / "r.yaml");
      ADD_FAILURE() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

// A candidate that is not a whole completed run, or that did not score every baseline
// question, cannot pass by accident: an error naming how many are missing, unless
// --allow-partial, which gates on the questions in common and says so.
TEST(Gate, APartialCandidateIsAnErrorUnlessAllowed) {
  ScoreSet a = set("run 1 (m)", {{"t", binary_scores("em", 60, range(0, 60))}});
  a.status = "completed";
  TaskScores answered;  // 8 of 60 answered, all right
  answered.metric = "em";
  for (int i = 0; i < 8; ++i) answered.samples["q" + std::to_string(i)] = 1;
  ScoreSet b = set("run 2 (m)", {{"t", answered}});
  b.status = "incomplete";
  GateResult r = run_gate(a, b, GateRules{}, kFast);
  EXPECT_EQ(r.status(), GateStatus::kError);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("run 2 (m), is incomplete"), std::string::npos) << r.problems[0];
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].status, GateStatus::kError);
  ASSERT_EQ(r.tasks[0].failures.size(), 1u);
  EXPECT_NE(r.tasks[0].failures[0].find("did not score 52 of the 60 baseline questions (8 in "
                                        "common); --allow-partial"),
            std::string::npos)
      << r.tasks[0].failures[0];
  const std::string text = gate_text(r);
  EXPECT_NE(text.find("gate: ERROR"), std::string::npos) << text;
  EXPECT_NE(text.find("8/60"), std::string::npos) << text;
  const std::string xml = gate_junit_xml(r);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"0\" errors=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"(candidate run)\""), std::string::npos) << xml;
  EXPECT_NE(gate_markdown(r).find("⚠️ error"), std::string::npos);

  GateResult allowed = run_gate(a, b, GateRules{}, kFast, true);
  EXPECT_EQ(allowed.status(), GateStatus::kPass);
  EXPECT_TRUE(allowed.problems.empty());
  ASSERT_EQ(allowed.tasks[0].notes.size(), 1u);
  EXPECT_NE(allowed.tasks[0].notes[0].find("gated on the 8 of 60 baseline questions in common"),
            std::string::npos)
      << allowed.tasks[0].notes[0];
  EXPECT_NE(gate_text(allowed).find("--allow-partial"), std::string::npos) << gate_text(allowed);
  EXPECT_NE(gate_markdown(allowed).find("gated on the 8 of 60"), std::string::npos);

  // A completed shard of the run: the same, for the same reason.
  TaskScores half = binary_scores("em", 60, range(0, 60));
  for (int i = 0; i < 60; i += 2) half.samples.erase("q" + std::to_string(i));
  ScoreSet shard = set("run 3 (m)", {{"t", half}});
  shard.status = "completed";
  shard.shard = "0/2";
  GateResult s = run_gate(a, shard, GateRules{}, kFast);
  EXPECT_EQ(s.status(), GateStatus::kError);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.problems[0].find("is shard 0/2 only"), std::string::npos) << s.problems[0];
  EXPECT_NE(s.tasks[0].failures[0].find("did not score 30 of the 60"), std::string::npos);
  EXPECT_EQ(run_gate(a, shard, GateRules{}, kFast, true).status(), GateStatus::kPass);

  // A whole, completed candidate missing questions (e.g. unscored errors) is refused too.
  ScoreSet gaps = set("run 4 (m)", {{"t", half}});
  gaps.status = "completed";
  GateResult g = run_gate(a, gaps, GateRules{}, kFast);
  EXPECT_TRUE(g.problems.empty());
  EXPECT_EQ(g.status(), GateStatus::kError);
  // The candidate's extra questions are compared on the common ones and reported.
  ScoreSet wider = set("run 5 (m)", {{"t", binary_scores("em", 80, range(0, 80))}});
  wider.status = "completed";
  GateResult w = run_gate(a, wider, GateRules{}, kFast);
  EXPECT_EQ(w.status(), GateStatus::kPass);
  EXPECT_NE(gate_text(w).find("20 candidate questions are not in the baseline"), std::string::npos)
      << gate_text(w);
}

// Rules that would silently gate nothing, or less than written, are errors naming
// FILE:LINE: a task neither side has, values out of range, a repeated key.
TEST(Gate, RulesThatWouldBeSilentMistakesAreErrorsWithTheirLine) {
  test::ScratchDir dir;
  test::write_file(dir / "r.yaml",
                   "default:\n"
                   "  alpha: 0.05\n"
                   "tasks:\n"
                   "  t: {max_drop: 2}\n"
                   "  nosuchtask: {max_drop: 1}\n");
  GateRules rules = read_gate_rules(dir / "r.yaml");
  ScoreSet a = set("A", {{"t", binary_scores("em", 10, range(0, 6))}});
  try {
    run_gate(a, a, rules, kFast);
    ADD_FAILURE() << "accepted a rule for a task neither run has";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("r.yaml:5: tasks.nosuchtask: no such task in the baseline or the "
                        "candidate (baseline tasks: t)"),
              std::string::npos)
        << what;
  }
  rules.tasks.erase("nosuchtask");
  EXPECT_EQ(run_gate(a, a, rules, kFast).status(), GateStatus::kPass);

  const std::pair<const char*, const char*> bad[] = {
      {"default:\n  max_drop: -1\n", "r.yaml:2: default.max_drop must be in [0, 100] points"},
      {"tasks:\n  t:\n    floor: 101\n", "r.yaml:3: tasks.t.floor must be in [0, 100] points"},
      {"tasks:\n  t: {floor: -5}\n", "r.yaml:2: tasks.t.floor must be in [0, 100]"},
      {"default:\n  max_drop: 1\n  max_drop: 5\n",
       "r.yaml:3: default.max_drop: duplicate key (first at line 2"},
      {"tasks:\n  t: {floor: 10}\n  t: {floor: 20}\n",
       "r.yaml:3: tasks.t: duplicate key (first at line 2"},
      {"default: {alpha: 0.1}\ndefault: {max_drop: 3}\n",
       "r.yaml:2: default: duplicate key (first at line 1"},
      {"{\"default\": {\"floor\": 10, \"floor\": 20}}", "r.yaml:1: default.floor: duplicate key"},
  };
  for (const auto& [text, message] : bad) {
    test::write_file(dir / "r.yaml", text);
    try {
      read_gate_rules(dir / "r.yaml");
      ADD_FAILURE() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(Baseline, RoundTripsThroughAFile) {
  TaskScores t = binary_scores("exact_match/strict", 4, {0, 2});
  t.samples["q3"] = 0.5;
  ScoreSet s = set("run 1 (m)", {{"arith", t}});
  s.run_id = 1;
  s.model = "m";
  test::ScratchDir dir;
  test::write_file(dir / "b.json", baseline_json(s).dump(1));
  ScoreSet back = read_baseline_file(dir / "b.json");
  ASSERT_EQ(back.tasks.size(), 1u);
  EXPECT_EQ(back.tasks["arith"].metric, "exact_match/strict");
  EXPECT_EQ(back.tasks["arith"].samples, t.samples);
  EXPECT_EQ(back.model, "m");
  test::write_file(
      dir / "bad.json",
      R"({"yardstick_baseline": 1, "tasks": {"arith": {"metric": "em", "scores": {"q0": "yes"}}}})");
  try {
    read_baseline_file(dir / "bad.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("tasks.arith.scores.q0 must be a number"),
              std::string::npos)
        << e.what();
  }
}

TEST(Csv, QuotesFieldsAsRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

}  // namespace
}  // namespace ys
