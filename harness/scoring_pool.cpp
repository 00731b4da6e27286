#include "harness/scoring_pool.h"

namespace ys {

ScoringPool::ScoringPool(int threads) {
  for (int slot = 0; slot < threads; ++slot) {
    workers_.emplace_back([this, slot] {
      while (true) {
        std::function<void(int)> job;
        {
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
          if (stopping_) return;
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job(slot);
      }
    });
  }
}

ScoringPool::~ScoringPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ScoringPool::submit(std::function<void(int slot)> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

}  // namespace ys
