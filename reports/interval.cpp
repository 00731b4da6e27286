#include "reports/interval.h"

#include <algorithm>

namespace ys {

const char* const kScoreIntervalMethod =
    "95% CI: percentile bootstrap over questions (1000 resamples, seeded); suite averages: "
    "mean \u00b1 1.96\u00b7standard error";

ScoreInterval score_interval(const MetricResult& m) {
  ScoreInterval ci{m.ci.low, m.ci.high};
  if (!(ci.low < ci.high)) {
    // 1.96: the 97.5th percentile of the standard normal distribution.
    const double half = 1.96 * m.clustered_stderr;
    ci = {m.mean - half, m.mean + half};
  }
  if (m.mean >= 0 && m.mean <= 1) {
    ci.low = std::max(ci.low, 0.0);
    ci.high = std::min(ci.high, 1.0);
  }
  return ci;
}

}  // namespace ys
