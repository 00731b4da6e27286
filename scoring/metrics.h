// Metrics: how an extracted answer is compared with the reference.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scoring/extract.h"
#include "scoring/normalize.h"

namespace ys {

// One scored quantity of a task, e.g. "exact_match/strict".
struct MetricSpec {
  std::string name;        // unique within a task; shown in tables and stored
  ExtractChain extractor;  // finds the answer in the model's output
  Normalization normalization = Normalization::kNone;
};

// The result of one metric on one completion.
struct Score {
  std::string metric;
  double value = 0;
  std::optional<std::string> extracted;  // the normalized answer found, if any
  std::string reason;                    // short, human-readable
};

// Exact match: 1 when the normalized extracted answer equals `reference` (which must already
// be normalized the same way), else 0. An output with no extractable answer scores 0.
Score score_exact_match(const MetricSpec& metric, const std::string& output,
                        const std::string& reference);

// Scores `output` on every metric, in order.
std::vector<Score> score_all(const std::vector<MetricSpec>& metrics, const std::string& output,
                             const std::string& reference);

}  // namespace ys
