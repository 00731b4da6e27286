// Where yardstick finds its own files at run time. Nothing here is a path compiled into
// the binary: an installed yardstick looks beside its executable, a build tree is
// recognised by the CMakeCache.txt above the executable.
#pragma once

#include <filesystem>
#include <optional>

namespace ys {

// The folder of the running executable (/proc/self/exe).
std::filesystem::path executable_dir();

// PREFIX/share/yardstick for an executable installed as PREFIX/bin/yardstick (whether or
// not it exists).
std::filesystem::path installed_share_dir();

// When the running executable lies in a CMake build tree (its folder or up to two above it
// hold CMakeCache.txt), the source tree that build was configured from; else nothing.
std::optional<std::filesystem::path> source_tree_of_build();

// The user's cache folder for yardstick: $XDG_CACHE_HOME/yardstick, else
// $HOME/.cache/yardstick; nothing when neither variable is set.
std::optional<std::filesystem::path> user_cache_dir();

}  // namespace ys
