#include "tasks/template.h"

#include <algorithm>

#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

// Calls on_text for literal runs and on_field for each placeholder's inner text.
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
    if (name.empty()) {
      throw InputError("template has an empty '{{}}' at offset " + std::to_string(open));
    }
    on_field(std::string(name));
    pos = close + 2;
  }
}

// A placeholder: a field name, an optional list index (".N") or object member (".name"),
// and an optional "|lines" (a list's items, one per line).
struct Placeholder {
  std::string field;
  long index = -1;
  std::string key;  // ".name": a member of an object
  bool lines = false;
};

Placeholder parse_placeholder(const std::string& text) {
  Placeholder p;
  std::string rest = text;
  if (size_t bar = rest.find('|'); bar != std::string::npos) {
    std::string filter(trim(rest.substr(bar + 1)));
    if (filter != "lines") {
      throw InputError("template filter '" + filter + "' is unknown (expected lines)");
    }
    p.lines = true;
    rest = std::string(trim(rest.substr(0, bar)));
  }
  if (size_t dot = rest.find('.'); dot != std::string::npos) {
    std::string index = rest.substr(dot + 1);
    if (index.empty()) throw InputError("template placeholder '" + text + "' ends with '.'");
    if (index.find_first_not_of("0123456789") == std::string::npos) {
      p.index = std::stol(index);
    } else {
      p.key = index;
    }
    rest = rest.substr(0, dot);
  }
  p.field = rest;
  return p;
}

void append_value(std::string& out, const nlohmann::json& v) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
  } else {
    out += v.dump();
  }
}

}  // namespace

std::vector<std::string> template_fields(std::string_view tmpl) {
  std::vector<std::string> names;
  scan(
      tmpl, [](std::string_view) {},
      [&](const std::string& text) {
        std::string name = parse_placeholder(text).field;
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      });
  return names;
}

std::string render_template(std::string_view tmpl, const nlohmann::json& fields) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  scan(
      tmpl, [&](std::string_view text) { out += text; },
      [&](const std::string& text) {
        Placeholder p = parse_placeholder(text);
        auto it = fields.find(p.field);
        if (it == fields.end()) throw InputError("template field '" + p.field + "' is missing");
        const nlohmann::json* v = &*it;
        if (p.index >= 0) {
          if (!v->is_array() || static_cast<size_t>(p.index) >= v->size()) {
            throw InputError("template field '" + text + "': no such list item");
          }
          v = &(*v)[static_cast<size_t>(p.index)];
        }
        if (!p.key.empty()) {
          if (!v->is_object() || !v->contains(p.key)) {
            throw InputError("template field '" + text + "': no such member");
          }
          v = &(*v)[p.key];
        }
        if (!p.lines) {
          append_value(out, *v);
          return;
        }
        if (!v->is_array()) throw InputError("template field '" + text + "' is not a list");
        for (size_t i = 0; i < v->size(); ++i) {
          if (i) out += '\n';
          append_value(out, (*v)[i]);
        }
      });
  return out;
}

}  // namespace ys
