// Templates: text with {{field}} placeholders filled from a sample's fields (prompts, code
// judges' programs).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ys {

// The field names a template uses, in order of first appearance. Throws InputError for an
// unclosed "{{" or an empty name.
std::vector<std::string> template_fields(std::string_view tmpl);

// The value at `path` in the object `fields`: a field name, then any number of ".N"
// (item N of a list) or ".name" (a member of an object) steps, e.g. "question.choices.0".
// Throws InputError naming the path when there is no such value.
const nlohmann::json& field_at(const nlohmann::json& fields, std::string_view path);

// Replaces every {{path}} (spaces inside the braces allowed) with field_at(fields, path):
// strings as they are, other values in JSON form. Filters: {{path|lines}} is a list's
// items one per line, {{path|trim}} the value without surrounding white space, and
// {{path|spaces}} the value with underscores turned into spaces. Throws InputError naming
// the field when `fields` lacks it.
std::string render_template(std::string_view tmpl, const nlohmann::json& fields);

}  // namespace ys
