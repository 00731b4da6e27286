// The rows of the store, as the writer takes them and the read API returns them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "runners/completion.h"
#include "scoring/aggregate.h"
#include "scoring/score.h"

namespace ys {

struct RunRecord {
  int64_t id = 0;
  std::string fingerprint;       // same command, same specs => same fingerprint
  std::string model;             // the model spec as given, e.g. "openai:gpt-4o-mini"
  nlohmann::json runner_config;  // without secrets
  std::vector<std::string> tasks;
  std::optional<uint64_t> seed;
  int repeats = 1;
  int sample_limit = -1;  // -1: all
  std::string yardstick_version, git_describe;
  std::string started_at, finished_at;
  std::string status;  // running, completed, incomplete, interrupted, failed
  std::string command;
  // Schema 5 (null/empty in older rows): the fingerprint's parts (run_fingerprint_parts in
  // harness/evaluation.h), the shard "i/N" of a sharded run, and for a run made by
  // `yardstick merge` the pieces merged into it: [{"file", "run_id", "shard", "status"}].
  nlohmann::json fingerprint_parts;
  std::string shard;
  nlohmann::json merged_from;
};

// One answered (or failed) sample, as written.
struct SampleRecord {
  int64_t run_id = 0;
  std::string task, sample_id;
  int repeat = 0;
  std::string cache_key;
  nlohmann::json request;  // canonical request
  std::string reference;
  Completion completion;
  std::vector<Score> scores;  // empty when the completion is an unscored error
};

// (task, sample id, repeat)
using SampleKey = std::tuple<std::string, std::string, int>;

// One stored sample, as read back: its request, the completion and each metric's value
// and extracted answer.
struct StoredSample {
  std::string task, sample_id;
  int repeat = 0;
  nlohmann::json request;
  std::string reference;
  Completion completion;
  std::map<std::string, double> scores;                         // metric -> value
  std::map<std::string, std::optional<std::string>> extracted;  // metric -> answer found
};

// The figures of one (run, task).
struct TaskResult {
  int64_t run_id = 0;
  std::string model;
  std::string task;
  std::string status;       // of the run
  std::string shard;        // of the run: "i/N" for one shard, empty for a whole run
  std::string finished_at;  // of the run; empty while running
  size_t samples = 0;       // stored samples, errors included
  size_t errors = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double wall_s = -1;                 // this invocation's wall time for the task; -1 when unknown
  std::vector<MetricResult> metrics;  // in the task's metric order (scoring/aggregate.h)
};

}  // namespace ys
