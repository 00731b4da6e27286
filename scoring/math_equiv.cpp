#include "scoring/math_equiv.h"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <boost/regex.hpp>
#include <cctype>
#include <map>
#include <vector>

#include "scoring/math_equivalence.h"
#include "util/latex.h"
#include "util/strings.h"

namespace ys {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Index of the '}' closing the '{' at `open`, or npos.
size_t closing_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Removes one layer of a wrapper that spans the whole text.
bool strip_outer(std::string& s) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (const auto& [open, close] : kPairs) {
    if (s.size() >= open.size() + close.size() && starts_with(s, open) && ends_with(s, close)) {
      s = std::string(trim(s.substr(open.size(), s.size() - open.size() - close.size())));
      return true;
    }
  }
  if (starts_with(s, "\\boxed{") && closing_brace(s, 6) == s.size() - 1) {
    s = std::string(trim(s.substr(7, s.size() - 8)));
    return true;
  }
  return false;
}

// "\text{X}"-like wrappers: a trailing one after something else is a unit (dropped), any
// other is unwrapped.
std::string text_wrappers(std::string s) {
  static constexpr std::string_view kWrappers[] = {"\\text{", "\\textbf{", "\\mbox{", "\\mathrm{",
                                                   "\\textrm{"};
  for (bool changed = true; changed;) {
    changed = false;
    for (auto w : kWrappers) {
      size_t at = s.find(w);
      if (at == std::string::npos) continue;
      size_t close = closing_brace(s, at + w.size() - 1);
      if (close == std::string::npos) continue;
      std::string inner = s.substr(at + w.size(), close - at - w.size());
      const bool unit = close == s.size() - 1 && !trim(s.substr(0, at)).empty() &&
                        inner.find_first_of("0123456789") == std::string::npos;
      s = s.substr(0, at) + (unit ? "" : inner) + s.substr(close + 1);
      changed = true;
    }
  }
  return s;
}

}  // namespace

std::string math_canonical(std::string_view answer) {
  std::string s(trim(answer));
  while (strip_outer(s)) {
  }
  static constexpr std::pair<std::string_view, std::string_view> kReplace[] = {
      {"\\displaystyle", ""},
      {"\\left", ""},
      {"\\right", ""},
      {"\\!", ""},
      {"\\,", ""},
      {"\\;", ""},
      {"\\:", ""},
      {"\\ ", " "},
      {"\\dfrac", "\\frac"},
      {"\\tfrac", "\\frac"},
      {"^{\\circ}", ""},
      {"^\\circ", ""},
      {"\xC2\xB0", ""},
      {"\\%", ""},
      {"%", ""},
      {"\\$", ""},
      {"$", ""},
      {"\\cdot", "*"},
      {"\\times", "*"},
      {"{,}", ""}};
  for (const auto& [from, to] : kReplace) s = replace_all(s, from, to);
  s = text_wrappers(s);
  // Unit words after a number: "12 inches", "5 square units".
  static const boost::regex kUnitWords(R"(^(.*[0-9}])\s+[A-Za-z]{2,}(\s+[A-Za-z]+)*\s*$)");
  boost::smatch m;
  if (boost::regex_match(s, m, kUnitWords)) s = m[1].str();
  std::string compact;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  static const boost::regex kLhs(R"(^(?:[A-Za-z]|\\[A-Za-z]+)=([^=]+)$)");
  if (boost::regex_match(compact, m, kLhs)) compact = m[1].str();
  static const boost::regex kThousands(R"(^-?\d{1,3}(,\d{3})+(\.\d+)?$)");
  if (boost::regex_match(compact, kThousands)) compact = replace_all(compact, ",", "");
  return compact;
}

