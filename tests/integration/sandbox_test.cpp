// The sandbox against hostile programs: each must end with a recorded ending while the
// test process (standing in for yardstick) and the machine stay unharmed, leaving no
// files or processes behind.
#include "scoring/sandbox/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/test_paths.h"

namespace ys::sandbox {
namespace {

namespace fs = std::filesystem;

// Processes whose real uid is `uid`.
int processes_of_uid(int64_t uid) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        n += std::stoll(line.substr(4)) == uid;
        break;
      }
    }
  }
  return n;
}

class SandboxTest : public ::testing::Test {
 protected:
  static Sandbox& sandbox() {
    static Sandbox s;
    return s;
  }

  RunResult python(const std::string& code, Limits limits = {}) {
    Program p;
    p.argv = {"/usr/bin/python3", "-I", "-S", "main.py"};
    p.files = {{"main.py", code}};
    p.limits = limits;
    RunResult r = sandbox().run(p, kSlot);
    // Nothing survives a run: no process of the slot's uid, no working directory.
    if (sandbox().protections().unprivileged_uid) {
      EXPECT_EQ(processes_of_uid(sandbox().slot_uid(kSlot)), 0);
    }
    return r;
  }

  void TearDown() override {
    // The instance folder holds no working directory after a run.
    for (const auto& e : fs::directory_iterator(sandbox().config().root)) {
      if (e.path().filename().string().rfind(std::to_string(getpid()) + "-", 0) == 0) {
        EXPECT_TRUE(fs::is_empty(e.path())) << e.path();
      }
    }
  }

  static constexpr int kSlot = 7;
};

Limits quick(double seconds = 2) {
  Limits l;
  l.wall_s = seconds;
  l.cpu_s = seconds;
  return l;
}

TEST_F(SandboxTest, ProtectionsExpectedOnThisMachineAreOn) {
  const Protections& p = sandbox().protections();
  EXPECT_TRUE(p.network_isolated());
  if (geteuid() == 0) {  // CI and development machines run as root
    EXPECT_TRUE(p.network_namespace);
    EXPECT_TRUE(p.pid_namespace);
    EXPECT_TRUE(p.unprivileged_uid);
    EXPECT_TRUE(p.seccomp);
    EXPECT_TRUE(p.mount_namespace);
    EXPECT_TRUE(p.private_tmp);
    // What `yardstick sandbox doctor` prints.
    const std::string doctor = describe(p, false);
    EXPECT_NE(doctor.find("[on]  mount namespace"), std::string::npos) << doctor;
    EXPECT_NE(doctor.find("[on]  private temporary directories"), std::string::npos) << doctor;
    EXPECT_NE(doctor.find("/tmp"), std::string::npos) << doctor;
  }
  EXPECT_NE(describe(p, false).find("network isolation: yes"), std::string::npos);
}

