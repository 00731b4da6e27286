#include "tasks/spec.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "datasets/reader.h"
#include "tasks/template.h"
#include "util/error.h"
#include "util/hash.h"

namespace ys {
namespace {

// Reads YAML nodes of one file, turning every problem into "FILE:LINE: message".
class SpecReader {
 public:
  explicit SpecReader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    throw InputError(located(file_.string(), line, message));
  }

  YAML::Node load(std::string* content) const {
    *content = read_file_text(file_);
    try {
      return YAML::Load(*content);
    } catch (const YAML::ParserException& e) {
      throw InputError(located(file_.string(), e.mark.line + 1, "invalid YAML: " + e.msg));
    }
  }

  void require_map(const YAML::Node& node, const std::string& what) const {
    if (!node.IsMap()) fail(node, what + " must be a mapping");
  }

  void only_keys(const YAML::Node& map, const std::set<std::string>& allowed,
                 const std::string& what) const {
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      if (!allowed.count(key)) fail(kv.first, "unknown key '" + key + "' in " + what);
    }
  }

  template <typename T>
  T get(const YAML::Node& map, const std::string& key, const T& fallback) const {
    YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) return fallback;
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      fail(n, "bad value for '" + key + "'");
    }
  }

  template <typename T>
  T required(const YAML::Node& map, const std::string& key, const std::string& what) const {
    YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) fail(map, what + " needs '" + key + "'");
    return get<T>(map, key, T{});
  }

  std::vector<std::string> string_list(const YAML::Node& map, const std::string& key) const {
    YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) return {};
    if (n.IsScalar()) return {n.as<std::string>()};
    if (!n.IsSequence()) fail(n, "'" + key + "' must be a string or a list of strings");
    std::vector<std::string> out;
    for (const auto& item : n) out.push_back(item.as<std::string>());
    return out;
  }

  ExtractChain extract_chain(const YAML::Node& node) const {
    if (!node.IsSequence()) fail(node, "'extract' must be a list of steps");
    ExtractChain chain;
    for (const auto& item : node) {
      if (item.IsScalar()) {
        auto name = item.as<std::string>();
        ExtractStep step;
        if (name == "last_number") {
          step.kind = ExtractStep::Kind::kLastNumber;
        } else if (name == "first_number") {
          step.kind = ExtractStep::Kind::kFirstNumber;
        } else if (name == "choice") {
          step.kind = ExtractStep::Kind::kChoice;
        } else {
          fail(item, "unknown extractor '" + name +
                         "' (expected last_number, first_number, "
                         "choice, or {regex: ...})");
        }
        chain.push_back(std::move(step));
        continue;
      }
      require_map(item, "an extract step");
      only_keys(item, {"regex", "select", "choice"}, "an extract step");
      if (item["regex"].IsDefined()) {
        try {
          chain.push_back(regex_step(item["regex"].as<std::string>(), get<int>(item, "select", 0)));
        } catch (const InputError& e) {
          fail(item["regex"], e.what());
        }
      } else if (item["choice"].IsDefined()) {
        ExtractStep step;
        step.kind = ExtractStep::Kind::kChoice;
        step.choices = item["choice"].as<std::string>();
        chain.push_back(std::move(step));
      } else {
        fail(item, "an extract step needs 'regex' or 'choice'");
      }
    }
    return chain;
  }

  Normalization normalization(const YAML::Node& map) const {
    try {
      return parse_normalization(get<std::string>(map, "normalize", "none"));
    } catch (const InputError& e) {
      fail(map["normalize"], e.what());
    }
  }

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

