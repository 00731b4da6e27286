// MATH answer equivalence, ported from the dataset authors' own check (hendrycks/math,
// modeling/math_equivalence.py at commit 985bdc1): both answers are put through
// _strip_string and compared as strings. docs/SCORING.md, kind `math_is_equiv`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ys {

// Port of _strip_string, step for step:
//  1. remove "\n" and "\!"; "\\" -> "\"; "tfrac", "dfrac" -> "frac"; remove "\left",
//     "\right", "^{\circ}", "^\circ", "\$";
//  2. units: when "\text{ " occurs, keep what is before it (it must occur once: twice
//     raises, see below);
//  3. remove "\%"; " ." -> " 0."; "{." -> "{0."; an empty string is returned as is; a
//     leading "." gets a "0";
//  4. "X=Y" with exactly one '=' and X at most 2 characters (code points) -> "Y";
//  5. "\sqrtA..." -> "\sqrt{A}..." for a first character A that is not '{';
//  6. remove ' ' (ASCII space only);
//  7. "\fracAB..." -> "\frac{A}{B}...", "\fracA{..." -> "\frac{A}{...", where A, B are one
//     character each; a "\frac" with fewer than two characters after it leaves step 7's
//     input unchanged;
//  8. exactly "0.5" -> "\frac{1}{2}";
//  9. "A/B" with A and B integers written as Python prints them ("0", "-12") ->
//     "\frac{A}{B}".
// Returns nullopt where upstream raises: "\text{ " more than once, a "\sqrt" at the very
// end, or a "\frac" followed by nothing and then another "\frac" or the end.
std::optional<std::string> hendrycks_strip_string(std::string_view s);

// Port of is_equiv: both absent -> true; one absent -> false; else the stripped strings are
// equal, or, when stripping either raises, the raw strings are equal.
bool hendrycks_is_equiv(const std::optional<std::string>& a, const std::optional<std::string>& b);

}  // namespace ys
