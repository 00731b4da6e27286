// Runs the yardstick binary as a child process, for end-to-end CLI tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ys::test {

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out, err;
};

// Runs `args` (args[0] is the program) to completion, capturing stdout and stderr, in the
// working directory `cwd` (empty: this process's).
ChildResult run_child(const std::vector<std::string>& args, const std::filesystem::path& cwd = {});

// Starts `args` with output sent to `log_path`; returns its pid.
pid_t start_child(const std::vector<std::string>& args, const std::string& log_path);

// Waits for `pid`; returns its exit code, or -signal when a signal ended it.
int wait_child(pid_t pid);

}  // namespace ys::test
