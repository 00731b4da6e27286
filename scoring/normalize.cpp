#include "scoring/normalize.h"

#include <cctype>

#include "scoring/minerva.h"
#include "util/error.h"
#include "util/strings.h"

namespace ys {

Normalization parse_normalization(const std::string& name) {
  if (name == "none") return Normalization::kNone;
  if (name == "number") return Normalization::kNumber;
  if (name == "text") return Normalization::kText;
  if (name == "minerva") return Normalization::kMinerva;
  throw InputError("unknown normalization '" + name + "' (expected none, number, text or minerva)");
}

namespace {

// "1 000 000" -> "1000000": a sign, one to three digits, then groups of exactly three
// digits each after the same space of kDigitGroupSpaces, then anything from a '.' on.
// Anything else ("3 4", "12 3456", mixed spaces) comes back unchanged.
std::string join_space_groups(const std::string& s) {
  auto digits_at = [&s](size_t from) {
    size_t j = from;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    return j - from;
  };
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  const size_t lead = digits_at(i);
  if (lead < 1 || lead > 3) return s;
  i += lead;
  std::string out = s.substr(0, i);
  std::string_view used;
  while (i < s.size() && s[i] != '.') {
    std::string_view sep;
    for (std::string_view space : kDigitGroupSpaces) {
      if (std::string_view(s).substr(i, space.size()) == space) sep = space;
    }
    if (sep.empty() || (!used.empty() && sep != used)) return s;
    used = sep;
    i += sep.size();
    if (digits_at(i) != 3) return s;
    out.append(s, i, 3);
    i += 3;
  }
  if (used.empty()) return s;
  return out + s.substr(i);
}

}  // namespace

std::string normalize_number(std::string_view input) {
  std::string s;
  input = trim(input);
  if (input.substr(0, kUnicodeMinus.size()) == kUnicodeMinus) {
    s += '-';
    input.remove_prefix(kUnicodeMinus.size());
  }
  for (char c : input) {
    if (c != '$' && c != ',') s += c;
  }
  s = std::string(trim(s));
  while (!s.empty() && s.back() == '.') s.pop_back();
  s = join_space_groups(s);

  // Is it [+-]digits[.digits]?
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  size_t int_begin = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  std::string int_part = s.substr(int_begin, i - int_begin);
  std::string frac_part;
  if (i < s.size() && s[i] == '.') {
    size_t frac_begin = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    frac_part = s.substr(frac_begin, i - frac_begin);
  }
  if (i != s.size() || (int_part.empty() && frac_part.empty())) return s;

  size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
  std::string out = int_part;
  if (!frac_part.empty()) out += "." + frac_part;
  if (negative && out != "0") out = "-" + out;
  return out;
}

std::string normalize_text(std::string_view input) {
  std::string out;
  bool pending_space = false;
  for (char c : trim(input)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string normalize(std::string_view s, Normalization how) {
  switch (how) {
    case Normalization::kNone:
      return std::string(trim(s));
    case Normalization::kNumber:
      return normalize_number(s);
    case Normalization::kText:
      return normalize_text(s);
    case Normalization::kMinerva:
      return minerva_normalize(s);
  }
  return std::string(s);
}

}  // namespace ys
