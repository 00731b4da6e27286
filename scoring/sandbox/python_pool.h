// The fast path for Python: one warm interpreter (a "zygote") per slot, started inside the
// sandbox, forking a fresh child per program instead of starting a new interpreter.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "scoring/sandbox/sandbox.h"

namespace ys::sandbox {

class PythonPool {
 public:
  // `python` is the interpreter the zygotes run (started with -I -S, like the slow path).
  PythonPool(Sandbox& sandbox, std::string python);
  // Stops every zygote (and so every program still running in one).
  ~PythonPool();
  PythonPool(const PythonPool&) = delete;
  PythonPool& operator=(const PythonPool&) = delete;

  // Runs `program`, whose argv is {python, -I, -S, SCRIPT}, as Sandbox::run would: same
  // files, stdin, limits and result. Each child runs under the zygote's namespaces, uid and
  // system-call filter, sets the program's limits itself, and is killed with everything it
  // started when it ends; then the zygote empties its private temporary directories (a
  // zygote that cannot is replaced). Calls for one slot must not overlap.
  // When a zygote fails (not the program), the program is run by Sandbox::run instead.
  RunResult run(const Program& program, int slot);

  // How many programs fell back to Sandbox::run.
  int fallbacks() const { return fallbacks_; }

 private:
  RunResult run_in_zygote(const Program& program, int slot);
  struct Zygote;
  Zygote& zygote(int slot, const Limits& limits);
  void drop(int slot);

  Sandbox& sandbox_;
  std::string python_;
  std::mutex mutex_;
  std::map<int, std::unique_ptr<Zygote>> zygotes_;
  std::atomic<int> fallbacks_{0};
};

}  // namespace ys::sandbox
