// The shipped bbh, mmlu_generative, arc_easy and gpqa_* tasks: their loaders on the shared
// data (record counts), BBH's prompts against the official prompt files, GPQA read from a
// password-protected zip fixture (tests/fixtures/gpqa, invented questions), grouped
// aggregation, and mock:oracle scoring 100% on every sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "datasets/reader.h"
#include "harness/evaluation.h"
#include "harness/store/store.h"
#include "runners/factory.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

const std::filesystem::path kSpecs = std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs";
const std::filesystem::path kFixtures = std::filesystem::path(YS_SOURCE_DIR) / "tests/fixtures";

DataLocation shared_data() {
  DataLocation where;
  where.roots = {test::shared_dir() / "datasets"};
  return where;
}

DataLocation fixture_data() {
  DataLocation where;
  where.roots = {kFixtures};
  return where;
}

// Every sample's oracle answer scores 1 on every metric; returns the number of samples.
size_t expect_oracle_scores_one(const Task& t) {
  ScorerSet scorers = make_scorers(t.spec().metrics, nullptr);
  for (size_t i = 0; i < t.samples().size(); ++i) {
    Completion c;
    c.text = t.build_request(i, 0).oracle_text;
    for (const auto& s : scorers.score(t.samples()[i], c)) {
      EXPECT_EQ(s.value, 1.0) << t.name() << " sample " << t.samples()[i].id << " " << s.metric
                              << ": " << s.reason;
      if (s.value != 1.0) return i;
    }
  }
  return t.samples().size();
}

// The upstream record counts (suzgunmirac/BIG-Bench-Hard at 9ee07bd; shared README).
const std::map<std::string, size_t> kBbhCounts = {
    {"boolean_expressions", 250},
    {"causal_judgement", 187},
    {"date_understanding", 250},
    {"disambiguation_qa", 250},
    {"dyck_languages", 250},
    {"formal_fallacies", 250},
    {"geometric_shapes", 250},
    {"hyperbaton", 250},
    {"logical_deduction_five_objects", 250},
    {"logical_deduction_seven_objects", 250},
    {"logical_deduction_three_objects", 250},
    {"movie_recommendation", 250},
    {"multistep_arithmetic_two", 250},
    {"navigate", 250},
    {"object_counting", 250},
    {"penguins_in_a_table", 146},
    {"reasoning_about_colored_objects", 250},
    {"ruin_names", 250},
    {"salient_translation_error_detection", 250},
    {"snarks", 178},
    {"sports_understanding", 250},
    {"temporal_sequences", 250},
    {"tracking_shuffled_objects_five_objects", 250},
    {"tracking_shuffled_objects_seven_objects", 250},
    {"tracking_shuffled_objects_three_objects", 250},
    {"web_of_lies", 250},
    {"word_sorting", 250},
};

Task load_shipped(const std::string& name, const DataLocation& where) {
  TaskRegistry reg = TaskRegistry::load(kSpecs);
  return Task::load(reg.tasks().at(name), where);
}

TEST(Bbh, LoadsTheCountOfEveryFile) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  Task t = load_shipped("bbh", shared_data());
  ASSERT_EQ(t.samples().size(), 6511u);
  std::map<std::string, size_t> counts;
  for (const auto& s : t.samples()) {
    const std::string subtask = s.fields.at("subtask").get<std::string>();
    ASSERT_EQ(s.id, subtask + "/" + std::to_string(counts[subtask]));
    ++counts[subtask];
    ASSERT_EQ(s.reference, s.fields.at("target").get<std::string>()) << s.id;
  }
  EXPECT_EQ(counts, kBbhCounts);
  // The irregular targets the shared README lists are kept as they are.
  EXPECT_EQ(t.samples()[2850].id, "movie_recommendation/163");
  EXPECT_EQ(t.samples()[2850].reference, "Monsters, Inc");
}

// The official prompt file without its first two lines (the canary and "-----").
std::string official_prompt(const std::string& subtask) {
  std::string text =
      read_file_text(test::shared_dir() / "datasets/bbh/cot-prompts" / (subtask + ".txt"));
  const size_t first = text.find('\n'), second = text.find('\n', first + 1);
  EXPECT_EQ(text.substr(first + 1, second - first - 1), "-----");
  return text.substr(second + 1);
}

