// Multiple-choice tasks: choices from a spec, loglikelihood requests, acc and acc_norm, the
// mock models' loglikelihoods, and the shipped ARC-Challenge task on the real data.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "datasets/reader.h"
#include "runners/completion.h"
#include "runners/mock.h"
#include "runners/request.h"
#include "tasks/registry.h"
#include "tasks/spec.h"
#include "tasks/task.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

using test::ScratchDir;
using test::write_file;

// Choices from a list field, each an object with a label and a text.
const char* kListSpec = R"(name: mc
dataset:
  path: d.jsonl
  id_field: id
  fields:
    q: q.stem
    options: q.options
    key: key
prompt:
  template: "Q: {{q}}\nA:"
  target: "{{choice.text}}"
fewshot:
  count: FEWSHOT
multiple_choice:
  choices: options
  label: "{{choice.label}}"
  answer: "{{key}}"
)";

const char* kListData =
    R"({"id":"a","q":{"stem":"2+2?","options":[{"label":"A","text":"3"},{"label":"B","text":"four"}]},"key":"B"}
{"id":"b","q":{"stem":"sky?","options":[{"label":"1","text":"blue"},{"label":"2","text":"green"},{"label":"3","text":"é"}]},"key":"1"}
)";

Task load_list_task(const ScratchDir& dir, int fewshot = 0, const std::string& data = kListData) {
  std::string spec = kListSpec;
  spec.replace(spec.find("FEWSHOT"), 7, std::to_string(fewshot));
  write_file(dir / "mc.yaml", spec);
  write_file(dir / "d.jsonl", data);
  DataLocation where;
  where.roots = {dir.path()};
  return Task::load(load_task_spec(dir / "mc.yaml"), where);
}

// The task's metrics, scored as an evaluation would.
std::vector<Score> score(const Task& t, const Sample& s, const Completion& c) {
  return make_scorers(t.spec().metrics, nullptr).score(s, c);
}

Completion with_logprobs(std::vector<double> logprobs) {
  Completion c;
  for (double lp : logprobs) c.continuations.push_back({lp, false, 1});
  return c;
}

TEST(MultipleChoice, ChoicesLabelsAndGoldComeFromTheSpec) {
  ScratchDir dir;
  Task t = load_list_task(dir);
  ASSERT_EQ(t.samples().size(), 2u);
  const Sample& s = t.samples()[1];
  EXPECT_EQ(s.choice_labels, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(s.choice_targets, (std::vector<std::string>{"blue", "green", "é"}));
  EXPECT_EQ(s.gold, 0u);
  EXPECT_EQ(s.reference, "1");

  Request r = t.build_request(0, 0);
  EXPECT_EQ(r.kind, RequestKind::kLoglikelihood);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "Q: 2+2?\nA:");
  EXPECT_EQ(r.continuations, (std::vector<std::string>{" 3", " four"}));  // delimiter " "
  EXPECT_EQ(r.oracle_text, " four");
}

TEST(MultipleChoice, FewShotExamplesAreInlineWithTheirGoldText) {
  ScratchDir dir;
  Task t = load_list_task(dir, 1);
  Request r = t.build_request(0, 0);
  ASSERT_EQ(r.messages.size(), 1u);  // examples inline, never turns
  EXPECT_EQ(r.messages[0].content, "Q: sky?\nA: blue\n\nQ: 2+2?\nA:");
}

TEST(MultipleChoice, AccPicksTheHighestLoglikelihoodAndAccNormPerCharacter) {
  ScratchDir dir;
  Task t = load_list_task(dir);
  const Sample& s = t.samples()[0];  // " 3" (1 char) or " four" (4 chars, gold)
  // -2 for "3" beats -4 for "four", but per character -1 for "four" beats -2.
  auto scores = score(t, s, with_logprobs({-2.0, -4.0}));
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[0].metric, "acc");
  EXPECT_EQ(scores[0].value, 0.0);
  EXPECT_EQ(scores[0].extracted, "A");
  EXPECT_EQ(scores[1].metric, "acc_norm");
  EXPECT_EQ(scores[1].value, 1.0);
  EXPECT_EQ(scores[1].extracted, "B");
  // Characters are code points: "é" is one character of two bytes.
  const Sample& b = t.samples()[1];
  auto norm = score(t, b, with_logprobs({-8.0, -12.0, -1.5}))[1];
  EXPECT_EQ(norm.extracted, "3");  // -1.5 per character, against -2 and -2.4
  // Ties go to the first choice; a wrong number of loglikelihoods scores 0 with a reason.
  EXPECT_EQ(score(t, s, with_logprobs({-1.0, -1.0}))[0].extracted, "A");
  Score short_answer = score(t, s, with_logprobs({-1.0}))[0];
  EXPECT_EQ(short_answer.value, 0.0);
  EXPECT_NE(short_answer.reason.find("expected 2 loglikelihoods, got 1"), std::string::npos);
}

