#include "runners/flow.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ys {

TokenBucket::TokenBucket(double per_minute, double capacity)
    : rate_(per_minute > 0 ? per_minute / 60.0 : 0),
      capacity_(std::max(1.0, capacity)),
      level_(capacity_) {}

void TokenBucket::refill(double now_s) {
  if (now_s > last_s_) {
    level_ = std::min(capacity_, level_ + (now_s - last_s_) * rate_);
    last_s_ = now_s;
  }
}

double TokenBucket::level(double now_s) {
  refill(now_s);
  return level_;
}

double TokenBucket::wait_s(double cost, double now_s) {
  if (!limited()) return 0;
  refill(now_s);
  const double need = std::min(cost, capacity_);
  return level_ >= need ? 0 : (need - level_) / rate_;
}

void TokenBucket::take(double cost, double now_s) {
  if (!limited()) return;
  refill(now_s);
  level_ -= cost;
}

void TokenBucket::give_back(double units, double now_s) {
  if (!limited()) return;
  refill(now_s);
  level_ = std::min(capacity_, level_ + units);
}

bool Aimd::overloaded(double now_s, double hold_s) {
  successes_ = 0;
  if (now_s < next_decrease_s_) return false;
  next_decrease_s_ = now_s + hold_s;
  const int halved = std::max(1, window_ / 2);
  const bool shrank = halved < window_;
  window_ = halved;
  return shrank;
}

bool Aimd::succeeded() {
  if (window_ >= cap_) return false;
  if (++successes_ < window_) return false;
  successes_ = 0;
  ++window_;
  return true;
}

int64_t estimate_request_tokens(const std::string& body) {
  int64_t tokens = static_cast<int64_t>(body.size() / 4);
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return tokens;
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (auto it = j.find(key); it != j.end() && it->is_number_integer()) {
      return tokens + std::max<int64_t>(0, it->get<int64_t>());
    }
  }
  return tokens;
}

}  // namespace ys
