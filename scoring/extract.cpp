#include "scoring/extract.h"

#include <cctype>

#include "scoring/minerva.h"
#include "scoring/normalize.h"
#include "scoring/pyregex.h"
#include "util/error.h"
#include "util/latex.h"
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

// A letter given as an answer, and whether it is one of the choices.
struct Letter {
  char letter;
  bool valid;
};

bool starts_with_icase(const std::string& t, size_t i, std::string_view word) {
  if (t.size() - i < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(t[i + k])) != word[k]) return false;
  }
  return true;
}

// Past what may wrap an answer letter: spaces, markdown emphasis, brackets, '$', quotes,
// LaTeX wrappers and the words "option", "choice", "letter".
size_t skip_wrappers(const std::string& t, size_t i) {
  static constexpr std::string_view kLatex[] = {"\\textbf{", "\\text{", "\\mathrm{", "\\mathbf{",
                                                "\\boxed{",  "\\fbox{", "\\textit{", "\\emph{",
                                                "\\(",       "\\["};
  static constexpr std::string_view kWords[] = {"option", "choice", "letter"};
  for (;;) {
    if (i >= t.size()) return i;
    if (std::string_view(" \t\r\n*_$([{\"'`").find(t[i]) != std::string_view::npos) {
      ++i;
      continue;
    }
    bool skipped = false;
    for (auto w : kLatex) {
      if (t.compare(i, w.size(), w) == 0) i += w.size(), skipped = true;
    }
    for (auto w : kWords) {
      const size_t after = i + w.size();
      if (!skipped && starts_with_icase(t, i, w) &&
          (after == t.size() || !std::isalnum(static_cast<unsigned char>(t[after])))) {
        i = after, skipped = true;
      }
    }
    if (!skipped) return i;
  }
}

// Whether the letter ending before `i` stands alone: only spaces, then the end of the line
// or closing punctuation, follow it.
bool closed_after(const std::string& t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  return i == t.size() ||
         std::string_view("\r\n.)]}*_$:;!'\"`\\").find(t[i]) != std::string_view::npos;
}

// The answer letter at t[i], if one stands there: a choice followed by no letter or
// digit; a lowercase choice ("answer: b") or a letter outside the choices only when
// closed_after holds, so "the answer is a bit" and "the answer is I think" give none.
std::optional<Letter> letter_at(const std::string& t, size_t i, const std::string& choices) {
  if (i >= t.size()) return std::nullopt;
  const unsigned char c = static_cast<unsigned char>(t[i]);
  if (i + 1 < t.size() && std::isalnum(static_cast<unsigned char>(t[i + 1]))) return std::nullopt;
  const bool closed = closed_after(t, i + 1);
  if (choices.find(static_cast<char>(c)) != std::string::npos) {
    if (std::islower(c) && !closed) return std::nullopt;
    return Letter{static_cast<char>(c), true};
  }
  const char upper = static_cast<char>(std::toupper(c));
  if (std::isalpha(c) && closed) {
    const bool valid = choices.find(upper) != std::string::npos;
    return Letter{valid ? upper : static_cast<char>(c), valid};
  }
  return std::nullopt;
}

// Answer markers: "answer is", "answer:", "final answer", "correct option is",
// "\boxed". The letter follows, behind wrappers.
const boost::regex& marker_regex() {
  static const boost::regex re(
      R"(\b(?:final|correct|right|best)[*_\s]+(?:answer|option|choice)s?\b)"
      R"((?:[*_\s]*(?:is|would\s+be|should\s+be|will\s+be|must\s+be)\b)?[*_\s]*[:=-]?)"
      R"(|\banswers?\b[*_\s]*(?:is|would\s+be|should\s+be|will\s+be|must\s+be)\b[*_\s]*:?)"
      R"(|\banswers?\b[*_]*\s*[:=])"
      R"(|\\boxed\b|\\fbox\b)",
      boost::regex::perl | boost::regex::icase);
  return re;
}

// `choices` as a regex character class.
std::string char_class(const std::string& choices) {
  std::string out = "[";
  for (char c : choices) {
    if (c == ']' || c == '\\' || c == '^' || c == '-') out += '\\';
    out += c;
  }
  return out + "]";
}

