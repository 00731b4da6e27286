#include "harness/gen_options.h"

#include <CLI/CLI.hpp>
#include <string>

#include "harness/cli_checks.h"
#include "tasks/longctx.h"
#include "tasks/spec.h"
#include "util/hash.h"

namespace ys {

void add_generated_task_options(CLI::App* run, GeneratedTaskOptions& o) {
  run->add_option("--gen-count", o.count, "Generated tasks (arith, gen_*): samples per task")
      ->check(kPositive);
  run->add_option("--gen-seed", o.seed,
                  "Generated tasks (arith, gen_*): the generator's seed (new problems)");
  run->add_option("--difficulty", o.difficulty, "Generated reasoning tasks (gen_*): 1, 2 or 3")
      ->check(CLI::Range(1, 3));
}

void apply_generated_task_options(TaskSpec& s, const GeneratedTaskOptions& o) {
  if (!s.generator || s.generator->name == kLongContextGenerator) return;
  std::string applied;
  if (o.count) {
    s.generator->count = *o.count;
    applied += "|count=" + std::to_string(*o.count);
  }
  if (o.seed) {
    s.generator->seed = *o.seed;
    applied += "|seed=" + std::to_string(*o.seed);
  }
  if (o.difficulty && s.generator->name.rfind("gen_", 0) == 0) {
    s.generator->params["difficulty"] = *o.difficulty;
    applied += "|difficulty=" + std::to_string(*o.difficulty);
  }
  if (!applied.empty()) s.content_hash = hash_hex(s.content_hash + "|gen" + applied);
}

}  // namespace ys
