// UTF-8 decoding and encoding, and the character classes used by the pre-tokenizers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runners/engine/format/unicode_tables.h"
#include "util/utf8.h"

namespace ys::engine {

// Code points of `text` and where each starts: offsets has one more entry than cps, the
// last being text.size(). A byte that does not start a valid, minimal UTF-8 sequence
// decodes alone to U+FFFD, so every byte belongs to exactly one code point.
struct DecodedText {
  std::vector<uint32_t> cps;
  std::vector<size_t> offsets;
};
DecodedText utf8_decode(std::string_view text);

// UTF-8 encoding of code point `cp` (<= 0x10FFFF).
std::string utf8_encode(uint32_t cp);

// The general category class of `cp`.
UnicodeClass unicode_class(uint32_t cp);

inline bool is_letter(uint32_t cp) {
  return unicode_class(cp) == UnicodeClass::kLetter;
}
inline bool is_number(uint32_t cp) {
  return unicode_class(cp) == UnicodeClass::kNumber;
}
inline bool is_punctuation(uint32_t cp) {
  return unicode_class(cp) == UnicodeClass::kPunctuation;
}

// Regex \s: the White_Space property (TAB..CR, space, NEL, NBSP, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000).
bool is_whitespace(uint32_t cp);

}  // namespace ys::engine
