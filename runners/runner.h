// The Runner interface: something that answers Requests, asynchronously.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "runners/completion.h"
#include "runners/request.h"

namespace ys {

class Runner {
 public:
  using Callback = std::function<void(Completion)>;

  virtual ~Runner() = default;

  // Queues `request` (of either kind); `done` is called exactly once, from a runner thread, with
  // the answer or a typed error. Thread-safe. Destroying the runner waits for outstanding callbacks
  // of requests already on the wire or drops them; it never calls `done` afterwards.
  virtual void submit(Request request, Callback done) = 0;

  // Drops every request not yet answered, for a run whose time budget is spent. Returns
  // true when their callbacks will never be called; false when the runner cannot drop
  // them (it answers in-process) and every callback still comes.
  virtual bool cancel() { return false; }

  // One line on what flow control did (remote runners: HttpPool::summary); "" for none.
  virtual std::string flow_summary() const { return ""; }

  // Stable name of the model behind this runner, e.g. "openai:gpt-4o-mini@https://host/v1".
  // Part of every cache key, so it holds every setting that can change the answer to the
  // same request (a local model's context size, a mock's seed) and none that cannot
  // (threads). Holds no secret.
  virtual std::string identity() const = 0;

  // The runner's settings as stored with a run. Holds no secret.
  virtual nlohmann::json config() const = 0;
};

}  // namespace ys
