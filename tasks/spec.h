// A task spec: the YAML file under tasks/specs/ that defines one task. Format: docs/TASKS.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datasets/reader.h"
#include "runners/request.h"
#include "scoring/metrics.h"

namespace ys {

struct DatasetSpec {
  std::string path;  // relative to a data root, or absolute
  ReadOptions read;
  std::string id_field;                       // empty: the record's 0-based index
  std::map<std::string, std::string> fields;  // task field -> record field; empty: all as-is
};

struct GeneratorSpec {
  std::string name;  // a registered generator, e.g. "arith"
  int count = 0;
  uint64_t seed = 0;
  std::map<std::string, int> params;
};

struct FewShotSpec {
  int count = 0;
  enum class Sampler { kFirst, kRandom } sampler = Sampler::kFirst;
  uint64_t seed = 1234;
  std::string separator = "\n\n";
  bool as_turns = true;  // examples as user/assistant turns; else inlined in one message
};

struct TaskSpec {
  std::string name;
  std::string description;
  std::filesystem::path file;  // where the spec was read from
  std::string content_hash;    // of the file, so a changed spec never resumes an old run

  std::optional<DatasetSpec> dataset;  // exactly one of dataset and generator
  std::optional<GeneratorSpec> generator;

  std::string system_prompt;
  std::string prompt_template;
  std::string target_template;         // a perfect answer; also the few-shot answers
  std::string target_delimiter = " ";  // between prompt and target when inlined
  FewShotSpec fewshot;
  Sampling generation;

  std::string reference_template;
  ExtractChain reference_extractor;  // empty: the rendered reference as is
  Normalization reference_normalization = Normalization::kNone;
  std::vector<MetricSpec> metrics;
};

// Reads and validates a spec. Throws InputError "FILE:LINE: message" for malformed YAML,
// unknown or missing keys, bad values and templates that name no known field.
TaskSpec load_task_spec(const std::filesystem::path& file);

// A named list of tasks.
struct SuiteSpec {
  std::string name;
  std::string description;
  std::vector<std::string> tasks;
};

// Reads a suites file (a map of suite name -> {description, tasks}). Throws InputError.
std::vector<SuiteSpec> load_suites(const std::filesystem::path& file);

}  // namespace ys
