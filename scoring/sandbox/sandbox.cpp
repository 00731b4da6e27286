#include "scoring/sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <random>
#include <stdexcept>
#include <system_error>

#include "scoring/sandbox/seccomp_filter.h"

namespace ys::sandbox {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kChannelFd = 3;  // the judge's result channel in the child
constexpr size_t kChannelMax = 4096;
constexpr const char* kDefaultPath = "PATH=/usr/local/bin:/usr/bin:/bin";
// World-writable directories where a program could leave files for later programs; each
// that exists gets a fresh tmpfs in the sandbox's own mount namespace.
constexpr const char* kTmpDirCandidates[] = {"/tmp", "/var/tmp", "/dev/shm", "/run/lock"};
constexpr int kTmpInodes = 16384;  // files and directories per private tmpfs

// Everything the child needs, prepared before clone so that the child only makes
// async-signal-safe system calls.
struct ChildPlan {
  unsigned long clone_flags = 0;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1, channel_fd = -1, error_fd = -1;
  int status_fd = -1;  // where the init reports the program's end
  const char* workdir = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const Limits* limits = nullptr;
  bool drop_uid = false;
  uid_t uid = 0;
  bool no_new_privs = false;
  const std::vector<sock_filter>* filter = nullptr;
  const char* exec_path = nullptr;  // what execve runs: argv[0], or its real path when kept
  // Mount namespace (the init sets it up before starting the program). Arrays end with null.
  bool mount_ns = false;                      // make every mount private first
  const char* const* tmp_dirs = nullptr;      // a fresh tmpfs on each; null: none
  const char* tmpfs_options = nullptr;        // "mode=1777,size=...,nr_inodes=..."
  const char* const* workdir_dirs = nullptr;  // created in a tmpfs down to workdir; null: none
  const char* const* exe_dirs = nullptr;      // created in a tmpfs down to exe_dir; null: none
  const char* exe = nullptr;                  // the executable kept reachable (real path)
  const char* exe_dir = nullptr;
  const char* exe_name = nullptr;
};

// Reports a failed setup step to the parent and exits. Async-signal-safe.
[[noreturn]] void child_fail(int error_fd, int step) {
  int payload[2] = {step, errno};
  (void)!write(error_fd, payload, sizeof payload);
  _exit(127);
}

void set_limit(int resource, rlim_t soft, rlim_t hard, int error_fd, int step) {
  rlimit r{soft, hard};
  if (setrlimit(resource, &r) != 0) child_fail(error_fd, step);
}

// Runs in the program's process: becomes the sandboxed program or reports why it could not.
[[noreturn]] void program_main(const ChildPlan& p) {
  const int e = p.error_fd;
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // the sandbox's init dying takes the program with it
  if (setsid() < 0) child_fail(e, 1);
  if (dup2(p.stdin_fd, 0) < 0 || dup2(p.stdout_fd, 1) < 0 || dup2(p.stderr_fd, 2) < 0 ||
      dup2(p.channel_fd, kChannelFd) < 0) {
    child_fail(e, 2);
  }
  // Keep 0-3 and the error pipe (close-on-exec); close everything else.
  if (e > kChannelFd + 1) syscall(SYS_close_range, kChannelFd + 1, e - 1, 0);
  syscall(SYS_close_range, e + 1, ~0U, 0);
  if (chdir(p.workdir) != 0) child_fail(e, 3);

  const Limits& l = *p.limits;
  rlim_t cpu = static_cast<rlim_t>(l.cpu_s + 0.999);
  set_limit(RLIMIT_CPU, cpu, cpu + 1, e, 4);
  if (l.address_space) set_limit(RLIMIT_AS, l.address_space, l.address_space, e, 5);
  set_limit(RLIMIT_FSIZE, l.file_size, l.file_size, e, 6);
  set_limit(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files), static_cast<rlim_t>(l.open_files), e,
            7);
  set_limit(RLIMIT_CORE, 0, 0, e, 8);
  set_limit(RLIMIT_NPROC, static_cast<rlim_t>(l.processes), static_cast<rlim_t>(l.processes), e, 9);
  if (p.drop_uid) {
    // Raw system calls: the C library's wrappers would first synchronise with the threads
    // of yardstick, which this copy does not have, and hang on a lock one of them held.
    if (syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(e, 10);
    if (syscall(SYS_setresgid, p.uid, p.uid, p.uid) != 0) child_fail(e, 11);
    if (syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) child_fail(e, 12);
  }
  if (p.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(e, 13);
  if (p.filter) {
    int err = install_seccomp_filter(*p.filter);
    if (err != 0) {
      errno = err;
      child_fail(e, 14);
    }
  }
  execve(p.exec_path, p.argv, p.envp);
  child_fail(e, 15);
}

// What the sandbox's init reports about the program: its wait status and resource use.
struct InitReport {
  int64_t status = 0, utime_us = 0, stime_us = 0, maxrss_kb = 0;
};

// Creates each directory of `dirs` (root's, mode 0711) where missing. Raw system calls only.
void make_dirs(const char* const* dirs, int error_fd, int step) {
  for (; *dirs; ++dirs) {
    if (syscall(SYS_mkdirat, AT_FDCWD, *dirs, 0711) != 0 && errno != EEXIST) {
      child_fail(error_fd, step);
    }
  }
}

// Runs in the sandbox's init, in its new mount namespace, before the program exists: makes
// every mount private, then puts a fresh tmpfs on each world-writable directory, keeping
// the working directory (and an executable that lived there) reachable at their paths.
// Raw system calls only.
void setup_mounts(const ChildPlan& p) {
  const int e = p.error_fd;
  // First, and required: with the tree private, no later mount can propagate to the host.
  if (syscall(SYS_mount, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    child_fail(e, 17);
  }
  if (!p.tmp_dirs) return;
  // Handles on what the tmpfs will hide, taken while it is still visible.
  int work_fd = -1, exe_fd = -1;
  if (p.workdir_dirs) {
    work_fd = static_cast<int>(
        syscall(SYS_openat, AT_FDCWD, p.workdir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
    if (work_fd < 0) child_fail(e, 19);
  }
  if (p.exe_dirs) {
    exe_fd = static_cast<int>(
        syscall(SYS_openat, AT_FDCWD, p.exe_dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
    if (exe_fd < 0) child_fail(e, 20);
  }
  for (const char* const* dir = p.tmp_dirs; *dir; ++dir) {
    if (syscall(SYS_mount, "tmpfs", *dir, "tmpfs", MS_NOSUID | MS_NODEV, p.tmpfs_options) != 0) {
      child_fail(e, 18);
    }
  }
  const long old_umask = syscall(SYS_umask, 0);
  if (work_fd >= 0) {
    // The same path inside the tmpfs, bound to the real working directory (the init's cwd
    // is the hidden directory itself, so "." names it).
    make_dirs(p.workdir_dirs, e, 19);
    if (syscall(SYS_fchdir, work_fd) != 0 ||
        syscall(SYS_mount, ".", p.workdir, nullptr, MS_BIND, nullptr) != 0) {
      child_fail(e, 19);
    }
    syscall(SYS_close, work_fd);
  }
  if (exe_fd >= 0) {
    make_dirs(p.exe_dirs, e, 20);
    int mount_point = static_cast<int>(
        syscall(SYS_openat, AT_FDCWD, p.exe, O_WRONLY | O_CREAT | O_CLOEXEC, 0755));
    if (mount_point < 0) child_fail(e, 20);
    syscall(SYS_close, mount_point);
    if (syscall(SYS_fchdir, exe_fd) != 0 ||
        syscall(SYS_mount, p.exe_name, p.exe, nullptr, MS_BIND, nullptr) != 0) {
      child_fail(e, 20);
    }
    syscall(SYS_close, exe_fd);
  }
  syscall(SYS_umask, old_umask);
  syscall(SYS_chdir, "/");
}

// The sandbox's first process (PID 1 of its namespace, still root, never running untrusted
// code): starts the program as its child, reaps every process, and writes the program's
// wait status to the status pipe. When it exits, the kernel kills whatever is left in the
// namespace. Signals from the program cannot reach it (init protection, and another uid).
[[noreturn]] void sandbox_init(const ChildPlan& p) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // yardstick dying ends the sandbox
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphans come here even without a PID namespace
  if (p.mount_ns) setup_mounts(p);
  pid_t program = static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0));
  if (program < 0) child_fail(p.error_fd, 16);
  if (program == 0) program_main(p);
  // Keep only the status pipe, so that the parent sees end-of-file on the program's output
  // as soon as the program (and its descendants) close it.
  if (p.status_fd > 0) syscall(SYS_close_range, 0, p.status_fd - 1, 0);
  syscall(SYS_close_range, p.status_fd + 1, ~0U, 0);
  InitReport report;
  while (true) {
    int status = 0;
    rusage usage{};
    pid_t done = wait4(-1, &status, 0, &usage);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) break;
    if (done == program) {
      report.status = status;
      report.utime_us = usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec;
      report.stime_us = usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
      report.maxrss_kb = usage.ru_maxrss;
      break;
    }
  }
  kill(-program, SIGKILL);  // the program's session, for machines without PID namespaces
  (void)!write(p.status_fd, &report, sizeof report);
  _exit(0);
}

const char* step_name(int step) {
  static const char* const names[] = {
      "?",         "setsid",       "dup2",          "chdir",        "RLIMIT_CPU",
      "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE",  "RLIMIT_NPROC",
      "setgroups", "setresgid",    "setresuid",     "no_new_privs", "seccomp",
      "execve",    "fork",         "MS_PRIVATE",    "tmpfs",        "bind workdir",
      "bind exe"};
  return step > 0 && step < static_cast<int>(std::size(names)) ? names[step] : "?";
}

// clone(2) without a new stack behaves like fork(2) with namespace flags. The C library
// does not know about this child: until execve it may only make plain system calls, never
// take a lock (malloc, setxid wrappers) that another thread of yardstick may have held.
pid_t clone_process(unsigned long flags) {
  return static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "pipe2");
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_r();
    close_w();
  }
  void close_r() {
    if (r >= 0) close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) close(w);
    w = -1;
  }
};

