#include "harness/shard.h"

#include <charconv>

#include "util/error.h"
#include "util/hash.h"

namespace ys {
namespace {

constexpr int kMaxShards = 1000000;

// A non-negative decimal number making up all of `s`, or -1.
int parse_count(std::string_view s) {
  int value = -1;
  if (s.empty() || s.size() > 7) return -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return -1;
  return value;
}

}  // namespace

std::string Shard::text() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const std::string_view all(text);
  const int i = slash == std::string::npos ? -1 : parse_count(all.substr(0, slash));
  const int n = slash == std::string::npos ? -1 : parse_count(all.substr(slash + 1));
  if (i < 0 || n < 1 || n > kMaxShards || i >= n) {
    throw InputError("--shard " + text +
                     ": expected i/N with 0 <= i < N (e.g. 0/4 ... 3/4 for four shards)");
  }
  return {i, n};
}

int shard_of(std::string_view task, std::string_view sample_id, int count) {
  std::string key;
  key.reserve(task.size() + 1 + sample_id.size());
  key.append(task).append("\n").append(sample_id);
  return static_cast<int>(hash64(key) % static_cast<uint64_t>(count));
}

}  // namespace ys
