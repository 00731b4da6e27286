#include "tasks/registry.h"

#include <algorithm>
#include <cstdlib>

#include "util/error.h"
#include "util/paths.h"

namespace ys {

std::filesystem::path default_specs_dir() {
  if (const char* env = std::getenv("YARDSTICK_TASKS"); env && *env) return env;
  std::error_code ec;
  auto installed = installed_share_dir() / "tasks";
  if (std::filesystem::is_directory(installed, ec)) return installed;
  if (auto src = source_tree_of_build()) return *src / "tasks" / "specs";
  return installed;  // missing: TaskRegistry::load names it
}

TaskRegistry TaskRegistry::load(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir.string() + ": task specs folder not found");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  TaskRegistry reg;
  fs::path suites_file;
  for (const auto& f : files) {
    if (f.filename() == "suites.yaml") {
      suites_file = f;
      continue;
    }
    TaskSpec spec = load_task_spec(f);
    auto [it, inserted] = reg.tasks_.emplace(spec.name, spec);
    if (!inserted) {
      throw InputError(
          located(f.string(), 0,
                  "task name '" + spec.name + "' is also used by " + it->second.file.string()));
    }
  }
  if (!suites_file.empty()) {
    reg.suites_ = load_suites(suites_file);
    for (const auto& s : reg.suites_) {
      for (const auto& t : s.tasks) {
        if (!reg.tasks_.count(t)) {
          throw InputError(located(suites_file.string(), 0,
                                   "suite '" + s.name + "' names unknown task '" + t + "'"));
        }
      }
    }
  }
  return reg;
}

std::vector<const TaskSpec*> TaskRegistry::resolve(const std::vector<std::string>& names) const {
  std::vector<const TaskSpec*> out;
  auto add = [&](const std::string& task) {
    const TaskSpec* spec = &tasks_.at(task);
    if (std::find(out.begin(), out.end(), spec) == out.end()) out.push_back(spec);
  };
  for (const auto& name : names) {
    if (tasks_.count(name)) {
      add(name);
      continue;
    }
    auto suite = std::find_if(suites_.begin(), suites_.end(),
                              [&](const SuiteSpec& s) { return s.name == name; });
    if (suite != suites_.end()) {
      for (const auto& t : suite->tasks) add(t);
      continue;
    }
    std::string known;
    for (const auto& [t, spec] : tasks_) known += (known.empty() ? "" : ", ") + t;
    for (const auto& s : suites_) known += ", " + s.name + " (suite)";
    throw InputError("unknown task or suite '" + name + "' (known: " + known + ")");
  }
  return out;
}

}  // namespace ys
