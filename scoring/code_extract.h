// Turning a model's answer into the code to run, the way the field does it.
#pragma once

#include <string>
#include <vector>

namespace ys {

// The code in `text`: the first fenced block (```lang ... ```) whose language tag matches
// `language` (python/py, cpp/c++, javascript/js) or is empty, else the first fenced block
// of any language, else `text` itself. An unterminated final fence runs to the end.
std::string extract_code_block(const std::string& text, const std::string& language);

// `text` cut at the earliest of `stops` (a base model's continuation ends there).
std::string truncate_at_stops(const std::string& text, const std::vector<std::string>& stops);

// Cleans a completion for a function-level Python problem (HumanEval style):
// - a fenced block is extracted; code that defines `entry_point` itself replaces the stub:
//   it is returned starting with a newline, to follow the prompt as a new definition;
// - otherwise the text is a continuation of the prompt, cut at `stops`.
std::string clean_function_completion(const std::string& text, const std::string& entry_point,
                                      const std::vector<std::string>& stops);

}  // namespace ys
