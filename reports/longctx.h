// Report data of the generated long-context tasks (docs/LONG_CONTEXT.md, "Report data"),
// read from the store: per (run, task) the mean score in each depth x context-length cell,
// and per run the suite average per length and the effective context length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/store/effective_context.h"
#include "harness/store/reader.h"

namespace ys {

// One cell: the samples of a task at one depth (percent of the haystack) and length.
struct DepthLengthCell {
  int depth = 0;
  int64_t context_length = 0;
  double mean = 0;  // mean of the task's first metric, in [0, 1]
  size_t samples = 0;
  double prompt_tokens = 0;  // mean prompt tokens the model (or API) reported
};

struct DepthLengthMatrix {
  int64_t run_id = 0;
  std::string model, task;
  std::vector<int> depths;               // ascending
  std::vector<int64_t> context_lengths;  // ascending
  // score[d][l]: mean of cell (depths[d], context_lengths[l]); empty when no sample.
  std::vector<std::vector<std::optional<double>>> score;
  std::vector<DepthLengthCell> cells;  // the non-empty cells, by depth then length
};

// The heatmap cell of one stored request (its JSON text): the (depth in percent, context
// length in tokens) of its long-context description, or nullopt when the request has none
// or no single depth (the rule of depth_length_matrices below). Cheap for other requests:
// only text holding "generated" is parsed.
std::optional<std::pair<int, int64_t>> depth_and_length(std::string_view request_json);

// The matrices of every long-context task of `run_id` (all runs when empty). A sample's
// depth is its description's `depth` (the niah grid), or for a task with a single needle
// the needle's measured depth rounded to the nearest 10; samples with several needles
// (multikey, multivalue, vt, qa, cwe, fwe) have no depth and are left out.
std::vector<DepthLengthMatrix> depth_length_matrices(StoreReader& store,
                                                     std::optional<int64_t> run_id = std::nullopt);

// The suite average per length over the long-context tasks of `run_id` (each task's mean
// score at that length in percent, then the mean over the tasks measured there) and the
// effective length for `threshold`: the largest length whose average, and that of every
// shorter measured length, is above the threshold (RULER). Empty per_length when the run
// has no long-context samples.
EffectiveContext compute_effective_context(StoreReader& store, int64_t run_id, double threshold);

}  // namespace ys
