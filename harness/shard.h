// `--shard i/N`: a deterministic split of a run's samples over N separate runs (CI jobs,
// machines) that `yardstick merge` combines again (docs/SCALING.md).
#pragma once

#include <string>
#include <string_view>

namespace ys {

struct Shard {
  int index = 0;  // 0 <= index < count
  int count = 1;

  // "i/N", as given on the command line and stored with the run.
  std::string text() const;
};

// Parses "i/N" (decimal, 0 <= i < N, N <= 1,000,000). Throws InputError naming the value
// and the expected form otherwise (e.g. "3/2", "0/0", "x", "-1/2").
Shard parse_shard(const std::string& text);

// The shard (0 <= result < count) of sample `sample_id` of task `task`: the 64-bit XXH3 of
// "task\nsample_id" modulo `count`. It depends on nothing else (not the task order, the
// limit or the other samples), so every shard of every machine agrees, and all repeats of
// a sample go to the same shard.
int shard_of(std::string_view task, std::string_view sample_id, int count);

}  // namespace ys
