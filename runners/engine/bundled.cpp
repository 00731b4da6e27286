#include "runners/engine/bundled.h"

#include <cstdlib>

#include "util/error.h"
#include "util/paths.h"
#include "util/strings.h"

namespace ys::engine {

std::vector<std::filesystem::path> model_search_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("YARDSTICK_MODELS"); env && *env) {
    for (const auto& part : split(env, ':')) {
      if (!part.empty()) dirs.emplace_back(part);
    }
  }
  if (auto cache = user_cache_dir()) dirs.push_back(*cache / "models");
  std::error_code ec;
  const auto installed = installed_share_dir() / "models";
  if (std::filesystem::is_directory(installed, ec)) dirs.push_back(installed);
  if (auto src = source_tree_of_build()) dirs.push_back(*src / "models");
  return dirs;
}

std::string resolve_model_file(const std::string& spec) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (spec.empty() || fs::is_regular_file(spec, ec) || spec.find('/') != std::string::npos) {
    return spec;
  }
  const bool has_ext = spec.size() > 5 && spec.compare(spec.size() - 5, 5, ".gguf") == 0;
  const std::string file = has_ext ? spec : spec + ".gguf";
  std::string looked;
  for (const auto& dir : model_search_dirs()) {
    if (fs::is_regular_file(dir / file, ec)) return (dir / file).string();
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  throw InputError("model '" + spec + "' is neither a file nor a bundled model: no " + file +
                   " in " + (looked.empty() ? "(no folder to search)" : looked) +
                   " ($YARDSTICK_MODELS adds folders; or give the file's path)");
}

}  // namespace ys::engine
