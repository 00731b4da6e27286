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
  // The dataset file read, empty for generated tasks.
  const std::filesystem::path& data_file() const { return data_file_; }
  // A hash of every sample's id, fields and reference: changes when the data does.
  const std::string& data_hash() const { return data_hash_; }

  // The request for samples()[index] (with its few-shot examples) for repeat `repeat`.
  Request build_request(size_t index, int repeat) const;

  // Whether scoring runs code (and so needs a CodeContext with a judge).
  bool runs_code() const { return spec_.code.has_value(); }

  // Whether its requests are loglikelihood requests (a multiple-choice task).
  bool scores_loglikelihoods() const { return spec_.multiple_choice.has_value(); }

  // Scores a model's answer on `sample` with every metric of the spec: for a coding task,
  // first "pass" (1 when the judge's verdict is passed; the verdict is the extracted
  // answer), then the exact-match metrics. A multiple-choice task scores the choice of
  // highest loglikelihood ("acc"; the label is the extracted answer) and of highest
  // loglikelihood per character of its target ("acc_norm"); ties go to the first.
  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const CodeContext& code = {}) const;

 private:
  Task() = default;
  // Fills the choices of a multiple-choice sample; throws InputError.
  void load_choices(Sample& sample) const;
  std::vector<Score> score_choices(const Sample& sample, const Completion& answer) const;
  std::vector<size_t> fewshot_indices(size_t index) const;
  Score score_code(const Sample& sample, const std::string& output, const CodeContext& code) const;

  TaskSpec spec_;
  std::vector<Sample> samples_;  // evaluated
  std::vector<Sample> pool_;     // every record: few-shot examples come from here
  std::filesystem::path data_file_;
  std::string data_hash_;
};

// Resolves the dataset file of `spec` under `where`; throws InputError listing the places
// looked at when there is none.
std::filesystem::path resolve_data_file(const TaskSpec& spec, const DataLocation& where);

}  // namespace ys