namespace {

// A sum of rational multiples of sqrt(radicand) * pi^power, radicands square-free.
using Key = std::pair<cpp_int, int>;
using Value = std::map<Key, cpp_rational>;

struct Unsupported {};

constexpr int kMaxExponent = 64;
const cpp_int kMaxRadicand = cpp_int(1000000000LL);  // trial division stays cheap

void add_term(Value& v, const Key& k, const cpp_rational& c) {
  cpp_rational& slot = v[k];
  slot += c;
  if (slot == 0) v.erase(k);
}

// n = out^2 * rest with rest square-free.
std::pair<cpp_int, cpp_int> split_square(cpp_int n) {
  if (n == 1) return {1, 1};
  if (n > kMaxRadicand) throw Unsupported{};
  cpp_int out = 1;
  for (cpp_int p = 2; p * p <= n; ++p) {
    while (n % (p * p) == 0) {
      n /= p * p;
      out *= p;
    }
  }
  return {out, n};
}

Value multiply(const Value& a, const Value& b) {
  Value out;
  for (const auto& [ka, ca] : a) {
    for (const auto& [kb, cb] : b) {
      auto [outside, rest] = split_square(ka.first * kb.first);
      int power = ka.second + kb.second;
      if (power > kMaxExponent || power < -kMaxExponent) throw Unsupported{};
      add_term(out, {rest, power}, ca * cb * cpp_rational(outside));
    }
  }
  return out;
}

Value constant(const cpp_rational& c) {
  Value v;
  if (c != 0) v[{1, 0}] = c;
  return v;
}

// 1 / v for a single term: 1 / (c sqrt(r) pi^n) = sqrt(r) pi^-n / (c r).
Value invert(const Value& v) {
  if (v.size() != 1) throw Unsupported{};
  const auto& [k, c] = *v.begin();
  Value out;
  out[{k.first, -k.second}] = 1 / (c * cpp_rational(k.first));
  return out;
}

std::optional<cpp_rational> as_rational(const Value& v) {
  if (v.empty()) return cpp_rational(0);
  if (v.size() == 1 && v.begin()->first == Key{1, 0}) return v.begin()->second;
  return std::nullopt;
}

Value square_root(const Value& v) {
  auto r = as_rational(v);
  if (!r || *r < 0) throw Unsupported{};
  // sqrt(p/q) = sqrt(p q) / q.
  const cpp_int p = numerator(*r), q = denominator(*r);
  auto [outside, rest] = split_square(p * q);
  Value out;
  if (p != 0) out[{rest, 0}] = cpp_rational(outside) / cpp_rational(q);
  return out;
}

Value power(const Value& base, const Value& exponent) {
  auto e = as_rational(exponent);
  if (!e) throw Unsupported{};
  if (*e == cpp_rational(1, 2)) return square_root(base);
  if (denominator(*e) != 1 || abs(*e) > kMaxExponent) throw Unsupported{};
  const int n = static_cast<int>(numerator(*e));
  Value out = constant(1);
  for (int i = 0; i < (n < 0 ? -n : n); ++i) out = multiply(out, base);
  return n < 0 ? invert(out) : out;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Value parse() {
    Value v = expr();
    if (i_ != s_.size()) throw Unsupported{};
    return v;
  }

 private:
  bool at(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
  bool eat(std::string_view p) {
    if (!at(p)) return false;
    i_ += p.size();
    return true;
  }

  Value expr() {
    Value v;
    bool negative = false;
    if (eat("-")) {
      negative = true;
    } else {
      eat("+");
    }
    v = term();
    if (negative) v = multiply(v, constant(-1));
    for (;;) {
      if (eat("+")) {
        for (const auto& [k, c] : term()) add_term(v, k, c);
      } else if (eat("-")) {
        for (const auto& [k, c] : term()) add_term(v, k, -c);
      } else {
        return v;
      }
    }
  }

  bool starts_factor() const {
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '(' || c == '{' ||
           at("\\frac") || at("\\sqrt") || at("\\pi");
  }

  Value term() {
    Value v = factor();
    for (;;) {
      if (eat("*")) {
        v = multiply(v, factor());
      } else if (eat("/")) {
        v = multiply(v, invert(factor()));
      } else if (starts_factor()) {
        v = multiply(v, factor());
      } else {
        return v;
      }
    }
  }

  Value factor() {
    if (eat("-")) return multiply(factor(), constant(-1));
    Value base = primary();
    if (eat("^")) return power(base, argument());
    return base;
  }

  // A braced group or one character: the arguments of \frac, \sqrt and '^'.
  Value argument() {
    if (eat("{")) {
      Value v = expr();
      if (!eat("}")) throw Unsupported{};
      return v;
    }
    if (at("\\pi")) return primary();
    if (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      return constant(cpp_rational(s_[i_++] - '0'));
    }
    throw Unsupported{};
  }

  Value primary() {
    if (eat("(")) {
      Value v = expr();
      if (!eat(")")) throw Unsupported{};
      return v;
    }
    if (at("{")) return argument();
    if (eat("\\frac")) {
      Value num = argument();
      return multiply(num, invert(argument()));
    }
    if (eat("\\sqrt")) return square_root(argument());
    if (eat("\\pi")) {
      Value v;
      v[{1, 1}] = 1;
      return v;
    }
    return number();
  }

  Value number() {
    size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    std::string digits(s_.substr(start, i_ - start));
    cpp_int scale = 1;
    if (eat(".")) {
      size_t frac = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      for (size_t k = frac; k < i_; ++k) scale *= 10;
      digits += s_.substr(frac, i_ - frac);
    }
    if (digits.empty() || digits.size() > 200) throw Unsupported{};
    // Leading zeros off: cpp_int reads "0125" as octal.
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
    return constant(cpp_rational(cpp_int(digits), scale));
  }

  std::string_view s_;
  size_t i_ = 0;
};

// Splits on `sep` where no bracket is open.
std::vector<std::string> split_top(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && s.substr(i, sep.size()) == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + sep.size();
      i += sep.size() - 1;
    }
  }
  out.emplace_back(s.substr(start));
  return out;
}

