#include "harness/progress.h"

#include "util/strings.h"

namespace ys {

Progress::Progress(std::FILE* out, std::string label, size_t total, bool interactive,
                   double line_interval_s)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      interactive_(interactive),
      interval_s_(interactive ? 0.1 : line_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

std::string Progress::line() const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  constexpr int kWidth = 24;
  int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                    std::string(static_cast<size_t>(kWidth - filled), '.') + "]";
  char buf[256];
  std::string eta = rate > 0 ? format_duration(static_cast<double>(total_ - done_) / rate) : "?";
  std::string acc = accuracy_ >= 0 ? std::to_string(accuracy_).substr(0, 5) : "-";
  std::snprintf(buf, sizeof buf, "%s %zu/%zu %s %.1f/s ETA %s acc %s err %zu", label_.c_str(),
                done_, total_, bar.c_str(), rate, eta.c_str(), acc.c_str(), errors_);
  return buf;
}

void Progress::print() {
  if (interactive_) {
    std::fprintf(out_, "\r\033[K%s", line().c_str());
  } else {
    std::fprintf(out_, "%s\n", line().c_str());
  }
  std::fflush(out_);
  last_print_ = std::chrono::steady_clock::now();
}

void Progress::update(size_t done, size_t errors, double accuracy) {
  done_ = done;
  errors_ = errors;
  accuracy_ = accuracy;
  double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_print_).count();
  if (since >= interval_s_) print();
}

void Progress::finish() {
  print();
  if (interactive_) std::fprintf(out_, "\n");
}

}  // namespace ys
