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
    kRegex,            // `pattern`, Perl syntax; every match is found, `select` picks one
    kLastNumber,       // the last number: sign ('-' or U+2212), digits, thousands grouped by
                       // commas or spaces ("1 000 000"), decimals; always holds a digit
    kFirstNumber,      // the first such number
    kChoice,           // a multiple-choice letter among `choices`: the last answer marker
                       // ("**Answer:** C", "answer is (B)", "\boxed{D}"), else a reply that
                       // opens with the letter, else the last "**B**", "(B)", lone capital
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
};

// An ordered chain: the first step that finds something gives the answer.
using ExtractChain = std::vector<ExtractStep>;

// Builds a regex step; throws InputError (naming the pattern) if it does not compile.
ExtractStep regex_step(const std::string& pattern, int select = 0);

// Runs the chain over `text`. Within a regex match, the first non-empty capture group is
// the answer (the whole match when the pattern has no groups), trimmed. Returns nullopt
// when no step finds anything.
std::optional<std::string> extract_answer(const ExtractChain& chain, std::string_view text);

}  // namespace ys
