// A loaded task: its samples and the request for each (scorers, built from the spec's
// metrics by scoring/scorer.h, score the answers).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "datasets/locate.h"
#include "runners/request.h"
#include "scoring/sample.h"
#include "tasks/spec.h"

namespace ys {

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

  // The samples a run with `--limit limit` evaluates, as ascending indices into
  // samples(): all when limit < 0 or limit >= the sample count. A task grouped by file
  // (dataset.group_by_file, e.g. bbh) takes a stratified subset: rounds over its groups in
  // dataset order, each round taking every group's next sample in dataset order, until
  // `limit` are taken, so each group gets floor(limit / groups) or one more (the first
  // groups the extra) and a group with fewer leaves its share to the next rounds. Any other
  // task takes the first `limit`.
  std::vector<size_t> evaluated_indices(int limit) const;

  // The request for samples()[index] (with its few-shot examples) for repeat `repeat`.
  // For a long-context task, the last message's content is left empty: it is generated
  // from generated_prompt(index) (tasks/longctx.h) once sized for the model.
  Request build_request(size_t index, int repeat) const;

  // Whether the task's prompts are generated long-context prompts (generator longctx).
  bool long_context() const { return long_context_; }
  // The unsized long-context description of samples()[index]; null for other tasks.
  const nlohmann::json& generated_prompt(size_t index) const;

 private:
  Task() = default;
  // The samples of the files of `path` (a dataset path, perhaps with a '*') read as
  // `read` says, each prepared. Throws InputError naming the file and record.
  std::vector<Sample> read_samples(const std::string& path, const ReadOptions& read,
                                   const DataLocation& where) const;
  // Fills the reference (and choices) of a sample read as record `index` of `source`.
  void prepare(Sample& sample, const std::string& source, size_t index) const;
  // Fills the choices of a multiple-choice sample; throws InputError.
  void load_choices(Sample& sample) const;
  std::vector<size_t> fewshot_indices(size_t index) const;
  // The lm_eval sampler's examples of every sample, drawn in order; throws InputError
  // when the pool is too small.
  void plan_lm_eval_fewshot();

  TaskSpec spec_;
  std::vector<Sample> samples_;  // evaluated
  std::vector<Sample> pool_;     // few-shot examples: every record, or fewshot.from's
  bool pool_is_separate_ = false;
  bool long_context_ = false;
  std::vector<std::vector<size_t>> fewshot_plan_;  // the lm_eval sampler's, per sample
  std::string data_hash_;
};

}  // namespace ys
