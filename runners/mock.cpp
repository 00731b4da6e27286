#include "runners/mock.h"

#include <cstdio>

#include "util/hash.h"

namespace ys {
namespace {

constexpr const char* kWrongAnswer = "I am not able to solve this problem.";

int64_t approx_tokens(size_t chars) {
  return static_cast<int64_t>((chars + 3) / 4);
}

}  // namespace

MockRunner::MockRunner(Behavior behavior, double p, uint64_t seed)
    : behavior_(behavior), p_(p), seed_(seed), thread_([this] { loop(); }) {}

MockRunner::~MockRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string MockRunner::answer(const Request& request) const {
  switch (behavior_) {
    case Behavior::kOracle:
      return request.oracle_text;
    case Behavior::kWrong:
      return kWrongAnswer;
    case Behavior::kNoisy: {
      double u = hash_unit(canonical_json(request).dump(), seed_);
      return u < p_ ? request.oracle_text : kWrongAnswer;
    }
  }
  return kWrongAnswer;
}

void MockRunner::submit(Request request, Callback done) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(request), std::move(done));
  }
  wake_.notify_one();
}

void MockRunner::loop() {
  while (true) {
    std::pair<Request, Callback> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Completion c;
    c.text = answer(job.first);
    c.finish_reason = "stop";
    size_t prompt_chars = 0;
    for (const auto& m : job.first.messages) prompt_chars += m.content.size();
    c.usage.prompt_tokens = approx_tokens(prompt_chars);
    c.usage.completion_tokens = approx_tokens(c.text.size());
    job.second(std::move(c));
  }
}

std::string MockRunner::identity() const {
  switch (behavior_) {
    case Behavior::kOracle:
      return "mock:oracle";
    case Behavior::kWrong:
      return "mock:wrong";
    case Behavior::kNoisy: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "mock:noisy:%g", p_);
      return buf;
    }
  }
  return "mock";
}

nlohmann::json MockRunner::config() const {
  nlohmann::json j = {{"provider", "mock"}, {"model", identity()}};
  if (behavior_ == Behavior::kNoisy) j["seed"] = seed_;
  return j;
}

}  // namespace ys
