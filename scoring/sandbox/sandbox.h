// The sandbox: runs untrusted programs in isolated child processes. Threat model and the
// protections in force: docs/SANDBOX.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ys::sandbox {

// Resource limits of one program run.
struct Limits {
  double wall_s = 10;                          // wall clock; the whole process tree is killed
  double cpu_s = 10;                           // CPU seconds (RLIMIT_CPU)
  uint64_t address_space = uint64_t{2} << 30;  // RLIMIT_AS; 0 for none (V8 reserves a lot)
  int processes = 32;                          // RLIMIT_NPROC, per sandbox uid
  uint64_t file_size = uint64_t{64} << 20;     // largest file it may write (RLIMIT_FSIZE)
  int open_files = 64;                         // RLIMIT_NOFILE
  size_t output = size_t{1} << 20;             // stdout and stderr bytes kept, each
  // Bytes each private temporary directory (/tmp, /dev/shm, ...) may hold; 0: file_size.
  uint64_t tmp_size = 0;
};

// How a run ended, as observed from outside the program.
enum class Ending {
  kExited,        // exit_code is set
  kSignaled,      // term_signal is set
  kTimeout,       // wall clock or CPU limit
  kOutputLimit,   // stdout/stderr beyond Limits::output, or a file beyond Limits::file_size
  kSandboxError,  // the sandbox could not start the program; `error` says why
};

const char* ending_name(Ending e);

struct RunResult {
  Ending ending = Ending::kSandboxError;
  int exit_code = -1;
  int term_signal = 0;
  std::string out, err;  // captured, at most Limits::output bytes each
  std::string channel;   // what the program wrote to fd 3 (the judge's result channel)
  double wall_s = 0, cpu_s = 0;
  int64_t max_rss_kb = 0;
  std::string error;  // for kSandboxError
};

// A program to run.
struct Program {
  // argv[0] is an absolute path. Under a private temporary directory (Protections::tmp_dirs)
  // only that file stays visible to the program, at the same path.
  std::vector<std::string> argv;
  std::string stdin_data;
  std::vector<std::pair<std::string, std::string>> files;  // (name, content) put in the workdir
  std::vector<std::string> env;                            // extra "NAME=value" entries
  Limits limits;
  // Files to keep: (name in the workdir, absolute destination), copied out (as root, mode
  // 0755) after the run when the program exited with status 0.
  std::vector<std::pair<std::string, std::string>> collect;
};

// Which protections this machine allows; see probe().
struct Protections {
  bool network_namespace = false;  // no network interfaces at all
  bool pid_namespace = false;      // own process tree; its first process dying kills the rest
  bool ipc_uts_namespaces = false;
  bool unprivileged_uid = false;  // runs as a uid of its own (needs root)
  bool seccomp = false;           // system-call filter: no sockets but AF_UNIX, no ptrace, ...
  bool no_new_privs = false;
  bool mount_namespace = false;  // own mount table, every mount private (nothing reaches the host)
  bool private_tmp = false;      // a fresh empty tmpfs on each of tmp_dirs for every program
  std::vector<std::string> tmp_dirs;  // the world-writable directories this machine has
  std::vector<std::string> notes;     // why something is unavailable

  // Network isolation by either a network namespace or the seccomp socket filter.
  bool network_isolated() const { return network_namespace || seccomp; }
};

struct Config {
  bool strict = false;  // refuse to run when network isolation is unavailable
  // Sandbox uids are uid_base + slot (slot < 256). By default each yardstick process gets
  // its own block of 256 uids, derived from its pid, so that two concurrent yardsticks
  // never share a uid (and so never share a process limit).
  int64_t uid_base = -1;
  std::string root = "/tmp/yardstick-sandbox";  // parent of the per-run working directories
};

// Runs programs under every protection the machine allows. Thread-safe: concurrent runs
// must use distinct slots (each slot has its own uid, so process limits do not mix).
class Sandbox {
 public:
  // Probes the machine and prepares the working-directory root (removing folders left by
  // dead yardstick processes). Throws std::runtime_error in strict mode when network
  // isolation is unavailable.
  explicit Sandbox(Config config = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs `program` in a fresh empty working directory, removed afterwards with everything
  // the program left, its processes killed. Never throws for the program's behaviour.
  RunResult run(const Program& program, int slot = 0);

  const Protections& protections() const { return protections_; }
  const Config& config() const { return config_; }

  // The uid a slot runs as (when the sandbox drops privileges).
  int64_t slot_uid(int slot) const { return config_.uid_base + slot; }

  // A fresh working directory for `slot`, owned by its uid; the caller removes it.
  std::string make_workdir(int slot);

  // A sandboxed program left running, for callers that talk to it over its stdin and
  // stdout (the Python fast path). Limits, namespaces, uid and filter are as for run().
  struct Process {
    int pid = -1;  // the sandbox's init, in yardstick's PID namespace
    int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
    std::string workdir;
  };
  // Starts `program` and returns at once. Throws std::runtime_error when it cannot start.
  Process start(const Program& program, int slot);
  // Kills `process` and everything it started, closes its pipes, removes its workdir.
  void stop(Process& process);

 private:
  struct Launch;
  std::string prepare_workdir(const Program& program, int slot);
  // Clones the sandbox's init for `program`; returns an error message or "".
  std::string launch(const Program& program, int slot, const std::string& workdir, Launch& l);

  Config config_;
  Protections protections_;
  std::string instance_dir_;  // root/<pid>-<random>
};

// What was observed at a program's end, wherever it ran (see classify_ending).
struct EndFacts {
  bool output_overflow = false;  // stdout or stderr went past the cap
  bool timed_out = false;        // the wall clock ran out
  bool reported = false;         // the program's wait status is known
  int wait_status = 0;
};

// Sets result.ending (and exit_code/term_signal) from `facts`: the one rule both the
// plain sandbox and the Python fast path use, so that their verdicts agree.
void classify_ending(RunResult& result, const EndFacts& facts, const Limits& limits);

// Tries each protection in a throwaway child and reports which work here.
Protections probe();

// A human-readable report of `p`, one protection a line, for `yardstick sandbox doctor`.
std::string describe(const Protections& p, bool strict);

}  // namespace ys::sandbox