TEST(Bbh, PromptIsTheOfficialFileThenTheQuestion) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  Task t = load_shipped("bbh", shared_data());
  std::set<std::string> seen;
  for (size_t i = 0; i < t.samples().size(); ++i) {
    const Sample& s = t.samples()[i];
    const std::string subtask = s.fields.at("subtask").get<std::string>();
    if (!seen.insert(subtask).second && i % 97 != 0) continue;  // one per file, and a spread
    Request r = t.build_request(i, 0);
    ASSERT_EQ(r.messages.size(), 1u);  // one raw context, as lm-evaluation-harness sends it
    const std::string expected = official_prompt(subtask) +
                                 "\n\nQ: " + s.fields.at("input").get<std::string>() +
                                 "\nA: Let's think step by step.\n";
    ASSERT_EQ(r.messages[0].content, expected) << s.id;
    EXPECT_EQ(r.messages[0].content.find("canary"), std::string::npos);
    EXPECT_EQ(r.sampling.stop, (std::vector<std::string>{"</s>", "Q", "\n\n"}));
    EXPECT_EQ(r.sampling.max_tokens, 1024);
  }
  EXPECT_EQ(seen.size(), 27u);
  // Written out by hand from the upstream rule: the first prompt's start and end.
  const std::string first = t.build_request(0, 0).messages[0].content;
  const std::string head =
      "Evaluate the result of a random Boolean expression.\n\n"
      "Q: not ( ( not not True ) ) is\nA: Let's think step by step.\n";
  EXPECT_EQ(first.substr(0, head.size()), head);
  const std::string tail =
      "Plugging in A, we get: Z = not not ( A ) = not not (True) = not not False = True. So the "
      "answer is True.\n\nQ: not ( True ) and ( True ) is\nA: Let's think step by step.\n";
  ASSERT_GE(first.size(), tail.size());
  EXPECT_EQ(first.substr(first.size() - tail.size()), tail);
}

TEST(Bbh, OracleScoresOneOnEverySample) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  Task t = load_shipped("bbh", shared_data());
  EXPECT_EQ(expect_oracle_scores_one(t), 6511u);
}

TEST(Bbh, RunReportsOverallMacroAndPerSubtaskFigures) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(kSpecs);
  ScoringResources resources;
  std::vector<EvalTask> tasks = {load_eval_task(reg.tasks().at("bbh"), shared_data(), resources)};
  test::ScratchDir dir;
  Store store(dir / "bbh.db");
  auto runner = make_runner("mock:noisy:0.5", {});
  EvalOptions o;
  o.model_spec = "mock:noisy:0.5";
  EvalOutcome out = run_evaluation(*runner, tasks, store, o);
  ASSERT_EQ(out.status, "completed");
  ASSERT_EQ(out.results.size(), 1u);
  const auto& m = out.results[0].metrics;
  ASSERT_EQ(m.size(), 2u + 27u);
  EXPECT_EQ(m[0].metric, "exact_match");
  EXPECT_EQ(m[0].n, 6511u);
  EXPECT_EQ(m[1].metric, "exact_match/macro");
  double sum = 0, weighted = 0;
  for (size_t g = 2; g < m.size(); ++g) {
    const std::string subtask = m[g].metric.substr(12, m[g].metric.size() - 13);
    EXPECT_EQ(m[g].metric, "exact_match[" + subtask + "]");
    EXPECT_EQ(m[g].n, kBbhCounts.at(subtask));
    sum += m[g].mean;
    weighted += m[g].mean * static_cast<double>(m[g].n);
  }
  EXPECT_NEAR(m[1].mean, sum / 27.0, 1e-12);
  EXPECT_NEAR(m[0].mean, weighted / 6511.0, 1e-12);
  EXPECT_GT(m[0].mean, 0.3);  // a noisy model: neither all right nor all wrong
  EXPECT_LT(m[0].mean, 0.7);
}

