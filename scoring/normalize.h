// Canonical forms of answers, so that equal answers compare equal as strings.
#pragma once

#include <string>
#include <string_view>

namespace ys {

enum class Normalization {
  kNone,    // trimmed only
  kNumber,  // numeric canonical form, see normalize_number
  kText,    // lower case, inner whitespace collapsed, trailing period dropped
};

// Parses "none", "number" or "text"; throws InputError otherwise.
Normalization parse_normalization(const std::string& name);

// Canonical form of a numeric answer: drops '$', thousands commas, surrounding spaces and a
// trailing '.', then, when what is left is a decimal number, removes a leading '+', leading
// zeros and trailing fractional zeros ("1,234.50" -> "1234.5", "18.00" -> "18",
// "-0" -> "0"). A string that is not a number comes back with only the first step applied.
std::string normalize_number(std::string_view s);

// Lower-cases, collapses whitespace and drops a trailing period.
std::string normalize_text(std::string_view s);

// Applies `how` to `s`.
std::string normalize(std::string_view s, Normalization how);

}  // namespace ys
