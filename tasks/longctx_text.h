// Text pieces for the generated long-context tasks (tasks/longctx.h): a small seeded RNG,
// filler prose written for this project, needle keys and values, and pseudo-words. Every
// function is a pure function of the RNG state, so equal seeds give equal bytes on every
// platform (no std:: distributions, whose results differ between standard libraries).
#pragma once

#include <cstdint>
#include <string>

#include "util/random.h"

namespace ys::longctx {

// The shared portable generator (util/random.h).
using Rng = SplitMix64;

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