TEST(GroupMean, OverallMacroAndPerGroupWithStandardErrors) {
  std::vector<ScoredValue> v = {{"b/0", 0, 1}, {"b/1", 0, 0}, {"a/0", 0, 1},
                                {"a/1", 0, 1}, {"a/2", 0, 1}, {"a/3", 0, 0}};
  auto out = aggregate("em", Aggregation::kGroupMean, v);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].metric, "em");
  EXPECT_DOUBLE_EQ(out[0].mean, 4.0 / 6.0);
  EXPECT_EQ(out[0].n, 6u);
  EXPECT_EQ(out[2].metric, "em[a]");  // groups in name order
  EXPECT_DOUBLE_EQ(out[2].mean, 0.75);
  EXPECT_DOUBLE_EQ(out[2].stderr_of_mean, std::sqrt(0.25 / 4.0));  // sd 0.5 (n-1), n 4
  EXPECT_EQ(out[3].metric, "em[b]");
  EXPECT_DOUBLE_EQ(out[3].mean, 0.5);
  EXPECT_DOUBLE_EQ(out[3].stderr_of_mean, std::sqrt(0.5 / 2.0));
  EXPECT_EQ(out[1].metric, "em/macro");
  EXPECT_DOUBLE_EQ(out[1].mean, (0.75 + 0.5) / 2);
  EXPECT_DOUBLE_EQ(out[1].stderr_of_mean, std::sqrt(0.25 / 4.0 + 0.5 / 2.0) / 2);
  EXPECT_EQ(aggregation_name(Aggregation::kGroupMean), std::string("group_mean"));
  EXPECT_EQ(parse_aggregation("group_mean"), Aggregation::kGroupMean);
}

