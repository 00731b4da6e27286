// Error types shared by every layer. The CLI maps them to exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace ys {

// Bad input from the user: an unknown task or model, a malformed spec, a missing or
// unreadable dataset. The message names the file, line or value at fault. Exit status 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Formats "file:line: message" (line omitted when 0), the shape every InputError uses.
std::string located(const std::string& file, int line, const std::string& message);

}  // namespace ys
