#include "datasets/locate.h"

#include <algorithm>
#include <cstdlib>

#include "util/error.h"
#include "util/paths.h"
#include "util/strings.h"

namespace ys {
namespace {

// What the '*' of `pattern` (a file name with at most one '*') matches in `name`, if it does.
std::optional<std::string> star_match(const std::string& pattern, const std::string& name) {
  size_t star = pattern.find('*');
  if (star == std::string::npos) {
    return name == pattern ? std::optional<std::string>("") : std::nullopt;
  }
  const std::string prefix = pattern.substr(0, star), suffix = pattern.substr(star + 1);
  if (name.size() < prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

// The files matching `pattern` in `dir`, sorted by name.
std::vector<DataFile> matching_files(const std::filesystem::path& dir, const std::string& pattern) {
  std::vector<DataFile> out;
  std::error_code ec;
  if (pattern.find('*') == std::string::npos) {
    if (std::filesystem::is_regular_file(dir / pattern, ec)) out.push_back({dir / pattern, ""});
    return out;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    if (auto m = star_match(pattern, entry.path().filename().string())) {
      out.push_back({entry.path(), *m});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DataFile& a, const DataFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace

DataLocation default_data_location(const std::string& data_flag) {
  DataLocation where;
  if (!data_flag.empty()) where.override_path = data_flag;
  if (const char* env = std::getenv("YARDSTICK_DATA"); env && *env) {
    for (const auto& part : split(env, ':')) {
      if (!part.empty()) where.roots.emplace_back(part);
    }
  }
  if (auto cache = user_cache_dir()) where.roots.push_back(*cache / "data");
  std::error_code ec;
  const auto installed = installed_share_dir() / "data";
  if (std::filesystem::is_directory(installed, ec)) where.roots.push_back(installed);
  if (auto src = source_tree_of_build()) {
    where.roots.push_back(*src / "datasets" / "data");
    where.roots.push_back(src->parent_path() / "shared" / "datasets");
  }
  return where;
}

std::vector<DataFile> resolve_data_files(const std::string& path, const std::string& task,
                                         const DataLocation& where) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path rel = path;
  const std::string pattern = rel.filename().string();
  if (where.override_path && fs::is_regular_file(*where.override_path, ec)) {
    auto m = star_match(pattern, where.override_path->filename().string());
    return {{*where.override_path, m.value_or("")}};
  }
  std::vector<fs::path> tried;
  if (rel.is_absolute()) {
    tried.push_back(rel.parent_path());
  } else {
    if (where.override_path) tried.push_back(*where.override_path / rel.parent_path());
    for (const auto& root : where.roots) tried.push_back(root / rel.parent_path());
  }
  for (const auto& dir : tried) {
    if (auto files = matching_files(dir, pattern); !files.empty()) return files;
  }
  std::string looked;
  for (const auto& p : tried) looked += (looked.empty() ? "" : ", ") + (p / pattern).string();
  throw InputError("task '" + task + "': dataset file '" + path +
                   "' not found (looked in: " + looked + "); pass --data PATH");
}

}  // namespace ys
