#include "tasks/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "datasets/reader.h"
#include "scoring/options.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/random.h"
#include "util/template.h"

namespace ys {
namespace {

// A YAML node as JSON, for the options scorers read themselves. A plain (unquoted) scalar
// is a boolean (true/false, any case) or an integer when it reads as one and writes back
// the same ("0123" stays text); everything else, numbers with a fraction included, stays
// text exactly as written, and OptionReader::number reads such text as a number.
nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return nullptr;  // not an option mapping: reported as such
        out[kv.first.Scalar()] = yaml_to_json(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
      int64_t integer = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (ec == std::errc() && end == text.data() + text.size() &&
          std::to_string(integer) == text) {
        return integer;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

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
    try {
      return parse_extract_chain(yaml_to_json(node));
    } catch (const InputError& e) {
      fail(node, e.what());
    }
  }

  // Checks `config` as make_scorer does, pointing an error at the option's line in `node`,
  // and that none of its metrics' names is already in `names` (which it extends).
  void check_metric(const YAML::Node& node, const MetricConfig& config,
                    std::set<std::string>& names) const {
    std::unique_ptr<Scorer> scorer;
    try {
      scorer = make_scorer(config, nullptr);
    } catch (const OptionError& e) {
      fail(node.IsMap() && node[e.key()].IsDefined() ? node[e.key()] : node, e.what());
    }
    for (const auto& m : scorer->metrics()) {
      if (!names.insert(m.name).second) fail(node, "duplicate metric name '" + m.name + "'");
    }
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
      n,
      {"path", "format", "split", "id_field", "fields", "csv_header", "id_range", "file_field",
       "group_by_file", "attach", "member", "password", "shuffle_choices", "missing_hint"},
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
  d.member.name = r.get<std::string>(n, "member", "");
  d.member.password = r.get<std::string>(n, "password", "");
  if (!d.member.password.empty() && d.member.name.empty()) {
    r.fail(n["password"], "'dataset.password' goes with 'dataset.member' (a zip archive's)");
  }
  d.missing_hint = r.get<std::string>(n, "missing_hint", "");
  if (n["shuffle_choices"].IsDefined()) {
    const YAML::Node sc = n["shuffle_choices"];
    r.require_map(sc, "'dataset.shuffle_choices'");
    r.only_keys(sc, {"from", "into", "answer", "seed", "method", "repeats"},
                "'dataset.shuffle_choices'");
    ShuffleSpec sh;
    sh.from = r.string_list(sc, "from");
    sh.into = r.string_list(sc, "into");
    sh.answer = r.required<std::string>(sc, "answer", "'dataset.shuffle_choices'");
    sh.seed = r.get<uint64_t>(sc, "seed", 0);
    const std::string method = r.get<std::string>(sc, "method", "per_id");
    if (method == "python_sample") {
      sh.method = ShuffleSpec::Method::kPythonSample;
    } else if (method != "per_id") {
      r.fail(sc["method"],
             "'dataset.shuffle_choices.method' is per_id or python_sample, not '" + method + "'");
    }
    sh.repeats = r.get<int>(sc, "repeats", 1);
    if (sh.repeats < 1) r.fail(sc["repeats"], "'dataset.shuffle_choices.repeats' must be >= 1");
    if (sh.repeats > 1 && sh.method != ShuffleSpec::Method::kPythonSample) {
      r.fail(sc["repeats"], "'dataset.shuffle_choices.repeats' goes with method python_sample");
    }
    if (sh.from.size() < 2 || sh.from.size() != sh.into.size()) {
      r.fail(sc, "'dataset.shuffle_choices' needs 'from' and 'into' of the same length (>= 2)");
    }
    d.shuffle_choices = std::move(sh);
  }
  d.group_by_file = r.get<bool>(n, "group_by_file", false);
  if (d.group_by_file && d.file_field.empty()) {
    r.fail(n["group_by_file"], "'dataset.group_by_file' needs 'dataset.file_field'");
  }
  if (d.group_by_file && !d.id_field.empty()) {  // groups are read from "<file>/<index>" ids
    r.fail(n["group_by_file"], "'dataset.group_by_file' cannot go with 'dataset.id_field'");
  }
  if (n["attach"].IsDefined()) {
    r.require_map(n["attach"], "'dataset.attach'");
    if (d.file_field.empty()) r.fail(n["attach"], "'dataset.attach' needs 'dataset.file_field'");
    for (const auto& kv : n["attach"]) {
      const std::string what = "'dataset.attach." + kv.first.as<std::string>() + "'";
      r.require_map(kv.second, what);
      r.only_keys(kv.second, {"path", "after"}, what);
      AttachSpec a;
      a.field = kv.first.as<std::string>();
      a.path = r.required<std::string>(kv.second, "path", what);
      a.after = r.get<std::string>(kv.second, "after", "");
      if (std::count(a.path.begin(), a.path.end(), '*') != 1) {
        r.fail(kv.second["path"], what + ".path needs exactly one '*' (the sample's file match)");
      }
      d.attach.push_back(std::move(a));
    }
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
    } else if (int v = 0; kv.second.IsScalar() && YAML::convert<int>::decode(kv.second, v)) {
      g.params[key] = v;
    } else {
      g.options[key] = yaml_to_json(kv.second);
    }
  }
  if (g.name.empty()) r.fail(n, "'generator' needs 'name'");
  // Only the long-context generator takes parameters other than integers.
  if (g.name != "longctx" && !g.options.empty()) {
    const std::string key = g.options.begin().key();
    r.fail(n[key], "generator parameter '" + key + "' must be an integer");
  }
  if (g.count <= 0) r.fail(n, "'generator' needs a positive 'count'");
  return g;
}

FewShotSpec read_fewshot(const SpecReader& r, const YAML::Node& n) {
  r.require_map(n, "'fewshot'");
  r.only_keys(
      n, {"count", "sampler", "seed", "separator", "as_turns", "ids", "from", "match", "format"},
      "'fewshot'");
  FewShotSpec f;
  f.count = r.get<int>(n, "count", 0);
  if (f.count < 0) r.fail(n["count"], "'fewshot.count' must be >= 0");
  auto sampler = r.get<std::string>(n, "sampler", "first");
  if (sampler == "first") {
    f.sampler = FewShotSpec::Sampler::kFirst;
  } else if (sampler == "random") {
    f.sampler = FewShotSpec::Sampler::kRandom;
  } else if (sampler == "lm_eval") {
    f.sampler = FewShotSpec::Sampler::kLmEval;
  } else {
    r.fail(n["sampler"], "'fewshot.sampler' must be 'first', 'random' or 'lm_eval'");
  }
  f.seed = r.get<uint64_t>(n, "seed", 1234);
  f.separator = r.get<std::string>(n, "separator", "\n\n");
  f.as_turns = r.get<bool>(n, "as_turns", true);
  f.ids = r.string_list(n, "ids");
  f.from = r.get<std::string>(n, "from", "");
  f.match = r.get<std::string>(n, "match", "");
  if (n["format"].IsDefined()) {
    if (f.from.empty()) r.fail(n["format"], "'fewshot.format' goes with 'fewshot.from'");
    try {
      f.from_format = parse_data_format(r.get<std::string>(n, "format", ""));
    } catch (const InputError& e) {
      r.fail(n["format"], e.what());
    }
  }
  if (f.sampler == FewShotSpec::Sampler::kLmEval && !f.match.empty()) {
    r.fail(n["match"], "'fewshot.match' cannot be used with the 'lm_eval' sampler");
  }
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

// One entry of `metrics`: {kind (default exact_match), name, the kind's options}.
MetricConfig read_metric(const SpecReader& r, const YAML::Node& n, std::set<std::string>& names) {
  r.require_map(n, "a metric");
  MetricConfig m;
  m.kind = r.get<std::string>(n, "kind", "exact_match");
  if (m.kind == "choice" || m.kind == "code") {  // they need what their own blocks set up
    r.fail(n["kind"], "a '" + m.kind + "' metric is declared by the task's '" +
                          (m.kind == "code" ? "code" : "multiple_choice") +
                          "' block, not in 'metrics'");
  }
  m.name = r.required<std::string>(n, "name", "a metric");
  m.options = yaml_to_json(n);
  m.options.erase("kind");
  m.options.erase("name");
  r.check_metric(n, m, names);
  return m;
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
  return m;
}

// The metrics of a multiple-choice task: scorers of kind "choice", acc and acc_norm unless
// `multiple_choice.metrics` names others.
std::vector<MetricConfig> read_choice_metrics(const SpecReader& r, const YAML::Node& n,
                                              std::set<std::string>& metric_names) {
  std::vector<std::string> names = {"acc", "acc_norm"};
  if (n["metrics"].IsDefined()) {
    names = r.string_list(n, "metrics");
    if (names.empty()) r.fail(n["metrics"], "'multiple_choice.metrics' is empty");
  }
  std::vector<MetricConfig> out;
  for (const auto& name : names) {
    out.push_back({"choice", name, nlohmann::json::object()});
    r.check_metric(n["metrics"].IsDefined() ? n["metrics"] : n, out.back(), metric_names);
  }
  return out;
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

  std::set<std::string> metric_names;  // every metric of the task, for duplicates
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
    if (!known_fields.empty()) {
      for (const auto& a : spec.dataset->attach) known_fields.insert(a.field);
      if (const auto& sh = spec.dataset->shuffle_choices) {
        known_fields.insert(sh->into.begin(), sh->into.end());
        known_fields.insert(sh->answer);
      }
    }
  } else {
    spec.generator = read_generator(r, root["generator"]);
  }

  YAML::Node prompt = root["prompt"];
  if (!prompt.IsDefined()) r.fail(root, "a task spec needs 'prompt'");
  r.require_map(prompt, "'prompt'");
  r.only_keys(prompt, {"system", "description", "template", "target", "target_delimiter", "oracle"},
              "'prompt'");
  spec.system_prompt = r.get<std::string>(prompt, "system", "");
  spec.description_template = r.get<std::string>(prompt, "description", "");
  spec.prompt_template = r.required<std::string>(prompt, "template", "'prompt'");
  spec.target_template = r.required<std::string>(prompt, "target", "'prompt'");
  spec.target_delimiter = r.get<std::string>(prompt, "target_delimiter", " ");
  spec.oracle_template = r.get<std::string>(prompt, "oracle", "");
  check_template_fields(r, prompt["template"], spec.prompt_template, known_fields);
  check_template_fields(r, prompt["description"], spec.description_template, known_fields);
  if (root["multiple_choice"].IsDefined()) {
    spec.multiple_choice = read_multiple_choice(r, root["multiple_choice"]);
    spec.metrics = read_choice_metrics(r, root["multiple_choice"], metric_names);
    // A choice's templates may also use `label` and `choice`.
    if (!known_fields.empty()) known_fields.insert({"label", "choice"});
    check_template_fields(r, root["multiple_choice"]["label"], spec.multiple_choice->label_template,
                          known_fields);
    check_template_fields(r, root["multiple_choice"]["answer"],
                          spec.multiple_choice->answer_template, known_fields);
  }
  check_template_fields(r, prompt["target"], spec.target_template, known_fields);
  if (!spec.oracle_template.empty()) {
    std::set<std::string> oracle_fields = known_fields;
    if (!oracle_fields.empty()) oracle_fields.insert("reference");
    check_template_fields(r, prompt["oracle"], spec.oracle_template, oracle_fields);
  }

  if (root["fewshot"].IsDefined()) spec.fewshot = read_fewshot(r, root["fewshot"]);
  if (!spec.fewshot.from.empty() && !spec.dataset) {
    r.fail(root["fewshot"]["from"], "'fewshot.from' needs a 'dataset' (read the same way)");
  }
  if (root["generation"].IsDefined()) spec.generation = read_generation(r, root["generation"]);

  const bool code = root["code"].IsDefined();
  if (code) {
    r.require_map(root["code"], "'code'");
    spec.metrics.push_back({"code", "", yaml_to_json(root["code"])});
    r.check_metric(root["code"], spec.metrics.back(), metric_names);
  }
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
  } else if (!code) {
    r.fail(root, "a task spec needs 'reference'");
  }

