// The MATH dataset's answer convention: the answer of a solution is the content of its last
// \boxed{...}. Used by the MATH loader (datasets/, the derived `answer` field) and by the
// `boxed` extractor step (scoring/).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ys {

// Port of lm-evaluation-harness's last_boxed_only_string (lm_eval/tasks/minerva_math/
// utils.py and hendrycks_math/utils.py, commit 4e7e0d4; hendrycks/math's modeling/dataset/
// util.py is the same without the space form):
//  - when `text` contains "\boxed " anywhere, "\boxed " + the text after its last
//    occurrence, cut at the first '$' that follows;
//  - else from the last "\boxed" (or, when there is none, the last "\fbox") up to the '}'
//    that brings the count of '{' minus '}' seen since then back to 0;
//  - nullopt when there is neither, or when that count never returns to 0.
std::optional<std::string> last_boxed_only_string(std::string_view text);

// Port of the same files' remove_boxed: "\boxed X" -> "X" when the string contains
// "\boxed " (it must then start with it); else "\boxed{X}" -> "X". Anything else (an
// "\fbox{...}", "\boxed{" not at the start) is nullopt: upstream's assertion fails there
// (hendrycks/math's eval returns None).
std::optional<std::string> remove_boxed(std::string_view boxed);

// remove_boxed(last_boxed_only_string(text)): the answer a MATH solution or a model's
// boxed output gives, or nullopt.
std::optional<std::string> boxed_answer(std::string_view text);

}  // namespace ys
