// A task spec: the YAML file under tasks/specs/ that defines one task. Format: docs/TASKS.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "datasets/reader.h"
#include "runners/request.h"
#include "scoring/extract.h"
#include "scoring/normalize.h"
#include "scoring/scorer.h"

namespace ys {

// A text file whose content every sample of a multi-file dataset gets as a field, e.g. the
// few-shot prompt that belongs to the sample's file (BBH's cot-prompts/<task>.txt).
struct AttachSpec {
  std::string field;  // the task field that holds the text
  std::string path;   // a dataset path with one '*', replaced by the sample's file match
  std::string after;  // non-empty: only the text after the last occurrence of this marker
};

// Puts a multiple-choice question's options in an order drawn per question, for a generated
// answer: the first of `from` is the right one; `into` receives the options in the drawn
// order and `answer` the label (`into`'s field name) where the right one landed.
struct ShuffleSpec {
  std::vector<std::string> from;  // task fields, the correct option first
  std::vector<std::string> into;  // as many task fields, e.g. A, B, C, D
  std::string answer;             // the task field that receives the gold label
  uint64_t seed = 0;
  enum class Method {
    // option_order(seed, id, n): each question's order on its own.
    kPerId,
    // openai/simple-evals' gpqa_eval.py: one Python random.Random(seed); the records,
    // repeated `repeats` times (all records, then all again), each take
    // rng.sample(range(n), n) in that order; the gold label is the first position whose
    // text equals the correct option's (upstream's list.index).
    kPythonSample,
  };
  Method method = Method::kPerId;
  // kPythonSample: passes over the dataset (simple-evals' n_repeats); with more than one,
  // each record becomes `repeats` samples with ids "<id>#<pass>", in upstream's order.
  int repeats = 1;
};

struct DatasetSpec {
  std::string path;  // relative to a data root, or absolute
  ReadOptions read;
  ArchiveMember member;  // a zip archive's member to read instead of the file itself
  std::string id_field;  // empty: the record's 0-based index
  std::map<std::string, std::string> fields;  // task field -> record field; empty: all as-is
  // Only records whose numeric id is in [first, second] are evaluated (all are few-shot
  // candidates), e.g. MBPP's evaluation split 11-510.
  std::optional<std::pair<long, long>> id_range;
  // With a '*' in the path's file name (several files): the field that holds what the '*'
  // matched, e.g. the subject of "mmlu/test/*_test.csv". Without id_field, sample ids are
  // "<match>/<index in its file>".
  std::string file_field;
  // With file_field: each file is a group. Mean metrics are then aggregated per group too
  // (Aggregation::kGroupMean): overall, macro average over files, and per file.
  bool group_by_file = false;
  std::vector<AttachSpec> attach;  // with file_field: texts attached per file
  std::optional<ShuffleSpec> shuffle_choices;
  // Added to the "not found" error: where to get the data and where to put it.
  std::string missing_hint;
};

// The order in which question `id` shows n options under `seed`: a permutation of
// 0..n-1, output position -> option index. Fisher-Yates driven by splitmix64 seeded with
// `seed` and the FNV-1a hash of `id` (fully specified here, so the same on every platform
// and independent of the other questions).
std::vector<size_t> option_order(uint64_t seed, const std::string& id, size_t n);

struct GeneratorSpec {
  std::string name;  // a registered generator, e.g. "arith"
  int count = 0;
  uint64_t seed = 0;
  std::map<std::string, int> params;
  // Parameters that are not integers (strings, lists), e.g. longctx's task and lengths.
  nlohmann::json options = nlohmann::json::object();
};

struct FewShotSpec {
  int count = 0;
  // kFirst: the first `count` candidates. kRandom: a seeded draw of its own per sample.
  // kLmEval: lm-evaluation-harness's default ContextSampler (lm_eval/api/samplers.py):
  // one CPython random.Random(seed) per task, sample(pool, count) for each evaluated
  // sample in order; drawing from the evaluated data itself, count + 1 are drawn and the
  // sample itself (equal fields) removed, keeping the first `count`.
  enum class Sampler { kFirst, kRandom, kLmEval } sampler = Sampler::kFirst;
  uint64_t seed = 1234;
  std::string separator = "\n\n";
  bool as_turns = true;          // examples as user/assistant turns; else inlined in one message
  std::vector<std::string> ids;  // fixed examples by sample id (overrides count and sampler)
  std::string from;   // a dataset path read like the task's own: examples come from there
  std::string match;  // a field whose value examples share with the sample (e.g. subject)
  // The format of `from`'s files when it differs from the dataset's (e.g. fixed examples
  // in JSONL for a task read from MATH's one-file-per-problem layout).
  std::optional<DataFormat> from_format;

