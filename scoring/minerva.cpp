#include "scoring/minerva.h"

#include <array>

#include "util/strings.h"
#include "util/utf8.h"

namespace ys {
namespace {

// Bytes of the character (code point) at `pos`.
size_t char_size(std::string_view s, size_t pos) {
  size_t n = utf8_sequence_length(s, pos);
  return n == 0 ? 1 : n;
}

// Python's str.isspace for the character at `pos` (of `n` bytes).
bool python_space(std::string_view s, size_t pos, size_t n) {
  static constexpr std::array<std::string_view, 19> kWide = {
      "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
      "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
      "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
      "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
  const unsigned char c = static_cast<unsigned char>(s[pos]);
  if (n == 1) return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
  for (auto w : kWide) {
    if (s.substr(pos, n) == w) return true;
  }
  return false;
}

// Python's str.strip().
std::string python_strip(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && python_space(s, b, char_size(s, b))) b += char_size(s, b);
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;  // back to the first byte of the last character
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!python_space(s, start, e - start)) break;
    e = start;
  }
  return std::string(s.substr(b, e - b));
}

// re.sub(r"(PREFIX)(.*?)(\})", "\\2", s) (lazy: to the first '}' of the line), or with
// `greedy` re.sub(r"(PREFIX)(.*)(\})", ...) (to the last '}' of the line).
std::string unwrap(std::string_view s, std::string_view prefix, bool greedy) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s.substr(i, prefix.size()) == prefix) {
      const size_t from = i + prefix.size();
      size_t line_end = s.find('\n', from);
      if (line_end == std::string_view::npos) line_end = s.size();
      std::string_view line = s.substr(from, line_end - from);
      size_t close = greedy ? line.rfind('}') : line.find('}');
      if (close != std::string_view::npos) {
        out.append(line.substr(0, close));
        i = from + close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", s): each line holding two '$' becomes "$X$".
std::string keep_first_math(std::string_view s) {
  std::string out;
  for (size_t start = 0;;) {
    size_t end = s.find('\n', start);
    std::string_view line = s.substr(start, end == std::string_view::npos ? end : end - start);
    size_t a = line.find('$');
    size_t b = a == std::string_view::npos ? a : line.find('$', a + 1);
    if (b != std::string_view::npos) {
      out.append("$").append(line.substr(a + 1, b - a - 1)).append("$");
    } else {
      out.append(line);
    }
    if (end == std::string_view::npos) return out;
    out += '\n';
    start = end + 1;
  }
}

// re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", s) and re.sub(r"(sqrt)([^{])", "sqrt{\\2}", s)
// ('.' is not '\n'; [^{] may be).
std::string brace_shorthand(std::string_view s, std::string_view word, int args) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s.substr(i, word.size()) == word) {
      size_t p = i + word.size();
      if (p < s.size() && s[p] != '{') {
        const size_t n1 = char_size(s, p);
        std::string first(s.substr(p, n1));
        if (args == 1) {
          out.append(word).append("{").append(first).append("}");
          i = p + n1;
          continue;
        }
        size_t q = p + n1;
        if (q < s.size() && s[q] != '\n') {
          const size_t n2 = char_size(s, q);
          out.append(word).append("{").append(first).append("}{");
          out.append(s.substr(q, n2)).append("}");
          i = q + n2;
          continue;
        }
      }
    }
    out += s[i++];
  }
  return out;
}

}  // namespace

std::optional<std::string> minerva_final_answer(std::string_view input) {
  static constexpr std::string_view kLead = "Final Answer: The final answer is";
  static constexpr std::string_view kTail = " I hope it is correct";
  const std::string text = std::string(input) + "I hope it is correct.";
  const std::string_view t = text;
  for (size_t start = t.find(kLead); start != std::string_view::npos;
       start = t.find(kLead, start + 1)) {
    const size_t group = start + kLead.size();
    // Lazy group: the shortest run of non-newline characters after which come one
    // non-newline character, kTail and one more non-newline character.
    for (size_t end = group; end < t.size() && t[end] != '\n'; end += char_size(t, end)) {
      const size_t dot = end, tail = dot + char_size(t, dot);
      if (t.substr(tail, kTail.size()) != kTail) continue;
      const size_t last = tail + kTail.size();
      if (last < t.size() && t[last] != '\n') return python_strip(t.substr(group, end - group));
    }
  }
  return std::nullopt;
}

std::string minerva_normalize(std::string_view answer) {
  static constexpr std::pair<std::string_view, std::string_view> kSubstitutions[] = {
      {"an ", ""},          {"a ", ""},
      {".$", "$"},          {"\\$", ""},
      {"\\ ", ""},          {" ", ""},
      {"mbox", "text"},     {",\\text{and}", ","},
      {"\\text{and}", ","}, {"\\text{m}", "\\text{}"}};
  static constexpr std::string_view kRemoved[] = {"square",       "ways",
                                                  "integers",     "dollars",
                                                  "mph",          "inches",
                                                  "ft",           "hours",
                                                  "km",           "units",
                                                  "\\ldots",      "sue",
                                                  "points",       "feet",
                                                  "minutes",      "digits",
                                                  "cents",        "degrees",
                                                  "cm",           "gm",
                                                  "pounds",       "meters",
                                                  "meals",        "edges",
                                                  "students",     "childrentickets",
                                                  "multiples",    "\\text{s}",
                                                  "\\text{.}",    "\\text{\ns}",
                                                  "\\text{}^2",   "\\text{}^3",
                                                  "\\text{\n}",   "\\text{}",
                                                  "\\mathrm{th}", "^\\circ",
                                                  "^{\\circ}",    "\\;",
                                                  ",\\!",         "{,}",
                                                  "\"",           "\\dots"};
  std::string s(answer);
  if (size_t eq = s.rfind('='); eq != std::string::npos) s = s.substr(eq + 1);
  for (const auto& [from, to] : kSubstitutions) s = replace_all(s, from, to);
  for (auto expr : kRemoved) s = replace_all(s, expr, "");
  s = keep_first_math(s);
  s = unwrap(s, "\\text{", false);
  s = unwrap(s, "\\textbf{", false);
  s = unwrap(s, "\\overline{", false);
  s = unwrap(s, "\\boxed{", true);
  s = brace_shorthand(s, "frac", 2);
  s = brace_shorthand(s, "sqrt", 1);
  s = replace_all(s, "$", "");
  std::string digits = replace_all(s, ",", "");
  bool all_digits = !digits.empty();
  for (char c : digits) all_digits = all_digits && c >= '0' && c <= '9';
  return all_digits ? digits : s;
}

}  // namespace ys
