// The catalogue of task specs and suites found in a specs folder.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tasks/spec.h"

namespace ys {

class TaskRegistry {
 public:
  // Reads every *.yaml in `dir`; "suites.yaml" holds the suites. Throws InputError for a
  // malformed spec, a duplicate task name, or a suite naming an unknown task.
  static TaskRegistry load(const std::filesystem::path& dir);

  const std::map<std::string, TaskSpec>& tasks() const { return tasks_; }
  const std::vector<SuiteSpec>& suites() const { return suites_; }

  // Expands task and suite names (in order, without duplicates) into task specs.
  // Throws InputError naming an unknown name and listing the known ones.
  std::vector<const TaskSpec*> resolve(const std::vector<std::string>& names) const;

 private:
  std::map<std::string, TaskSpec> tasks_;
  std::vector<SuiteSpec> suites_;
};

// The specs folder: $YARDSTICK_TASKS if set, else share/yardstick/tasks beside an
// installed executable's bin/, else tasks/specs of the source tree of a build tree.
std::filesystem::path default_specs_dir();

}  // namespace ys