// Files a program leaves in world-writable directories (/tmp, /dev/shm, ...) reach neither
// the machine nor the next program of the same slot; the working directory still works,
// and the harness still sees what the program wrote there.
TEST_F(SandboxTest, TemporaryDirectoriesArePrivateToEachProgram) {
  if (!sandbox().protections().private_tmp) GTEST_SKIP() << "no private /tmp on this machine";
  const std::string tag = "ys-private-tmp-" + std::to_string(getpid());
  std::vector<std::string> paths;
  for (const char* d : {"/tmp", "/dev/shm", "/var/tmp"}) {
    if (fs::is_directory(d)) paths.push_back(std::string(d) + "/" + tag);
  }
  std::string list, absent;
  for (const auto& path : paths) {
    list += "'" + path + "', ";
    absent += std::string(absent.empty() ? "" : ", ") + "False";
  }
  // Nor does the program see the machine's /tmp.
  const fs::path host_file = fs::path("/tmp") / (tag + "-host");
  test::write_file(host_file, "the machine's");
  fs::permissions(host_file, fs::perms::owner_read | fs::perms::owner_write |
                                 fs::perms::group_read | fs::perms::others_read);
  test::ScratchDir out;
  Program p;
  p.argv = {"/usr/bin/python3", "-I", "-S", "main.py"};
  p.files = {{"main.py",
              "import os, tempfile\n"
              "for path in [" +
                  list +
                  "]:\n"
                  "    with open(path, 'w') as f:\n"
                  "        f.write('left behind')\n"
                  "    print(open(path).read())\n"
                  "print(os.path.exists('" +
                  host_file.string() +
                  "'))\n"
                  "with open('here.txt', 'w') as f:\n"
                  "    f.write('in the working directory')\n"
                  "print(open(os.path.join(os.getcwd(), 'here.txt')).read())\n"
                  "print(os.getcwd() == os.environ['HOME'] == os.environ['TMPDIR'])\n"
                  "with tempfile.NamedTemporaryFile() as t:\n"
                  "    t.write(b'x')\n"
                  "print('ok')\n"}};
  p.limits = quick(10);
  p.collect = {{"here.txt", (out / "here.txt").string()}};
  RunResult r = sandbox().run(p, kSlot);
  fs::remove(host_file);
  EXPECT_EQ(r.ending, Ending::kExited) << r.error;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (size_t i = 0; i < paths.size(); ++i) expected += "left behind\n";
  EXPECT_EQ(r.out, expected + "False\nin the working directory\nTrue\nok\n") << r.err;
  // Nothing reached the machine.
  for (const auto& path : paths) {
    EXPECT_FALSE(fs::exists(path)) << path;
    std::error_code ec;
    fs::remove(path, ec);
  }
  // The harness saw the file the program wrote in its working directory.
  std::ifstream kept(out / "here.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "in the working directory");
  // The next program of the same slot finds nothing.
  RunResult next = python("import os\nprint([os.path.exists(p) for p in [" + list + "]])\n");
  EXPECT_EQ(next.ending, Ending::kExited) << next.error;
  EXPECT_EQ(next.out, "[" + absent + "]\n") << next.err;
}

// A program can neither take its private /tmp away nor see anything else there than the
// way to its working directory.
TEST_F(SandboxTest, CannotUnmountItsPrivateTmp) {
  if (!sandbox().protections().private_tmp) GTEST_SKIP() << "no private /tmp on this machine";
  RunResult r = python(
      "import ctypes, os\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "print(libc.umount2(b'/tmp', 2), ctypes.get_errno() != 0)\n"  // MNT_DETACH
      "print(os.listdir('/tmp'))\n");
  EXPECT_EQ(r.ending, Ending::kExited) << r.error;
  EXPECT_EQ(r.out, "-1 True\n['" + fs::path(sandbox().config().root).filename().string() + "']\n")
      << r.err;
}

TEST_F(SandboxTest, RunsAProgramWithStdinStdoutAndExitCode) {
  Program p;
  p.argv = {"/usr/bin/python3", "-I", "-S", "-c",
            "import sys; d=sys.stdin.read(); print(d.upper(), end=''); sys.exit(3)"};
  p.stdin_data = "hello\n";
  RunResult r = sandbox().run(p, kSlot);
  EXPECT_EQ(r.ending, Ending::kExited) << r.error;
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "HELLO\n");
}

TEST_F(SandboxTest, LargeStdinAndStdoutDoNotDeadlock) {
  Program p;
  p.argv = {"/usr/bin/python3", "-I", "-S", "-c", "import sys; sys.stdout.write(sys.stdin.read())"};
  p.stdin_data = std::string(3 << 20, 'x');
  p.limits.output = 4 << 20;
  RunResult r = sandbox().run(p, kSlot);
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_EQ(r.out.size(), p.stdin_data.size());
}

TEST_F(SandboxTest, InfiniteLoopTimesOut) {
  auto start = std::chrono::steady_clock::now();
  RunResult r = python("while True: pass\n", quick(1));
  EXPECT_EQ(r.ending, Ending::kTimeout);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5);
}

