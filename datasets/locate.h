// Finding a task's dataset files: the search order, and '*' patterns in file names.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ys {

// A dataset file, and what the '*' of its spec's path matched in its name.
struct DataFile {
  std::filesystem::path path;
  std::string match;
};

// Where dataset files are looked for.
struct DataLocation {
  // --data: a file used as the dataset itself, or a folder used as the first root.
  std::optional<std::filesystem::path> override_path;
  std::vector<std::filesystem::path> roots;  // searched in order for the spec's path
};

// The search order (docs/DATASETS.md): `data_flag` (--data, empty for none), then each
// folder of $YARDSTICK_DATA (colon-separated), then the user data cache
// (~/.cache/yardstick/data), then the small datasets installed with yardstick
// (PREFIX/share/yardstick/data), then, only when running from a build tree, that source
// tree's datasets/data and ../shared/datasets.
DataLocation default_data_location(const std::string& data_flag);

// The files of the dataset path `path` of task `task` under `where`: the first folder
// (of --data, then the roots) holding any; a '*' in the file name matches any text, and
// several files are sorted by name. A --data file is the dataset itself. Throws
// InputError listing the places looked at when there is none.
std::vector<DataFile> resolve_data_files(const std::string& path, const std::string& task,
                                         const DataLocation& where);

}  // namespace ys
