// Worker threads that score completions by running code, one sandbox slot each.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ys {

class ScoringPool {
 public:
  // Starts `threads` workers; worker i always passes slot i to its jobs.
  explicit ScoringPool(int threads);
  // Drops jobs not yet started and waits for the running ones.
  ~ScoringPool();
  ScoringPool(const ScoringPool&) = delete;
  ScoringPool& operator=(const ScoringPool&) = delete;

  // Queues `job`; it runs on some worker, which passes its slot.
  void submit(std::function<void(int slot)> job);

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void(int)>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace ys
