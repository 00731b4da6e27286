#include "runners/engine/batch/scheduler.h"

#include <algorithm>

#include "util/error.h"

namespace ys::engine {

Scheduler::Scheduler(int n_blocks, int block_size, int max_batch)
    : n_blocks_(n_blocks), block_size_(block_size), max_batch_(max_batch), free_(n_blocks) {
  if (n_blocks < 1 || block_size < 1 || max_batch < 1) {
    throw InputError("scheduler: blocks, block size and batch must be at least 1");
  }
}

Scheduler::Seq* Scheduler::find(int id) {
  for (Seq& s : running_) {
    if (s.id == id) return &s;
  }
  for (Seq& s : waiting_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

int Scheduler::tokens(int id) const {
  Seq* s = const_cast<Scheduler*>(this)->find(id);
  if (!s) throw InputError("scheduler: unknown sequence " + std::to_string(id));
  return s->tokens;
}

void Scheduler::add(int id, int prompt_tokens, int max_tokens) {
  if (prompt_tokens < 1 || max_tokens < prompt_tokens) {
    throw InputError("scheduler: sequence " + std::to_string(id) + " has " +
                     std::to_string(prompt_tokens) + " prompt tokens and a limit of " +
                     std::to_string(max_tokens));
  }
  if (blocks_for(max_tokens) > n_blocks_) {
    throw InputError("scheduler: sequence " + std::to_string(id) + " may need " +
                     std::to_string(blocks_for(max_tokens)) + " KV blocks, the pool has " +
                     std::to_string(n_blocks_));
  }
  if (find(id)) throw InputError("scheduler: sequence " + std::to_string(id) + " already queued");
  waiting_.push_back({id, prompt_tokens, max_tokens});
}

void Scheduler::add_job(int id, int blocks) {
  if (blocks < 1 || blocks > n_blocks_) {
    throw InputError("scheduler: job " + std::to_string(id) + " needs " + std::to_string(blocks) +
                     " KV blocks, the pool has " + std::to_string(n_blocks_));
  }
  if (find(id)) throw InputError("scheduler: sequence " + std::to_string(id) + " already queued");
  waiting_.push_back({id, 0, 0, blocks});
}

Scheduler::Step Scheduler::next() {
  Step step;
  // Growth in admission order; the newest sequences give way when blocks run out (the
  // growing one itself when it is the newest).
  for (size_t i = 0; i < running_.size();) {
    Seq& s = running_[i];
    if (s.job_blocks > 0) {  // holds its blocks already
      step.jobs.push_back(s.id);
      ++i;
      continue;
    }
    if (s.tokens % block_size_ == 0) {
      while (free_ == 0 && running_.size() > i) {
        Seq victim = running_.back();
        running_.pop_back();
        free_ += held(victim);
        if (victim.job_blocks == 0) ++victim.tokens;  // its pending token is recomputed too
        step.preempted.push_back(victim.id);
        waiting_.push_front(victim);  // recomputed first when room comes back
      }
      if (running_.size() == i) break;  // s itself gave way
      --free_;
    }
    ++running_[i].tokens;
    step.decode.push_back(running_[i].id);
    ++i;
  }
  // Preempted sequences were pushed to the front newest first: restore arrival order.
  std::reverse(waiting_.begin(), waiting_.begin() + static_cast<long>(step.preempted.size()));
  while (!waiting_.empty() && static_cast<int>(running_.size()) < max_batch_) {
    const Seq& w = waiting_.front();
    const int need = held(w) + static_cast<int>(running_.size());
    if (need > free_) break;  // FIFO: nobody overtakes the head of the queue
    free_ -= held(w);
    running_.push_back(w);
    step.admitted.push_back(w.id);
    waiting_.pop_front();
  }
  return step;
}

void Scheduler::finish(int id) {
  auto it =
      std::find_if(running_.begin(), running_.end(), [id](const Seq& s) { return s.id == id; });
  if (it == running_.end())
    throw InputError("scheduler: sequence " + std::to_string(id) + " is not running");
  free_ += held(*it);
  running_.erase(it);
}

}  // namespace ys::engine
