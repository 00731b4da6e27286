#include "scoring/options.h"

#include <cstdlib>

namespace ys {

OptionReader::OptionReader(const nlohmann::json& object, std::string what)
    : object_(object), what_(std::move(what)) {
  if (!object_.is_object()) throw OptionError("", what_ + " must be a mapping");
}

void OptionReader::fail(const std::string& key, const std::string& message) const {
  throw OptionError(key, message);
}

bool OptionReader::has(const std::string& key) const {
  auto it = object_.find(key);
  return it != object_.end() && !it->is_null();
}

const nlohmann::json& OptionReader::at(const std::string& key) const {
  if (!has(key)) fail(key, what_ + " needs '" + key + "'");
  return object_.at(key);
}

std::string OptionReader::string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& v = object_.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  fail(key, "bad value for '" + key + "' in " + what_ + " (expected text)");
}

std::string OptionReader::required_string(const std::string& key) const {
  at(key);
  return string(key, "");
}

double OptionReader::number(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  const auto& v = object_.at(key);
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) return x;
  }
  fail(key, "bad value for '" + key + "' in " + what_ + " (expected a number)");
}

int64_t OptionReader::integer(const std::string& key, int64_t fallback) const {
  if (!has(key)) return fallback;
  const auto& v = object_.at(key);
  if (!v.is_number_integer()) {
    fail(key, "bad value for '" + key + "' in " + what_ + " (expected an integer)");
  }
  return v.get<int64_t>();
}

bool OptionReader::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = object_.at(key);
  if (!v.is_boolean())
    fail(key, "bad value for '" + key + "' in " + what_ + " (expected true/false)");
  return v.get<bool>();
}

std::vector<std::string> OptionReader::strings(const std::string& key) const {
  if (!has(key)) return {};
  const auto& v = object_.at(key);
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& item : v) {
      if (!item.is_string()) break;
      out.push_back(item.get<std::string>());
    }
    if (out.size() == v.size()) return out;
  }
  fail(key, "'" + key + "' in " + what_ + " must be a string or a list of strings");
}

void OptionReader::only(const std::set<std::string>& allowed) const {
  for (const auto& [key, value] : object_.items()) {
    if (!allowed.count(key)) fail(key, "unknown key '" + key + "' in " + what_);
  }
}

ExtractChain parse_extract_chain(const nlohmann::json& steps, const std::string& key) {
  if (!steps.is_array()) throw OptionError(key, "'" + key + "' must be a list of steps");
  ExtractChain chain;
  for (const auto& item : steps) {
    if (item.is_string()) {
      const auto name = item.get<std::string>();
      ExtractStep step;
      if (name == "last_number") {
        step.kind = ExtractStep::Kind::kLastNumber;
      } else if (name == "first_number") {
        step.kind = ExtractStep::Kind::kFirstNumber;
      } else if (name == "choice") {
        step.kind = ExtractStep::Kind::kChoice;
      } else if (name == "boxed") {
        step.kind = ExtractStep::Kind::kBoxed;
      } else if (name == "minerva_answer") {
        step.kind = ExtractStep::Kind::kMinerva;
      } else if (name == "simple_evals_mmlu") {
        step.kind = ExtractStep::Kind::kSimpleEvalsMmlu;
      } else {
        throw OptionError(key, "unknown extractor '" + name +
                                   "' (expected last_number, first_number, choice, boxed, "
                                   "minerva_answer, simple_evals_mmlu, {regex: ...}, "
                                   "{choice: ...} or {answer_after: ...})");
      }
      chain.push_back(std::move(step));
      continue;
    }
    OptionReader step(item, "an extract step");
    step.only({"regex", "select", "choice", "answer_after", "signed"});
    if (step.has("regex")) {
      try {
        chain.push_back(
            regex_step(step.required_string("regex"), static_cast<int>(step.integer("select", 0))));
      } catch (const OptionError&) {
        throw;
      } catch (const InputError& e) {
        throw OptionError(key, e.what());
      }
    } else if (step.has("choice")) {
      ExtractStep choice;
      choice.kind = ExtractStep::Kind::kChoice;
      choice.choices = step.required_string("choice");
      chain.push_back(std::move(choice));
    } else if (step.has("answer_after")) {
      ExtractStep after;
      after.kind = ExtractStep::Kind::kAnswerAfter;
      after.pattern = step.required_string("answer_after");
      if (after.pattern.empty()) throw OptionError(key, "'answer_after' must not be empty");
      after.signed_number = step.boolean("signed", false);
      chain.push_back(std::move(after));
    } else {
      throw OptionError(key, "an extract step needs 'regex', 'choice' or 'answer_after'");
    }
  }
  return chain;
}

}  // namespace ys
