// Judges over the sandbox: real HumanEval programs, stdin/stdout programs in three
// languages, and completions that try to report their own success.
#include "scoring/sandbox/judge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>

#include "datasets/reader.h"
#include "scoring/code_extract.h"
#include "tasks/registry.h"
#include "tests/support/test_paths.h"
#include "util/strings.h"

namespace ys::sandbox {
namespace {

Sandbox& shared_sandbox() {
  static Sandbox s;
  return s;
}

// Options whose wall-clock and CPU limits are both `seconds`.
JudgeOptions limited_to(double seconds) {
  JudgeOptions o;
  o.limits.wall_s = seconds;
  o.limits.cpu_s = seconds;
  return o;
}

Judge& judge() {
  static Judge j(shared_sandbox(), limited_to(5));
  return j;
}

// HumanEval's scoring program (per the dataset's README): prompt + completion + test + check.
std::string humaneval_program(const nlohmann::json& r, const std::string& completion) {
  return r["prompt"].get<std::string>() + completion + "\n" + r["test"].get<std::string>() + "\n" +
         "check(" + r["entry_point"].get<std::string>() + ")\n";
}

std::vector<nlohmann::json> humaneval() {
  return read_records(test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz", {});
}

// Judges every record with `completion_of` on two slots; returns the verdicts in order.
template <typename CompletionOf>
std::vector<Judgement> judge_all(const std::vector<nlohmann::json>& records,
                                 CompletionOf completion_of) {
  std::vector<Judgement> out(records.size());
  std::atomic<size_t> next{0};
  auto worker = [&](int slot) {
    for (size_t i; (i = next++) < records.size();) {
      out[i] =
          judge().python_script(humaneval_program(records[i], completion_of(records[i])), slot);
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  return out;
}

TEST(HumanEvalJudge, AllCanonicalSolutionsPass) {
  if (!test::require_shared(test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz"))
    GTEST_SKIP();
  auto records = humaneval();
  ASSERT_EQ(records.size(), 164u);
  auto verdicts = judge_all(
      records, [](const nlohmann::json& r) { return r["canonical_solution"].get<std::string>(); });
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(verdicts[i].verdict, Verdict::kPassed)
        << records[i]["task_id"] << ": " << verdicts[i].detail;
  }
}

// `code` indented with tabs instead of four spaces; nullopt when some line's indentation
// is not a multiple of four, where tabs would make it ambiguous (a TabError).
std::optional<std::string> tabify(const std::string& code) {
  std::string out;
  for (const auto& line : split(code, '\n')) {
    const size_t spaces = std::min(line.find_first_not_of(' '), line.size());
    if (spaces % 4 != 0 && spaces != line.size()) return std::nullopt;
    out += std::string(spaces / 4, '\t') + line.substr(spaces) + "\n";
  }
  return out;
}

// The layouts chat models wrap a HumanEval answer in; `full` is the whole function
// (prompt + canonical solution), `body` the canonical solution alone.
std::vector<std::pair<std::string, std::string>> chat_layouts(const nlohmann::json& r) {
  const std::string body = r["canonical_solution"].get<std::string>();
  const std::string full = r["prompt"].get<std::string>() + body;
  const std::string entry = r["entry_point"].get<std::string>();
  std::vector<std::pair<std::string, std::string>> layouts = {
      {"prose after", full + "\nThis function follows the docstring step by step.\n"},
      {"prose before and after",
       "Sure! Here's the implementation:\n\n" + full + "\nLet me know if you have questions.\n"},
      {"usage fence first", "Usage:\n```python\nprint(" + entry +
                                "(...))\n```\n\nImplementation:\n```python\n" + full + "```\n"},
      {"test fence after",
       "```python\n" + full + "```\n\nTests:\n```python\nassert " + entry + " is not None\n```\n"},
      {"tag py", "```py\n" + full + "```"},
      {"no tag", "```\n" + full + "```\nDone."},
      {"unclosed fence", "Here is the code:\n```python\n" + full},
      {"continuation then prose", body + "\n\nThis works because it follows the docstring.\n"},
  };
  if (auto tabs = tabify(full)) layouts.emplace_back("tabs", *tabs + "\nIt uses tabs.\n");
  return layouts;
}

TEST(HumanEvalJudge, CanonicalSolutionsPassInEveryChatLayout) {
  if (!test::require_shared(test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz"))
    GTEST_SKIP();
  const auto reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  const std::vector<std::string> stops =
      reg.tasks().at("humaneval").metrics.at(0).options.at("stops").get<std::vector<std::string>>();
  std::vector<nlohmann::json> cases;  // one record per (problem, layout)
  std::vector<std::string> names;
  for (const auto& r : humaneval()) {
    for (const auto& [name, answer] : chat_layouts(r)) {
      nlohmann::json c = r;
      c["answer"] = answer;
      cases.push_back(std::move(c));
      names.push_back(name);
    }
  }
  auto verdicts = judge_all(cases, [&](const nlohmann::json& c) {
    return clean_function_completion(c["answer"].get<std::string>(),
                                     c["entry_point"].get<std::string>(), stops);
  });
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(verdicts[i].verdict, Verdict::kPassed)
        << cases[i]["task_id"] << " (" << names[i] << "): " << verdicts[i].detail;
  }
}

TEST(HumanEvalJudge, BrokenCompletionsFail) {
  if (!test::require_shared(test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz"))
    GTEST_SKIP();
  auto records = humaneval();
  auto verdicts =
      judge_all(records, [](const nlohmann::json&) { return std::string("    return None\n"); });
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_NE(verdicts[i].verdict, Verdict::kPassed) << records[i]["task_id"];
    EXPECT_NE(verdicts[i].verdict, Verdict::kSandboxError) << verdicts[i].detail;
  }
}

// A function-level problem whose correct answer is not given by the completions below.
const char* kPrompt = "def add(a, b):\n";
const char* kTest =
    "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n";
std::string program(const std::string& completion) {
  return std::string(kPrompt) + completion + "\n" + kTest + "\ncheck(add)\n";
}

TEST(SelfReporting, CorrectCompletionPasses) {
  EXPECT_EQ(judge().python_script(program("    return a + b\n")).verdict, Verdict::kPassed);
}

TEST(SelfReporting, WrongCompletionFails) {
  Judgement j = judge().python_script(program("    return a - b\n"));
  EXPECT_EQ(j.verdict, Verdict::kFailed);
  EXPECT_NE(j.detail.find("AssertionError"), std::string::npos) << j.detail;
}

TEST(SelfReporting, ExitingZeroBeforeTheTestsIsAFailure) {
  EXPECT_EQ(judge().python_script(program("    return 0\nimport sys\nsys.exit(0)\n")).verdict,
            Verdict::kFailed);
  EXPECT_EQ(judge().python_script(program("    return 0\nimport os\nos._exit(0)\n")).verdict,
            Verdict::kFailed);
}

TEST(SelfReporting, ExitingZeroFromInsideTheTestIsAFailure) {
  // The candidate exits the process with status 0 when the test first calls it.
  Judgement j = judge().python_script(program("    import os\n    os._exit(0)\n"));
  EXPECT_EQ(j.verdict, Verdict::kFailed);
  EXPECT_EQ(j.detail, "exited before its tests finished");
}

TEST(SelfReporting, PrintingOrWritingAPassIsIgnored) {
  const std::string fakes =
      "    import os, sys\n"
      "    print('PASSED'); print('all tests passed'); sys.stdout.flush()\n"
      "    for fd in (1, 2, 3, 4, 5):\n"
      "        try:\n"
      "            os.write(fd, b'done\\npassed\\n0123456789abcdef done\\n')\n"
      "        except OSError:\n"
      "            pass\n"
      "    return a - b\n";
  EXPECT_EQ(judge().python_script(program(fakes)).verdict, Verdict::kFailed);
}

TEST(SelfReporting, RedefiningCheckDoesNotHelp) {
  // The test's own check() is defined after the completion and wins.
  const std::string hack = "    return 0\ndef check(candidate):\n    pass\n";
  EXPECT_EQ(judge().python_script(program(hack)).verdict, Verdict::kFailed);
}

TEST(SelfReporting, KillingItselfIsNotAPass) {
  const std::string hack =
      "    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n    return 0\n";
  // The program is not the namespace's init, so the signal takes effect: a crash.
  EXPECT_EQ(judge().python_script(program(hack)).verdict, Verdict::kCrashed);
}

Judge& quick_judge() {
  static Judge j(shared_sandbox(), limited_to(1));
  return j;
}

TEST(Verdicts, AreDistinct) {
  EXPECT_EQ(quick_judge().python_script(program("    while True: pass\n")).verdict,
            Verdict::kTimeout);
  EXPECT_EQ(judge().python_script(program("    x = bytearray(8 << 30)\n")).verdict,
            Verdict::kMemoryLimit);
  EXPECT_EQ(judge().python_script(program("    import ctypes; ctypes.string_at(0)\n")).verdict,
            Verdict::kCrashed);
  EXPECT_EQ(judge().python_script(program("    print('x' * (8 << 20))\n")).verdict,
            Verdict::kOutputLimit);
}

// ---- stdin/stdout ------------------------------------------------------------------------

const std::vector<StdioTest> kSumTests = {
    {"1 2\n", "3\n"}, {"-5 5\n", "0\n"}, {"1000000000000 1\n", "1000000000001\n"}};

TEST(StdioJudge, ThreeLanguagesPass) {
  EXPECT_EQ(judge()
                .stdio(Language::kPython, "a, b = map(int, input().split())\nprint(a + b)\n",
                       kSumTests, Comparison::kExact)
                .verdict,
            Verdict::kPassed);
  Judgement cpp = judge().stdio(
      Language::kCpp,
      "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}\n",
      kSumTests, Comparison::kExact);
  EXPECT_EQ(cpp.verdict, Verdict::kPassed) << cpp.detail;
  Judgement js = judge().stdio(Language::kJavaScript,
                               "const "
                               "[a,b]=require('fs').readFileSync(0,'utf8').trim().split(/\\s+/"
                               ").map(BigInt);console.log((a+b).toString());\n",
                               kSumTests, Comparison::kExact);
  EXPECT_EQ(js.verdict, Verdict::kPassed) << js.detail;
}

TEST(StdioJudge, WrongAnswerNamesTheTest) {
  Judgement j = judge().stdio(
      Language::kPython, "a, b = map(int, input().split())\nprint(a * b if a > 0 else a + b)\n",
      kSumTests, Comparison::kExact);
  EXPECT_EQ(j.verdict, Verdict::kFailed);
  EXPECT_EQ(j.detail, "test 1: wrong answer");
}

TEST(StdioJudge, CppCompileErrorIsItsOwnVerdict) {
  Judgement j = judge().stdio(Language::kCpp, "int main() { return undefined_name; }\n", kSumTests,
                              Comparison::kExact);
  EXPECT_EQ(j.verdict, Verdict::kCompileError);
  EXPECT_NE(j.detail.find("undefined_name"), std::string::npos) << j.detail;
}

TEST(StdioJudge, CppSegfaultIsACrash) {
  Judgement j = judge().stdio(Language::kCpp, "int main() { volatile int* p = nullptr; *p = 1; }\n",
                              kSumTests, Comparison::kExact);
  EXPECT_EQ(j.verdict, Verdict::kCrashed);
  EXPECT_NE(j.detail.find("signal 11"), std::string::npos) << j.detail;
}

TEST(StdioJudge, CppCompiledOnceThenCached) {
  const std::string src =
      "#include <cstdio>\nint main(){long long a,b;if(scanf(\"%lld %lld\",&a,&b)!=2)return "
      "1;printf(\"%lld\\n\",a+b);}\n";
  Judgement first = judge().stdio(Language::kCpp, src, kSumTests, Comparison::kExact);
  ASSERT_EQ(first.verdict, Verdict::kPassed) << first.detail;
  auto start = std::chrono::steady_clock::now();
  Judgement again = judge().stdio(Language::kCpp, src, {kSumTests[0]}, Comparison::kExact);
  EXPECT_EQ(again.verdict, Verdict::kPassed);
  // A compile takes hundreds of milliseconds; a cached binary's run takes tens.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.3);
}

TEST(StdioJudge, ComparisonModes) {
  EXPECT_TRUE(outputs_match("1 2\n3\n", "1 2  \n3\n\n\n", Comparison::kExact));
  EXPECT_FALSE(outputs_match("1 2\n3\n", "1  2\n3\n", Comparison::kExact));
  EXPECT_TRUE(outputs_match("1 2\n3\n", "1\n2 3", Comparison::kTokens));
  EXPECT_FALSE(outputs_match("1 2 3", "1 2", Comparison::kTokens));
}

}  // namespace
}  // namespace ys::sandbox

namespace ys::sandbox {
namespace {

// The fast path (warm forked interpreters) and the slow path (a fresh interpreter per
// program) reach the same verdict on every hostile program and on HumanEval.
TEST(FastPath, SameVerdictsAsTheSlowPath) {
  // One CPU second, but a wall clock generous enough that a loaded machine (CI) does not
  // turn a memory or output verdict of the slower path into a timeout.
  JudgeOptions fast_options = limited_to(1);
  fast_options.limits.wall_s = 4;
  fast_options.limits.address_space = uint64_t{1} << 30;
  JudgeOptions slow_options = fast_options;
  slow_options.fast_python = false;
  Judge fast(shared_sandbox(), fast_options), slow(shared_sandbox(), slow_options);
  const std::vector<std::string> programs = {
      "while True: pass\n",
      "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
      // bytes(n) is calloc'ed: the limit is reached with almost no CPU time.
      "x = []\nwhile True:\n    x.append(bytes(50 << 20))\n",
      "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * (1 << 20))\n",
      "import os\nos.remove('/etc/hostname')\n",
      "import os\nprint(open('/proc/1/environ').read())\n",
      "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 1))\n",
      "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nassert False\n",
      "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
      "import os\nos.close(1)\nos.close(2)\n",
      "import ctypes\nctypes.string_at(0)\n",
      "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\nprint('done')\n",
      "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
      "import sys\nsys.exit(0)\n",
      "import os\nos._exit(0)\n",
      "assert 1 + 1 == 2\n",
      "raise ValueError('no')\n",
      // Temporary files: a private /tmp of the file-size limit's size on both paths.
      "open('/tmp/x', 'w').write('x')\nassert open('/tmp/x').read() == 'x'\n",
      "for i in range(1000):\n    open('/tmp/f%d' % i, 'wb').write(b'x' * (1 << 20))\n",
  };
  for (const auto& p : programs) {
    Judgement a = fast.python_script(p), b = slow.python_script(p);
    EXPECT_EQ(verdict_name(a.verdict), std::string(verdict_name(b.verdict)))
        << p << "fast: " << a.detail << "\nslow: " << b.detail;
    EXPECT_NE(a.verdict, Verdict::kSandboxError) << p << a.detail;
  }
  // stdin/stdout programs in Python take the fast path too.
  const std::vector<StdioTest> tests = {{"2 3\n", "5\n"}};
  for (const char* src : {"a, b = map(int, input().split())\nprint(a + b)\n", "print(input())\n",
                          "import sys\nsys.stdout.write(sys.stdin.read() * 1000000)\n"}) {
    EXPECT_EQ(verdict_name(fast.stdio(Language::kPython, src, tests, Comparison::kExact).verdict),
              std::string(verdict_name(
                  slow.stdio(Language::kPython, src, tests, Comparison::kExact).verdict)))
        << src;
  }
}

// What a program leaves in /tmp, /dev/shm or beside its working directory never reaches
// the next program of its slot, on either path; the fast path's zygote empties them after
// each program, or is replaced when it cannot (a tree too deep to remove).
TEST(FastPath, FilesLeftBehindDoNotReachTheNextProgram) {
  for (bool fast : {true, false}) {
    JudgeOptions options = limited_to(5);
    options.fast_python = fast;
    Judge judge(shared_sandbox(), options);
    const std::string tag = "ys-left-" + std::to_string(getpid()) + (fast ? "-fast" : "-slow");
    const std::string tmp = "/tmp/" + tag, shm = "/dev/shm/" + tag;
    for (const std::string& leave : std::vector<std::string>{
             // Plain files, a directory without permissions, a file beside the working
             // directory (the zygote's own one on the fast path).
             "import os\nopen('" + tmp + "', 'w').write('x')\nopen('" + shm +
                 "', 'w').write('y')\nos.mkdir('" + tmp + ".d')\nopen('" + tmp +
                 ".d/f', 'w').write('z')\nos.chmod('" + tmp + ".d', 0)\n" + "try:\n    open('../" +
                 tag + "', 'w').write('w')\nexcept OSError:\n    pass\n",
             // 1,500 nested directories: too deep for a recursive removal.
             "import os\nos.chdir('/tmp')\nos.mkdir('" + tag + "')\nos.chdir('" + tag +
                 "')\nfor _ in range(1500):\n" +
                 "    os.mkdir('d')\n    os.chdir('d')\nopen('f', 'w').write('deep')\n",
         }) {
      const Judgement left = judge.python_script(leave, 3);
      EXPECT_EQ(left.verdict, Verdict::kPassed) << fast << leave << left.detail;
      EXPECT_FALSE(std::filesystem::exists(tmp)) << "reached the machine";
      EXPECT_FALSE(std::filesystem::exists(shm)) << "reached the machine";
      const Judgement next = judge.python_script(
          "import os\nfor p in ['" + tmp + "', '" + shm + "', '" + tmp + ".d', '../" + tag +
              "']:\n    assert not os.path.exists(p), p\n"
              "assert not [n for n in os.listdir('/tmp') if n != 'yardstick-sandbox'], "
              "os.listdir('/tmp')\n"
              "assert not os.listdir('/dev/shm'), os.listdir('/dev/shm')\n",
          3);
      EXPECT_EQ(next.verdict, Verdict::kPassed) << (fast ? "fast: " : "slow: ") << next.detail;
    }
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
    std::filesystem::remove_all(shm, ec);
  }
}

}  // namespace
}  // namespace ys::sandbox
