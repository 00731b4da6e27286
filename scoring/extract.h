// Answer extraction: turns a model's free-form output into the answer it gives.
#pragma once

#include <boost/regex.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ys {

// One way of finding an answer in a text.
struct ExtractStep {
  enum class Kind {
    kRegex,        // `pattern`, a Python `re` pattern with Python's meaning (scoring/
                   // pyregex.h); every match is found, `select` picks one
    kLastNumber,   // the last number: sign ('-' or U+2212), digits, thousands grouped by
                   // commas or spaces ("1 000 000"), decimals; always holds a digit
    kFirstNumber,  // the first such number
    kChoice,       // a multiple-choice letter among `choices`: the last answer marker
                   // ("**Answer:** C", "answer is (B)", "\boxed{D}"), else a reply that
                   // opens with the letter, else the last "**B**", "(B)", lone capital
    // The content of the last \boxed{...} (or "\boxed X"), untrimmed: boxed_answer
    // (util/latex.h).
    kBoxed,
    // X of "Final Answer: The final answer is X. I hope it is correct."
    // (minerva_final_answer, scoring/minerva.h).
    kMinerva,
    kAnswerAfter,      // simple-evals' MGSM answer line (mgsm_eval.py parse_answer and the
                       // prediction side of score_mgsm): the text after the last `pattern`
                       // (a plain prefix such as "Answer"), commas removed, its last match of
                       // \d+\.?\d* without a trailing '.', and, when it holds a '.', without
                       // trailing zeros and then a trailing '.' ("18.50" -> "18.5");
                       // with `signed_number`, a '-' just before the digits is kept
                       // (yardstick's: simple-evals' rule drops it)
    kSimpleEvalsMmlu,  // openai/simple-evals' MMLU rule (mmlu_eval.py at ee3b0318), ported:
                       // normalize_response's deletions, then for each "Answer:" marker of
                       // MULTILINGUAL_ANSWER_REGEXES in order the first "(?i)MARKER[ \t]*L"
                       // (L: A-D, a-d, Arabic, Bengali or full-width letters), the letter
                       // mapped by normalize_extracted_answer. Python's case folding of
                       // non-ASCII letters is not reproduced.
  };
  Kind kind = Kind::kRegex;
  std::string pattern;
  boost::regex regex;  // compiled from `pattern`
  // Which match to take: 0 the first, -1 the last, like Python's list indexing.
  int select = 0;
  std::string choices = "ABCD";
  bool signed_number = false;  // kAnswerAfter
};

// An ordered chain: the first step that finds something gives the answer.
using ExtractChain = std::vector<ExtractStep>;

// Builds a regex step (python_regex); throws InputError naming the pattern if it does not
// compile.
ExtractStep regex_step(const std::string& pattern, int select = 0);

// Runs the chain over `text`. Within a regex match, the first non-empty capture group is
// the answer (the whole match when the pattern has no groups), trimmed. Returns nullopt
// when no step finds anything.
std::optional<std::string> extract_answer(const ExtractChain& chain, std::string_view text);

}  // namespace ys