DatasetSpec read_dataset(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'dataset'");
  r.only_keys(
      n, {"path", "format", "split", "id_field", "fields", "csv_header", "id_range", "file_field"},
      "'dataset'");
  DatasetSpec d;
  d.path = r.required<std::string>(n, "path", "'dataset'");
  try {
    d.read.format = parse_data_format(r.get<std::string>(n, "format", "jsonl"));
  } catch (const InputError& e) {
    r.fail(n["format"], e.what());
  }
  d.read.split = r.get<std::string>(n, "split", "");
  d.read.csv_header = r.get<bool>(n, "csv_header", true);
  d.id_field = r.get<std::string>(n, "id_field", "");
  d.file_field = r.get<std::string>(n, "file_field", "");
  if (d.path.find('*') != d.path.rfind('*') ||
      std::filesystem::path(d.path).parent_path().string().find('*') != std::string::npos) {
    r.fail(n["path"], "'dataset.path' may hold one '*', in the file name only");
  }
  if (!d.file_field.empty() && d.path.find('*') == std::string::npos) {
    r.fail(n["file_field"], "'dataset.file_field' needs a '*' in 'dataset.path'");
  }
  if (n["id_range"].IsDefined()) {
    auto range = r.get<std::vector<long>>(n, "id_range", {});
    if (range.size() != 2 || range[0] > range[1])
      r.fail(n["id_range"], "'id_range' must be [first, last]");
    d.id_range = std::make_pair(range[0], range[1]);
  }
  if (n["fields"].IsDefined()) {
    r.require_map(n["fields"], "'dataset.fields'");
    for (const auto& kv : n["fields"])
      d.fields[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return d;
}

GeneratorSpec read_generator(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'generator'");
  GeneratorSpec g;
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    if (key == "name") {
      g.name = kv.second.as<std::string>();
    } else if (key == "count") {
      g.count = r.get<int>(n, "count", 0);
    } else if (key == "seed") {
      g.seed = r.get<uint64_t>(n, "seed", 0);
    } else {
      g.params[key] = r.get<int>(n, key, 0);
    }
  }
  if (g.name.empty()) r.fail(n, "'generator' needs 'name'");
  if (g.count <= 0) r.fail(n, "'generator' needs a positive 'count'");
  return g;
}

FewShotSpec read_fewshot(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'fewshot'");
  r.only_keys(n, {"count", "sampler", "seed", "separator", "as_turns", "ids", "from", "match"},
              "'fewshot'");
  FewShotSpec f;
  f.count = r.get<int>(n, "count", 0);
  if (f.count < 0) r.fail(n["count"], "'fewshot.count' must be >= 0");
  auto sampler = r.get<std::string>(n, "sampler", "first");
  if (sampler == "first") {
    f.sampler = FewShotSpec::Sampler::kFirst;
  } else if (sampler == "random") {
    f.sampler = FewShotSpec::Sampler::kRandom;
  } else {
    r.fail(n["sampler"], "'fewshot.sampler' must be 'first' or 'random'");
  }
  f.seed = r.get<uint64_t>(n, "seed", 1234);
  f.separator = r.get<std::string>(n, "separator", "\n\n");
  f.as_turns = r.get<bool>(n, "as_turns", true);
  f.ids = r.string_list(n, "ids");
  f.from = r.get<std::string>(n, "from", "");
  f.match = r.get<std::string>(n, "match", "");
  return f;
}

Sampling read_generation(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'generation'");
  r.only_keys(n, {"max_tokens", "temperature", "top_p", "top_k", "stop"}, "'generation'");
  Sampling s;
  s.max_tokens = r.get<int>(n, "max_tokens", 256);
  if (s.max_tokens <= 0) r.fail(n["max_tokens"], "'max_tokens' must be positive");
  s.temperature = r.get<double>(n, "temperature", 0.0);
  if (n["top_p"].IsDefined()) s.top_p = r.get<double>(n, "top_p", 1.0);
  if (n["top_k"].IsDefined()) s.top_k = r.get<int>(n, "top_k", 0);
  s.stop = r.string_list(n, "stop");
  return s;
}

MetricSpec read_metric(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "a metric");
  r.only_keys(n, {"name", "extract", "normalize"}, "a metric");
  MetricSpec m;
  m.name = r.required<std::string>(n, "name", "a metric");
  if (!n["extract"].IsDefined()) r.fail(n, "metric '" + m.name + "' needs 'extract'");
  m.extractor = r.extract_chain(n["extract"]);
  m.normalization = r.normalization(n);
  return m;
}

CodeSpec read_code(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'code'");
  r.only_keys(n,
              {"judge", "program", "entry_point_field", "stops", "language", "tests_field",
               "comparison", "comparison_field", "timeout_s", "memory_mb"},
              "'code'");
  CodeSpec c;
  auto judge = r.get<std::string>(n, "judge", "python_script");
  if (judge == "python_script") {
    c.judge = CodeSpec::Judge::kPythonScript;
    c.program = r.required<std::string>(n, "program", "a python_script judge");
  } else if (judge == "stdio") {
    c.judge = CodeSpec::Judge::kStdio;
  } else {
    r.fail(n["judge"], "'code.judge' must be 'python_script' or 'stdio'");
  }
  c.entry_point_field = r.get<std::string>(n, "entry_point_field", "");
  c.stops = r.string_list(n, "stops");
  c.language = r.get<std::string>(n, "language", "python");
  if (c.language != "python" && c.language != "cpp" && c.language != "javascript") {
    r.fail(n["language"], "'code.language' must be python, cpp or javascript");
  }
  c.tests_field = r.get<std::string>(n, "tests_field", "tests");
  c.comparison = r.get<std::string>(n, "comparison", "exact");
  if (c.comparison != "exact" && c.comparison != "tokens") {
    r.fail(n["comparison"], "'code.comparison' must be 'exact' or 'tokens'");
  }
  c.comparison_field = r.get<std::string>(n, "comparison_field", "");
  c.timeout_s = r.get<double>(n, "timeout_s", 3.0);
  if (c.timeout_s <= 0) r.fail(n["timeout_s"], "'code.timeout_s' must be positive");
  c.memory_mb = r.get<uint64_t>(n, "memory_mb", 2048);
  return c;
}

