// Reading a metric's options: the metric's mapping in a task spec, handed over as JSON so
// that each scorer kind parses its own options (docs/SCORING.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "scoring/extract.h"
#include "scoring/normalize.h"
#include "util/error.h"

namespace ys {

// An option is missing or wrong. `key()` names the option at fault, so that the spec reader
// can point at its line.
class OptionError : public InputError {
 public:
  OptionError(std::string key, const std::string& message)
      : InputError(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Typed access to a JSON object of options. Every getter throws OptionError naming the key
// when the value has the wrong type; `what` ("metric 'acc'", "'code'") prefixes messages.
// Holds a reference: `object` must outlive the reader.
class OptionReader {
 public:
  // Throws OptionError when `object` is not a JSON object.
  OptionReader(const nlohmann::json& object, std::string what);

  // Whether `key` is present and not null.
  bool has(const std::string& key) const;
  // The text of `key` (a string as is, a number or boolean as written), else `fallback`.
  std::string string(const std::string& key, const std::string& fallback) const;
  // The text of `key`; throws OptionError when it is absent.
  std::string required_string(const std::string& key) const;
  // `key` as a number: a JSON number, or text that reads whole as one (a spec's plain
  // scalars arrive as text unless they are integers); else `fallback`.
  double number(const std::string& key, double fallback) const;
  // `key` as an integer, else `fallback`.
  int64_t integer(const std::string& key, int64_t fallback) const;
  // `key` as true/false, else `fallback`.
  bool boolean(const std::string& key, bool fallback) const;
  // A string or a list of strings; empty when absent.
  std::vector<std::string> strings(const std::string& key) const;
  // The raw value of `key`; throws OptionError when it is absent.
  const nlohmann::json& at(const std::string& key) const;

  // Throws OptionError for the first key outside `allowed`.
  void only(const std::set<std::string>& allowed) const;
  // Throws OptionError(key, message).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& object_;
  std::string what_;
};

// An extractor chain from its spec form: a list whose items are "last_number",
// "first_number", "choice", "boxed", "minerva_answer", {regex: PATTERN, select: N},
// {choice: LETTERS} or {answer_after: PREFIX}.
// Throws OptionError (key `key`) naming the bad step.
ExtractChain parse_extract_chain(const nlohmann::json& steps, const std::string& key = "extract");

}  // namespace ys
