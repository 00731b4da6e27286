#include "harness/cli_checks.h"

#include <cmath>
#include <string>

namespace ys {
namespace {

// A validator accepting numbers `ok` holds for; `rule` completes "must be a number …".
CLI::Validator number_check(bool (*ok)(double), const std::string& rule, const std::string& name) {
  return CLI::Validator(
      [ok, rule](std::string& input) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(input, v) || std::isnan(v) || !ok(v)) {
          return "must be a number" + rule + " (got " + input + ")";
        }
        return "";
      },
      name, name);
}

}  // namespace

const CLI::Validator kPositive =
    number_check([](double v) { return v > 0; }, " above 0", "POSITIVE");
const CLI::Validator kNonNegative =
    number_check([](double v) { return v >= 0; }, ", 0 or more", "NONNEGATIVE");

}  // namespace ys
