// Kind "code": runs the completion's code in the sandbox and scores 1 when the judge's
// verdict is passed (the verdict is the extracted answer, its detail the reason). One
// metric, "pass", aggregated as pass@k over repeats. Options (docs/TASKS.md, "Code tasks"):
//   judge: python_script (a self-checking program: `program` rendered with the sample's
//          fields and {{completion}}) or stdio (the program run on each test of
//          `tests_field`, output compared exactly or by tokens);
//   program, entry_point_field, stops (python_script); language, tests_field, comparison,
//   comparison_field (stdio); timeout_s (wall and CPU seconds per program, per test for
//   stdio), memory_mb (address-space limit).
#include <stdexcept>

#include "scoring/code_extract.h"
#include "scoring/options.h"
#include "scoring/sandbox/judge.h"
#include "scoring/scorer.h"
#include "util/template.h"

namespace ys {
namespace {

constexpr const char* kPassMetric = "pass";

struct CodeOptions {
  bool stdio = false;
  std::string program;
  std::string entry_point_field;
  std::vector<std::string> stops;
  std::string language = "python";
  std::string tests_field = "tests";
  std::string comparison = "exact";
  std::string comparison_field;
  double timeout_s = 3;
  uint64_t memory_mb = 2048;
};

CodeOptions read_options(const OptionReader& o) {
  o.only({"judge", "program", "entry_point_field", "stops", "language", "tests_field", "comparison",
          "comparison_field", "timeout_s", "memory_mb"});
  CodeOptions c;
  const std::string judge = o.string("judge", "python_script");
  if (judge == "python_script") {
    c.program = o.required_string("program");
  } else if (judge == "stdio") {
    c.stdio = true;
  } else {
    o.fail("judge", "'code.judge' must be 'python_script' or 'stdio'");
  }
  c.entry_point_field = o.string("entry_point_field", "");
  c.stops = o.strings("stops");
  c.language = o.string("language", "python");
  if (c.language != "python" && c.language != "cpp" && c.language != "javascript") {
    o.fail("language", "'code.language' must be python, cpp or javascript");
  }
  c.tests_field = o.string("tests_field", "tests");
  c.comparison = o.string("comparison", "exact");
  if (c.comparison != "exact" && c.comparison != "tokens") {
    o.fail("comparison", "'code.comparison' must be 'exact' or 'tokens'");
  }
  c.comparison_field = o.string("comparison_field", "");
  c.timeout_s = o.number("timeout_s", 3.0);
  if (c.timeout_s <= 0) o.fail("timeout_s", "'code.timeout_s' must be positive");
  const int64_t memory = o.integer("memory_mb", 2048);
  if (memory <= 0) o.fail("memory_mb", "'code.memory_mb' must be positive");
  c.memory_mb = static_cast<uint64_t>(memory);
  return c;
}

class CodeScorer : public Scorer {
 public:
  CodeScorer(CodeOptions options, sandbox::Judge& judge)
      : options_(std::move(options)), judge_(judge) {}

  std::vector<MetricInfo> metrics() const override {
    return {{kPassMetric, Aggregation::kPassAtK}};
  }
  bool runs_code() const override { return true; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext& context) const override {
    sandbox::Limits limits = judge_.options().limits;
    limits.wall_s = limits.cpu_s = options_.timeout_s;
    limits.address_space = options_.memory_mb << 20;
    const sandbox::Judgement j = options_.stdio ? run_stdio(sample, answer.text, context, limits)
                                                : run_script(sample, answer.text, context, limits);
    Score s;
    s.metric = kPassMetric;
    s.value = j.verdict == sandbox::Verdict::kPassed ? 1.0 : 0.0;
    s.extracted = sandbox::verdict_name(j.verdict);
    s.reason = j.detail;
    return {s};
  }

 private:
  sandbox::Judgement run_script(const Sample& sample, const std::string& output,
                                const ScoringContext& context,
                                const sandbox::Limits& limits) const {
    std::string entry;
    if (!options_.entry_point_field.empty()) {
      entry = sample.fields.value(options_.entry_point_field, "");
    }
    nlohmann::json fields = sample.fields;
    fields["completion"] = clean_function_completion(output, entry, options_.stops);
    return judge_.python_script(render_template(options_.program, fields), context.slot, limits);
  }

  sandbox::Judgement run_stdio(const Sample& sample, const std::string& output,
                               const ScoringContext& context, const sandbox::Limits& limits) const {
    std::vector<sandbox::StdioTest> tests;
    for (const auto& t : sample.fields.at(options_.tests_field)) {
      tests.push_back({t.at("input").get<std::string>(), t.at("output").get<std::string>()});
    }
    const std::string how =
        options_.comparison_field.empty()
            ? options_.comparison
            : sample.fields.value(options_.comparison_field, options_.comparison);
    return judge_.stdio(
        sandbox::parse_language(options_.language), extract_code_block(output, options_.language),
        tests, how == "tokens" ? sandbox::Comparison::kTokens : sandbox::Comparison::kExact,
        context.slot, limits);
  }

  CodeOptions options_;
  sandbox::Judge& judge_;
};

// Stands in for the code scorer while a spec is only checked: never scores.
class UncheckedCode : public Scorer {
 public:
  std::vector<MetricInfo> metrics() const override {
    return {{kPassMetric, Aggregation::kPassAtK}};
  }
  bool runs_code() const override { return true; }
  std::vector<Score> score(const Sample&, const Completion&, const ScoringContext&) const override {
    throw std::logic_error("a code metric checked without a judge cannot score");
  }
};

}  // namespace

std::unique_ptr<Scorer> make_code_scorer(const MetricConfig& config, ScoringResources* resources) {
  OptionReader o(config.options, "'code'");
  if (!config.name.empty() && config.name != kPassMetric) {
    o.fail("name", std::string("a code metric is named '") + kPassMetric + "'");
  }
  CodeOptions options = read_options(o);
  if (!resources) return std::make_unique<UncheckedCode>();
  return std::make_unique<CodeScorer>(std::move(options), resources->judge());
}

}  // namespace ys
