// UTF-8 validity: yardstick's text is valid UTF-8 from the moment it enters (a response
// body, a generated token string, a dataset file) so that the store, JSON and reports
// never meet a byte they cannot encode.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ys {

// Length in bytes (1-4) of the valid, minimal UTF-8 sequence starting at text[pos], or 0
// when the byte there does not start one (a stray continuation byte, an overlong form, a
// surrogate, a value above U+10FFFF, or a sequence cut by the end of `text`).
// Requires pos < text.size().
size_t utf8_sequence_length(std::string_view text, size_t pos);

// Whether all of `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a valid sequence replaced by U+FFFD (one
// replacement character per invalid byte, as the local engine's decoder counts them).
// Valid text comes back unchanged.
std::string valid_utf8(std::string_view text);

}  // namespace ys
