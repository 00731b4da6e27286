// The general category classes of Unicode code points, as sorted ranges (generated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ys::engine {

// The first letter of a code point's general category, for the classes the
// pre-tokenizers test (\p{L}, \p{N}, \p{P}); everything else (Z, C, unassigned) is kOther.
enum class UnicodeClass : uint8_t { kOther, kLetter, kNumber, kPunctuation, kMark, kSymbol };

struct UnicodeRange {
  uint32_t first;
  uint32_t last;
  UnicodeClass cls;
};

// Sorted, disjoint ranges of code points with a class other than kOther.
extern const UnicodeRange kUnicodeRanges[];
extern const size_t kUnicodeRangeCount;

}  // namespace ys::engine
