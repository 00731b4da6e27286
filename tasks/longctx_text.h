// Text pieces for the generated long-context tasks (tasks/longctx.h): a small seeded RNG,
// filler prose written for this project, needle keys and values, and pseudo-words. Every
// function is a pure function of the RNG state, so equal seeds give equal bytes on every
// platform (no std:: distributions, whose results differ between standard libraries).
#pragma once

#include <cstdint>
#include <string>

namespace ys::longctx {

// SplitMix64 (Steele, Lea, Flood 2014): fast, 64-bit state, good enough for test data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n < 2^32 by the multiply-shift mapping of the top 32 bits
  // (bias below n / 2^32).
  uint64_t below(uint64_t n) { return ((next() >> 32) * n) >> 32; }
  // Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Appends one sentence of filler prose (ends with '.', no leading space; only lower-case
// ASCII letters after the first, spaces, commas and the final period: no digits, hyphens
// or capitalised words that could be mistaken for a needle).
void append_essay_sentence(Rng& rng, std::string& out);

// RULER's noise block (benchmark-suites.md C2, `noise` haystack).
inline constexpr const char* kNoiseSentence =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

// A needle key made of words, "adjective-noun" (e.g. "silent-harbor"): the hyphen never
// occurs in the filler prose.
std::string word_key(Rng& rng);
// A 7-digit number, as RULER's numbers (10^6 .. 10^7-1).
std::string number_value(Rng& rng);
// A random version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string uuid_value(Rng& rng);
// `letters` random upper-case letters (variable names of `vt`).
std::string upper_name(Rng& rng, int letters);
// `letters` random lower-case letters (coded words of `fwe`).
std::string lower_word(Rng& rng, int letters);
// A pronounceable pseudo-word of 2-4 consonant-vowel syllables, lower-case.
std::string pseudo_word(Rng& rng);
// A pseudo-word with a capital first letter (people, cities, countries).
std::string proper_name(Rng& rng);

}  // namespace ys::longctx