TEST(DatasetSpec, GroupingAttachingAndShufflingAreCheckedAtTheirLines) {
  test::ScratchDir dir;
  auto expect_error = [&](const std::string& dataset, const std::string& message) {
    test::write_file(dir / "t.yaml", "name: t\ndataset:\n" + dataset +
                                         "prompt:\n  template: \"{{q}}\"\n  target: x\n"
                                         "reference:\n  template: x\nmetrics:\n"
                                         "  - name: em\n    extract: [last_number]\n");
    try {
      load_task_spec(dir / "t.yaml");
      ADD_FAILURE() << "no error for " << dataset;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  expect_error("  path: d.jsonl\n  group_by_file: true\n",
               "t.yaml:4: 'dataset.group_by_file' needs");
  expect_error("  path: d/*.jsonl\n  file_field: f\n  id_field: id\n  group_by_file: true\n",
               "cannot go with 'dataset.id_field'");
  expect_error("  path: d.jsonl\n  attach:\n    p: {path: p/*.txt}\n",
               "needs 'dataset.file_field'");
  expect_error("  path: d/*.jsonl\n  file_field: f\n  attach:\n    p: {path: p.txt}\n",
               "t.yaml:6: 'dataset.attach.p'.path needs exactly one '*'");
  expect_error("  path: d.jsonl\n  password: x\n", "t.yaml:4: 'dataset.password' goes with");
  expect_error("  path: d.jsonl\n  shuffle_choices: {from: [a, b], into: [A], answer: g}\n",
               "same length");
}

TEST(DatasetSpec, AttachedTextNeedsItsMarker) {
  test::ScratchDir dir;
  std::filesystem::create_directories(dir / "d");
  std::filesystem::create_directories(dir / "p");
  test::write_file(dir / "d/x.jsonl", "{\"q\":\"1\"}\n");
  test::write_file(dir / "p/x.txt", "header\n--\nEXAMPLES\n--\nREAL");
  test::write_file(
      dir / "t.yaml",
      "name: t\ndataset:\n  path: d/*.jsonl\n  file_field: f\n  attach:\n"
      "    p: {path: p/*.txt, after: \"\\n--\\n\"}\nprompt:\n"
      "  description: \"[{{p}}]\"\n  template: \"{{q}}\"\n  target: x\n"
      "reference:\n  template: x\nmetrics:\n  - name: em\n    extract: [last_number]\n");
  DataLocation where;
  where.roots = {dir.path()};
  Task t = Task::load(load_task_spec(dir / "t.yaml"), where);
  EXPECT_EQ(t.build_request(0, 0).messages[0].content, "[REAL]1");  // after the last marker
  test::write_file(dir / "p/x.txt", "no marker here");
  try {
    Task::load(load_task_spec(dir / "t.yaml"), where);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("p/x.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'after' marker"), std::string::npos) << e.what();
  }
}

TEST(MmluGenerative, LoadsEverySubjectAndTheOracleScoresOne) {
  if (!test::require_shared(test::shared_dir() / "datasets/mmlu/test")) GTEST_SKIP();
  Task t = load_shipped("mmlu_generative", shared_data());
  ASSERT_EQ(t.samples().size(), 14042u);
  std::set<std::string> subjects;
  for (const auto& s : t.samples()) subjects.insert(s.fields.at("subject").get<std::string>());
  EXPECT_EQ(subjects.size(), 57u);
  EXPECT_EQ(expect_oracle_scores_one(t), 14042u);
  Request r = t.build_request(0, 0);
  ASSERT_EQ(r.messages.size(), 1u);  // zero-shot, no system prompt
  const std::string& p = r.messages[0].content;
  EXPECT_EQ(p.rfind("Answer the following multiple choice question. The last line of your "
                    "response should be of the following format: 'Answer: $LETTER' (without "
                    "quotes) where LETTER is one of ABCD. Think step by step before "
                    "answering.\n\n",
                    0),
            0u);
  const Sample& s = t.samples()[0];
  const std::string options = "\n\nA) " + s.fields.at("A").get<std::string>() + "\nB) " +
                              s.fields.at("B").get<std::string>() + "\nC) " +
                              s.fields.at("C").get<std::string>() + "\nD) " +
                              s.fields.at("D").get<std::string>();
  EXPECT_EQ(p.substr(p.size() - options.size()), options);
}

TEST(ArcEasy, LoadsTheTestSetAndTheOracleScoresOne) {
  if (!test::require_shared(test::shared_dir() / "datasets/arc_easy")) GTEST_SKIP();
  Task t = load_shipped("arc_easy", shared_data());
  ASSERT_EQ(t.samples().size(), 2376u);
  size_t numeric = 0, five = 0;
  for (const auto& s : t.samples()) {
    numeric += s.choice_labels[0] == "1";
    five += s.choice_labels.size() == 5;
  }
  EXPECT_EQ(numeric, 97u);  // the shared README's counts of irregular records
  EXPECT_EQ(five, 4u);
  EXPECT_EQ(t.build_request(0, 0).messages[0].content.rfind("Question: ", 0), 0u);
  for (const char* file : {"ARC-Easy-Train.jsonl", "ARC-Easy-Dev.jsonl"}) {
    const auto records = read_records(test::shared_dir() / "datasets/arc_easy" / file, {});
    EXPECT_EQ(records.size(), std::string(file) == "ARC-Easy-Train.jsonl" ? 2251u : 570u);
  }
}

TEST(Gpqa, ReadsEachSetFromThePasswordProtectedZip) {
  const std::map<std::string, size_t> counts = {
      {"gpqa_diamond", 3}, {"gpqa_main", 4}, {"gpqa_extended", 5}};
  for (const auto& [name, count] : counts) {
    Task t = load_shipped(name, fixture_data());
    ASSERT_EQ(t.samples().size(), count) << name;
    for (const auto& s : t.samples()) {
      // The four answers, each once, in the drawn order; the gold letter holds the right one.
      std::multiset<std::string> shown, given;
      for (const char* l : {"A", "B", "C", "D"}) shown.insert(s.fields.at(l).get<std::string>());
      for (const char* f : {"correct", "incorrect1", "incorrect2", "incorrect3"}) {
        given.insert(s.fields.at(f).get<std::string>());
      }
      EXPECT_EQ(shown, given) << s.id;
      EXPECT_EQ(s.fields.at(s.reference).get<std::string>(), s.fields.at("correct")) << s.id;
    }
    EXPECT_EQ(expect_oracle_scores_one(t), count);
  }
  // A quoted field with a comma, a doubled quote and a line break, read whole.
  Task d = load_shipped("gpqa_diamond", fixture_data());
  EXPECT_EQ(d.samples()[1].id, "recFixD02");
  EXPECT_EQ(d.samples()[1].fields.at("question"),
            "A \"toy\" orbit: how many laps does a fictional moon make per year?\nAssume the "
            "made-up calendar.");
  // The prompt, as simple-evals writes it, with the options in the drawn order.
  const Sample& s = d.samples()[0];
  const std::string expected =
      "Answer the following multiple choice question. The last line of your response should "
      "be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of "
      "ABCD. Think step by step before answering.\n\nWhat colour does the invented dye "
      "zorbine turn in acid?\n\nA) " +
      s.fields.at("A").get<std::string>() + "\nB) " + s.fields.at("B").get<std::string>() +
      "\nC) " + s.fields.at("C").get<std::string>() + "\nD) " + s.fields.at("D").get<std::string>();
  EXPECT_EQ(d.build_request(0, 0).messages.at(0).content, expected);
  // Nothing is extracted beside the archive.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(kFixtures / "gpqa")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2u);  // dataset.zip and make_fixture.sh
}

TEST(Gpqa, OrderIsFixedPerQuestionAndUnbiased) {
  EXPECT_EQ(option_order(0, "recFixD01", 4), option_order(0, "recFixD01", 4));
  EXPECT_NE(option_order(0, "recFixD01", 4), option_order(1, "recFixD01", 4));
  // Recorded from this implementation: a change of the order changes every GPQA figure.
  EXPECT_EQ(option_order(0, "recFixD01", 4), (std::vector<size_t>{2, 3, 1, 0}));
  std::array<int, 4> correct_at{};
  for (int i = 0; i < 4000; ++i) {
    auto order = option_order(0, "q" + std::to_string(i), 4);
    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (std::vector<size_t>{0, 1, 2, 3}));
    for (size_t pos = 0; pos < 4; ++pos) correct_at[pos] += order[pos] == 0;
  }
  for (int c : correct_at) EXPECT_NEAR(c, 1000, 100);  // about a quarter at each letter
}