void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Whether `path` lies below the directory `dir` (both absolute, normalised).
bool below(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

// The directories from just below `top` down to `path` itself ("/tmp", "/tmp/a/b" gives
// "/tmp/a", "/tmp/a/b").
std::vector<std::string> dirs_below(const std::string& top, const std::string& path) {
  std::vector<std::string> out;
  for (size_t at = top.size(); at < path.size();) {
    size_t next = path.find('/', at + 1);
    if (next == std::string::npos) next = path.size();
    out.push_back(path.substr(0, next));
    at = next;
  }
  return out;
}

std::vector<const char*> c_array(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const auto& s : v) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

bool pid_alive(long pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// Removes instance folders of yardstick processes that no longer run.
void remove_stale_instances(const fs::path& root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    long pid = std::strtol(name.c_str(), nullptr, 10);
    if (pid > 0 && pid != getpid() && !pid_alive(pid)) fs::remove_all(entry.path(), ec);
  }
}

// Whether a throwaway child can be created with `flags` and run `setup` successfully.
template <typename Setup>
bool child_succeeds(unsigned long flags, Setup setup) {
  pid_t pid = clone_process(flags);
  if (pid < 0) return false;
  if (pid == 0) _exit(setup() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Reads what is available from `fd` into `out`, keeping at most `cap` bytes. Returns false
// at end of file. Sets `overflow` when bytes beyond the cap arrived.
bool drain(int fd, std::string& out, size_t cap, bool& overflow) {
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t keep = std::min(static_cast<size_t>(n), cap - std::min(cap, out.size()));
      out.append(buf, keep);
      if (keep < static_cast<size_t>(n)) {
        overflow = true;  // stop reading: the program is about to be killed
        return true;
      }
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace

const char* ending_name(Ending e) {
  switch (e) {
    case Ending::kExited:
      return "exited";
    case Ending::kSignaled:
      return "signaled";
    case Ending::kTimeout:
      return "timeout";
    case Ending::kOutputLimit:
      return "output_limit";
    case Ending::kSandboxError:
      return "sandbox_error";
  }
  return "?";
}

void classify_ending(RunResult& result, const EndFacts& facts, const Limits& limits) {
  if (facts.output_overflow) {
    result.ending = Ending::kOutputLimit;
  } else if (facts.timed_out) {
    result.ending = Ending::kTimeout;
  } else if (!facts.reported) {
    result.ending = Ending::kSandboxError;
    result.error = "the sandbox ended without reporting how the program ended";
  } else if (WIFSIGNALED(facts.wait_status)) {
    int sig = WTERMSIG(facts.wait_status);
    result.term_signal = sig;
    if (sig == SIGXCPU || (sig == SIGKILL && result.cpu_s >= limits.cpu_s)) {
      result.ending = Ending::kTimeout;
    } else if (sig == SIGXFSZ) {
      result.ending = Ending::kOutputLimit;
    } else {
      result.ending = Ending::kSignaled;
    }
  } else {
    result.ending = Ending::kExited;
    result.exit_code = WEXITSTATUS(facts.wait_status);
  }
}

Protections probe() {
  Protections p;
  p.network_namespace = child_succeeds(CLONE_NEWNET, [] { return true; });
  if (!p.network_namespace) p.notes.push_back("network namespace: clone(CLONE_NEWNET) refused");
  p.pid_namespace = child_succeeds(CLONE_NEWPID, [] { return getpid() == 1; });
  if (!p.pid_namespace) p.notes.push_back("PID namespace: clone(CLONE_NEWPID) refused");
  p.ipc_uts_namespaces = child_succeeds(CLONE_NEWIPC | CLONE_NEWUTS, [] { return true; });
  p.unprivileged_uid = geteuid() == 0;
  if (!p.unprivileged_uid)
    p.notes.push_back("own uid: yardstick is not root, programs run as its uid");
  p.no_new_privs = child_succeeds(0, [] { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0; });
  const auto filter = build_seccomp_filter();
  p.seccomp = p.no_new_privs && child_succeeds(0, [&] {
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                if (install_seccomp_filter(filter) != 0) return false;
                int s = socket(AF_INET, SOCK_STREAM, 0);  // must now fail
                return s < 0;
              });
  if (!p.seccomp) p.notes.push_back("seccomp: the system-call filter could not be installed");
  // The mount calls below run only in a child of a new mount namespace, and only after
  // making every mount private succeeded: nothing can reach the host's mount table.
  auto make_private = [] {
    return syscall(SYS_mount, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  };
  p.mount_namespace = child_succeeds(CLONE_NEWNS, make_private);
  if (!p.mount_namespace) {
    p.notes.push_back("mount namespace: clone(CLONE_NEWNS) or making mounts private refused");
  }
  for (const char* dir : kTmpDirCandidates) {
    std::error_code ec;  // only real directories, not links to one
    if (fs::is_directory(fs::symlink_status(dir, ec)) && fs::canonical(dir, ec) == dir) {
      p.tmp_dirs.push_back(dir);
    }
  }
  if (p.mount_namespace && !p.tmp_dirs.empty()) {
    const std::string target = p.tmp_dirs.front();
    p.private_tmp = child_succeeds(CLONE_NEWNS, [&] {
      return make_private() && syscall(SYS_mount, "tmpfs", target.c_str(), "tmpfs",
                                       MS_NOSUID | MS_NODEV, "mode=1777,size=4096") == 0;
    });
    if (!p.private_tmp) p.notes.push_back("private /tmp: mounting a tmpfs refused");
  }
  return p;
}

std::string describe(const Protections& p, bool strict) {
  auto line = [](bool on, const std::string& what) {
    return std::string(on ? "  [on]  " : "  [off] ") + what + "\n";
  };
  std::string s = "yardstick sandbox protections on this machine:\n";
  s += line(true, "own empty working directory, removed after each run");
  s += line(true, "resource limits: CPU seconds, address space, processes, file size, open files");
  s += line(true, "output capture with a size cap; wall-clock kill of the whole process tree");
  s += line(true, "scrubbed environment (no API keys or other variables of yardstick)");
  s += line(p.network_namespace, "network namespace (no network interfaces)");
  s += line(p.seccomp,
            "seccomp filter (sockets other than AF_UNIX, ptrace, mount, namespaces, "
            "modules, bpf, keyrings denied)");
  s += line(p.pid_namespace, "PID namespace (own process tree; cannot see or signal yardstick)");
  s += line(p.ipc_uts_namespaces, "IPC and UTS namespaces");
  s += line(p.unprivileged_uid, "unprivileged uid per worker slot");
  s += line(p.no_new_privs, "no_new_privs (no privilege gain through setuid binaries)");
  s += line(p.mount_namespace,
            "mount namespace (own mount table, private: nothing reaches the host)");
  std::string dirs;
  for (const auto& d : p.tmp_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
  s += line(p.private_tmp, "private temporary directories (a fresh empty tmpfs per program on " +
                               (dirs.empty() ? std::string("none found") : dirs) + ")");
  for (const auto& n : p.notes) s += "  note: " + n + "\n";
  s += std::string("network isolation: ") + (p.network_isolated() ? "yes" : "NO") +
       (strict ? " (strict mode: required)" : "") + "\n";
  return s;
}

Sandbox::Sandbox(Config config) : config_(std::move(config)), protections_(probe()) {
  if (config_.uid_base < 0) config_.uid_base = 1'500'000'000 + int64_t{getpid() % 1'000'000} * 256;
  if (config_.strict && !protections_.network_isolated()) {
    throw std::runtime_error(
        "sandbox strict mode: network isolation is unavailable on this machine "
        "(no network namespace and no seccomp); refusing to run code");
  }
  std::error_code ec;
  fs::create_directories(config_.root, ec);
  chmod(config_.root.c_str(), 0711);
  remove_stale_instances(config_.root);
  std::random_device rd;
  instance_dir_ =
      config_.root + "/" + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000);
  fs::create_directories(instance_dir_, ec);
  if (ec) throw std::runtime_error("sandbox: cannot create " + instance_dir_ + ": " + ec.message());
  // A real path: the mount namespace recreates it inside a private /tmp.
  const fs::path real = fs::canonical(instance_dir_, ec);
  if (ec)
    throw std::runtime_error("sandbox: cannot resolve " + instance_dir_ + ": " + ec.message());
  instance_dir_ = real.string();
  chmod(instance_dir_.c_str(), 0711);
}

Sandbox::~Sandbox() {
  std::error_code ec;
  fs::remove_all(instance_dir_, ec);
}

std::string Sandbox::make_workdir(int slot) {
  static std::atomic<uint64_t> counter{0};
  std::string dir = instance_dir_ + "/run-" + std::to_string(++counter);
  if (mkdir(dir.c_str(), 0700) != 0) {
    throw std::system_error(errno, std::generic_category(), "sandbox: mkdir " + dir);
  }
  if (protections_.unprivileged_uid) {
    uid_t uid = static_cast<uid_t>(slot_uid(slot));
    if (chown(dir.c_str(), uid, uid) != 0) {
      throw std::system_error(errno, std::generic_category(), "sandbox: chown " + dir);
    }
  }
  return dir;
}

// The pipes of a launched program, parent ends open.
struct Sandbox::Launch {
  Pipe in, out, err, channel, errors, status;
  pid_t pid = -1;  // the sandbox's init
};

std::string Sandbox::prepare_workdir(const Program& program, int slot) {
  std::string workdir = make_workdir(slot);
  try {
    for (const auto& [name, content] : program.files) {
      fs::path path = fs::path(workdir) / name;
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) throw std::system_error(errno, std::generic_category(), "write " + name);
      (void)!write(fd, content.data(), content.size());
      close(fd);
      if (protections_.unprivileged_uid) {
        (void)!chown(path.c_str(), static_cast<uid_t>(slot_uid(slot)),
                     static_cast<gid_t>(slot_uid(slot)));
      }
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(workdir, ec);
    throw;
  }
  return workdir;
}

std::string Sandbox::launch(const Program& program, int slot, const std::string& workdir,
                            Launch& l) {
  std::vector<std::string> env = {kDefaultPath, "HOME=" + workdir, "TMPDIR=" + workdir,
                                  "LANG=C.UTF-8"};
  env.insert(env.end(), program.env.begin(), program.env.end());
  auto argv = c_strings(program.argv);
  auto envp = c_strings(env);
  const auto filter = protections_.seccomp ? build_seccomp_filter() : std::vector<sock_filter>{};

  ChildPlan plan;
  if (protections_.network_namespace) plan.clone_flags |= CLONE_NEWNET;
  if (protections_.pid_namespace) plan.clone_flags |= CLONE_NEWPID;
  if (protections_.ipc_uts_namespaces) plan.clone_flags |= CLONE_NEWIPC | CLONE_NEWUTS;
  plan.stdin_fd = l.in.r;
  plan.stdout_fd = l.out.w;
  plan.stderr_fd = l.err.w;
  plan.channel_fd = l.channel.w;
  plan.error_fd = l.errors.w;
  plan.status_fd = l.status.w;
  plan.workdir = workdir.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.limits = &program.limits;
  plan.drop_uid = protections_.unprivileged_uid;
  plan.uid = static_cast<uid_t>(slot_uid(slot));
  plan.no_new_privs = protections_.no_new_privs;
  plan.filter = protections_.seccomp ? &filter : nullptr;
  plan.exec_path = argv[0];

  // The mount namespace: every path the init needs, prepared here.
  std::vector<std::string> workdir_dirs, exe_dirs;
  std::string tmpfs_options, exe, exe_dir, exe_name;
  std::vector<const char*> tmp_dirs_c, workdir_dirs_c, exe_dirs_c;
  if (protections_.mount_namespace) {
    plan.clone_flags |= CLONE_NEWNS;
    plan.mount_ns = true;
  }
  if (protections_.private_tmp) {
    const uint64_t size =
        program.limits.tmp_size ? program.limits.tmp_size : program.limits.file_size;
    tmpfs_options =
        "mode=1777,size=" + std::to_string(std::clamp<uint64_t>(size, 4096, uint64_t{1} << 40)) +
        ",nr_inodes=" + std::to_string(kTmpInodes);
    plan.tmpfs_options = tmpfs_options.c_str();
    tmp_dirs_c = c_array(protections_.tmp_dirs);
    plan.tmp_dirs = tmp_dirs_c.data();
    std::error_code ec;
    const std::string real_exe =
        program.argv.empty() || program.argv[0].empty() || program.argv[0][0] != '/'
            ? std::string()
            : fs::weakly_canonical(program.argv[0], ec).string();
    for (const auto& dir : protections_.tmp_dirs) {
      if (below(workdir, dir)) {
        workdir_dirs = dirs_below(dir, workdir);
        workdir_dirs_c = c_array(workdir_dirs);
        plan.workdir_dirs = workdir_dirs_c.data();
      }
      if (!ec && below(real_exe, dir) && !below(real_exe, workdir) &&
          fs::is_regular_file(real_exe, ec)) {
        exe = real_exe;
        exe_dir = fs::path(exe).parent_path().string();
        exe_name = fs::path(exe).filename().string();
        exe_dirs = dirs_below(dir, exe_dir);
        exe_dirs_c = c_array(exe_dirs);
        plan.exe_dirs = exe_dirs_c.data();
        plan.exe = exe.c_str();
        plan.exe_dir = exe_dir.c_str();
        plan.exe_name = exe_name.c_str();
        plan.exec_path = plan.exe;
      }
    }
  }

  l.pid = clone_process(plan.clone_flags);
  if (l.pid == 0) sandbox_init(plan);
  if (l.pid < 0) return std::string("clone failed: ") + std::strerror(errno);
  l.in.close_r();
  l.out.close_w();
  l.err.close_w();
  l.channel.close_w();
  l.errors.close_w();
  l.status.close_w();
  return "";
}

Sandbox::Process Sandbox::start(const Program& program, int slot) {
  Process p;
  p.workdir = prepare_workdir(program, slot);
  Launch l;
  std::string error = launch(program, slot, p.workdir, l);
  if (!error.empty()) {
    std::error_code ec;
    fs::remove_all(p.workdir, ec);
    throw std::runtime_error("sandbox: " + error);
  }
  p.pid = l.pid;
  std::swap(p.stdin_fd, l.in.w);
  std::swap(p.stdout_fd, l.out.r);
  std::swap(p.stderr_fd, l.err.r);
  return p;
}

void Sandbox::stop(Process& p) {
  for (int* fd : {&p.stdin_fd, &p.stdout_fd, &p.stderr_fd}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  if (p.pid > 0) {
    kill(p.pid, SIGKILL);
    while (waitpid(p.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  p.pid = -1;
  std::error_code ec;
  if (!p.workdir.empty()) fs::remove_all(p.workdir, ec);
  p.workdir.clear();
}

RunResult Sandbox::run(const Program& program, int slot) {
  RunResult result;
  std::string workdir;
  try {
    workdir = prepare_workdir(program, slot);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  Launch l;
  const auto start = Clock::now();
  if (std::string error = launch(program, slot, workdir, l); !error.empty()) {
    result.error = error;
    std::error_code ec;
    fs::remove_all(workdir, ec);
    return result;
  }
  const pid_t pid = l.pid;
  Pipe &in = l.in, &out = l.out, &err = l.err, &channel = l.channel, &errors = l.errors,
       &status_pipe = l.status;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));

  set_nonblocking(in.w);
  set_nonblocking(out.r);
  set_nonblocking(err.r);
  set_nonblocking(channel.r);
  size_t stdin_sent = 0;
  if (program.stdin_data.empty()) in.close_w();
  bool out_overflow = false, timed_out = false, exited = false;
  std::string setup_error;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(program.limits.wall_s));
  const size_t cap = program.limits.output;

  // Until the program's first process exits (or the deadline or the output cap is hit),
  // feed stdin and collect stdout, stderr and the channel.
  while (!exited) {
    std::vector<pollfd> fds;
    if (pidfd >= 0) fds.push_back({pidfd, POLLIN, 0});
    if (in.w >= 0) fds.push_back({in.w, POLLOUT, 0});
    for (int fd : {out.r, err.r, channel.r}) {
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    int wait_ms =
        pidfd >= 0 ? static_cast<int>(left) : static_cast<int>(std::min<long long>(left, 10));
    if (poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) break;
    for (const auto& f : fds) {
      if (!f.revents) continue;
      if (f.fd == pidfd) {
        exited = true;
      } else if (f.fd == in.w) {
        ssize_t n = write(in.w, program.stdin_data.data() + stdin_sent,
                          program.stdin_data.size() - stdin_sent);
        if (n > 0) stdin_sent += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) in.close_w();  // the program closed its stdin
        if (stdin_sent == program.stdin_data.size()) in.close_w();
      } else {
        Pipe& p = f.fd == out.r ? out : f.fd == err.r ? err : channel;
        std::string& sink = f.fd == out.r   ? result.out
                            : f.fd == err.r ? result.err
                                            : result.channel;
        size_t limit = f.fd == channel.r ? kChannelMax : cap;
        bool overflow = false;
        if (!drain(p.r, sink, limit, overflow)) p.close_r();
        if (overflow && f.fd != channel.r) out_overflow = true;
      }
    }
    if (out_overflow) break;
    if (pidfd < 0 && waitpid(pid, nullptr, WNOHANG | WNOWAIT) == pid) exited = true;
  }

  // Kill whatever is left: the init (in a PID namespace that ends every process in it).
  kill(pid, SIGKILL);
  int init_status = 0;
  while (waitpid(pid, &init_status, 0) < 0 && errno == EINTR) {
  }
  if (pidfd >= 0) close(pidfd);
  // Collect what was written before the end.
  bool ignored = false;
  for (Pipe* p : {&out, &err, &channel}) {
    if (p->r < 0) continue;
    std::string& sink = p == &out ? result.out : p == &err ? result.err : result.channel;
    drain(p->r, sink, p == &channel ? kChannelMax : cap, p == &channel ? ignored : out_overflow);
  }
  int payload[2] = {0, 0};
  if (read(errors.r, payload, sizeof payload) == static_cast<ssize_t>(sizeof payload)) {
    setup_error = std::string("sandbox setup failed at ") + step_name(payload[0]) + ": " +
                  std::strerror(payload[1]);
  }
  InitReport report;
  const bool reported =
      read(status_pipe.r, &report, sizeof report) == static_cast<ssize_t>(sizeof report);
  const int status = static_cast<int>(report.status);

  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  result.cpu_s = static_cast<double>(report.utime_us + report.stime_us) * 1e-6;
  result.max_rss_kb = report.maxrss_kb;
  if (!setup_error.empty()) {
    result.ending = Ending::kSandboxError;
    result.error = setup_error;
  } else {
    classify_ending(result, {out_overflow, timed_out, reported, status}, program.limits);
  }
  std::error_code ec;
  if (result.ending == Ending::kExited && result.exit_code == 0) {
    for (const auto& [name, destination] : program.collect) {
      fs::path from = fs::path(workdir) / name;
      // Only a regular file: a link could point anywhere.
      if (!fs::is_regular_file(fs::symlink_status(from, ec))) continue;
      fs::copy_file(from, destination, fs::copy_options::overwrite_existing, ec);
      chmod(destination.c_str(), 0755);
    }
  }
  fs::remove_all(workdir, ec);
  return result;
}

}  // namespace ys::sandbox
