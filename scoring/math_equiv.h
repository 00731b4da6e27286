// yardstick's own equivalence of MATH-style answers (kind `math_equiv`): stronger than the
// dataset authors' string check (scoring/math_equivalence.h), never a replacement for it.
// docs/SCORING.md lists what it accepts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ys {

// The answer in the canonical form math_equiv compares: outer "$...$", "\(...\)",
// "\[...\]" and a whole "\boxed{...}" removed; "\left", "\right", thin spaces ("\!", "\,",
// "\;", "\:", "\ "), degree marks, "\%", "%", "$" and "\displaystyle" removed;
// "\dfrac"/"\tfrac" -> "\frac", "\cdot"/"\times" -> "*"; a trailing "\text{...}"
// ("\mbox", "\mathrm", "\textbf") after a value is a unit and dropped, other such wrappers
// are unwrapped; trailing unit words after a number ("12 inches") dropped; "x = " (one
// letter or one command) dropped; "1{,}000" and "1,000" thousands separators removed;
// white space removed.
std::string math_canonical(std::string_view answer);

// The exact value of a canonical expression made of numbers (integers, decimals), "\pi",
// "+", "-", "*", "/", implicit products, "^" with integer exponents, "\frac{a}{b}"
// ("\frac12"), "\sqrt{n}" ("\sqrt2") and parentheses or braces, written as a sum of
// rational multiples of sqrt(k) * pi^n in a fixed order, e.g. "1/2*sqrt(2)*pi^1";
// nullopt when the expression has anything else (a variable, "\infty", a square root of a
// sum) or its numbers get out of hand.
std::optional<std::string> math_value(std::string_view canonical);

// Whether `answer` and `reference` are the same answer: hendrycks_is_equiv holds, or their
// canonical forms are equal, or they split alike into elements - unions on "\cup", then
// tuples, points and intervals on top-level commas with the same brackets ("(1,2)" equals
// "1,2" but not "[1,2)") - whose canonical forms or exact values are equal element by
// element, in order.
bool math_equiv(std::string_view answer, std::string_view reference);

}  // namespace ys
