// Turning a model's answer into the code to run, the way the field does it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ys {

// The code in `text`: the first fenced block (```lang ... ```) whose language tag matches
// `language` (python/py, cpp/c++, javascript/js) or is empty, else the first fenced block
// of any language, else `text` itself. An unterminated final fence runs to the end.
std::string extract_code_block(const std::string& text, const std::string& language);

// `text` cut at the earliest of `stops` (a base model's continuation ends there).
std::string truncate_at_stops(const std::string& text, const std::vector<std::string>& stops);

// Whether `line`, a line at column 0 where a statement starts, can begin a Python
// statement: a conservative check that tells code from the prose a chat model writes
// around it, without parsing or running anything. The line is tokenized (names, keywords,
// numbers, strings with their prefixes, brackets, operators, comments) and rejected for:
// a character Python has no token for ('?', a lone '!', '$', '`', non-ASCII outside
// strings); an unterminated '...' or "..." string ("Here's"); a closing bracket with no
// opener ("1) Sort"); two operands in a row ("The function", "O(n) time"); a first token
// that cannot start a statement ("**Note**", "- item", "> quote", "and"); a lone name
// ("Explanation"); "Name: ..." with no '=' (a label, not an annotated assignment); a final
// ':' after anything but a compound-statement keyword ("Usage:"); a final operator or '.'
// ("Done."). Blank lines and comments pass.
bool starts_python_statement(std::string_view line);

// `text` cut where prose begins: the longest prefix in which every line that starts a
// statement at column 0 passes starts_python_statement. Indented lines and lines inside
// brackets, triple-quoted strings or after a backslash continuation are not checked.
std::string python_prefix(const std::string& text);

// Whether some line of `code` defines `name`: "def name(" or "async def name(", indented
// or not, spaces or tabs.
bool defines_function(const std::string& code, const std::string& name);

// Cleans a completion for a function-level Python problem (HumanEval style). Code that
// defines `entry_point` replaces the stub; it is returned starting with a newline, to
// follow the prompt as a new definition:
// - the last fenced block (any language tag) that defines it, common indentation removed;
// - else, when the text outside fences defines it, the run of code lines holding the last
//   definition, without the prose before and after it (see starts_python_statement).
// Otherwise the answer continues the prompt: the first fenced block as extract_code_block
// picks it, or the unfenced text cut at `stops` and then at python_prefix.
std::string clean_function_completion(const std::string& text, const std::string& entry_point,
                                      const std::vector<std::string>& stops);

}  // namespace ys
