#include "runners/engine/cpu/vec_exp.h"

#include <bit>
#include <cstdint>

namespace ys::engine {
namespace {

// Cephes expf: ln 2 split in a part exact in few bits and the rest, and the polynomial.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
// Adding 1.5 * 2^23 rounds to an integer (round to nearest even), which then sits in the
// low mantissa bits.
constexpr float kRound = 12582912.0f;
constexpr float kMin = -87.0f, kMax = 88.0f;  // 2^k stays a normal float

inline float exp_lane(float x) {
  x = x < kMin ? kMin : x;
  x = x > kMax ? kMax : x;
  const float t = x * kLog2e + kRound;
  const float k = t - kRound;
  const int32_t ki = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kRound);
  const float r = (x - k * kLn2Hi) - k * kLn2Lo;
  float p = kP0;
  p = p * r + kP1;
  p = p * r + kP2;
  p = p * r + kP3;
  p = p * r + kP4;
  p = p * r + kP5;
  p = p * (r * r) + r + 1.0f;
  return p * std::bit_cast<float>((ki + 127) << 23);
}

}  // namespace

float exp_approx(float x) {
  return exp_lane(x);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void exp_shifted(float* x, int n, float shift) {
  for (int i = 0; i < n; ++i) x[i] = exp_lane(x[i] - shift);
}

}  // namespace ys::engine
