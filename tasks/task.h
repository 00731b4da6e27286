// A loaded task: its samples, the request for each, and how each answer is scored.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runners/completion.h"
#include "runners/request.h"
#include "scoring/metrics.h"
#include "tasks/spec.h"

namespace ys {

namespace sandbox {
class Judge;
}

// What scoring a coding task needs: the judge, and the worker slot to run the code in.
struct CodeContext {
  sandbox::Judge* judge = nullptr;
  int slot = 0;
};

struct Sample {
  std::string id;
  nlohmann::json fields;  // the task's fields (after the spec's field mapping)
  std::string reference;  // the gold answer, normalized (multiple choice: the gold label)
  // Multiple-choice tasks: each choice's label and rendered target, and the gold choice.
  std::vector<std::string> choice_labels;
  std::vector<std::string> choice_targets;
  size_t gold = 0;
};

// A dataset file, and what the '*' of its spec's path matched in its name.
struct DataFile {
  std::filesystem::path path;
  std::string match;
};

// Where dataset files are looked for.
struct DataLocation {
  // --data: a file used as the dataset itself, or a folder used as the first root.
  std::optional<std::filesystem::path> override_path;
  std::vector<std::filesystem::path> roots;  // searched in order for the spec's path
};

class Task {
 public:
  // Loads the samples of `spec` (reading its dataset or running its generator). Throws
  // InputError naming the file and record when the data is missing or malformed.
  static Task load(const TaskSpec& spec, const DataLocation& where);

  const TaskSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  const std::vector<Sample>& samples() const { return samples_; }
  // A hash of every sample's id, fields and reference: changes when the data does.
  const std::string& data_hash() const { return data_hash_; }

  // The request for samples()[index] (with its few-shot examples) for repeat `repeat`.
  Request build_request(size_t index, int repeat) const;

  // Whether scoring runs code (and so needs a CodeContext with a judge).
  bool runs_code() const { return spec_.code.has_value(); }

  // Scores a model's answer on `sample` with every metric of the spec: for a coding task,
  // first "pass" (1 when the judge's verdict is passed; the verdict is the extracted
  // answer), then the exact-match metrics. A multiple-choice task scores the choice of
  // highest loglikelihood ("acc"; the label is the extracted answer) and of highest
  // loglikelihood per character of its target ("acc_norm"); ties go to the first.
  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const CodeContext& code = {}) const;

 private:
  Task() = default;
  // The samples of the files of `path` (a dataset path, perhaps with a '*'), each
  // prepared. Throws InputError naming the file and record.
  std::vector<Sample> read_samples(const std::string& path, const DataLocation& where) const;
  // Fills the reference (and choices) of a sample read as record `index` of `source`.
  void prepare(Sample& sample, const std::string& source, size_t index) const;
  // Fills the choices of a multiple-choice sample; throws InputError.
  void load_choices(Sample& sample) const;
  std::vector<Score> score_choices(const Sample& sample, const Completion& answer) const;
  std::vector<size_t> fewshot_indices(size_t index) const;
  Score score_code(const Sample& sample, const std::string& output, const CodeContext& code) const;

  TaskSpec spec_;
  std::vector<Sample> samples_;  // evaluated
  std::vector<Sample> pool_;     // few-shot examples: every record, or fewshot.from's
  bool pool_is_separate_ = false;
  std::string data_hash_;
};

// The files of the dataset path `path` of task `task` under `where`: the first folder
// (of --data, then the roots) holding any; a '*' in the file name matches any text, and
// several files are sorted by name. A --data file is the dataset itself. Throws
// InputError listing the places looked at when there is none.
std::vector<DataFile> resolve_data_files(const std::string& path, const std::string& task,
                                         const DataLocation& where);

}  // namespace ys