TEST_F(SandboxTest, SleepingForeverHitsTheWallClock) {
  RunResult r = python("import time\ntime.sleep(100)\n", quick(1));
  EXPECT_EQ(r.ending, Ending::kTimeout);
  EXPECT_LT(r.wall_s, 3);
}

TEST_F(SandboxTest, ForkBombIsContained) {
  RunResult r = python(
      "import os\n"
      "while True:\n"
      "    try:\n"
      "        os.fork()\n"
      "    except OSError:\n"
      "        pass\n",
      quick(2));
  EXPECT_NE(r.ending, Ending::kSandboxError) << r.error;
  EXPECT_FALSE(r.ending == Ending::kExited && r.exit_code == 0);
  // The machine still runs programs.
  EXPECT_EQ(python("print(1)\n").out, "1\n");
}

TEST_F(SandboxTest, MemoryBombFailsWithMemoryError) {
  Limits l = quick(5);
  // About 2.5 CPU-seconds of page zeroing: on a loaded machine that took 33 s of wall
  // time, so the wall limit is wide and the CPU limit keeps the test bounded.
  l.wall_s = 120;
  l.address_space = uint64_t{512} << 20;
  RunResult r = python("x = []\nwhile True:\n    x.append(bytearray(50 << 20))\n", l);
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("MemoryError"), std::string::npos) << r.err;
}

TEST_F(SandboxTest, TenGigabyteFileIsStoppedAtTheFileLimit) {
  Limits l = quick(10);
  l.file_size = 8 << 20;
  RunResult r = python(
      "chunk = b'x' * (1 << 20)\n"
      "with open('big.bin', 'wb') as f:\n"
      "    for _ in range(10 * 1024):\n"
      "        f.write(chunk)\n",
      l);
  // Python ignores SIGXFSZ, so the write fails with EFBIG instead of the signal.
  EXPECT_TRUE(r.ending == Ending::kOutputLimit ||
              (r.ending == Ending::kExited && r.err.find("File too large") != std::string::npos))
      << ending_name(r.ending) << " " << r.err;
}

TEST_F(SandboxTest, CannotDeleteFilesOutsideItsDirectory) {
  test::ScratchDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  test::write_file(dir / "precious.txt", "keep me");
  RunResult r = python(
      "import os, shutil\n"
      "try:\n    os.remove('" +
      (dir / "precious.txt").string() +
      "')\n"
      "except OSError as e:\n    print('denied', e.errno)\n"
      "shutil.rmtree('" +
      dir.path().string() + "', ignore_errors=True)\n");
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_NE(r.out.find("denied"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir / "precious.txt"));
}

