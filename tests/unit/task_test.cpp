#include "tasks/task.h"

#include <gtest/gtest.h>

#include <set>

#include "tasks/registry.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

using test::ScratchDir;
using test::write_file;

const char* kSpec = R"(name: t
dataset:
  path: d.jsonl
  id_field: id
prompt:
  system: "Be brief."
  template: "Q: {{q}}"
  target: "A: {{a}}"
fewshot:
  count: 2
  sampler: random
  seed: 3
  as_turns: AS_TURNS
reference:
  template: "{{a}}"
  normalize: number
metrics:
  - name: em
    extract: [last_number]
    normalize: number
)";

Task load(const ScratchDir& dir, bool as_turns, int records = 6) {
  std::string spec = kSpec;
  spec.replace(spec.find("AS_TURNS"), 8, as_turns ? "true" : "false");
  write_file(dir / "t.yaml", spec);
  std::string data;
  for (int i = 0; i < records; ++i) {
    data += "{\"id\":\"s" + std::to_string(i) + "\",\"q\":\"" + std::to_string(i) +
            "+1?\",\"a\":\"" + std::to_string(i + 1) + ".0\"}\n";
  }
  write_file(dir / "d.jsonl", data);
  DataLocation where;
  where.roots = {dir.path()};
  return Task::load(load_task_spec(dir / "t.yaml"), where);
}

TEST(Task, LoadsSamplesWithIdsAndNormalizedReferences) {
  ScratchDir dir;
  Task t = load(dir, true);
  ASSERT_EQ(t.samples().size(), 6u);
  EXPECT_EQ(t.samples()[2].id, "s2");
  EXPECT_EQ(t.samples()[2].reference, "3");
}

TEST(Task, FewShotTurnsNeverShowTheSampleItselfAndAreDeterministic) {
  ScratchDir dir;
  Task t = load(dir, true);
  for (size_t i = 0; i < t.samples().size(); ++i) {
    Request r = t.build_request(i, 0);
    ASSERT_EQ(r.messages.size(), 1u + 2 * 2 + 1);  // system, 2 examples, question
    EXPECT_EQ(r.messages[0].role, "system");
    EXPECT_EQ(r.messages[1].role, "user");
    EXPECT_EQ(r.messages[2].role, "assistant");
    const std::string own_question = "Q: " + std::to_string(i) + "+1?";
    EXPECT_EQ(r.messages.back().content, own_question);
    std::set<std::string> examples = {r.messages[1].content, r.messages[3].content};
    EXPECT_FALSE(examples.count(own_question));
    EXPECT_EQ(examples.size(), 2u);
    EXPECT_EQ(canonical_json(r), canonical_json(t.build_request(i, 0)));
    EXPECT_EQ(r.oracle_text, "A: " + std::to_string(i + 1) + ".0");
  }
}

TEST(Task, FewShotInlineJoinsExamplesWithSeparator) {
  ScratchDir dir;
  Task t = load(dir, false);
  Request r = t.build_request(0, 0);
  ASSERT_EQ(r.messages.size(), 2u);
  const std::string& content = r.messages[1].content;
  EXPECT_EQ(content.find("Q: 0+1?"), content.size() - 7);  // the question comes last
  EXPECT_NE(content.find(" A: "), std::string::npos);      // target delimiter
  EXPECT_NE(content.find("\n\n"), std::string::npos);      // example separator
}

TEST(Task, FewShotOverrideChangesPromptsAndHash) {
  ScratchDir dir;
  Task t = load(dir, true);
  TaskSpec spec = t.spec();
  const std::string before = spec.content_hash;
  override_fewshot(spec, 0);
  EXPECT_NE(spec.content_hash, before);
  DataLocation where;
  where.roots = {dir.path()};
  Task zero = Task::load(spec, where);
  EXPECT_EQ(zero.build_request(0, 0).messages.size(), 2u);  // system + question
}

TEST(Task, RepeatsAreDistinctRequests) {
  ScratchDir dir;
  Task t = load(dir, true);
  EXPECT_NE(cache_key(t.build_request(0, 0), "m"), cache_key(t.build_request(0, 1), "m"));
  EXPECT_NE(cache_key(t.build_request(0, 0), "m"), cache_key(t.build_request(0, 0), "n"));
}

TEST(Task, RecordMissingAFieldNamesFileAndRecord) {
  ScratchDir dir;
  load(dir, true);
  write_file(dir / "d.jsonl",
             "{\"id\":\"a\",\"q\":\"1\",\"a\":\"2\"}\n{\"id\":\"b\",\"q\":\"1\"}\n");
  DataLocation where;
  where.roots = {dir.path()};
  try {
    Task::load(load_task_spec(dir / "t.yaml"), where);
    FAIL();
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("d.jsonl"), std::string::npos) << m;
    EXPECT_NE(m.find("record 1"), std::string::npos) << m;
  }
}

TEST(Task, MissingDatasetListsWhereItLooked) {
  ScratchDir dir;
  write_file(dir / "t.yaml",
             std::string(kSpec).replace(std::string(kSpec).find("AS_TURNS"), 8, "true"));
  DataLocation where;
  where.roots = {dir.path() / "nowhere"};
  try {
    Task::load(load_task_spec(dir / "t.yaml"), where);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere/d.jsonl"), std::string::npos) << e.what();
  }
}

TEST(Task, DataOverrideFileIsUsedAsTheDataset) {
  ScratchDir dir;
  load(dir, true);
  write_file(dir / "other.jsonl", "{\"id\":\"x\",\"q\":\"9\",\"a\":\"10\"}\n");
  DataLocation where;
  where.override_path = dir / "other.jsonl";
  Task t = Task::load(load_task_spec(dir / "t.yaml"), where);
  ASSERT_EQ(t.samples().size(), 1u);
  EXPECT_EQ(t.samples()[0].reference, "10");
}

TEST(Gsm8k, RealTestSetLoadsWithReferences) {
  auto data = test::shared_dir() / "datasets";
  if (!test::require_shared(data / "gsm8k/test.jsonl")) GTEST_SKIP();
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  where.roots = {data};
  Task t = Task::load(reg.tasks().at("gsm8k"), where);
  ASSERT_EQ(t.samples().size(), 1319u);
  EXPECT_EQ(t.samples()[0].reference, "18");  // Janet's ducks
  for (const auto& s : t.samples()) {
    ASSERT_FALSE(s.reference.empty());
    ASSERT_EQ(s.reference.find(','), std::string::npos) << s.id;
  }
  // A perfect answer (the target) scores 1 on every metric for every sample.
  ScorerSet scorers = make_scorers(t.spec().metrics, nullptr);
  for (size_t i = 0; i < t.samples().size(); ++i) {
    Completion oracle;
    oracle.text = t.build_request(i, 0).oracle_text;
    auto scores = scorers.score(t.samples()[i], oracle);
    ASSERT_EQ(scores.size(), 4u);
    for (const auto& s : scores) ASSERT_EQ(s.value, 1.0) << i << " " << s.metric;
  }
  // 5 examples inline, as lm-evaluation-harness writes them, then the question.
  EXPECT_EQ(t.build_request(0, 0).messages.size(), 1u);
}

}  // namespace
}  // namespace ys
