// The results reports are made from: one row per (run, task), read from the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ys {

struct MetricResult {
  std::string metric;
  size_t n = 0;  // scored samples
  double mean = 0;
  double stderr_of_mean = 0;
};

struct TaskResult {
  int64_t run_id = 0;
  std::string model;
  std::string task;
  std::string status;       // of the run
  std::string finished_at;  // of the run; empty while running
  size_t samples = 0;       // stored samples, errors included
  size_t errors = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double wall_s = -1;                 // this invocation's wall time for the task; -1 when unknown
  std::vector<MetricResult> metrics;  // in the task's metric order
};

}  // namespace ys
