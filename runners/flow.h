// Client-side flow control of the HTTP pool (docs/RUNNERS.md, "Flow control"): token
// buckets for requests and tokens per minute, and additive-increase/multiplicative-decrease
// (AIMD) concurrency. Plain state machines on explicit times, so they test without clocks.
#pragma once

#include <cstdint>
#include <string>

namespace ys {

// A bucket refilled at `per_minute` / 60 units per second up to `capacity` units, starting
// full. A request of cost c may start when the level is at least min(c, capacity); it then
// takes all of c, so the level may go below zero (a request bigger than the bucket still
// goes, and later ones wait for the debt to refill). Over any span of T seconds the units
// taken are at most capacity + max cost + per_minute / 60 * T. per_minute <= 0: unlimited.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double per_minute, double capacity);

  bool limited() const { return rate_ > 0; }
  // Seconds from `now_s` until a request costing `cost` may start; 0 when it may now.
  double wait_s(double cost, double now_s);
  // Takes `cost` at `now_s` (call when wait_s(cost, now_s) == 0).
  void take(double cost, double now_s);
  // Gives back `units` (negative: takes more) at `now_s`, e.g. when the actual cost of a
  // request is known; the level stays at most the capacity.
  void give_back(double units, double now_s);
  double level(double now_s);

 private:
  void refill(double now_s);
  double rate_ = 0;  // units per second
  double capacity_ = 0;
  double level_ = 0;
  double last_s_ = 0;
};

// Adaptive concurrency: the window starts at `cap` requests in flight; an overload answer
// (429, 529) halves it (not below 1), at most once per `hold_s` seconds (the caller passes
// about one round-trip time), so that one burst of rejections counts once; after as many
// successes in a row as the window holds it grows by one, up to `cap`.
class Aimd {
 public:
  explicit Aimd(int cap = 1) : cap_(cap < 1 ? 1 : cap), window_(cap_) {}

  int window() const { return window_; }
  int cap() const { return cap_; }
  // Returns whether the window shrank.
  bool overloaded(double now_s, double hold_s);
  // Returns whether the window grew.
  bool succeeded();

 private:
  int cap_;
  int window_;
  int successes_ = 0;
  double next_decrease_s_ = -1e300;
};

// The tokens a model request body will cost at most, for the tokens-per-minute bucket:
// its bytes / 4 (the usual ~4 characters per token of English; JSON overhead keeps it on the
// high side) plus the output budget it asks for (max_tokens or max_completion_tokens; 0
// when absent). A body that is not JSON counts its bytes / 4.
int64_t estimate_request_tokens(const std::string& body);

}  // namespace ys
