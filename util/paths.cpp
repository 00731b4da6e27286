#include "util/paths.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace ys {

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

std::filesystem::path installed_share_dir() {
  return executable_dir().parent_path() / "share" / "yardstick";
}

std::optional<std::filesystem::path> source_tree_of_build() {
  std::filesystem::path dir = executable_dir();
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    std::ifstream cache(dir / "CMakeCache.txt");
    if (!cache) continue;
    const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
    for (std::string line; std::getline(cache, line);) {
      if (line.rfind(key, 0) == 0) return std::filesystem::path(line.substr(key.size()));
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> user_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "yardstick";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "yardstick";
  }
  return std::nullopt;
}

}  // namespace ys
