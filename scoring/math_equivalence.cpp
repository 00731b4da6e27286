#include "scoring/math_equivalence.h"

#include <vector>

#include "util/strings.h"
#include "util/utf8.h"

namespace ys {
namespace {

// Bytes of the character (code point) at `pos`: Python indexes text by character.
size_t first_char_size(const std::string& s, size_t pos) {
  size_t n = utf8_sequence_length(s, pos);
  return n == 0 ? 1 : n;
}

// _remove_right_units: nullopt where upstream's assertion fails.
std::optional<std::string> remove_right_units(const std::string& s) {
  auto parts = split_on(s, "\\text{ ");
  if (parts.size() == 1) return s;
  if (parts.size() != 2) return std::nullopt;
  return parts[0];
}

// _fix_sqrt: nullopt where upstream indexes an empty piece.
std::optional<std::string> fix_sqrt(const std::string& s) {
  if (s.find("\\sqrt") == std::string::npos) return s;
  auto parts = split_on(s, "\\sqrt");
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty()) return std::nullopt;
    if (p[0] != '{') {
      size_t n = first_char_size(p, 0);
      out += "\\sqrt{" + p.substr(0, n) + "}" + p.substr(n);
    } else {
      out += "\\sqrt" + p;
    }
  }
  return out;
}

// _fix_fracs: nullopt where upstream indexes an empty piece; the input unchanged where a
// "\frac" has fewer than two characters after it.
std::optional<std::string> fix_fracs(const std::string& s) {
  auto parts = split_on(s, "\\frac");
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    out += "\\frac";
    if (p.empty()) return std::nullopt;
    if (p[0] == '{') {
      out += p;
      continue;
    }
    const size_t na = first_char_size(p, 0);
    if (na >= p.size()) return s;  // fewer than two characters
    const size_t nb = first_char_size(p, na);
    const std::string a = p.substr(0, na), b = p.substr(na, nb), post = p.substr(na + nb);
    out += b != "{" ? "{" + a + "}{" + b + "}" + post : "{" + a + "}" + b + post;
  }
  return out;
}

// Whether `s` is what Python's str(int(s)) gives back: "0" or an optional '-' and digits
// without a leading zero.
bool is_python_int_repr(const std::string& s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0') return s.size() == 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// _fix_a_slash_b: its try/except returns the input whenever int() fails or the integers
// do not print back as written, so only canonical integers convert.
std::string fix_a_slash_b(const std::string& s) {
  auto parts = split_on(s, "/");
  if (parts.size() != 2) return s;
  if (!is_python_int_repr(parts[0]) || !is_python_int_repr(parts[1])) return s;
  return "\\frac{" + parts[0] + "}{" + parts[1] + "}";
}

}  // namespace

std::optional<std::string> hendrycks_strip_string(std::string_view input) {
  std::string s(input);
  s = replace_all(s, "\n", "");
  s = replace_all(s, "\\!", "");
  s = replace_all(s, "\\\\", "\\");
  s = replace_all(s, "tfrac", "frac");
  s = replace_all(s, "dfrac", "frac");
  s = replace_all(s, "\\left", "");
  s = replace_all(s, "\\right", "");
  s = replace_all(s, "^{\\circ}", "");
  s = replace_all(s, "^\\circ", "");
  s = replace_all(s, "\\$", "");
  auto units = remove_right_units(s);
  if (!units) return std::nullopt;
  s = replace_all(*units, "\\%", "");  // upstream's second "\%" is the same two characters
  s = replace_all(s, " .", " 0.");
  s = replace_all(s, "{.", "{0.");
  if (s.empty()) return s;
  if (s[0] == '.') s = "0" + s;
  if (auto sides = split_on(s, "="); sides.size() == 2 && code_points(sides[0]) <= 2) {
    s = sides[1];
  }
  auto sqrt = fix_sqrt(s);
  if (!sqrt) return std::nullopt;
  s = replace_all(*sqrt, " ", "");
  auto fracs = fix_fracs(s);
  if (!fracs) return std::nullopt;
  s = *fracs;
  if (s == "0.5") s = "\\frac{1}{2}";
  return fix_a_slash_b(s);
}

bool hendrycks_is_equiv(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a && !b) return true;
  if (!a || !b) return false;
  auto sa = hendrycks_strip_string(*a), sb = hendrycks_strip_string(*b);
  if (!sa || !sb) return *a == *b;
  return *sa == *sb;
}

}  // namespace ys
