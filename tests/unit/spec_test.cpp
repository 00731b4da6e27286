#include "tasks/spec.h"

#include <gtest/gtest.h>

#include "tasks/registry.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

using test::ScratchDir;
using test::write_file;

const char* kValid = R"(name: t
description: d
dataset:
  path: d.jsonl
  fields: {q: question, a: answer}
prompt:
  template: "Q: {{q}}"
  target: "{{a}}"
reference:
  template: "{{a}}"
  normalize: number
metrics:
  - name: em
    extract: [last_number]
    normalize: number
)";

std::string load_error(const std::string& yaml, const char* name = "t.yaml") {
  ScratchDir dir;
  write_file(dir / name, yaml);
  try {
    load_task_spec(dir / name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TaskSpec, LoadsAValidSpec) {
  ScratchDir dir;
  write_file(dir / "t.yaml", kValid);
  TaskSpec s = load_task_spec(dir / "t.yaml");
  EXPECT_EQ(s.name, "t");
  ASSERT_TRUE(s.dataset.has_value());
  EXPECT_EQ(s.dataset->fields.at("q"), "question");
  ASSERT_EQ(s.metrics.size(), 1u);
  EXPECT_EQ(s.metrics[0].kind, "exact_match");
  EXPECT_EQ(s.metrics[0].options.at("normalize"), "number");
  EXPECT_EQ(s.generation.max_tokens, 256);
  EXPECT_EQ(s.content_hash.size(), 32u);
}

TEST(TaskSpec, MalformedYamlNamesFileAndLine) {
  std::string e = load_error("name: t\nprompt:\n  template: [unclosed\n  target: x\n");
  EXPECT_NE(e.find("t.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
}

TEST(TaskSpec, UnknownKeyNamesItsLine) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("prompt:"), 7, "promt: 1\nprompt:");
  std::string e = load_error(yaml);
  EXPECT_NE(e.find("t.yaml:6: unknown key 'promt'"), std::string::npos) << e;
}

TEST(TaskSpec, TemplateWithUnknownFieldIsAnError) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("{{q}}"), 5, "{{question}}");
  std::string e = load_error(yaml);
  EXPECT_NE(e.find("unknown field 'question'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:7:"), std::string::npos) << e;
}

TEST(TaskSpec, BadRegexAndMissingMetricsAreErrors) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("[last_number]"), 13, "[{regex: '(oops'}]");
  EXPECT_NE(load_error(yaml).find("invalid regex"), std::string::npos);
  std::string no_metrics = std::string(kValid).substr(0, std::string(kValid).find("metrics:"));
  EXPECT_NE(load_error(no_metrics).find("metrics"), std::string::npos);
}

TEST(TaskSpec, NeedsExactlyOneSource) {
  std::string yaml = kValid;
  yaml += "generator: {name: arith, count: 3}\n";
  EXPECT_NE(load_error(yaml).find("exactly one of"), std::string::npos);
}

TEST(Registry, ShippedSpecsLoadAndSuitesResolve) {
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  ASSERT_TRUE(reg.tasks().count("gsm8k"));
  ASSERT_TRUE(reg.tasks().count("arith"));
  auto specs = reg.resolve({"math", "arith"});
  ASSERT_EQ(specs.size(), 3u);  // no duplicate arith
  EXPECT_EQ(specs[0]->name, "gsm8k");
  EXPECT_EQ(specs[1]->name, "gsm8k_cot");
  EXPECT_EQ(specs[2]->name, "arith");
  try {
    reg.resolve({"nope"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown task or suite 'nope'"), std::string::npos);
  }
}

TEST(Registry, SuiteNamingUnknownTaskIsAnError) {
  ScratchDir dir;
  write_file(dir / "t.yaml", kValid);
  write_file(dir / "suites.yaml", "s:\n  tasks: [t, missing]\n");
  EXPECT_THROW(TaskRegistry::load(dir.path()), InputError);
}

const char* kMetricHead = R"(name: t
dataset: {path: d.jsonl}
prompt: {template: "{{q}}", target: "{{a}}"}
reference: {template: "{{a}}"}
)";

TEST(TaskSpec, MetricOptionErrorsNameTheirLine) {
  std::string e = load_error(std::string(kMetricHead) + R"(metrics:
  - name: em
    extract: [last_number]
    normalise: number
)");
  EXPECT_NE(e.find("t.yaml:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'normalise'"), std::string::npos) << e;
  e = load_error(std::string(kMetricHead) + R"(metrics:
  - {name: em, extract: [last_number]}
  - {name: em, kind: contains}
)");
  EXPECT_NE(e.find("t.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate metric name 'em'"), std::string::npos) << e;
  e = load_error(std::string(kMetricHead) + R"(metrics:
  - {name: acc, kind: choice}
)");
  EXPECT_NE(e.find("t.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("'multiple_choice' block"), std::string::npos) << e;
  e = load_error(std::string(kMetricHead) + R"(metrics:
  - {name: m, kind: nearly}
)");
  EXPECT_NE(e.find("unknown metric kind 'nearly'"), std::string::npos) << e;
}

TEST(TaskSpec, DuplicateMultipleChoiceMetricsNameTheirLine) {
  std::string e = load_error(R"(name: t
dataset: {path: d.jsonl}
prompt: {template: "{{q}}", target: "{{choice}}"}
multiple_choice:
  labels: [A, B]
  answer: "{{a}}"
  metrics: [acc, acc]
)");
  EXPECT_NE(e.find("t.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate metric name 'acc'"), std::string::npos) << e;
}

TEST(TaskSpec, PlainScalarsKeepTheirTextUnlessTheyAreIntegersOrBooleans) {
  ScratchDir dir;
  write_file(dir / "t.yaml", std::string(kMetricHead) + R"(metrics:
  - {name: em, extract: [{choice: 0123}, {regex: 'x(1)', select: -1}]}
  - {name: has, kind: contains, ignore_case: True}
code: {judge: stdio, timeout_s: 1.50}
)");
  TaskSpec spec = load_task_spec(dir / "t.yaml");
  ASSERT_EQ(spec.metrics.size(), 3u);
  const auto& code = spec.metrics[0].options;  // the code block comes first
  EXPECT_EQ(code.at("timeout_s"), "1.50");     // as written; read as 1.5 by the scorer
  const auto& em = spec.metrics[1].options;
  EXPECT_EQ(em.at("extract")[0].at("choice"), "0123");
  EXPECT_EQ(em.at("extract")[1].at("select"), -1);
  EXPECT_EQ(spec.metrics[2].options.at("ignore_case"), true);
}

}  // namespace
}  // namespace ys