MultipleChoiceSpec read_multiple_choice(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'multiple_choice'");
  r.only_keys(n, {"choices", "labels", "label", "answer", "metrics"}, "'multiple_choice'");
  MultipleChoiceSpec m;
  m.choices_field = r.get<std::string>(n, "choices", "");
  m.labels = r.string_list(n, "labels");
  if (m.choices_field.empty() == m.labels.empty()) {
    r.fail(n, "'multiple_choice' needs exactly one of 'choices' (a field) and 'labels'");
  }
  m.label_template = r.get<std::string>(n, "label", "");
  if (!m.choices_field.empty() && m.label_template.empty()) {
    r.fail(n, "'multiple_choice' with 'choices' needs 'label', e.g. \"{{choice.label}}\"");
  }
  if (!m.labels.empty() && !m.label_template.empty()) {
    r.fail(n["label"], "'multiple_choice.label' goes with 'choices', not 'labels'");
  }
  m.answer_template = r.required<std::string>(n, "answer", "'multiple_choice'");
  if (n["metrics"].IsDefined()) {
    m.metrics = r.string_list(n, "metrics");
    if (m.metrics.empty()) r.fail(n["metrics"], "'multiple_choice.metrics' is empty");
    for (const auto& name : m.metrics) {
      if (name != "acc" && name != "acc_norm") {
        r.fail(n["metrics"],
               "unknown multiple-choice metric '" + name + "' (expected acc or acc_norm)");
      }
    }
  }
  return m;
}

// A multiple-choice task is scored on raw text by loglikelihood: nothing is generated,
// extracted or judged, and the context is one message (examples inline).
void check_multiple_choice(const SpecReader& r, const YAML::Node& root, const TaskSpec& spec) {
  for (const char* key : {"generation", "reference", "metrics", "code"}) {
    if (root[key].IsDefined()) {
      r.fail(root[key], std::string("a multiple_choice task has no '") + key + "'");
    }
  }
  if (!spec.system_prompt.empty()) {
    r.fail(root["prompt"]["system"], "a multiple_choice task has no system prompt");
  }
  if (root["fewshot"].IsDefined() && root["fewshot"]["as_turns"].IsDefined() &&
      spec.fewshot.as_turns) {
    r.fail(root["fewshot"]["as_turns"],
           "a multiple_choice task's examples are always inline text (no turns)");
  }
}

// Every template may use only the task's fields.
void check_template_fields(const SpecReader& r, const YAML::Node& node, const std::string& tmpl,
                           const std::set<std::string>& known) {
  std::vector<std::string> used;
  try {
    used = template_fields(tmpl);
  } catch (const InputError& e) {
    r.fail(node, e.what());
  }
  if (known.empty()) return;  // dataset fields not declared: checked at load time
  for (const auto& f : used) {
    if (!known.count(f)) r.fail(node, "template uses unknown field '" + f + "'");
  }
}

}  // namespace

