#include "runners/engine/graph/backend.h"

#include <cmath>

#include "runners/engine/graph/model.h"

namespace ys::engine {

void rope_angles(const ModelConfig& c, int from, int to, float* cos_out, float* sin_out) {
  const int half = c.rope_dims / 2;
  for (int p = from; p < to; ++p) {
    for (int i = 0; i < half; ++i) {
      // Su et al. 2021; linear scaling divides the position, Llama 3.1's factors the pair.
      double theta = p / static_cast<double>(c.rope_scale) *
                     std::pow(static_cast<double>(c.rope_base), -2.0 * i / c.rope_dims);
      if (!c.rope_freq_factors.empty()) theta /= c.rope_freq_factors[static_cast<size_t>(i)];
      const size_t at = static_cast<size_t>(p - from) * half + i;
      cos_out[at] = static_cast<float>(std::cos(theta));
      sin_out[at] = static_cast<float>(std::sin(theta));
    }
  }
}

}  // namespace ys::engine