// A tuple, point or interval: its brackets ("" without) and elements.
struct Group {
  std::string open, close;
  std::vector<std::string> items;
};

Group group_of(const std::string& s) {
  Group g;
  std::string inner = s;
  if (s.size() >= 2 && (s[0] == '(' || s[0] == '[') && (s.back() == ')' || s.back() == ']')) {
    // Only when the first bracket closes at the end: "(1)(2)" is not one group.
    int depth = 0;
    size_t closes = std::string::npos;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '(' || s[i] == '[' || s[i] == '{') ++depth;
      if ((s[i] == ')' || s[i] == ']' || s[i] == '}') && --depth == 0) {
        closes = i;
        break;
      }
    }
    if (closes == s.size() - 1) {
      g.open = s.substr(0, 1);
      g.close = s.substr(s.size() - 1);
      inner = s.substr(1, s.size() - 2);
    }
  }
  g.items = split_top(inner, ",");
  if (g.items.size() == 1) {  // not a tuple: one value, brackets and all
    g.open.clear();
    g.close.clear();
    g.items = {s};
  }
  return g;
}

bool same_element(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto va = math_value(a), vb = math_value(b);
  return va && vb && *va == *vb;
}

bool same_part(const std::string& a, const std::string& b) {
  Group ga = group_of(a), gb = group_of(b);
  if (ga.items.size() != gb.items.size()) return false;
  const bool plain_a = ga.open.empty() || ga.open + ga.close == "()";
  const bool plain_b = gb.open.empty() || gb.open + gb.close == "()";
  if (!(plain_a && plain_b) && (ga.open != gb.open || ga.close != gb.close)) return false;
  for (size_t i = 0; i < ga.items.size(); ++i) {
    if (!same_element(ga.items[i], gb.items[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> math_value(std::string_view canonical) {
  if (canonical.empty()) return std::nullopt;
  try {
    Value v = Parser(canonical).parse();
    if (v.empty()) return "0";
    std::string out;
    for (const auto& [k, c] : v) {
      if (!out.empty()) out += "+";
      out += c.str();
      if (k.first != 1) out += "*sqrt(" + k.first.str() + ")";
      if (k.second != 0) out += "*pi^" + std::to_string(k.second);
    }
    return out;
  } catch (const Unsupported&) {
    return std::nullopt;
  } catch (const std::exception&) {  // division by zero, overflow of a conversion
    return std::nullopt;
  }
}

bool math_equiv(std::string_view answer, std::string_view reference) {
  if (hendrycks_is_equiv(std::string(answer), std::string(reference))) return true;
  const std::string a = math_canonical(answer), b = math_canonical(reference);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  auto pa = split_top(a, "\\cup"), pb = split_top(b, "\\cup");
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!same_part(pa[i], pb[i])) return false;
  }
  return true;
}

}  // namespace ys