TEST(MultipleChoice, AnswerThatIsNoLabelNamesTheRecord) {
  ScratchDir dir;
  std::string data = kListData;
  data.replace(data.find("\"key\":\"B\""), 9, "\"key\":\"Z\"");
  try {
    load_list_task(dir, 0, data);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("d.jsonl"), std::string::npos) << what;
    EXPECT_NE(what.find("record 0"), std::string::npos) << what;
    EXPECT_NE(what.find("'Z' is none of the choices' labels (A, B)"), std::string::npos) << what;
  }
}

std::string spec_error(const std::string& yaml) {
  ScratchDir dir;
  write_file(dir / "bad.yaml", yaml);
  try {
    load_task_spec(dir / "bad.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MultipleChoice, SpecMistakesAreErrorsWithTheirLine) {
  const std::string head =
      "name: mc\ndataset: {path: d.jsonl}\nprompt: {template: 'Q', target: '{{label}}'}\n";
  EXPECT_NE(spec_error(head + "multiple_choice: {labels: [A, B], choices: c, answer: x}\n")
                .find("exactly one of 'choices'"),
            std::string::npos);
  EXPECT_NE(spec_error(head + "multiple_choice: {choices: c, answer: x}\n").find("needs 'label'"),
            std::string::npos);
  EXPECT_NE(spec_error(head + "multiple_choice: {labels: [A], answer: x, metrics: [f1]}\n")
                .find("unknown multiple-choice metric 'f1'"),
            std::string::npos);
  std::string generation = spec_error(head +
                                      "multiple_choice: {labels: [A], answer: x}\n"
                                      "generation: {max_tokens: 5}\n");
  EXPECT_NE(generation.find("bad.yaml:5:"), std::string::npos) << generation;
  EXPECT_NE(generation.find("has no 'generation'"), std::string::npos) << generation;
}

Request choice_request(const std::string& context, const std::string& gold) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", context}};
  r.continuations = {" a", " bb", " cccccccc"};
  r.oracle_text = gold;
  return r;
}

TEST(MultipleChoice, MockOraclePrefersTheGoldAndWrongAnotherUnderBothMetrics) {
  MockRunner oracle(MockRunner::Behavior::kOracle, 1, 0), wrong(MockRunner::Behavior::kWrong, 0, 0);
  for (const std::string gold : {" a", " bb", " cccccccc"}) {
    Request r = choice_request("q", gold);
    size_t g = static_cast<size_t>(std::find(r.continuations.begin(), r.continuations.end(), gold) -
                                   r.continuations.begin());
    std::promise<Completion> p;
    oracle.submit(r, [&p](Completion c) { p.set_value(std::move(c)); });
    Completion c = p.get_future().get();
    ASSERT_EQ(c.continuations.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      const double chars = static_cast<double>(r.continuations[i].size());
      const double gold_chars = static_cast<double>(r.continuations[g].size());
      if (i == g) continue;
      EXPECT_LT(c.continuations[i].logprob, c.continuations[g].logprob);
      EXPECT_LT(c.continuations[i].logprob / chars, c.continuations[g].logprob / gold_chars);
    }
    EXPECT_NE(wrong.preferred_continuation(r), g);
    EXPECT_EQ(oracle.preferred_continuation(r), g);
  }
}

TEST(MultipleChoice, LoglikelihoodRequestsHaveTheirOwnCacheKeyAndJson) {
  Request generate;
  generate.messages = {{"user", "q"}};
  EXPECT_FALSE(canonical_json(generate).contains("kind"));  // keys of older runs still hold
  Request ll = choice_request("q", " a");
  nlohmann::json j = canonical_json(ll);
  EXPECT_EQ(j["kind"], "loglikelihood");
  EXPECT_EQ(j["continuations"].size(), 3u);
  EXPECT_NE(cache_key(ll, "m"), cache_key(generate, "m"));
  Request other = ll;
  other.continuations.back() = " d";
  EXPECT_NE(cache_key(ll, "m"), cache_key(other, "m"));

  Completion c = with_logprobs({-1.25, -3.5});
  c.continuations[1].greedy = true;
  c.continuations[1].tokens = 4;
  Completion back = completion_from_json(to_json(c));
  ASSERT_EQ(back.continuations.size(), 2u);
  EXPECT_EQ(back.continuations[0].logprob, -1.25);
  EXPECT_TRUE(back.continuations[1].greedy);
  EXPECT_EQ(back.continuations[1].tokens, 4);
}

// The shipped task on the real ARC-Challenge test file.
TEST(MultipleChoice, ArcChallengeOnTheRealData) {
  const auto data = test::shared_dir() / "datasets";
  if (!test::require_shared(data / "arc_challenge/ARC-Challenge-Test.jsonl")) GTEST_SKIP();
  TaskSpec spec =
      load_task_spec(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs/arc_challenge.yaml");
  DataLocation where;
  where.roots = {data};
  Task t = Task::load(spec, where);
  ASSERT_EQ(t.samples().size(), 1172u);
  const Sample& first = t.samples()[0];
  EXPECT_EQ(first.id, "Mercury_7175875");
  EXPECT_EQ(first.choice_labels, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(first.gold, 2u);  // answerKey C
  Request r = t.build_request(0, 0);
  EXPECT_EQ(r.messages[0].content.rfind("Question: An astronomer observes", 0), 0u);
  EXPECT_EQ(r.messages[0].content.substr(r.messages[0].content.size() - 8), "\nAnswer:");
  EXPECT_EQ(r.continuations[2], " Planetary days will become shorter.");
  // With examples, they come from the train split.
  override_fewshot(spec, 2);
  Task shots = Task::load(spec, where);
  const std::string prompt = shots.build_request(0, 0).messages[0].content;
  std::set<std::string> train;
  for (const auto& record : read_records(data / "arc_challenge/ARC-Challenge-Train.jsonl", {})) {
    train.insert(record["question"]["stem"].get<std::string>());
  }
  std::vector<std::string> asked;
  for (size_t at = 0; (at = prompt.find("Question: ", at)) != std::string::npos; ++at) {
    asked.push_back(prompt.substr(at + 10, prompt.find("\nAnswer:", at) - at - 10));
  }
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_TRUE(train.count(asked[0])) << asked[0];
  EXPECT_TRUE(train.count(asked[1])) << asked[1];
  EXPECT_EQ(asked[2], first.fields["question"].get<std::string>());
  // Some questions have numeric labels, and some have 3 or 5 choices.
  size_t numeric = 0, not_four = 0;
  for (const Sample& s : t.samples()) {
    numeric += s.choice_labels[0] == "1";
    not_four += s.choice_labels.size() != 4;
    ASSERT_LT(s.gold, s.choice_labels.size());
  }
  EXPECT_GT(numeric, 0u);
  EXPECT_GT(not_four, 0u);
}

// Several files, the '*' of the path as a field, a description, and few-shot examples
// from another source that share the sample's subject.
TEST(MultipleChoice, SeveralFilesDescriptionAndMatchingExamples) {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "test");
  std::filesystem::create_directories(dir / "dev");
  write_file(dir / "test/art_history_test.csv", "Who?,x,y,z,w,B\nWhen?,1,2,3,4,D\n");
  write_file(dir / "test/zoology_test.csv", "Cats?,a,b,c,d,A\n");
  write_file(dir / "dev/art_history_dev.csv", "Art ex?,p,q,r,s,C\n");
  write_file(dir / "dev/zoology_dev.csv", "Zoo ex?,p,q,r,s,D\n");
  write_file(dir / "notes.txt", "not data");
  write_file(dir / "mc.yaml", R"(name: mc
dataset:
  path: test/*_test.csv
  file_field: subject
  format: csv
  csv_header: false
  fields: {q: "0", A: "1", B: "2", C: "3", D: "4", answer: "5"}
prompt:
  description: "About {{subject|spaces}}.\n\n"
  template: "{{q}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\nAnswer:"
  target: "{{label}}"
fewshot: {count: 5, from: dev/*_dev.csv, match: subject}
multiple_choice: {labels: [A, B, C, D], answer: "{{answer}}"}
)");
  DataLocation where;
  where.roots = {dir.path()};
  Task t = Task::load(load_task_spec(dir / "mc.yaml"), where);
  ASSERT_EQ(t.samples().size(), 3u);
  EXPECT_EQ(t.samples()[1].id, "art_history/1");
  EXPECT_EQ(t.samples()[2].id, "zoology/0");
  EXPECT_EQ(t.samples()[2].fields["subject"], "zoology");
  EXPECT_EQ(t.samples()[1].gold, 3u);
  Request r = t.build_request(2, 0);
  EXPECT_EQ(r.messages[0].content,
            "About zoology.\n\nZoo ex?\nA. p\nB. q\nC. r\nD. s\nAnswer: D\n\n"
            "Cats?\nA. a\nB. b\nC. c\nD. d\nAnswer:");
  EXPECT_EQ(r.continuations, (std::vector<std::string>{" A", " B", " C", " D"}));
  // The examples are part of the data hash: changing them never resumes an older run.
  const std::string before = t.data_hash();
  write_file(dir / "dev/zoology_dev.csv", "Zoo ex?,p,q,r,s,C\n");
  EXPECT_NE(Task::load(load_task_spec(dir / "mc.yaml"), where).data_hash(), before);
  // A bad answer names its file.
  write_file(dir / "test/zoology_test.csv", "Cats?,a,b,c,d,E\n");
  try {
    Task::load(load_task_spec(dir / "mc.yaml"), where);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("zoology_test.csv"), std::string::npos) << e.what();
  }
}

TEST(MultipleChoice, StarPathMistakesAreSpecErrors) {
  const std::string tail =
      "prompt: {template: 'Q', target: '{{label}}'}\n"
      "multiple_choice: {labels: [A], answer: x}\n";
  EXPECT_NE(spec_error("name: mc\ndataset: {path: a/*/b*.csv}\n" + tail).find("one '*'"),
            std::string::npos);
  EXPECT_NE(
      spec_error("name: mc\ndataset: {path: a.csv, file_field: s}\n" + tail).find("needs a '*'"),
      std::string::npos);
}

// The shipped task on the real MMLU files: every subject, five examples of its own.
TEST(MultipleChoice, MmluOnTheRealData) {
  const auto data = test::shared_dir() / "datasets";
  if (!test::require_shared(data / "mmlu/test")) GTEST_SKIP();
  TaskSpec spec = load_task_spec(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs/mmlu.yaml");
  DataLocation where;
  where.roots = {data};
  Task t = Task::load(spec, where);
  ASSERT_EQ(t.samples().size(), 14042u);
  std::set<std::string> subjects;
  for (const Sample& s : t.samples()) subjects.insert(s.fields["subject"].get<std::string>());
  EXPECT_EQ(subjects.size(), 57u);
  EXPECT_EQ(t.samples()[0].id, "abstract_algebra/0");
  const std::string prompt = t.build_request(0, 0).messages[0].content;
  EXPECT_EQ(prompt.rfind("The following are multiple choice questions (with answers) about "
                         "abstract algebra.\n\nFind all c in Z_3",
                         0),
            0u)
      << prompt;
  size_t answers = 0;
  for (size_t at = 0; (at = prompt.find("\nAnswer:", at)) != std::string::npos; ++at) ++answers;
  EXPECT_EQ(answers, 6u);  // five examples and the question
  EXPECT_EQ(prompt.substr(prompt.size() - 8), "\nAnswer:");
  // A sample of another subject gets that subject's examples.
  for (size_t i = 0; i < t.samples().size(); ++i) {
    if (t.samples()[i].fields["subject"] != "virology") continue;
    EXPECT_NE(t.build_request(i, 0).messages[0].content.find("about virology.\n\n"),
              std::string::npos);
    break;
  }
}

TEST(ArcChallenge, ZeroShotNeedsNoTrainFile) {
  const auto arc = test::shared_dir() / "datasets/arc_challenge/ARC-Challenge-Test.jsonl";
  if (!test::require_shared(arc)) GTEST_SKIP();
  ScratchDir data;
  std::filesystem::create_directories(data / "arc_challenge");
  std::filesystem::copy_file(arc, data / "arc_challenge/ARC-Challenge-Test.jsonl");
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  where.roots = {data.path()};
  TaskSpec spec = reg.tasks().at("arc_challenge");
  EXPECT_EQ(Task::load(spec, where).samples().size(), 1172u);  // zero-shot: no train split
  override_fewshot(spec, 25);
  try {
    Task::load(spec, where);
    FAIL() << "25-shot loaded without the train split it draws examples from";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ARC-Challenge-Train.jsonl"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ys
