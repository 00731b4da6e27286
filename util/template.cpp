#include "util/template.h"

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

// A placeholder: a field path (a name, then ".N" list items or ".name" members, any
// depth) and an optional "|lines" (a list's items, one per line).
struct Placeholder {
  std::string path;
  std::string field;  // the path's first name
  enum class Filter { kNone, kLines, kTrim, kSpaces } filter = Filter::kNone;
};

Placeholder parse_placeholder(const std::string& text) {
  Placeholder p;
  p.path = text;
  if (size_t bar = text.find('|'); bar != std::string::npos) {
    std::string filter(trim(text.substr(bar + 1)));
    if (filter == "lines") {
      p.filter = Placeholder::Filter::kLines;
    } else if (filter == "trim") {
      p.filter = Placeholder::Filter::kTrim;
    } else if (filter == "spaces") {
      p.filter = Placeholder::Filter::kSpaces;
    } else {
      throw InputError("template filter '" + filter +
                       "' is unknown (expected lines, trim or spaces)");
    }
    p.path = std::string(trim(text.substr(0, bar)));
  }
  if (p.path.back() == '.') throw InputError("template placeholder '" + text + "' ends with '.'");
  p.field = p.path.substr(0, p.path.find('.'));
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

const nlohmann::json& field_at(const nlohmann::json& fields, std::string_view path) {
  const nlohmann::json* v = &fields;
  size_t pos = 0;
  while (true) {
    size_t dot = path.find('.', pos);
    std::string step(path.substr(pos, dot == std::string_view::npos ? dot : dot - pos));
    if (pos == 0) {
      auto it = v->find(step);
      if (!v->is_object() || it == v->end()) {
        throw InputError("template field '" + step + "' is missing");
      }
      v = &*it;
    } else if (!step.empty() && step.find_first_not_of("0123456789") == std::string::npos) {
      size_t index = std::stoul(step);
      if (!v->is_array() || index >= v->size()) {
        throw InputError("template field '" + std::string(path) + "': no such list item");
      }
      v = &(*v)[index];
    } else {
      if (!v->is_object() || !v->contains(step)) {
        throw InputError("template field '" + std::string(path) + "': no such member");
      }
      v = &(*v)[step];
    }
    if (dot == std::string_view::npos) return *v;
    pos = dot + 1;
  }
}

std::string render_template(std::string_view tmpl, const nlohmann::json& fields) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  scan(
      tmpl, [&](std::string_view text) { out += text; },
      [&](const std::string& text) {
        Placeholder p = parse_placeholder(text);
        const nlohmann::json& v = field_at(fields, p.path);
        if (p.filter == Placeholder::Filter::kTrim || p.filter == Placeholder::Filter::kSpaces) {
          std::string value;
          append_value(value, v);
          if (p.filter == Placeholder::Filter::kTrim) {
            out += trim(value);
          } else {
            std::replace(value.begin(), value.end(), '_', ' ');
            out += value;
          }
          return;
        }
        if (p.filter != Placeholder::Filter::kLines) {
          append_value(out, v);
          return;
        }
        if (!v.is_array()) throw InputError("template field '" + text + "' is not a list");
        for (size_t i = 0; i < v.size(); ++i) {
          if (i) out += '\n';
          append_value(out, v[i]);
        }
      });
  return out;
}

}  // namespace ys
