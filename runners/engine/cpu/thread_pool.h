// A fixed set of worker threads that run one parallel loop at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ys::engine {

class ThreadPool {
 public:
  // `n_threads` >= 1 counts the calling thread: n_threads - 1 workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(i) for every i in [0, n), spread over the threads (the caller takes part),
  // and returns when all calls have returned. Not reentrant: one loop at a time.
  void parallel_for(int64_t n, const std::function<void(int64_t)>& fn);

 private:
  void work(int64_t generation);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, next_ = 0, generation_ = 0;
  int busy_ = 0;
  bool stop_ = false;
};

}  // namespace ys::engine
