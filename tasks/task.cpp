#include "tasks/task.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "datasets/reader.h"
#include "tasks/generators.h"
#include "tasks/template.h"
#include "util/error.h"
#include "util/hash.h"

namespace ys {
namespace {

nlohmann::json map_fields(const DatasetSpec& d, const nlohmann::json& record,
                          const std::string& file, size_t index) {
  if (d.fields.empty()) return record;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [task_field, record_field] : d.fields) {
    auto it = record.find(record_field);
    if (it == record.end()) {
      throw InputError(located(
          file, 0, "record " + std::to_string(index) + " has no field '" + record_field + "'"));
    }
    out[task_field] = *it;
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

}  // namespace

std::filesystem::path resolve_data_file(const TaskSpec& spec, const DataLocation& where) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (where.override_path && fs::is_regular_file(*where.override_path, ec)) {
    return *where.override_path;
  }
  fs::path rel = spec.dataset->path;
  std::vector<fs::path> tried;
  if (rel.is_absolute()) {
    tried.push_back(rel);
  } else {
    if (where.override_path) tried.push_back(*where.override_path / rel);
    for (const auto& root : where.roots) tried.push_back(root / rel);
  }
  for (const auto& p : tried) {
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::string looked;
  for (const auto& p : tried) looked += (looked.empty() ? "" : ", ") + p.string();
  throw InputError("task '" + spec.name + "': dataset file '" + spec.dataset->path +
                   "' not found (looked in: " + looked + "); pass --data PATH");
}

Task Task::load(const TaskSpec& spec, const DataLocation& where) {
  Task task;
  task.spec_ = spec;
  std::string source;
  if (spec.generator) {
    Generator gen = find_generator(spec.generator->name);
    if (!gen) {
      throw InputError(
          located(spec.file.string(), 0, "unknown generator '" + spec.generator->name + "'"));
    }
    auto records = gen(spec.generator->count, spec.generator->seed, spec.generator->params);
    for (size_t i = 0; i < records.size(); ++i) {
      task.samples_.push_back({std::to_string(i), std::move(records[i]), ""});
    }
    source = spec.file.string() + " (generator " + spec.generator->name + ")";
  } else {
    task.data_file_ = resolve_data_file(spec, where);
    source = task.data_file_.string();
    auto records = read_records(task.data_file_, spec.dataset->read);
    for (size_t i = 0; i < records.size(); ++i) {
      task.samples_.push_back({record_id(*spec.dataset, records[i], i, source),
                               map_fields(*spec.dataset, records[i], source, i), ""});
    }
  }
  for (size_t i = 0; i < task.samples_.size(); ++i) {
    Sample& s = task.samples_[i];
    std::string raw;
    try {
      raw = render_template(spec.reference_template, s.fields);
      render_template(spec.prompt_template, s.fields);  // fail early on missing fields
    } catch (const InputError& e) {
      throw InputError(located(source, 0, "record " + std::to_string(i) + ": " + e.what()));
    }
    if (!spec.reference_extractor.empty()) {
      auto found = extract_answer(spec.reference_extractor, raw);
      if (!found) {
        throw InputError(located(source, 0,
                                 "record " + std::to_string(i) +
                                     ": no reference answer found by the spec's "
                                     "reference extractor"));
      }
      raw = *found;
    }
    s.reference = normalize(raw, spec.reference_normalization);
  }
  std::string all;
  for (const auto& s : task.samples_)
    all += s.id + '\n' + s.fields.dump() + '\n' + s.reference + '\n';
  task.data_hash_ = hash_hex(all);
  return task;
}

std::vector<size_t> Task::fewshot_indices(size_t index) const {
  const FewShotSpec& f = spec_.fewshot;
  std::vector<size_t> pool(samples_.size());
  std::iota(pool.begin(), pool.end(), 0);
  pool.erase(pool.begin() + static_cast<long>(index));  // never show a sample its own answer
  size_t n = std::min(pool.size(), static_cast<size_t>(f.count));
  if (f.sampler == FewShotSpec::Sampler::kRandom) {
    std::mt19937_64 rng(f.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1)));
    for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates
      std::uniform_int_distribution<size_t> pick(i, pool.size() - 1);
      std::swap(pool[i], pool[pick(rng)]);
    }
  }
  pool.resize(n);
  return pool;
}

Request Task::build_request(size_t index, int repeat) const {
  const Sample& sample = samples_.at(index);
  Request r;
  if (!spec_.system_prompt.empty()) r.messages.push_back({"system", spec_.system_prompt});
  std::string inline_prefix;
  for (size_t ex : spec_.fewshot.count > 0 ? fewshot_indices(index) : std::vector<size_t>{}) {
    std::string question = render_template(spec_.prompt_template, samples_[ex].fields);
    std::string answer = render_template(spec_.target_template, samples_[ex].fields);
    if (spec_.fewshot.as_turns) {
      r.messages.push_back({"user", question});
      r.messages.push_back({"assistant", answer});
    } else {
      inline_prefix += question + spec_.target_delimiter + answer + spec_.fewshot.separator;
    }
  }
  r.messages.push_back(
      {"user", inline_prefix + render_template(spec_.prompt_template, sample.fields)});
  r.sampling = spec_.generation;
  r.repeat = repeat;
  r.oracle_text = render_template(spec_.target_template, sample.fields);
  return r;
}

std::vector<Score> Task::score(const Sample& sample, const std::string& output) const {
  return score_all(spec_.metrics, output, sample.reference);
}

}  // namespace ys