TaskSpec load_task_spec(const std::filesystem::path& file) {
  SpecReader r(file);
  std::string content;
  YAML::Node root = r.load(&content);
  r.require_map(root, "a task spec");
  r.only_keys(root,
              {"name", "description", "dataset", "generator", "prompt", "fewshot", "generation",
               "reference", "metrics", "code", "multiple_choice"},
              "a task spec");
  TaskSpec spec;
  spec.file = file;
  spec.content_hash = hash_hex(content);
  spec.name = r.required<std::string>(root, "name", "a task spec");
  spec.description = r.get<std::string>(root, "description", "");

  bool has_dataset = root["dataset"].IsDefined(), has_generator = root["generator"].IsDefined();
  if (has_dataset == has_generator)
    r.fail(root, "a task needs exactly one of 'dataset' and 'generator'");
  std::set<std::string> known_fields;
  if (has_dataset) {
    spec.dataset = read_dataset(r, root["dataset"]);
    for (const auto& [task_field, record_field] : spec.dataset->fields)
      known_fields.insert(task_field);
    if (!known_fields.empty() && !spec.dataset->file_field.empty()) {
      known_fields.insert(spec.dataset->file_field);
    }
  } else {
    spec.generator = read_generator(r, root["generator"]);
  }

  YAML::Node prompt = root["prompt"];
  if (!prompt.IsDefined()) r.fail(root, "a task spec needs 'prompt'");
  r.require_map(prompt, "'prompt'");
  r.only_keys(prompt, {"system", "description", "template", "target", "target_delimiter"},
              "'prompt'");
  spec.system_prompt = r.get<std::string>(prompt, "system", "");
  spec.description_template = r.get<std::string>(prompt, "description", "");
  spec.prompt_template = r.required<std::string>(prompt, "template", "'prompt'");
  spec.target_template = r.required<std::string>(prompt, "target", "'prompt'");
  spec.target_delimiter = r.get<std::string>(prompt, "target_delimiter", " ");
  check_template_fields(r, prompt["template"], spec.prompt_template, known_fields);
  check_template_fields(r, prompt["description"], spec.description_template, known_fields);
  if (root["multiple_choice"].IsDefined()) {
    spec.multiple_choice = read_multiple_choice(r, root["multiple_choice"]);
    // A choice's templates may also use `label` and `choice`.
    if (!known_fields.empty()) known_fields.insert({"label", "choice"});
    check_template_fields(r, root["multiple_choice"]["label"], spec.multiple_choice->label_template,
                          known_fields);
    check_template_fields(r, root["multiple_choice"]["answer"],
                          spec.multiple_choice->answer_template, known_fields);
  }
  check_template_fields(r, prompt["target"], spec.target_template, known_fields);

  if (root["fewshot"].IsDefined()) spec.fewshot = read_fewshot(r, root["fewshot"]);
  if (!spec.fewshot.from.empty() && !spec.dataset) {
    r.fail(root["fewshot"]["from"], "'fewshot.from' needs a 'dataset' (read the same way)");
  }
  if (root["generation"].IsDefined()) spec.generation = read_generation(r, root["generation"]);

  if (root["code"].IsDefined()) spec.code = read_code(r, root["code"]);
  if (spec.multiple_choice) {
    check_multiple_choice(r, root, spec);
    return spec;
  }

  YAML::Node ref = root["reference"];
  if (ref.IsDefined()) {
    r.require_map(ref, "'reference'");
    r.only_keys(ref, {"template", "extract", "normalize"}, "'reference'");
    spec.reference_template = r.required<std::string>(ref, "template", "'reference'");
    check_template_fields(r, ref["template"], spec.reference_template, known_fields);
    if (ref["extract"].IsDefined()) spec.reference_extractor = r.extract_chain(ref["extract"]);
    spec.reference_normalization = r.normalization(ref);
  } else if (!spec.code) {
    r.fail(root, "a task spec needs 'reference'");
  }

  YAML::Node metrics = root["metrics"];
  if (!spec.code && (!metrics.IsDefined() || !metrics.IsSequence() || metrics.size() == 0)) {
    r.fail(metrics.IsDefined() ? metrics : root, "a task spec needs a non-empty 'metrics' list");
  }
  std::set<std::string> names;
  if (spec.code) names.insert("pass");
  for (const auto& m : metrics) {
    spec.metrics.push_back(read_metric(r, m));
    if (!names.insert(spec.metrics.back().name).second) {
      r.fail(m, "duplicate metric name '" + spec.metrics.back().name + "'");
    }
  }
  return spec;
}

void override_fewshot(TaskSpec& spec, int count) {
  spec.fewshot.count = count;
  spec.fewshot.ids.clear();
  spec.content_hash = hash_hex(spec.content_hash + "|fewshot=" + std::to_string(count));
}

std::vector<SuiteSpec> load_suites(const std::filesystem::path& file) {
  SpecReader r(file);
  std::string content;
  YAML::Node root = r.load(&content);
  r.require_map(root, "a suites file");
  std::vector<SuiteSpec> suites;
  for (const auto& kv : root) {
    SuiteSpec s;
    s.name = kv.first.as<std::string>();
    r.require_map(kv.second, "suite '" + s.name + "'");
    r.only_keys(kv.second, {"description", "tasks"}, "suite '" + s.name + "'");
    s.description = r.get<std::string>(kv.second, "description", "");
    s.tasks = r.string_list(kv.second, "tasks");
    if (s.tasks.empty()) r.fail(kv.second, "suite '" + s.name + "' lists no tasks");
    suites.push_back(std::move(s));
  }
  return suites;
}

}  // namespace ys
