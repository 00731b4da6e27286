#include "scoring/extract.h"

#include "scoring/normalize.h"
#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

// The text a match stands for: its first non-empty group, else the whole match.
std::string match_text(const boost::smatch& m) {
  if (m.size() > 1) {
    for (int g = 1; g < static_cast<int>(m.size()); ++g) {
      if (m[g].matched && m[g].length() > 0) return std::string(trim(m[g].str()));
    }
    return "";
  }
  return std::string(trim(m[0].str()));
}

// Every match of `re` in `text`, as its first non-empty group (or, with `whole`, the
// whole match, trimmed); `select` picks one, like Python's list indexing.
std::optional<std::string> find_regex(const boost::regex& re, int select, const std::string& text,
                                      bool whole = false) {
  std::vector<std::string> found;
  for (boost::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    found.push_back(whole ? std::string(trim((*it)[0].str())) : match_text(*it));
  }
  if (found.empty()) return std::nullopt;
  long index = select < 0 ? static_cast<long>(found.size()) + select : select;
  if (index < 0 || index >= static_cast<long>(found.size())) return std::nullopt;
  return found[static_cast<size_t>(index)];
}

const boost::regex& number_regex() {
  // A sign ('-' or U+2212), digits, an optional decimal part. Thousands groups are three
  // digits after one separator used throughout: ',', a space, U+00A0, U+202F or U+2009
  // ("1 000 000"); a group must not run on into more digits, so "3 4" is two numbers.
  // Every match holds a digit.
  static const boost::regex re([] {
    std::string spaces;
    for (std::string_view sp : kDigitGroupSpaces) spaces += "|" + std::string(sp);
    return R"((?<![\w.])(?:-|)" + std::string(kUnicodeMinus) + R"()?(?:\d{1,3}(,)" + spaces +
           R"()\d{3}(?!\d)(?:\1\d{3}(?!\d))*|\d+)(?:\.\d+)?)";
  }());
  return re;
}

std::optional<std::string> find_choice(const std::string& choices, const std::string& text) {
  // Strongest signals first: "answer is (X)" / "answer: X", then "(X)", then a lone letter.
  const std::string set = "[" + choices + "]";
  static thread_local std::string cached_set;
  static thread_local std::vector<boost::regex> patterns;
  if (cached_set != set) {
    patterns = {
        boost::regex("(?i:answer)\\s*(?:is|:)?\\s*\\(?(" + set + ")\\)?(?![A-Za-z])"),
        boost::regex("\\((" + set + ")\\)"),
        boost::regex("(?<![A-Za-z])(" + set + ")(?![A-Za-z])"),
    };
    cached_set = set;
  }
  for (const auto& re : patterns) {
    if (auto hit = find_regex(re, -1, text)) return hit;
  }
  return std::nullopt;
}

}  // namespace

ExtractStep regex_step(const std::string& pattern, int select) {
  ExtractStep step;
  step.kind = ExtractStep::Kind::kRegex;
  step.pattern = pattern;
  step.select = select;
  try {
    step.regex = boost::regex(pattern, boost::regex::perl);
  } catch (const boost::regex_error& e) {
    throw InputError("invalid regex '" + pattern + "': " + e.what());
  }
  return step;
}

std::optional<std::string> extract_answer(const ExtractChain& chain, std::string_view text) {
  const std::string s(text);
  for (const auto& step : chain) {
    std::optional<std::string> hit;
    switch (step.kind) {
      case ExtractStep::Kind::kRegex:
        hit = find_regex(step.regex, step.select, s);
        break;
      case ExtractStep::Kind::kLastNumber:
        hit = find_regex(number_regex(), -1, s, true);
        break;
      case ExtractStep::Kind::kFirstNumber:
        hit = find_regex(number_regex(), 0, s, true);
        break;
      case ExtractStep::Kind::kChoice:
        hit = find_choice(step.choices, s);
        break;
    }
    if (hit && !hit->empty()) return hit;
  }
  return std::nullopt;
}

}  // namespace ys
