// The continuous-batching scheduler: which sequences run in the next decoding step, given a
// pool of KV blocks. Pure bookkeeping (no model), so its rules are tested on their own.
//
// Rules (docs/ENGINE.md "Continuous batching"):
// - Admission: waiting sequences are admitted in arrival order (FIFO, no overtaking) while
//   fewer than max_batch run and the free blocks cover the newcomer's prompt plus one block
//   of headroom for each running sequence, so that admitting never forces a preemption in
//   the very next step.
// - Blocks are counted as if nothing were shared: prefix sharing only ever uses fewer, so
//   the count is a safe bound.
// - Growth: a running sequence takes a block whenever its next token starts one.
// - Preemption: when a running sequence needs a block and none is free, the sequence
//   admitted last (possibly the one growing) is preempted (its blocks freed) and goes back
//   to the front of the queue, to be recomputed from its prompt and the tokens generated so
//   far (recomputation, not swapping). The oldest sequence always makes progress: no
//   starvation.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace ys::engine {

class Scheduler {
 public:
  // A pool of `n_blocks` blocks of `block_size` positions, at most `max_batch` sequences at
  // once. Throws InputError when any is < 1.
  Scheduler(int n_blocks, int block_size, int max_batch);

  // Queues sequence `id` (unique, caller's) whose prompt holds `prompt_tokens` (>= 1) and
  // which will hold at most `max_tokens` (>= prompt_tokens) positions. Throws InputError
  // when max_tokens blocks exceed the whole pool (it could never finish) or id is in use.
  void add(int id, int prompt_tokens, int max_tokens);

  // Queues job `id` (unique) holding `blocks` (>= 1) KV blocks while it runs. Throws
  // InputError when blocks exceed the whole pool or id is in use.
  void add_job(int id, int blocks);

  struct Step {
    // To prefill now: the prompt, or after a preemption the prompt and every token
    // generated so far (tokens(id) positions).
    std::vector<int> admitted;
    std::vector<int> decode;     // running before this step: one token each
    std::vector<int> jobs;       // jobs running before this step
    std::vector<int> preempted;  // dropped back to the queue: free their KV blocks
  };
  // Plans the next step: growth and preemption of the running sequences (each gains one
  // token), then admissions. Call token_done/finish between steps.
  Step next();

  // Sequence `id` (running) is done: its blocks are free.
  void finish(int id);

  int n_running() const { return static_cast<int>(running_.size()); }
  int n_waiting() const { return static_cast<int>(waiting_.size()); }
  int free_blocks() const { return free_; }
  bool idle() const { return running_.empty() && waiting_.empty(); }
  // Positions sequence `id` holds (running) or will hold when admitted (waiting); 0 for a
  // job.
  int tokens(int id) const;

 private:
  struct Seq {
    int id;
    int tokens;  // positions held (running) or to prefill (waiting)
    int max_tokens;
    int job_blocks = 0;  // > 0: a job holding this many blocks
  };
  int blocks_for(int tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  int held(const Seq& s) const { return s.job_blocks > 0 ? s.job_blocks : blocks_for(s.tokens); }
  Seq* find(int id);

  int n_blocks_, block_size_, max_batch_;
  int free_;
  std::deque<Seq> waiting_;
  std::vector<Seq> running_;  // in admission order
};

}  // namespace ys::engine
