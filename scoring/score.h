// The result of one metric on one completion.
#pragma once

#include <optional>
#include <string>

namespace ys {

struct Score {
  std::string metric;                    // unique within a task, e.g. "exact_match/strict"
  double value = 0;                      // usually 0 or 1; a fraction for partial credit
  std::optional<std::string> extracted;  // the (normalized) answer found, if any
  std::string reason;                    // short, human-readable
};

}  // namespace ys