  YAML::Node metrics = root["metrics"];
  if (!code && (!metrics.IsDefined() || !metrics.IsSequence() || metrics.size() == 0)) {
    r.fail(metrics.IsDefined() ? metrics : root, "a task spec needs a non-empty 'metrics' list");
  }
  for (const auto& m : metrics) spec.metrics.push_back(read_metric(r, m, metric_names));
  // yardstick's own seeded draws (few-shot `sampler: random`, `per_id` choice orders) moved
  // to util/random.h (draws version 2): a run stored with the earlier draws is another
  // version of the task.
  const bool per_id = spec.dataset && spec.dataset->shuffle_choices &&
                      spec.dataset->shuffle_choices->method == ShuffleSpec::Method::kPerId;
  if (spec.fewshot.sampler == FewShotSpec::Sampler::kRandom || per_id)
    spec.content_hash = hash_hex(spec.content_hash + "|draws=2");
  return spec;
}

std::vector<size_t> option_order(uint64_t seed, const std::string& id, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ULL;
  SplitMix64 rng(seed ^ h);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  shuffle(rng, order);
  return order;
}

void override_fewshot(TaskSpec& spec, int count) {
  spec.fewshot.count = count;
  spec.fewshot.ids.clear();
  spec.content_hash = hash_hex(spec.content_hash + "|fewshot=" + std::to_string(count));
}

void apply_sampling_preset(TaskSpec& spec, const std::string& name) {
  if (name != "r1" && name != "greedy") {
    throw InputError("unknown sampling preset '" + name + "' (known: r1, greedy)");
  }
  if (spec.multiple_choice) return;
  Sampling& g = spec.generation;
  if (name == "r1") {
    g.temperature = 0.6;
    g.top_p = 0.95;
    g.max_tokens = 32768;
  } else {
    g.temperature = 0;
    g.top_p.reset();
  }
  spec.content_hash = hash_hex(spec.content_hash + "|preset=" + name);
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