// The orders simple-evals' gpqa_eval.py draws: rng = random.Random(0), then
// rng.sample(range(4), 4) per (pass, question) in order. Printed by CPython 3.11.7:
//   rng = random.Random(0); [rng.sample(range(4), 4) for _ in range(6)]
const std::vector<std::vector<size_t>> kRandom0Orders = {{3, 1, 0, 2}, {3, 1, 2, 0}, {2, 3, 0, 1},
                                                         {2, 0, 3, 1}, {1, 3, 0, 2}, {2, 1, 0, 3}};

// Checks that sample `s` shows its options in `order` (over correct, incorrect1..3) and
// that its gold letter is where the correct one landed.
void expect_order(const Sample& s, const std::vector<size_t>& order) {
  const std::array<const char*, 4> from = {"correct", "incorrect1", "incorrect2", "incorrect3"};
  const std::array<const char*, 4> into = {"A", "B", "C", "D"};
  for (size_t pos = 0; pos < 4; ++pos) {
    EXPECT_EQ(s.fields.at(into[pos]), s.fields.at(from[order[pos]])) << s.id << " " << into[pos];
    if (order[pos] == 0) {
      EXPECT_EQ(s.fields.at("answer"), into[pos]) << s.id;
    }
  }
}

TEST(Gpqa, ChoiceOrderIsSimpleEvalsRandom0InFileOrder) {
  for (const char* name : {"gpqa_diamond", "gpqa_main", "gpqa_extended"}) {
    Task t = load_shipped(name, fixture_data());
    ASSERT_LE(t.samples().size(), kRandom0Orders.size());
    for (size_t i = 0; i < t.samples().size(); ++i) expect_order(t.samples()[i], kRandom0Orders[i]);
  }
  // Document 0 as upstream renders it: choices [Ivory, Amber, Teal, Crimson] for
  // permutation [3, 1, 0, 2] of [Teal, Amber, Crimson, Ivory]; the gold letter is C.
  Task d = load_shipped("gpqa_diamond", fixture_data());
  EXPECT_EQ(d.build_request(0, 0).messages.at(0).content,
            "Answer the following multiple choice question. The last line of your response "
            "should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER "
            "is one of ABCD. Think step by step before answering.\n\nWhat colour does the "
            "invented dye zorbine turn in acid?\n\nA) Ivory\nB) Amber\nC) Teal\nD) Crimson");
  EXPECT_EQ(d.samples()[0].reference, "C");
  EXPECT_EQ(d.samples()[1].reference, "D");  // [3, 1, 2, 0]: the correct one last
  EXPECT_EQ(d.samples()[2].reference, "C");  // [2, 3, 0, 1]
}

