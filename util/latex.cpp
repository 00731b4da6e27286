#include "util/latex.h"

namespace ys {

std::optional<std::string> last_boxed_only_string(std::string_view text) {
  // Upstream checks the space form first, whatever comes after it.
  static constexpr std::string_view kSpace = "\\boxed ";
  if (size_t at = text.rfind(kSpace); at != std::string_view::npos) {
    std::string_view rest = text.substr(at + kSpace.size());
    return std::string(kSpace) + std::string(rest.substr(0, rest.find('$')));
  }
  size_t start = text.rfind("\\boxed");
  if (start == std::string_view::npos) start = text.rfind("\\fbox");
  if (start == std::string_view::npos) return std::nullopt;
  int open = 0;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] == '{') ++open;
    if (text[i] == '}' && --open == 0) return std::string(text.substr(start, i - start + 1));
  }
  return std::nullopt;
}

std::optional<std::string> remove_boxed(std::string_view s) {
  static constexpr std::string_view kSpace = "\\boxed ", kBrace = "\\boxed{";
  if (s.find(kSpace) != std::string_view::npos) {
    if (s.substr(0, kSpace.size()) != kSpace) return std::nullopt;
    return std::string(s.substr(kSpace.size()));
  }
  if (s.substr(0, kBrace.size()) != kBrace || s.empty() || s.back() != '}') return std::nullopt;
  // "\boxed{" alone ends with '{', not '}': the assertion fails before slicing.
  return std::string(s.substr(kBrace.size(), s.size() - kBrace.size() - 1));
}

std::optional<std::string> boxed_answer(std::string_view text) {
  auto boxed = last_boxed_only_string(text);
  if (!boxed) return std::nullopt;
  return remove_boxed(*boxed);
}

}  // namespace ys
