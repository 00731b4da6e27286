#include "runners/mock.h"

#include <algorithm>
#include <charconv>

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

bool MockRunner::answers_rightly(const Request& request) const {
  switch (behavior_) {
    case Behavior::kOracle:
      return true;
    case Behavior::kWrong:
      return false;
    case Behavior::kNoisy:
      return hash_unit(canonical_json(request).dump(), seed_) < p_;
    case Behavior::kTruncate:
      return false;
  }
  return false;
}

std::string MockRunner::answer(const Request& request) const {
  if (behavior_ == Behavior::kTruncate) {
    std::string seen;
    for (const auto& m : request.messages) seen += (seen.empty() ? "" : "\n\n") + text_of(m);
    seen.resize(static_cast<size_t>(static_cast<double>(seen.size()) * p_));
    std::string out;
    size_t start = 0;
    const std::string& target = request.oracle_text;
    while (start <= target.size()) {
      size_t end = target.find('\n', start);
      if (end == std::string::npos) end = target.size();
      const std::string line = target.substr(start, end - start);
      if (!line.empty() && seen.find(line) != std::string::npos)
        out += (out.empty() ? "" : "\n") + line;
      start = end + 1;
    }
    return out.empty() ? kWrongAnswer : out;
  }
  return answers_rightly(request) ? request.oracle_text : kWrongAnswer;
}

size_t MockRunner::preferred_continuation(const Request& request) const {
  const auto& options = request.continuations;
  size_t gold = 0;
  while (gold < options.size() && options[gold] != request.oracle_text) ++gold;
  if (gold == options.size()) return 0;  // no gold known: the first, whatever the model
  if (answers_rightly(request) || options.size() < 2) return gold;
  return (gold + 1) % options.size();
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
    if (std::string why = images_unsupported(job.first, identity()); !why.empty()) {
      c.error = ErrorKind::kInvalid;
      c.error_message = std::move(why);
      job.second(std::move(c));
      continue;
    }
    c.finish_reason = "stop";
    if (job.first.kind == RequestKind::kLoglikelihood) {
      // The preferred continuation has probability 1; every other is less likely per
      // character too, so that it wins with or without length normalisation.
      const size_t preferred = preferred_continuation(job.first);
      for (size_t i = 0; i < job.first.continuations.size(); ++i) {
        const size_t chars = std::max<size_t>(1, job.first.continuations[i].size());
        const int64_t tokens = approx_tokens(chars);
        const double logprob =
            i == preferred ? 0.0 : -(1.0 + static_cast<double>(i)) * static_cast<double>(chars);
        c.continuations.push_back({logprob, i == preferred, tokens});
        c.usage.prompt_tokens += tokens;
      }
    } else {
      c.text = answer(job.first);
    }
    size_t prompt_chars = 0;
    for (const auto& m : job.first.messages) prompt_chars += text_of(m).size();
    c.usage.prompt_tokens += approx_tokens(prompt_chars);
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
      // P in its shortest exact form (two values never share a name), then the seed, which
      // decides which requests are answered rightly; 0 keeps the short name.
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p_);
      std::string id = "mock:noisy:" + std::string(buf, ec == std::errc() ? end : buf);
      if (seed_ != 0) id += ";seed=" + std::to_string(seed_);
      return id;
    }
    case Behavior::kTruncate: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p_);
      return "mock:truncate:" + std::string(buf, ec == std::errc() ? end : buf);
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
