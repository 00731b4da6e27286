// Live progress of a run on stderr: a redrawn bar on a terminal, periodic lines otherwise.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace ys {

class Progress {
 public:
  // `interactive`: redraw one line in place (a terminal); otherwise print a line at most
  // every `line_interval_s` seconds (CI logs).
  Progress(std::FILE* out, std::string label, size_t total, bool interactive,
           double line_interval_s = 5.0);

  // Records the state after another result; prints when due. `accuracy` is the running
  // mean of the first metric, negative when nothing was scored yet.
  void update(size_t done, size_t errors, double accuracy);
  // Prints the final state and ends the line.
  void finish();

  // One status line, e.g. "arith  120/500 [#####.....]  85.1/s  ETA 4.5s  acc 0.875  err 0".
  std::string line() const;

 private:
  void print();

  std::FILE* out_;
  std::string label_;
  size_t total_, done_ = 0, errors_ = 0;
  double accuracy_ = -1;
  bool interactive_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace ys
