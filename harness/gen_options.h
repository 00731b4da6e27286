// Run options of generated tasks (`yardstick run --gen-count/--gen-seed/--difficulty`):
// they rewrite the `generator:` block of each generated task's spec before it is loaded,
// as --context-lengths does for the long-context tasks (harness/longctx.h).
#pragma once

#include <cstdint>
#include <optional>

namespace CLI {
class App;
}

namespace ys {

struct TaskSpec;

struct GeneratedTaskOptions {
  std::optional<int> count;       // samples per generated task
  std::optional<uint64_t> seed;   // the generator's seed
  std::optional<int> difficulty;  // 1-3, for generators that take one (gen_*)
};

// Adds --gen-count, --gen-seed and --difficulty to `run`.
void add_generated_task_options(CLI::App* run, GeneratedTaskOptions& options);

// Applies `options` to `spec` when a generator other than longctx makes its samples:
// count and seed to every such task, difficulty to the gen_* tasks (tasks/gen/gen.h). The
// content hash changes with them, so a run with other values never resumes an old one.
// Datasets and long-context specs are left alone.
void apply_generated_task_options(TaskSpec& spec, const GeneratedTaskOptions& options);

}  // namespace ys