TEST_F(SandboxTest, CannotReadTheHarnessEnvironment) {
  setenv("YS_SANDBOX_TEST_SECRET", "sk-live-do-not-leak-1234", 1);
  RunResult r = python(
      "import os\n"
      "print(dict(os.environ))\n"
      "for pid in [os.getppid(), 1, " +
      std::to_string(getpid()) +
      "]:\n"
      "    try:\n"
      "        print(open(f'/proc/{pid}/environ', 'rb').read())\n"
      "    except OSError as e:\n"
      "        print('no', pid, e.errno)\n");
  unsetenv("YS_SANDBOX_TEST_SECRET");
  EXPECT_EQ(r.ending, Ending::kExited) << r.err;
  EXPECT_EQ(r.out.find("sk-live-do-not-leak"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HOME"), std::string::npos);  // the scrubbed environment is there
}

TEST_F(SandboxTest, CannotOpenANetworkConnection) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(listener, 4);
  const int port = ntohs(addr.sin_port);
  RunResult r = python(
      "import socket\n"
      "for family, host in [(socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')]:\n"
      "    try:\n"
      "        s = socket.socket(family, socket.SOCK_STREAM)\n"
      "        s.settimeout(1)\n"
      "        s.connect((host, " +
      std::to_string(port) +
      "))\n"
      "        print('CONNECTED')\n"
      "    except OSError as e:\n"
      "        print('blocked', e.errno)\n");
  EXPECT_EQ(r.out.find("CONNECTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("blocked"), std::string::npos) << r.out << r.err;
  // Nothing reached the listener.
  fcntl(listener, F_SETFL, O_NONBLOCK);
  EXPECT_LT(accept(listener, nullptr, nullptr), 0);
  close(listener);
}

TEST_F(SandboxTest, KillingItsParentLeavesTheHarnessAlive) {
  RunResult r = python(
      "import os, signal\n"
      "for pid in [os.getppid(), " +
      std::to_string(getpid()) +
      "]:\n"
      "    try:\n"
      "        os.kill(pid, signal.SIGKILL)\n"
      "    except OSError as e:\n"
      "        print('refused', e.errno)\n"
      "print('still here')\n");
  // This test process survived (we are running), and the program got an ending.
  EXPECT_NE(r.ending, Ending::kSandboxError) << r.error;
}

TEST_F(SandboxTest, PrintingAGigabyteHitsTheOutputLimitQuickly) {
  Limits l = quick(20);
  l.output = 1 << 20;
  RunResult r = python(
      "import sys\nb = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(b)\n", l);
  EXPECT_EQ(r.ending, Ending::kOutputLimit);
  EXPECT_EQ(r.out.size(), size_t{1} << 20);
  EXPECT_LT(r.wall_s, 10);
}

TEST_F(SandboxTest, ClosingStdoutEarlyIsHandled) {
  RunResult r = python(
      "import os\nprint('a', flush=True)\nos.close(1)\nos.close(2)\nimport "
      "time\ntime.sleep(0.2)\n");
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "a\n");
}

TEST_F(SandboxTest, SegfaultIsASignal) {
  RunResult r = python("import ctypes\nctypes.string_at(0)\n");
  EXPECT_EQ(r.ending, Ending::kSignaled);
  EXPECT_EQ(r.term_signal, SIGSEGV);
}

TEST_F(SandboxTest, BackgroundChildThatOutlivesItIsKilled) {
  auto start = std::chrono::steady_clock::now();
  RunResult r = python(
      "import os, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    if os.fork() == 0:\n"
      "        time.sleep(60)\n"
      "    os._exit(0)\n"
      "print('parent done')\n",
      quick(5));
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_EQ(r.out, "parent done\n");
  // The run ended when the program did, not when the sleeper would have.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 4);
  // (python() checked that no process of the slot's uid is left.)
}

// Sandboxes started at the same time from several threads of one process (the scoring
// pool does this) must each start promptly: a child of a multi-threaded parent must not
// wait on locks or other threads that only exist in the parent.
TEST_F(SandboxTest, ManyThreadsStartingSandboxesAtOnceNeverHang) {
  constexpr int kThreads = 4, kRunsPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  // Meanwhile another thread keeps starting and ending threads, which briefly holds the
  // C library's thread-list locks: a child copied while one is held must not need it.
  std::atomic<bool> done{false};
  std::thread churn([&] {
    while (!done) std::thread([] {}).join();
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsPerThread; ++i) {
        Program p;
        p.argv = {"/bin/true"};
        p.limits = quick(10);  // generous: a loaded CI machine is slow, never this slow
        RunResult r = sandbox().run(p, t);
        if (r.ending == Ending::kExited && r.exit_code == 0) {
          ++ok;
        } else if (failures[t].empty()) {
          failures[t] = std::string(ending_name(r.ending)) + " " + r.error;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  churn.join();
  EXPECT_EQ(ok, kThreads * kRunsPerThread);
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

TEST_F(SandboxTest, MissingInterpreterIsASandboxError) {
  Program p;
  p.argv = {"/nonexistent/python"};
  RunResult r = sandbox().run(p, kSlot);
  EXPECT_EQ(r.ending, Ending::kSandboxError);
  EXPECT_NE(r.error.find("execve"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ys::sandbox
