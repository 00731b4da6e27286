#include "runners/engine/format/unicode.h"

#include <algorithm>

namespace ys::engine {

DecodedText utf8_decode(std::string_view text) {
  DecodedText d;
  d.cps.reserve(text.size());
  d.offsets.reserve(text.size() + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t len = std::max<size_t>(1, ys::utf8_sequence_length(text, pos));
    auto b0 = static_cast<uint8_t>(text[pos]);
    uint32_t cp;
    if (len == 1) {
      cp = b0 < 0x80 ? b0 : 0xfffd;
    } else {
      cp = b0 & (0x7f >> len);
      for (size_t i = 1; i < len; ++i)
        cp = (cp << 6) | (static_cast<uint8_t>(text[pos + i]) & 0x3f);
    }
    d.cps.push_back(cp);
    d.offsets.push_back(pos);
    pos += len;
  }
  d.offsets.push_back(text.size());
  return d;
}

std::string utf8_encode(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

UnicodeClass unicode_class(uint32_t cp) {
  const UnicodeRange* end = kUnicodeRanges + kUnicodeRangeCount;
  const UnicodeRange* it = std::upper_bound(
      kUnicodeRanges, end, cp, [](uint32_t c, const UnicodeRange& r) { return c < r.first; });
  if (it == kUnicodeRanges) return UnicodeClass::kOther;
  --it;
  return cp <= it->last ? it->cls : UnicodeClass::kOther;
}

bool is_whitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

}  // namespace ys::engine
