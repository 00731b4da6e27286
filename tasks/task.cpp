#include "tasks/task.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <optional>

#include "datasets/catalogue.h"
#include "datasets/reader.h"
#include "scoring/extract.h"
#include "scoring/normalize.h"
#include "tasks/generators.h"
#include "tasks/longctx.h"
#include "tasks/python_random.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/random.h"
#include "util/strings.h"
#include "util/template.h"

namespace ys {
namespace {

nlohmann::json map_fields(const DatasetSpec& d, const nlohmann::json& record,
                          const std::string& file, size_t index) {
  if (d.fields.empty()) return record;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [task_field, record_field] : d.fields) {
    if (auto it = record.find(record_field); it != record.end()) {
      out[task_field] = *it;
      continue;
    }
    try {
      out[task_field] = field_at(record, record_field);  // a path such as "question.stem"
    } catch (const InputError&) {
      throw InputError(located(
          file, 0, "record " + std::to_string(index) + " has no field '" + record_field + "'"));
    }
  }
  return out;
}

std::string record_id(const DatasetSpec& d, const nlohmann::json& record, size_t index,
                      const std::string& file) {
  if (d.id_field.empty()) return std::to_string(index);
  auto it = record.find(d.id_field);
  if (it == record.end()) {
    throw InputError(located(
        file, 0, "record " + std::to_string(index) + " has no id field '" + d.id_field + "'"));
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Where files other than the evaluated data are found: a --data file replaces the evaluated
// data only.
DataLocation without_data_file(const DataLocation& where) {
  DataLocation out = where;
  std::error_code ec;
  if (where.override_path && std::filesystem::is_regular_file(*where.override_path, ec)) {
    out.override_path.reset();
  }
  return out;
}

// The texts `d.attach` gives the samples of the file whose '*' matched `match`, by field.
nlohmann::json attached_texts(const DatasetSpec& d, const std::string& match,
                              const std::string& task, const DataLocation& where) {
  nlohmann::json out = nlohmann::json::object();
  for (const AttachSpec& a : d.attach) {
    std::string path = a.path;
    path.replace(path.find('*'), 1, match);
    const std::filesystem::path file = resolve_data_files(path, task, where).front().path;
    std::string text = read_file_text(file);
    if (!a.after.empty()) {
      const size_t at = text.rfind(a.after);
      if (at == std::string::npos) {
        throw InputError(
            located(file.string(), 0,
                    "the 'after' marker of 'dataset.attach." + a.field + "' is not in the file"));
      }
      text.erase(0, at + a.after.size());
    }
    out[a.field] = std::move(text);
  }
  return out;
}

// Fills `sh.into` with the options of `sh.from` in the sample's drawn order, and
// `sh.answer` with the label where the first (correct) one landed.
// `python_order`: the order drawn by kPythonSample (else option_order's).
void shuffle_options(const ShuffleSpec& sh, Sample& s, const std::string& source, size_t index,
                     const std::vector<size_t>* python_order = nullptr) {
  std::vector<nlohmann::json> options;
  for (const auto& f : sh.from) {
    auto it = s.fields.find(f);
    if (it == s.fields.end()) {
      throw InputError(located(source, 0,
                               "record " + std::to_string(index) + " has no field '" + f +
                                   "' (dataset.shuffle_choices)"));
    }
    options.push_back(*it);
  }
  const auto order = python_order ? *python_order : option_order(sh.seed, s.id, options.size());
  for (size_t pos = 0; pos < order.size(); ++pos) {
    s.fields[sh.into[pos]] = options[order[pos]];
    if (!python_order && order[pos] == 0) s.fields[sh.answer] = sh.into[pos];
  }
  if (python_order) {  // upstream's choices.index(correct): the first equal text
    for (size_t pos = 0; pos < order.size(); ++pos) {
      if (options[order[pos]] == options[0]) {
        s.fields[sh.answer] = sh.into[pos];
        break;
      }
    }
  }
}

// Shuffles the options of every sample of `samples` (in dataset order) as `sh` says;
// kPythonSample with repeats > 1 first repeats the list (ids "<id>#<pass>"), and
// `sources`/`indices` (parallel to `samples`) follow.
void shuffle_all(const ShuffleSpec& sh, std::vector<Sample>& samples,
                 std::vector<std::string>& sources, std::vector<size_t>& indices) {
  if (sh.method == ShuffleSpec::Method::kPerId) {
    for (size_t i = 0; i < samples.size(); ++i)
      shuffle_options(sh, samples[i], sources[i], indices[i]);
    return;
  }
  if (sh.repeats > 1) {
    const size_t n = samples.size();
    std::vector<Sample> repeated;
    std::vector<std::string> rs;
    std::vector<size_t> ri;
    for (int pass = 0; pass < sh.repeats; ++pass) {
      for (size_t i = 0; i < n; ++i) {
        Sample& s = repeated.emplace_back(samples[i]);
        s.id += "#" + std::to_string(pass);
        rs.push_back(sources[i]);
        ri.push_back(indices[i]);
      }
    }
    samples = std::move(repeated);
    sources = std::move(rs);
    indices = std::move(ri);
  }
  PythonRandom rng(sh.seed);  // one generator, drawn in upstream's order
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::vector<size_t> order = rng.sample(sh.from.size(), sh.from.size());
    shuffle_options(sh, samples[i], sources[i], indices[i], &order);
  }
}

// "; " + what is missing and what gets it (datasets/catalogue.h, missing_data) when the
// dataset catalogue lists `task`, else "" (also when there is no readable catalogue).
std::string pull_hint(const std::string& task, const std::string& path, const DataLocation& where) {
  try {
    const auto file = default_catalogue_file();
    if (!file) return "";
    if (auto m = missing_data(load_catalogue(*file), task, path, where)) return "; " + m->full;
  } catch (const InputError&) {
  }
  return "";
}

}  // namespace

Task Task::load(const TaskSpec& spec, const DataLocation& where) {
  Task task;
  task.spec_ = spec;
  if (spec.generator && spec.generator->name == kLongContextGenerator) {
    task.long_context_ = true;
    if (spec.prompt_template != "{{prompt}}") {
      throw InputError(located(spec.file.string(), 0,
                               "a longctx task's prompt template must be \"{{prompt}}\" (the "
                               "generated prompt)"));
    }
    std::vector<nlohmann::json> records;
    try {
      records = describe_samples(*spec.generator);
    } catch (const InputError& e) {
      throw InputError(located(spec.file.string(), 0, e.what()));
    }
    const std::string source = spec.file.string() + " (generator longctx)";
    for (size_t i = 0; i < records.size(); ++i) {
      Sample& s = task.samples_.emplace_back();
      const nlohmann::json& d = records[i]["longctx"];
      s.id = std::to_string(d["context_length"].get<int64_t>()) +
             (d["depth"].is_null() ? "" : "/d" + std::to_string(d["depth"].get<int>())) + "/" +
             std::to_string(d["index"].get<int64_t>());
      s.fields = std::move(records[i]);
      task.prepare(s, source, i);
    }
  } else if (spec.generator) {
    Generator gen = find_generator(spec.generator->name);
    if (!gen) {
      throw InputError(
          located(spec.file.string(), 0, "unknown generator '" + spec.generator->name + "'"));
    }
    std::vector<nlohmann::json> records;
    try {
      records = gen(spec.generator->count, spec.generator->seed, spec.generator->params);
    } catch (const InputError& e) {
      throw InputError(located(spec.file.string(), 0, e.what()));
    }
    const std::string source = spec.file.string() + " (generator " + spec.generator->name + ")";
    for (size_t i = 0; i < records.size(); ++i) {
      Sample& s = task.samples_.emplace_back();
      s.id = std::to_string(i);
      s.fields = std::move(records[i]);
      task.prepare(s, source, i);
    }
  } else {
    task.samples_ = task.read_samples(spec.dataset->path, spec.dataset->read, where);
  }
  if (spec.fewshot.from.empty()) {
    task.pool_ = task.samples_;
  } else if (spec.fewshot.uses_examples()) {  // a zero-shot run never needs the examples' file
    ReadOptions read = spec.dataset->read;
    if (spec.fewshot.from_format) read.format = *spec.fewshot.from_format;
    task.pool_is_separate_ = true;  // before reading: its records need no reference
    // A --data file replaces the evaluated data only.
    task.pool_ = task.read_samples(spec.fewshot.from, read, without_data_file(where));
  }
  if (spec.dataset && spec.dataset->id_range) {
    auto [lo, hi] = *spec.dataset->id_range;
    std::erase_if(task.samples_, [lo = lo, hi = hi](const Sample& s) {
      char* end = nullptr;
      long id = std::strtol(s.id.c_str(), &end, 10);
      return end == s.id.c_str() || *end != '\0' || id < lo || id > hi;
    });
  }
  if (spec.fewshot.sampler == FewShotSpec::Sampler::kLmEval && spec.fewshot.count > 0 &&
      spec.fewshot.ids.empty()) {
    task.plan_lm_eval_fewshot();
  }
  std::string all;
  for (const auto& s : task.samples_)
    all += s.id + '\n' + s.fields.dump() + '\n' + s.reference + '\n';
  if (task.pool_is_separate_) {
    all += "fewshot\n";
    for (const auto& s : task.pool_) all += s.id + '\n' + s.fields.dump() + '\n';
  }
  task.data_hash_ = hash_hex(all);
  return task;
}

std::vector<size_t> Task::evaluated_indices(int limit) const {
  const size_t n = samples_.size();
  const size_t take = limit < 0 ? n : std::min(n, static_cast<size_t>(limit));
  std::vector<size_t> out;
  out.reserve(take);
  if (take < n && spec_.dataset && spec_.dataset->group_by_file) {
    // Groups in order of first appearance, each its samples in dataset order.
    std::vector<std::vector<size_t>> groups;
    std::map<std::string, size_t> group_at;
    for (size_t i = 0; i < n; ++i) {
      const auto& f = samples_[i].fields;
      const auto it = f.find(spec_.dataset->file_field);
      const std::string key = it == f.end() ? "" : it->dump();
      auto [pos, fresh] = group_at.emplace(key, groups.size());
      if (fresh) groups.emplace_back();
      groups[pos->second].push_back(i);
    }
    for (size_t round = 0; out.size() < take; ++round) {
      for (const auto& g : groups) {
        if (round < g.size() && out.size() < take) out.push_back(g[round]);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  for (size_t i = 0; i < take; ++i) out.push_back(i);
  return out;
}

std::vector<Sample> Task::read_samples(const std::string& path, const ReadOptions& read,
                                       const DataLocation& where) const {
  const DatasetSpec& d = *spec_.dataset;
  std::vector<Sample> out;
  const bool several = path.find('*') != std::string::npos;
  std::vector<DataFile> files;
  try {
    files = resolve_data_files(path, spec_.name, where);
  } catch (const InputError& e) {
    std::string message = e.what();
    if (!d.missing_hint.empty()) message += ". " + d.missing_hint;
    throw InputError(message + pull_hint(spec_.name, path, where));
  }
  std::vector<std::string> sources;  // per sample: its file and index there, for errors
  std::vector<size_t> indices;
  for (const DataFile& file : files) {
    const std::string source = file.path.string();
    auto records = read_records(file.path, read, d.member);
    const nlohmann::json attached =
        d.attach.empty() ? nlohmann::json::object()
                         : attached_texts(d, file.match, spec_.name, without_data_file(where));
    for (size_t i = 0; i < records.size(); ++i) {
      Sample& s = out.emplace_back();
      s.id = !d.id_field.empty() || !several ? record_id(d, records[i], i, source)
                                             : file.match + "/" + std::to_string(i);
      s.fields = map_fields(d, records[i], source, i);
      if (!d.file_field.empty()) s.fields[d.file_field] = file.match;
      for (const auto& [field, text] : attached.items()) s.fields[field] = text;
      sources.push_back(source);
      indices.push_back(i);
    }
  }
  // After reading every file: python_sample draws across the whole dataset in order.
  if (d.shuffle_choices) shuffle_all(*d.shuffle_choices, out, sources, indices);
  for (size_t i = 0; i < out.size(); ++i) prepare(out[i], sources[i], indices[i]);
  return out;
}

void Task::prepare(Sample& s, const std::string& source, size_t index) const {
  std::string raw;
  try {
    if (!spec_.reference_template.empty())
      raw = render_template(spec_.reference_template, s.fields);
    // fail early on missing fields (a long-context prompt is generated later)
    if (!long_context_) render_template(spec_.prompt_template, s.fields);
    if (!spec_.description_template.empty()) render_template(spec_.description_template, s.fields);
    if (spec_.multiple_choice) load_choices(s);
  } catch (const InputError& e) {
    throw InputError(located(source, 0, "record " + std::to_string(index) + ": " + e.what()));
  }
  if (spec_.multiple_choice) {
    s.reference = s.choice_labels[s.gold];
    return;
  }
  if (!spec_.reference_extractor.empty() && !spec_.reference_template.empty()) {
    auto found = extract_answer(spec_.reference_extractor, raw);
    if (!found && pool_is_separate_) return;  // an example shows its target, not a reference
    if (!found) {
      throw InputError(located(source, 0,
                               "record " + std::to_string(index) +
                                   ": no reference answer found by the spec's "
                                   "reference extractor"));
    }
    raw = *found;
  }
  s.reference = normalize(raw, spec_.reference_normalization);
}

void Task::load_choices(Sample& sample) const {
  const MultipleChoiceSpec& mc = *spec_.multiple_choice;
  nlohmann::json fields = sample.fields;
  const nlohmann::json items = mc.choices_field.empty() ? nlohmann::json(mc.labels)
                                                        : field_at(sample.fields, mc.choices_field);
  if (!items.is_array() || items.empty()) {
    throw InputError("the choices '" + mc.choices_field + "' are not a non-empty list");
  }
  for (const auto& item : items) {
    fields["choice"] = item;
    fields.erase("label");
    std::string label = mc.choices_field.empty() ? item.get<std::string>()
                                                 : render_template(mc.label_template, fields);
    fields["label"] = label;
    sample.choice_labels.push_back(std::move(label));
    sample.choice_targets.push_back(render_template(spec_.target_template, fields));
  }
  const std::string answer = render_template(mc.answer_template, sample.fields);
  auto gold = std::find(sample.choice_labels.begin(), sample.choice_labels.end(), answer);
  if (gold == sample.choice_labels.end()) {
    std::string all;
    for (const auto& l : sample.choice_labels) all += (all.empty() ? "" : ", ") + l;
    throw InputError("the answer '" + answer + "' is none of the choices' labels (" + all + ")");
  }
  sample.gold = static_cast<size_t>(gold - sample.choice_labels.begin());
}

void Task::plan_lm_eval_fewshot() {
  const size_t count = static_cast<size_t>(spec_.fewshot.count);
  const size_t draw = pool_is_separate_ ? count : count + 1;
  if (pool_.size() < draw) {
    throw InputError(located(spec_.file.string(), 0,
                             "the lm_eval few-shot sampler draws " + std::to_string(draw) +
                                 " examples from a pool of " + std::to_string(pool_.size())));
  }
  PythonRandom rng(spec_.fewshot.seed);
  fewshot_plan_.reserve(samples_.size());
  for (const Sample& sample : samples_) {
    std::vector<size_t> picked = rng.sample(pool_.size(), draw);
    if (!pool_is_separate_) {  // upstream drops documents equal to the evaluated one
      std::erase_if(picked, [&](size_t i) { return pool_[i].fields == sample.fields; });
      picked.resize(std::min(picked.size(), count));
    }
    fewshot_plan_.push_back(std::move(picked));
  }
}

std::vector<size_t> Task::fewshot_indices(size_t index) const {
  const FewShotSpec& f = spec_.fewshot;
  if (!fewshot_plan_.empty()) return fewshot_plan_.at(index);
  const std::string& own_id = samples_.at(index).id;
  std::vector<size_t> pool;
  if (!f.ids.empty()) {  // fixed examples, in the order given
    for (const auto& id : f.ids) {
      for (size_t i = 0; i < pool_.size(); ++i) {
        if (pool_[i].id == id && (pool_is_separate_ || id != own_id)) pool.push_back(i);
      }
    }
    return pool;
  }
  const Sample& own = samples_.at(index);
  for (size_t i = 0; i < pool_.size(); ++i) {
    // Never show a sample its own answer; with `match`, only examples of its kind.
    if (!pool_is_separate_ && pool_[i].id == own_id) continue;
    if (!f.match.empty() && pool_[i].fields.value(f.match, nlohmann::json()) !=
                                own.fields.value(f.match, nlohmann::json())) {
      continue;
    }
    pool.push_back(i);
  }
  size_t n = std::min(pool.size(), static_cast<size_t>(f.count));
  if (f.sampler == FewShotSpec::Sampler::kRandom) {
    SplitMix64 rng(f.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1)));
    for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates
      std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
    }
  }
  pool.resize(n);
  return pool;
}

const nlohmann::json& Task::generated_prompt(size_t index) const {
  static const nlohmann::json none;
  if (!long_context_) return none;
  return samples_.at(index).fields.at("longctx");
}

Request Task::build_request(size_t index, int repeat) const {
  const Sample& sample = samples_.at(index);
  Request r;
  if (!spec_.system_prompt.empty()) r.messages.push_back({"system", spec_.system_prompt});
  std::string inline_prefix;
  const bool fewshot = spec_.fewshot.uses_examples();
  for (size_t ex : fewshot ? fewshot_indices(index) : std::vector<size_t>{}) {
    const Sample& example = pool_[ex];
    std::string question = render_template(spec_.prompt_template, example.fields);
    std::string answer = spec_.multiple_choice
                             ? example.choice_targets[example.gold]
                             : render_template(spec_.target_template, example.fields);
    if (spec_.fewshot.as_turns && !spec_.multiple_choice) {
      r.messages.push_back({"user", question});
      r.messages.push_back({"assistant", answer});
    } else {
      inline_prefix.append(question)
          .append(spec_.target_delimiter)
          .append(answer)
          .append(spec_.fewshot.separator);
    }
  }
  r.messages.push_back(
      {"user",
       inline_prefix + (long_context_ ? std::string()
                                      : render_template(spec_.prompt_template, sample.fields))});
  if (!spec_.description_template.empty()) {
    // Before the first user message: the examples (inline or as turns) and the question.
    for (Message& m : r.messages) {
      if (m.role != "user") continue;
      m.content = render_template(spec_.description_template, sample.fields) + m.content;
      break;
    }
  }
  r.repeat = repeat;
  if (spec_.multiple_choice) {
    r.kind = RequestKind::kLoglikelihood;
    for (const auto& target : sample.choice_targets) {
      r.continuations.push_back(spec_.target_delimiter + target);
    }
    r.oracle_text = r.continuations[sample.gold];
    return r;
  }
  r.sampling = spec_.generation;
  if (spec_.oracle_template.empty()) {
    r.oracle_text = render_template(spec_.target_template, sample.fields);
  } else {
    nlohmann::json fields = sample.fields;
    fields["reference"] = sample.reference;
    r.oracle_text = render_template(spec_.oracle_template, fields);
  }
  return r;
}

}  // namespace ys
