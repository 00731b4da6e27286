// Finding the GGUF file of a `local:` model or an `engine` command: a path, or the name of
// a model shipped with yardstick (models/ in the source tree, installed with it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ys::engine {

// The folders searched for bundled model names, in order (docs/ENGINE.md, "Bundled
// models"): each folder of $YARDSTICK_MODELS (colon-separated), the user cache
// (~/.cache/yardstick/models), the installed models (PREFIX/share/yardstick/models, when it
// exists), and, only when running from a build tree, that source tree's models/.
std::vector<std::filesystem::path> model_search_dirs();

// The model file `spec` names. An existing file is used as given. A name without '/' is
// looked up as NAME.gguf (as NAME when it already ends in ".gguf") in model_search_dirs(),
// the first folder holding it winning. Anything else is returned unchanged for the loader
// to report. Throws InputError listing the folders looked at when a name is found nowhere.
std::string resolve_model_file(const std::string& spec);

}  // namespace ys::engine
