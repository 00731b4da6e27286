// Canonical forms of answers, so that equal answers compare equal as strings.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace ys {

// U+2212 MINUS SIGN in UTF-8: read as '-' in numbers.
inline constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";

// The spaces that may group thousands ("1 000 000"), in UTF-8: space, U+00A0 NO-BREAK
// SPACE, U+202F NARROW NO-BREAK SPACE, U+2009 THIN SPACE.
inline constexpr std::array<std::string_view, 4> kDigitGroupSpaces = {
    " ", "\xC2\xA0", "\xE2\x80\xAF", "\xE2\x80\x89"};

enum class Normalization {
  kNone,    // trimmed only
  kNumber,  // numeric canonical form, see normalize_number
  kText,    // lower case, inner whitespace collapsed, trailing period dropped
  // Minerva's normalize_final_answer (scoring/minerva.h), nothing trimmed.
  kMinerva,
};

// Parses "none", "number", "text" or "minerva"; throws InputError otherwise.
Normalization parse_normalization(const std::string& name);

// Canonical form of a numeric answer: drops '$', thousands commas, surrounding spaces and a
// trailing '.', reads a leading U+2212 as '-' and joins space-grouped thousands (groups of
// three after one of kDigitGroupSpaces used throughout: "1 000 000" -> "1000000", while
// "3 4" stays); then, when what is left is a decimal number, removes a leading '+', leading
// zeros and trailing fractional zeros ("1,234.50" -> "1234.5", "18.00" -> "18",
// "-0" -> "0"). A string that is not a number comes back with only those first steps
// applied; it never gains a digit, so a digitless match never equals a numeric reference.
std::string normalize_number(std::string_view s);

// Lower-cases, collapses whitespace and drops a trailing period.
std::string normalize_text(std::string_view s);

// Applies `how` to `s`.
std::string normalize(std::string_view s, Normalization how);

}  // namespace ys
