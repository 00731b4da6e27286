#include "scoring/code_extract.h"

#include <algorithm>
#include <cctype>

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

std::string clean_function_completion(const std::string& text, const std::string& entry_point,
                                      const std::vector<std::string>& stops) {
  const bool fenced = text.find("```") != std::string::npos;
  std::string code = fenced ? extract_code_block(text, "python") : text;
  if (!entry_point.empty() && code.find("def " + entry_point + "(") != std::string::npos) {
    return "\n" + code;
  }
  return fenced ? code : truncate_at_stops(code, stops);
}

}  // namespace ys
