#include "scoring/code_extract.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "util/strings.h"

namespace ys {
namespace {

struct Block {
  std::string tag, body;
};

std::vector<Block> fenced_blocks(const std::string& text) {
  std::vector<Block> blocks;
  size_t pos = 0;
  while ((pos = text.find("```", pos)) != std::string::npos) {
    size_t tag_end = text.find('\n', pos + 3);
    if (tag_end == std::string::npos) break;
    std::string tag = text.substr(pos + 3, tag_end - pos - 3);
    tag.erase(
        std::remove_if(tag.begin(), tag.end(), [](unsigned char c) { return std::isspace(c); }),
        tag.end());
    std::transform(tag.begin(), tag.end(), tag.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    size_t close = text.find("```", tag_end + 1);
    std::string body = text.substr(
        tag_end + 1, close == std::string::npos ? std::string::npos : close - tag_end - 1);
    blocks.push_back({tag, body});
    if (close == std::string::npos) break;
    pos = close + 3;
  }
  return blocks;
}

bool tag_matches(const std::string& tag, const std::string& language) {
  if (language == "python") return tag == "python" || tag == "py" || tag == "python3";
  if (language == "cpp") return tag == "cpp" || tag == "c++" || tag == "cc" || tag == "cxx";
  if (language == "javascript") return tag == "javascript" || tag == "js" || tag == "node";
  return tag == language;
}

// ---- A line-structure check for Python (see starts_python_statement) ----

enum class Tok { kName, kKeyword, kNumber, kString, kOpen, kClose, kOp, kError };

struct Token {
  Tok kind;
  std::string_view text;
};

// What one physical line leaves open for the next.
struct ScanState {
  int depth = 0;           // open brackets
  char triple_quote = 0;   // inside a triple-quoted string: its quote character
  bool continued = false;  // the line ended with a backslash
  bool at_statement_start() const { return depth == 0 && triple_quote == 0 && !continued; }
};

template <size_t N>
bool one_of(std::string_view w, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

// Keywords a statement can start with.
constexpr std::array<std::string_view, 24> kStatementKeywords = {
    "assert",   "async",  "break",   "class",  "continue", "def",    "del",  "elif",
    "else",     "except", "finally", "for",    "from",     "global", "if",   "import",
    "nonlocal", "pass",   "raise",   "return", "try",      "while",  "with", "yield"};

// Keywords whose statement line ends with ':' (with the soft keyword match).
constexpr std::array<std::string_view, 13> kCompoundKeywords = {
    "async", "class", "def", "elif",  "else", "except", "finally",
    "for",   "if",    "try", "while", "with", "match"};

// Operators, longest first, so that the first that fits is the token. '!' and '?' are
// listed so that they become errors rather than single unknown characters.
constexpr std::array<std::string_view, 43> kOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", "<<", ">=", ">>", "**", "//",
    "+=",  "-=",  "*=",  "/=",  "%=",  "&=", "|=", "^=", "@=", "+",  "-",  "*",  "/",  "%",  "@",
    "&",   "|",   "^",   "~",   "<",   ">",  "=",  ".",  ",",  ":",  ";",  "!",  "?"};

bool is_string_prefix(std::string_view w) {
  std::string lower(w);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static constexpr std::array<std::string_view, 8> kPrefixes = {"r",  "u",  "b",  "f",
                                                                "br", "rb", "fr", "rf"};
  return one_of(lower, kPrefixes);
}

// The end of a string body that starts at `i`, past its closing quote (`len` quote
// characters); a backslash escapes the next character. npos when the line ends first.
size_t string_end(std::string_view line, size_t i, char quote, size_t len) {
  const std::string close(len, quote);
  while (i < line.size()) {
    if (line[i] == '\\') {
      i += 2;
    } else if (line.substr(i, len) == close) {
      return i + len;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

bool is_name_char(unsigned char c) {
  return std::isalnum(c) || c == '_';
}

// Tokenizes one physical line, given and updating what earlier lines left open.
void scan_line(std::string_view line, ScanState& st, std::vector<Token>& out) {
  size_t i = 0;
  st.continued = false;
  if (st.triple_quote != 0) {
    i = string_end(line, 0, st.triple_quote, 3);
    if (i == std::string_view::npos) return;
    st.triple_quote = 0;
    out.push_back({Tok::kString, line.substr(0, i)});
  }
  while (i < line.size()) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const size_t start = i;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
      ++i;
      continue;
    }
    if (c == '#') return;
    if (c == '\\') {
      if (trim(line.substr(i + 1)).empty()) {
        st.continued = true;
      } else {
        out.push_back({Tok::kError, line.substr(i, 1)});
      }
      return;
    }
    if (std::isalpha(c) || c == '_') {
      while (i < line.size() && is_name_char(static_cast<unsigned char>(line[i]))) ++i;
      const std::string_view word = line.substr(start, i - start);
      const bool quote_next = i < line.size() && (line[i] == '\'' || line[i] == '"');
      if (!quote_next || !is_string_prefix(word)) {
        out.push_back({one_of(word, kKeywords) ? Tok::kKeyword : Tok::kName, word});
        continue;
      }
    }
    if (i < line.size() && (line[i] == '\'' || line[i] == '"')) {
      const char q = line[i];
      const size_t len = line.substr(i, 3) == std::string(3, q) ? 3 : 1;
      const size_t end = string_end(line, i + len, q, len);
      if (end != std::string_view::npos) {
        out.push_back({Tok::kString, line.substr(start, end - start)});
        i = end;
        continue;
      }
      if (len == 3) {
        st.triple_quote = q;
        out.push_back({Tok::kString, line.substr(start)});
      } else {
        out.push_back({Tok::kError, line.substr(start)});  // unterminated
      }
      return;
    }
    if (std::isdigit(c) || (c == '.' && i + 1 < line.size() &&
                            std::isdigit(static_cast<unsigned char>(line[i + 1])))) {
      while (i < line.size() &&
             (is_name_char(static_cast<unsigned char>(line[i])) || line[i] == '.' ||
              ((line[i] == '+' || line[i] == '-') && (line[i - 1] == 'e' || line[i - 1] == 'E')))) {
        ++i;
      }
      out.push_back({Tok::kNumber, line.substr(start, i - start)});
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++st.depth;
      out.push_back({Tok::kOpen, line.substr(i++, 1)});
      continue;
    }
    if (c == ')' || c == ']' || c == '}') {
      const bool unopened = --st.depth < 0;
      if (unopened) st.depth = 0;
      out.push_back({unopened ? Tok::kError : Tok::kClose, line.substr(i++, 1)});
      continue;
    }
    Token op{Tok::kError, line.substr(i, 1)};  // no Python token starts with this character
    for (std::string_view o : kOperators) {
      if (line.substr(i, o.size()) == o) {
        op = {o == "!" || o == "?" ? Tok::kError : Tok::kOp, line.substr(i, o.size())};
        break;
      }
    }
    out.push_back(op);
    i += op.text.size();
  }
}

bool is_constant(const Token& t) {
  return t.kind == Tok::kKeyword && (t.text == "None" || t.text == "True" || t.text == "False");
}

bool is_operand_end(const Token& t) {
  return t.kind == Tok::kName || t.kind == Tok::kNumber || t.kind == Tok::kString ||
         t.kind == Tok::kClose || (t.kind == Tok::kOp && t.text == "...") || is_constant(t);
}

bool is_operand_start(const Token& t) {
  return t.kind == Tok::kName || t.kind == Tok::kNumber || t.kind == Tok::kString ||
         (t.kind == Tok::kOp && t.text == "...") || is_constant(t) ||
         (t.kind == Tok::kKeyword && (t.text == "lambda" || t.text == "await"));
}

bool is_blank(std::string_view line) {
  return trim(line).empty();
}

bool is_indented(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

// A stretch [begin, end) of a text.
struct Span {
  size_t begin, end;
};

// The stretches of `text` that are code: each starts at a column-0 line that passes
// starts_python_statement and runs until one that does not. With `starts_in_code` the
// text begins inside code (a continuation of a prompt), so the first stretch starts at 0.
std::vector<Span> python_runs(const std::string& text, bool starts_in_code) {
  std::vector<Span> runs;
  ScanState st;
  bool in_code = starts_in_code;
  size_t run_begin = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    const size_t line_end = nl == std::string::npos ? text.size() : nl;
    const std::string_view line = std::string_view(text).substr(pos, line_end - pos);
    if (st.at_statement_start() && !is_indented(line) && !is_blank(line)) {
      const bool code = starts_python_statement(line);
      if (code && !in_code) run_begin = pos;
      if (!code && in_code) runs.push_back({run_begin, pos});
      in_code = code;
    }
    // Prose is not scanned: a stray bracket or quote in it must not hide the code after it.
    std::vector<Token> ignored;
    if (in_code) scan_line(line, st, ignored);
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  if (in_code) runs.push_back({run_begin, text.size()});
  return runs;
}

// `code` without the indentation all its non-blank lines share.
std::string dedent(const std::string& code) {
  const auto lines = split(code, '\n');
  std::optional<std::string> common;
  for (const auto& line : lines) {
    if (is_blank(line)) continue;
    const std::string indent = line.substr(0, line.find_first_not_of(" \t"));
    if (!common) {
      common = indent;
      continue;
    }
    size_t n = 0;
    while (n < common->size() && n < indent.size() && (*common)[n] == indent[n]) ++n;
    common->resize(n);
  }
  if (!common || common->empty()) return code;
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    out += line.compare(0, common->size(), *common) == 0 ? line.substr(common->size())
                                                         : std::string(trim(line));
    if (i + 1 < lines.size()) out += '\n';
  }
  return out;
}

}  // namespace

std::string extract_code_block(const std::string& text, const std::string& language) {
  auto blocks = fenced_blocks(text);
  for (const auto& b : blocks) {
    if (tag_matches(b.tag, language)) return b.body;
  }
  for (const auto& b : blocks) {
    if (b.tag.empty()) return b.body;
  }
  return blocks.empty() ? text : blocks.front().body;
}

std::string truncate_at_stops(const std::string& text, const std::vector<std::string>& stops) {
  size_t cut = text.size();
  for (const auto& s : stops) {
    if (s.empty()) continue;
    size_t at = text.find(s);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  return text.substr(0, cut);
}

bool starts_python_statement(std::string_view line) {
  ScanState st;
  std::vector<Token> t;
  scan_line(line, st, t);
  if (t.empty()) return true;  // blank or a comment
  if (std::any_of(t.begin(), t.end(), [](const Token& x) { return x.kind == Tok::kError; })) {
    return false;
  }
  const Token& first = t.front();
  if (first.kind == Tok::kKeyword && !one_of(first.text, kStatementKeywords)) return false;
  if (first.kind == Tok::kOp && first.text != "@" && first.text != "...") return false;
  if (t.size() == 1 && first.kind == Tok::kName) return false;
  const bool soft_keyword = first.kind == Tok::kName && first.text == "match";
  for (size_t k = 1; k < t.size(); ++k) {
    if (k == 1 && soft_keyword) continue;
    if (is_operand_end(t[k - 1]) && is_operand_start(t[k]) &&
        !(t[k - 1].kind == Tok::kString && t[k].kind == Tok::kString)) {
      return false;
    }
  }
  if (first.kind == Tok::kName && t.size() > 1 && t[1].text == ":" &&
      std::none_of(t.begin() + 2, t.end(), [](const Token& x) { return x.text == "="; })) {
    return false;
  }
  if (st.at_statement_start() && t.back().kind == Tok::kOp) {
    const std::string_view last = t.back().text;
    if (last == ":") return one_of(first.text, kCompoundKeywords);
    if (last != "," && last != ";" && last != "...") return false;
  }
  return true;
}

std::string python_prefix(const std::string& text) {
  const auto runs = python_runs(text, true);
  return runs.empty() || runs.front().begin != 0 ? std::string() : text.substr(0, runs.front().end);
}

bool defines_function(const std::string& code, const std::string& name) {
  for (const auto& raw : split(code, '\n')) {
    std::string_view line = raw;
    auto spaces = [&line] {
      const size_t n = std::min(line.find_first_not_of(" \t"), line.size());
      line.remove_prefix(n);
      return n > 0;
    };
    auto word = [&line](std::string_view w) {
      if (line.substr(0, w.size()) != w) return false;
      line.remove_prefix(w.size());
      return true;
    };
    spaces();
    if (word("async") && !spaces()) continue;
    if (!word("def") || !spaces() || !word(name)) continue;
    spaces();
    if (!line.empty() && line[0] == '(') return true;
  }
  return false;
}

std::string clean_function_completion(const std::string& text, const std::string& entry_point,
                                      const std::vector<std::string>& stops) {
  const auto blocks = fenced_blocks(text);
  if (!entry_point.empty()) {
    for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) {
      if (defines_function(b->body, entry_point)) return "\n" + dedent(b->body);
    }
    if (defines_function(text, entry_point)) {
      const auto runs = python_runs(text, false);
      for (auto r = runs.rbegin(); r != runs.rend(); ++r) {
        std::string code = text.substr(r->begin, r->end - r->begin);
        if (defines_function(code, entry_point)) return "\n" + code;
      }
      return "\n" + text;  // defined only under prose, indented: left as written
    }
  }
  if (!blocks.empty()) return extract_code_block(text, "python");
  return python_prefix(truncate_at_stops(text, stops));
}

}  // namespace ys
