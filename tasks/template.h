// Prompt templates: text with {{field}} placeholders filled from a sample's fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ys {

// The field names a template uses, in order of first appearance. Throws InputError for an
// unclosed "{{" or an empty name.
std::vector<std::string> template_fields(std::string_view tmpl);

// Replaces every {{name}} (spaces inside the braces allowed) with fields[name]: strings
// as they are, other values in JSON form. {{name.N}} is item N of a list, {{name.key}} a member of an object; {{name|lines}}
// is a list's items one per line. Throws InputError naming the field when `fields` lacks
// it.
std::string render_template(std::string_view tmpl, const nlohmann::json& fields);

}  // namespace ys