TEST(Gpqa, RepeatedPassesDrawOnFromTheSameGenerator) {
  // simple-evals' examples * n_repeats: every question, then every question again, the
  // generator running on; a spec with repeats: 2 gives 6 samples in that order.
  test::ScratchDir dir;
  std::ifstream in(kSpecs / "gpqa_diamond.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string key = "    method: python_sample\n";
  ASSERT_NE(yaml.find(key), std::string::npos);
  yaml.replace(yaml.find(key), key.size(), key + "    repeats: 2\n");
  std::ofstream(dir / "gpqa_x2.yaml") << yaml;
  Task t = Task::load(load_task_spec(dir / "gpqa_x2.yaml"), fixture_data());
  ASSERT_EQ(t.samples().size(), 6u);
  const std::vector<std::string> ids = {"recFixD01#0", "recFixD02#0", "recFixD03#0",
                                        "recFixD01#1", "recFixD02#1", "recFixD03#1"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(t.samples()[i].id, ids[i]);
    expect_order(t.samples()[i], kRandom0Orders[i]);
  }
  EXPECT_EQ(expect_oracle_scores_one(t), 6u);
  // repeats without the Python method is refused, naming the file and line.
  const std::string per_id = yaml.replace(yaml.find("method: python_sample"), 21, "method: per_id");
  std::ofstream(dir / "bad.yaml") << per_id;
  try {
    load_task_spec(dir / "bad.yaml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("repeats' goes with method python_sample"),
              std::string::npos)
        << e.what();
  }
}

TEST(Gpqa, GoldIsTheFirstPositionHoldingTheCorrectText) {
  // Upstream's choices.index(correct): when an incorrect answer repeats the correct text,
  // the earlier position is gold. A one-question CSV whose option 2 equals option 0.
  test::ScratchDir dir;
  std::ofstream(dir / "q.csv") << "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer "
                                  "2,Incorrect Answer 3,Record ID\nQ?,same,x,same,y,r1\n";
  TaskSpec spec = TaskRegistry::load(kSpecs).tasks().at("gpqa_diamond");
  spec.dataset->member = {};
  spec.dataset->path = (dir / "q.csv").string();
  Task t = Task::load(spec, {});
  // Random(0)'s first order [3, 1, 0, 2] shows [y, x, same (0), same (2)]: gold C either
  // way. Its second, [3, 1, 2, 0], shows [y, x, same (2), same (0)]: the repeated text is
  // at C, the correct option itself at D, and upstream's gold is C.
  ASSERT_EQ(t.samples().size(), 1u);
  EXPECT_EQ(t.samples()[0].reference, "C");
  std::ofstream(dir / "q.csv") << "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer "
                                  "2,Incorrect Answer 3,Record ID\nQ0?,a,b,c,d,r0\nQ?,same,x,same,"
                                  "y,r1\n";
  Task two = Task::load(spec, {});
  ASSERT_EQ(two.samples().size(), 2u);
  EXPECT_EQ(two.samples()[1].fields.at("C"), "same");
  EXPECT_EQ(two.samples()[1].fields.at("D"), "same");
  EXPECT_EQ(two.samples()[1].reference, "C");  // option_order's rule would say D
}

TEST(Gpqa, MissingArchiveSaysWhereToPutItAndBadPasswordsFail) {
  test::ScratchDir dir;
  DataLocation empty;
  empty.roots = {dir.path()};
  try {
    load_shipped("gpqa_diamond", empty);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / "gpqa/dataset.zip").string()), std::string::npos) << m;
    EXPECT_NE(m.find("~/.cache/yardstick/data/gpqa/dataset.zip"), std::string::npos) << m;
    EXPECT_NE(m.find("github.com/idavidrein/gpqa"), std::string::npos) << m;
  }
  const auto zip = kFixtures / "gpqa/dataset.zip";
  EXPECT_THROW(read_zip_member(zip, "dataset/gpqa_main.csv", "wrong-password"), InputError);
  EXPECT_THROW(read_zip_member(zip, "dataset/gpqa_main.csv", ""), InputError);
  try {
    read_zip_member(zip, "dataset/gpqa_experts.csv", "deserted-untie-orchid");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("member dataset/gpqa_experts.csv"), std::string::npos);
  }
  EXPECT_EQ(read_zip_member(zip, "dataset/gpqa_main.csv", "deserted-untie-orchid")
                .rfind("Question,Correct Answer,", 0),
            0u);
}

}  // namespace
}  // namespace ys
