// A port of the part of CPython's `random.Random` (3.11) that evaluation harnesses use to
// pick few-shot examples and shuffle choices, so that yardstick draws exactly what they
// draw: seeding from an integer, random(), getrandbits(k), _randbelow(n), sample, shuffle.
// Rules from CPython's Modules/_randommodule.c and Lib/random.py (3.11); the generator is
// Matsumoto & Nishimura's MT19937 (init_genrand, init_by_array, genrand_uint32).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ys {

class PythonRandom {
 public:
  // random.Random(seed) for an integer seed. CPython seeds with |seed|, so a negative seed
  // is given here as its magnitude: Random(-5) == PythonRandom(5).
  explicit PythonRandom(uint64_t seed);

  // random(): a double in [0, 1) with 53 random bits (two 32-bit outputs).
  double random();
  // getrandbits(k) for 0 <= k <= 64: k random bits; k > 32 takes 32-bit words low word
  // first, the last word keeping its top bits. Throws std::invalid_argument for k > 64.
  uint64_t getrandbits(int k);
  // _randbelow(n) (the getrandbits form): an integer in [0, n), drawing n.bit_length()
  // bits until one is below n. Throws std::invalid_argument for n == 0.
  uint64_t randbelow(uint64_t n);
  // sample(range(n), k): k distinct indices of a population of n, in selection order;
  // sample(population, k)[i] is population[result[i]]. CPython 3.11's rule: a pool of n
  // indices when n <= 21 (+ 4^ceil(log4(3k)) when k > 5), else a set of picks redrawn on
  // repeats. Throws std::invalid_argument when k > n.
  std::vector<size_t> sample(size_t n, size_t k);
  // shuffle(x) in place: for i from size-1 down to 1, swap x[i] with x[_randbelow(i + 1)].
  template <typename T>
  void shuffle(std::vector<T>& x) {
    for (size_t i = x.size(); i-- > 1;) {
      std::swap(x[i], x[static_cast<size_t>(randbelow(i + 1))]);
    }
  }

  // The next 32-bit output of MT19937 (genrand_uint32).
  uint32_t next_u32();

 private:
  void init_genrand(uint32_t s);
  void init_by_array(const std::vector<uint32_t>& key);

  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int mti_ = kN + 1;
};

}  // namespace ys
