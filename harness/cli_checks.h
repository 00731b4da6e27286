// Checks of numeric command-line values whose error names the rule, not a bound of
// 1.79769e+308 (CLI11's PositiveNumber and NonNegativeNumber print the largest double).
#pragma once

#include <CLI/CLI.hpp>

namespace ys {

// Accepts a number > 0; otherwise "must be a number above 0 (got VALUE)".
extern const CLI::Validator kPositive;
// Accepts a number >= 0; otherwise "must be a number, 0 or more (got VALUE)".
extern const CLI::Validator kNonNegative;

}  // namespace ys