  // Whether prompts show examples at all (a count, or fixed ids).
  bool uses_examples() const { return count > 0 || !ids.empty(); }
};

// A multiple-choice task scored by loglikelihoods (docs/TASKS.md, "Multiple choice"):
// each choice's continuation is target_delimiter + the prompt's target rendered with the
// choice's fields (the sample's fields, `label`, and `choice`: the list item).
struct MultipleChoiceSpec {
  std::string choices_field;        // a field path holding the list of choices, or ...
  std::vector<std::string> labels;  // ... fixed labels, one choice each
  std::string label_template;       // with choices_field: a choice's label
  std::string answer_template;      // the gold label, rendered with the sample's fields
};

struct TaskSpec {
  std::string name;
  std::string description;
  std::filesystem::path file;  // where the spec was read from
  std::string content_hash;    // of the file, so a changed spec never resumes an old run

  std::optional<DatasetSpec> dataset;  // exactly one of dataset and generator
  std::optional<GeneratorSpec> generator;

  std::string system_prompt;
  std::string description_template;  // before the first user message (and its examples)
  std::string prompt_template;
  std::string target_template;         // a perfect answer; also the few-shot answers
  std::string target_delimiter = " ";  // between prompt and target when inlined
  // The mock oracle's answer when a sample's target is not one (gsm8k_cot's examples are
  // chains of thought, its samples' targets bare numbers): rendered with the sample's
  // fields and `reference`, the sample's reference. Empty: the target.
  std::string oracle_template;
  FewShotSpec fewshot;
  Sampling generation;

  std::string reference_template;
  ExtractChain reference_extractor;  // empty: the rendered reference as is
  Normalization reference_normalization = Normalization::kNone;
  // Every metric, in order: a coding task's `code` block first, then `metrics` (or a
  // multiple-choice task's `multiple_choice.metrics`). Built into scorers by make_scorers.
  std::vector<MetricConfig> metrics;
  std::optional<MultipleChoiceSpec> multiple_choice;  // loglikelihood tasks
};

// Reads and validates a spec (metric options included, by make_scorer without resources).
// Throws InputError "FILE:LINE: message" for malformed YAML, unknown or missing keys, bad
// values, bad metric options and templates that name no known field.
TaskSpec load_task_spec(const std::filesystem::path& file);

// Sets the number of few-shot examples of `spec` to `count` (dropping fixed example ids;
// sampler and seed unchanged), and folds the change into its content hash so that a run
// with the override never resumes one without it.
void override_fewshot(TaskSpec& spec, int count);

// Applies the sampling preset `name` to a generating task (loglikelihood tasks are left
// as they are), folding it into the content hash so that a run with the preset never
// resumes one without it. Presets (docs/TASKS.md, "Sampling presets"):
//   r1:     temperature 0.6, top-p 0.95, at most 32768 new tokens (DeepSeek-R1's
//           evaluation setup, its paper section 3 and README section 4);
//   greedy: temperature 0, no top-p.
// Throws InputError naming the presets for an unknown name.
void apply_sampling_preset(TaskSpec& spec, const std::string& name);

// A named list of tasks.
struct SuiteSpec {
  std::string name;
  std::string description;
  std::vector<std::string> tasks;
};

// Reads a suites file (a map of suite name -> {description, tasks}). Throws InputError.
std::vector<SuiteSpec> load_suites(const std::filesystem::path& file);

}  // namespace ys
