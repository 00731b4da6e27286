#include "scoring/pyregex.h"

#include <cctype>

#include "util/error.h"

namespace ys {
namespace {

struct Flags {
  bool ignore_case = false, multiline = false, dotall = false;
};

bool is_flag_group(const std::string& p, size_t i, size_t* end) {
  if (p.compare(i, 2, "(?") != 0) return false;
  size_t j = i + 2;
  while (j < p.size() && std::isalpha(static_cast<unsigned char>(p[j]))) ++j;
  if (j == i + 2 || j >= p.size() || p[j] != ')') return false;
  *end = j + 1;
  return true;
}

// The length of a Python quantifier "{m}", "{m,}", "{,n}", "{m,n}" at p[i], or 0 when the
// '{' there is a literal.
size_t quantifier_length(const std::string& p, size_t i) {
  size_t j = i + 1, digits = 0;
  while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j, ++digits;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j, ++digits;
  }
  if (digits == 0 || j >= p.size() || p[j] != '}') return 0;
  return j + 1 - i;
}

}  // namespace

boost::regex python_regex(const std::string& pattern) {
  auto refuse = [&pattern](const std::string& why) -> InputError {
    return InputError("invalid regex '" + pattern + "': " + why);
  };
  Flags flags;
  for (size_t i = 0, end = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (is_flag_group(pattern, i, &end)) {
      for (size_t k = i + 2; k + 1 < end; ++k) {
        switch (pattern[k]) {
          case 'i':
            flags.ignore_case = true;
            break;
          case 'm':
            flags.multiline = true;
            break;
          case 's':
            flags.dotall = true;
            break;
          case 'a':
          case 'u':
            break;
          default:
            throw refuse(std::string("unsupported flag '") + pattern[k] + "'");
        }
      }
    }
  }
  std::string out;
  const std::string& p = pattern;
  for (size_t i = 0, end = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) throw refuse("a trailing backslash");
      out += p[i + 1] == 'Z' ? std::string("\\z") : p.substr(i, 2);
      ++i;
    } else if (c == '[') {  // a class, copied as is: ']' first is a literal, escapes kept
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
      if (j >= p.size()) throw refuse("an unterminated character set");
      out += p.substr(i, j + 1 - i);
      i = j;
    } else if (is_flag_group(p, i, &end)) {
      i = end - 1;  // read above
    } else if (p.compare(i, 4, "(?P<") == 0) {
      out += "(?<";
      i += 3;
    } else if (p.compare(i, 4, "(?P=") == 0) {
      const size_t close = p.find(')', i);
      if (close == std::string::npos) throw refuse("an unterminated group reference");
      out += "\\k<" + p.substr(i + 4, close - i - 4) + ">";
      i = close;
    } else if (c == '.') {
      // One UTF-8 code point (a lead byte and its continuation bytes), as Python's '.' is
      // one character of a str.
      out += flags.dotall ? R"((?:[^\x80-\xBF][\x80-\xBF]*))" : R"((?:[^\n\x80-\xBF][\x80-\xBF]*))";
    } else if (c == '$') {
      out += flags.multiline ? "(?=\\n|\\z)" : "(?=\\n?\\z)";
    } else if (c == '^') {
      out += flags.multiline ? "(?:\\A|(?<=\\n))" : "\\A";
    } else if (c == '{') {
      const size_t n = quantifier_length(p, i);
      if (n == 0) {
        out += "\\{";
      } else {
        std::string q = p.substr(i, n);
        if (q[1] == ',') q.insert(1, "0");  // "{,n}" is "{0,n}"
        out += q;
        i += n - 1;
      }
    } else if (c == '}') {
      out += "\\}";
    } else {
      out += c;
    }
  }
  try {
    return boost::regex(
        out, flags.ignore_case ? boost::regex::perl | boost::regex::icase : boost::regex::perl);
  } catch (const boost::regex_error& e) {
    throw refuse(e.what());
  }
}

std::string python_remove(const boost::regex& re, const std::string& text) {
  return boost::regex_replace(text, re, "", boost::regex_constants::format_literal);
}

}  // namespace ys
