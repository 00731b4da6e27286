// yardstick's one pseudorandom generator for everything it draws itself (generated
// problems, few-shot examples, choice orders, bootstrap resamples, long-context haystacks).
// Written out rather than taken from <random>: std::*_distribution, std::shuffle and
// std::sample are implementation-defined, so their draws differ between standard
// libraries; these do not. (Draws that must equal CPython's use tasks/python_random.h.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ys {

// SplitMix64 (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators",
// OOPSLA 2014; the constants of Vigna's reference splitmix64.c): a 64-bit state, one add
// and two multiply-xorshifts per draw. Seed 0 gives 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4,
// 0x06c45d188009454f first.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  // The next 64 uniform bits.
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t operator()() { return next(); }

  // Uniform in [0, n) without bias, n >= 1 (n == 0 gives 0): Lemire's multiply-and-reject
  // ("Fast Random Integer Generation in an Interval", ACM TOMACS 2019): the high 64 bits of
  // next() * n, drawing again while the low 64 bits fall below 2^64 mod n.
  uint64_t below(uint64_t n) {
    __extension__ using Wide = unsigned __int128;  // GCC and Clang; __extension__: -pedantic
    Wide m = static_cast<Wide>(next()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<Wide>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi], lo <= hi.
  int64_t between(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const uint64_t r = span == UINT64_MAX ? next() : below(span + 1);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + r);
  }

  // Uniform in [0, 1): the top 53 bits of next() times 2^-53.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Fisher-Yates from the back: for i = size-1 down to 1, swap v[i] with v[below(i + 1)].
template <class T>
void shuffle(SplitMix64& rng, std::vector<T>& v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace ys