std::optional<std::string> find_choice(const std::string& choices, const std::string& text) {
  // 1. The last answer marker followed by a letter; a letter outside the choices there
  //    means the model answered something else, so no answer.
  std::optional<Letter> marked;
  for (boost::sregex_iterator it(text.begin(), text.end(), marker_regex()), end; it != end; ++it) {
    const size_t after = static_cast<size_t>(it->position()) + static_cast<size_t>(it->length());
    if (auto l = letter_at(text, skip_wrappers(text, after), choices)) marked = l;
  }
  if (marked) {
    if (!marked->valid) return std::nullopt;
    return std::string(1, marked->letter);
  }
  // 2. A reply that opens with the letter, standing alone: "**D**.", "(B) because", "C".
  const size_t first = skip_wrappers(text, 0);
  if (auto l = letter_at(text, first, choices); l && l->valid && closed_after(text, first + 1)) {
    return std::string(1, l->letter);
  }
  // 3. An emphasized letter, 4. a parenthesized one, 5. a lone capital: the last of each.
  const std::string set = char_class(choices);
  static thread_local std::string cached_set;
  static thread_local std::vector<boost::regex> patterns;
  if (cached_set != set) {
    patterns = {
        boost::regex(R"(\*\*\s*\(?()" + set + R"()\)?\s*\*\*|__\(?()" + set +
                     R"()\)?__|\\(?:textbf|mathbf)\{\s*\(?()" + set + R"()\)?\s*\})"),
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

// simple-evals' parse_answer (mgsm_eval.py, commit ee3b0318) and score_mgsm's clean-up of
// the prediction.
std::optional<std::string> answer_after(const std::string& prefix, const std::string& text,
                                        bool signed_number) {
  const size_t at = text.rfind(prefix);
  if (at == std::string::npos) return std::nullopt;
  std::string rest;
  for (char c : text.substr(at + prefix.size())) {
    if (c != ',') rest += c;
  }
  static const boost::regex number(R"([0-9]+\.?[0-9]*)"), signed_(R"(-?[0-9]+\.?[0-9]*)");
  auto last = find_regex(signed_number ? signed_ : number, -1, rest, true);
  if (!last) return std::nullopt;
  std::string n = *last;
  while (!n.empty() && n.back() == '.') n.pop_back();  // rstrip(".")
  if (n.find('.') != std::string::npos) {
    while (!n.empty() && n.back() == '0') n.pop_back();
    while (!n.empty() && n.back() == '.') n.pop_back();
  }
  return n;
}

// simple-evals' normalize_response (common.py): these deletions, in this order.
std::string simple_evals_normalize(std::string text) {
  static constexpr std::string_view kDeleted[] = {
      "**",  "$\\boxed{", "}$",  "\\$",       "$\\text{", "$",      "\\mathrm{",
      "\\{", "\\text",    "\\(", "\\mathbf{", "{",        "\\boxed"};
  for (std::string_view d : kDeleted) text = replace_all(text, d, "");  // str.replace
  return text;
}

// simple-evals' MULTILINGUAL_ANSWER_REGEXES (common.py at ee3b0318), each followed by
// MULTILINGUAL_ANSWER_PATTERN_TEMPLATE's "[ \t]*(letter)", compiled once.
const std::vector<ExtractStep>& simple_evals_markers() {
  static const std::vector<ExtractStep> steps = [] {
    static constexpr std::string_view kMarkers[] = {
        "Answer\\s*:",
        "Answer\\s*:\u200b\u200b\u200b\u200b\u200b\u200b",
        "উত্তর\\s*:",
        "उत्तर\\s*:",
        "উত্তরঃ",
        "উত্তর\\s*:",
        "Antwort\\s*:",
        "답변\\s*:",
        "정답\\s*:",
        "답\\s*:",
        "答案\\s*：",
        "答案\\s*:",
        "答\\s*：",
        "答\\s*:",
        "答复\\s*：",
        "答曰\\s*：",
        "الإجابة:",
        "الجواب:",
        "إجابة:",
        "الإجابة النهائية:",
        "الإجابة الصحيحة:",
        "الإجابة الصحيحة هي:",
        "الإجابة هي:",
        "الجواب النهائي:",
        "Respuesta\\s*:",
        "Risposta\\s*:",
        "答え\\s*:",
        "答え\\s*：",
        "回答\\s*:",
        "回答\\s*：",
        "解答\\s*:",
        "Jawaban\\s*:",
        "Réponse\\s*:",
        "Resposta\\s*:",
        "Jibu\\s*:",
        "Idahun\\s*:",
        "Ìdáhùn\\s*:",
        "Idáhùn\\s*:",
        "Àmọ̀nà\\s*:",
        "Àdáhùn\\s*:",
        "Ànúgọ\\s*:",
        "Àṣàyàn\\s*:"};
    // [A-D] (a-d too under (?i)), Arabic U+0623-U+062F, four Bengali and the full-width
    // letters (lower case too, as Python's (?i) folds them), as UTF-8 byte sequences.
    const std::string letter = "([A-D]|\\xD8[\\xA3-\\xAF]|অ|ব|ড|ঢ|Ａ|Ｂ|Ｃ|Ｄ|ａ|ｂ|ｃ|ｄ)";
    std::vector<ExtractStep> out;
    for (std::string_view m : kMarkers) {
      out.push_back(regex_step("(?i)" + std::string(m) + "[ \\t]*" + letter));
    }
    return out;
  }();
  return steps;
}

std::optional<std::string> find_simple_evals_mmlu(const std::string& text) {
  static constexpr std::pair<std::string_view, std::string_view> kLetters[] = {
      {"أ", " A"}, {"ب", " B"}, {"ج", " C"},  {"د", " D"},  {"অ", " A"},  {"ব", " B"},
      {"ড", " C"}, {"ঢ", " D"}, {"Ａ", " A"}, {"Ｂ", " B"}, {"Ｃ", " C"}, {"Ｄ", " D"}};
  const std::string normalized = simple_evals_normalize(text);
  for (const ExtractStep& step : simple_evals_markers()) {
    boost::smatch m;
    if (!boost::regex_search(normalized, m, step.regex)) continue;  // re.search: the first
    std::string letter = m[1].str();
    for (const auto& [from, to] : kLetters) {
      if (letter == from) letter = to;
    }
    return std::string(trim(letter));
  }
  return std::nullopt;
}

}  // namespace

ExtractStep regex_step(const std::string& pattern, int select) {
  ExtractStep step;
  step.kind = ExtractStep::Kind::kRegex;
  step.pattern = pattern;
  step.select = select;
  step.regex = python_regex(pattern);
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
      case ExtractStep::Kind::kBoxed:
        hit = boxed_answer(s);
        break;
      case ExtractStep::Kind::kMinerva:
        hit = minerva_final_answer(s);
        break;
      case ExtractStep::Kind::kAnswerAfter:
        hit = answer_after(step.pattern, s, step.signed_number);
        break;
      case ExtractStep::Kind::kSimpleEvalsMmlu:
        hit = find_simple_evals_mmlu(s);
        break;
    }
    if (hit && !hit->empty()) return hit;
  }
  return std::nullopt;
}

}  // namespace ys
