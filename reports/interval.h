// The confidence interval the report shows around a score: one place to change the method.
#pragma once

#include "scoring/aggregate.h"

namespace ys {

struct ScoreInterval {
  double low = 0, high = 0;  // in the metric's units (fractions for rates)
};

// How score_interval computes, for the page's legend.
extern const char* const kScoreIntervalMethod;

// A 95% interval around `m.mean`: the seeded percentile bootstrap over questions that
// StoreReader::task_results computed (`m.ci`, scoring/stats.h) when it has width; else
// mean ± 1.96 · clustered standard error (normal approximation; zero width when n < 2),
// e.g. for suite averages. Clipped to [0, 1] when the mean lies in [0, 1].
ScoreInterval score_interval(const MetricResult& m);

}  // namespace ys
