// Judges: run generated code in the sandbox and decide a verdict from what happened, never
// from what the program says about itself.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scoring/sandbox/python_pool.h"
#include "scoring/sandbox/sandbox.h"

namespace ys::sandbox {

enum class Verdict {
  kPassed,
  kFailed,        // wrong answer, a failed assertion, an exception, a non-zero exit
  kTimeout,       // wall clock or CPU limit
  kMemoryLimit,   // the address-space limit was hit
  kCrashed,       // killed by a signal (SIGSEGV, SIGABRT, ...)
  kCompileError,  // C++ did not compile
  kOutputLimit,   // too much output, or a file beyond the size limit
  kSandboxError,  // the sandbox could not run it; not the program's fault
};

const char* verdict_name(Verdict v);

struct Judgement {
  Verdict verdict = Verdict::kSandboxError;
  std::string detail;  // short: the failing test, the exception's last line, the signal
  double wall_s = 0;
};

enum class Language { kPython, kCpp, kJavaScript };

// Parses "python", "cpp" (or "c++") and "javascript" (or "js"); throws InputError.
Language parse_language(const std::string& name);
const char* language_name(Language l);

struct StdioTest {
  std::string input, output;
};

enum class Comparison {
  kExact,   // equal after dropping trailing whitespace of each line and trailing blank lines
  kTokens,  // equal sequences of whitespace-separated tokens
};

// Whether `actual` matches `expected` under `how`.
bool outputs_match(const std::string& expected, const std::string& actual, Comparison how);

struct JudgeOptions {
  std::string python = "/usr/bin/python3";  // the system interpreter, not a slow shim
  std::string node = "/usr/bin/node";
  std::string gxx = "/usr/bin/g++";
  Limits limits;  // per program (per test for stdio), unless a call gives its own
  // Python programs run in warm forked interpreters (PythonPool) rather than a fresh
  // interpreter each; verdicts are the same either way.
  bool fast_python = true;
};

class Judge {
 public:
  Judge(Sandbox& sandbox, JudgeOptions options);

  // Runs a self-checking Python program (HumanEval's prompt + completion + test +
  // check(entry_point), or MBPP's code + asserts). Passed only when the program ran to
  // its end: exiting early, even with status 0, is a failure.
  Judgement python_script(const std::string& program, int slot = 0);
  Judgement python_script(const std::string& program, int slot, const Limits& limits);

  // Runs `source` on each test's input and compares its stdout with the expected output.
  // C++ is compiled once (g++ -O2 -std=c++17, in the sandbox) and cached by source hash.
  // The first test that does not pass decides the verdict.
  Judgement stdio(Language language, const std::string& source, const std::vector<StdioTest>& tests,
                  Comparison how, int slot = 0);
  Judgement stdio(Language language, const std::string& source, const std::vector<StdioTest>& tests,
                  Comparison how, int slot, const Limits& limits);

  const JudgeOptions& options() const { return options_; }

 private:
  // Runs a Python program on the fast path when enabled, else in a fresh interpreter.
  RunResult run_python(const Program& program, int slot);
  // The compiled binary for `source` (compiling it on first use), or a compile error.
  Judgement compile_cpp(const std::string& source, int slot, std::string* binary);

  Sandbox& sandbox_;
  JudgeOptions options_;
  std::unique_ptr<PythonPool> python_pool_;
  std::string cache_dir_;
  std::mutex cache_mutex_;
  std::map<std::string, std::string> compile_errors_;  // source hash -> compiler output
};

}  // namespace ys::sandbox
