// The Minerva answer format (Lewkowycz et al. 2022) as lm-evaluation-harness's
// minerva_math tasks read it (lm_eval/tasks/minerva_math/utils.py, commit 4e7e0d4):
// "Final Answer: The final answer is X. I hope it is correct." and the paper's appendix D
// normalization. Its sympy equivalence step is not ported (docs/SCORING.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ys {

// Port of get_unnormalized_answer: the first match of the Python regex
// `Final Answer: The final answer is(.*?). I hope it is correct.` in
// text + "I hope it is correct." ('.' any character but '\n', characters being code
// points), its group stripped of Python white space. nullopt where upstream returns
// "[invalidanswer]".
std::optional<std::string> minerva_final_answer(std::string_view text);

// Port of normalize_final_answer, step for step: the text after the last '='; the
// SUBSTITUTIONS, then removal of the REMOVED_EXPRESSIONS (units, "\text{}", "^\circ", ...);
// on each line, everything replaced by "$X$" when it holds two '$' (X between the first
// two); "\text{X}", "\textbf{X}", "\overline{X}" (to the first '}') and "\boxed{X}" (to the
// last '}' of the line) unwrapped; "fracAB" -> "frac{A}{B}" (A not '{'), "sqrtA" ->
// "sqrt{A}"; '$' removed; commas removed when only ASCII digits remain. One deviation:
// Python's isdigit also accepts non-ASCII digits ("²"); here only 0-9 count.
std::string minerva_normalize(std::string_view answer);

}  // namespace ys
