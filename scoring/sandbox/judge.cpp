#include "scoring/sandbox/judge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>

#include "util/error.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys::sandbox {
namespace {

// Runs the program in a fresh namespace after reading the judge's nonce from stdin, and
// writes "<nonce> done" to fd 3 only if the program ran to its end. The program cannot
// read the nonce from stdin (already consumed), and an early exit never reaches the write.
constexpr const char* kPythonDriver = R"PY(import os, sys
def _yardstick_run():
    nonce = sys.stdin.readline().strip()
    source = open('program.py', encoding='utf-8').read()
    namespace = {'__name__': '__main__', '__builtins__': __builtins__}
    try:
        exec(compile(source, 'program.py', 'exec'), namespace)
    except SystemExit as e:
        sys.stderr.write('yardstick: the program exited (status %r) before its tests finished\n' % (e.code,))
        sys.stderr.flush()
        os._exit(1)
    except BaseException:
        import traceback
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    os.write(3, (nonce + ' done\n').encode())
    os._exit(0)
_yardstick_run()
)PY";

std::string last_line(const std::string& text) {
  std::string_view t = trim(text);
  size_t nl = t.rfind('\n');
  std::string line(nl == std::string_view::npos ? t : t.substr(nl + 1));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

std::string random_nonce() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 4; ++i) s += hash_hex(std::to_string(rd()) + std::to_string(i)).substr(0, 8);
  return s;
}

// The verdict for a run that did not finish normally, if it did not.
std::optional<Judgement> abnormal(const RunResult& r) {
  Judgement j;
  j.wall_s = r.wall_s;
  switch (r.ending) {
    case Ending::kSandboxError:
      j.verdict = Verdict::kSandboxError;
      j.detail = r.error;
      return j;
    case Ending::kTimeout:
      j.verdict = Verdict::kTimeout;
      j.detail = "time limit exceeded";
      return j;
    case Ending::kOutputLimit:
      j.verdict = Verdict::kOutputLimit;
      j.detail = "output limit exceeded";
      return j;
    case Ending::kSignaled:
      // An uncaught std::bad_alloc aborts: that is the address-space limit.
      j.verdict = r.term_signal == SIGABRT && r.err.find("std::bad_alloc") != std::string::npos
                      ? Verdict::kMemoryLimit
                      : Verdict::kCrashed;
      j.detail = std::string("killed by signal ") + std::to_string(r.term_signal) + " (" +
                 strsignal(r.term_signal) + ")";
      return j;
    case Ending::kExited:
      break;
  }
  // Out-of-memory and file-size failures surface as errors in the languages' runtimes.
  std::string last = last_line(r.err);
  if (r.exit_code != 0 && (last.rfind("MemoryError", 0) == 0 ||
                           r.err.find("JavaScript heap out of memory") != std::string::npos)) {
    j.verdict = Verdict::kMemoryLimit;
    j.detail = last;
    return j;
  }
  if (r.exit_code != 0 && r.err.find("File too large") != std::string::npos) {
    j.verdict = Verdict::kOutputLimit;
    j.detail = last;
    return j;
  }
  return std::nullopt;
}

std::vector<std::string> lines_trimmed(const std::string& s) {
  std::vector<std::string> lines = split(s, '\n');
  for (auto& l : lines) {
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.pop_back();
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPassed:
      return "passed";
    case Verdict::kFailed:
      return "failed";
    case Verdict::kTimeout:
      return "timeout";
    case Verdict::kMemoryLimit:
      return "memory_limit";
    case Verdict::kCrashed:
      return "crashed";
    case Verdict::kCompileError:
      return "compile_error";
    case Verdict::kOutputLimit:
      return "output_limit";
    case Verdict::kSandboxError:
      return "sandbox_error";
  }
  return "?";
}

Language parse_language(const std::string& name) {
  if (name == "python") return Language::kPython;
  if (name == "cpp" || name == "c++") return Language::kCpp;
  if (name == "javascript" || name == "js") return Language::kJavaScript;
  throw InputError("unknown language '" + name + "' (expected python, cpp or javascript)");
}

const char* language_name(Language l) {
  switch (l) {
    case Language::kPython:
      return "python";
    case Language::kCpp:
      return "cpp";
    case Language::kJavaScript:
      return "javascript";
  }
  return "?";
}

bool outputs_match(const std::string& expected, const std::string& actual, Comparison how) {
  if (how == Comparison::kTokens) return tokens(expected) == tokens(actual);
  return lines_trimmed(expected) == lines_trimmed(actual);
}

Judge::Judge(Sandbox& sandbox, JudgeOptions options)
    : sandbox_(sandbox), options_(std::move(options)) {
  if (options_.fast_python) python_pool_ = std::make_unique<PythonPool>(sandbox_, options_.python);
  cache_dir_ = sandbox_.config().root + "/cpp-cache";
  std::error_code ec;
  std::filesystem::create_directories(cache_dir_, ec);
  chmod(cache_dir_.c_str(), 0755);
}

Judgement Judge::python_script(const std::string& program, int slot) {
  return python_script(program, slot, options_.limits);
}

