// Offline models for smoke runs, demos and tests. They answer from the Request alone.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "runners/runner.h"

namespace ys {

class MockRunner : public Runner {
 public:
  enum class Behavior {
    kOracle,  // answers the task's target: always right
    kWrong,   // answers with no usable answer: always wrong
    kNoisy,   // right with probability p, decided by a hash of (seed, request)
    // Sees only the first p of its prompt (bytes of the messages joined): answers each
    // line of the task's target found there, one per line, and nothing else. What a
    // model whose attention stops at p of the context would retrieve (long-context tests).
    kTruncate,
  };

  MockRunner(Behavior behavior, double p, uint64_t seed);
  ~MockRunner() override;

  void submit(Request request, Callback done) override;
  std::string identity() const override;
  nlohmann::json config() const override;

  // The answer this model gives to `request` (deterministic).
  std::string answer(const Request& request) const;

  // For a loglikelihood request: the continuation this model prefers. The oracle prefers
  // the one equal to the request's oracle text, the wrong model any other.
  size_t preferred_continuation(const Request& request) const;

 private:
  void loop();
  // Whether the noisy model answers `request` rightly; always for the oracle, never for
  // the wrong model.
  bool answers_rightly(const Request& request) const;

  Behavior behavior_;
  double p_;
  uint64_t seed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Request, Callback>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ys
