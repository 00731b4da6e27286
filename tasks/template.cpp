#include "tasks/template.h"

#include <algorithm>

#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

// Calls on_text for literal runs and on_field for each placeholder name.
template <typename OnText, typename OnField>
void scan(std::string_view tmpl, OnText on_text, OnField on_field) {
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      on_text(tmpl.substr(pos));
      return;
    }
    on_text(tmpl.substr(pos, open - pos));
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw InputError("template has an unclosed '{{' at offset " + std::to_string(open));
    }
    std::string_view name = trim(tmpl.substr(open + 2, close - open - 2));
    if (name.empty())
      throw InputError("template has an empty '{{}}' at offset " + std::to_string(open));
    on_field(std::string(name));
    pos = close + 2;
  }
}

}  // namespace

std::vector<std::string> template_fields(std::string_view tmpl) {
  std::vector<std::string> names;
  scan(
      tmpl, [](std::string_view) {},
      [&](const std::string& name) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      });
  return names;
}

std::string render_template(std::string_view tmpl, const nlohmann::json& fields) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  scan(
      tmpl, [&](std::string_view text) { out += text; },
      [&](const std::string& name) {
        auto it = fields.find(name);
        if (it == fields.end()) throw InputError("template field '" + name + "' is missing");
        if (it->is_string()) {
          out += it->get_ref<const std::string&>();
        } else {
          out += it->dump();
        }
      });
  return out;
}

}  // namespace ys