Judgement Judge::python_script(const std::string& program, int slot, const Limits& limits) {
  const std::string nonce = random_nonce();
  Program p;
  p.argv = {options_.python, "-I", "-S", "driver.py"};
  p.files = {{"driver.py", kPythonDriver}, {"program.py", program}};
  p.stdin_data = nonce + "\n";
  p.limits = limits;
  RunResult r = run_python(p, slot);
  if (auto j = abnormal(r)) return *j;
  Judgement j;
  j.wall_s = r.wall_s;
  const bool finished = r.channel.find(nonce + " done\n") != std::string::npos;
  if (r.exit_code == 0 && finished) {
    j.verdict = Verdict::kPassed;
    return j;
  }
  j.verdict = Verdict::kFailed;
  j.detail = r.exit_code == 0 ? "exited before its tests finished" : last_line(r.err);
  return j;
}

RunResult Judge::run_python(const Program& program, int slot) {
  return python_pool_ ? python_pool_->run(program, slot) : sandbox_.run(program, slot);
}

Judgement Judge::compile_cpp(const std::string& source, int slot, std::string* binary) {
  const std::string key = hash_hex(source);
  *binary = cache_dir_ + "/" + key;
  {
    std::lock_guard lock(cache_mutex_);
    auto it = compile_errors_.find(key);
    if (it != compile_errors_.end()) return {Verdict::kCompileError, it->second, 0};
  }
  if (access(binary->c_str(), X_OK) == 0) return {Verdict::kPassed, "", 0};
  Program p;
  p.argv = {options_.gxx, "-std=c++17", "-O2", "-pipe", "-o", "main", "main.cpp"};
  p.files = {{"main.cpp", source}};
  p.limits.wall_s = 60;
  p.limits.cpu_s = 60;
  p.limits.address_space = 0;
  p.limits.processes = 16;
  p.limits.file_size = uint64_t{256} << 20;
  p.collect = {{"main", *binary + ".tmp"}};
  RunResult r = sandbox_.run(p, slot);
  if (r.ending == Ending::kExited && r.exit_code == 0) {
    std::error_code ec;
    std::filesystem::rename(*binary + ".tmp", *binary, ec);  // atomic for concurrent readers
    if (!ec) return {Verdict::kPassed, "", r.wall_s};
    return {Verdict::kSandboxError, "compiled binary missing: " + ec.message(), r.wall_s};
  }
  if (r.ending == Ending::kExited) {
    std::string first_error;
    for (const auto& line : split(r.err, '\n')) {
      if (line.find("error") != std::string::npos) {
        first_error = line.substr(line.find("error"));
        break;
      }
    }
    std::lock_guard lock(cache_mutex_);
    compile_errors_[key] = first_error.empty() ? last_line(r.err) : first_error;
    return {Verdict::kCompileError, compile_errors_[key], r.wall_s};
  }
  Judgement j =
      abnormal(r).value_or(Judgement{Verdict::kSandboxError, "compiler failed", r.wall_s});
  return j;
}

Judgement Judge::stdio(Language language, const std::string& source,
                       const std::vector<StdioTest>& tests, Comparison how, int slot) {
  return stdio(language, source, tests, how, slot, options_.limits);
}

Judgement Judge::stdio(Language language, const std::string& source,
                       const std::vector<StdioTest>& tests, Comparison how, int slot,
                       const Limits& limits) {
  Program p;
  p.limits = limits;
  switch (language) {
    case Language::kPython:
      p.argv = {options_.python, "-I", "-S", "main.py"};
      p.files = {{"main.py", source}};
      break;
    case Language::kJavaScript:
      p.argv = {options_.node, "--max-old-space-size=512", "main.js"};
      p.files = {{"main.js", source}};
      p.limits.address_space = 0;  // V8 reserves far more address space than it uses
      break;
    case Language::kCpp: {
      std::string binary;
      Judgement compiled = compile_cpp(source, slot, &binary);
      if (compiled.verdict != Verdict::kPassed) return compiled;
      p.argv = {binary};
      break;
    }
  }
  Judgement j;
  for (size_t i = 0; i < tests.size(); ++i) {
    p.stdin_data = tests[i].input;
    RunResult r = language == Language::kPython ? run_python(p, slot) : sandbox_.run(p, slot);
    j.wall_s += r.wall_s;
    if (auto bad = abnormal(r)) {
      bad->detail = "test " + std::to_string(i + 1) + ": " + bad->detail;
      bad->wall_s = j.wall_s;
      return *bad;
    }
    if (r.exit_code != 0) {
      j.verdict = Verdict::kFailed;
      j.detail = "test " + std::to_string(i + 1) + ": exit status " + std::to_string(r.exit_code) +
                 (r.err.empty() ? "" : ": " + last_line(r.err));
      return j;
    }
    if (!outputs_match(tests[i].output, r.out, how)) {
      j.verdict = Verdict::kFailed;
      j.detail = "test " + std::to_string(i + 1) + ": wrong answer";
      return j;
    }
  }
  j.verdict = Verdict::kPassed;
  return j;
}

}  // namespace ys::sandbox
