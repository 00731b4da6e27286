// Unpacking a downloaded tar archive (`yardstick data pull` of a catalogue file marked
// `unpack`, e.g. MATH.tar) into the folder it was pulled into, with libarchive.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace ys {

struct UnpackResult {
  size_t entries = 0;    // entries of the archive (folders, files, links)
  size_t written = 0;    // files and links written or replaced
  size_t unchanged = 0;  // files and links already there with the same bytes or target
  bool already = false;  // every entry was there (sizes, link targets): nothing was read out
};

// Unpacks the tar archive `archive` (plain, or compressed by any filter libarchive reads)
// into the folder `into`, as follows:
// - first every entry is checked, and the whole archive refused before anything is
//   written when one is unsafe: an absolute path, a ".." component, an empty name, a
//   symbolic link whose target is absolute or has a ".." part, an entry (or a hard link's
//   target) under a symbolic link of the archive, or any type other than folder, regular
//   file, symbolic or hard link;
// - when every entry is already there (files with the archive's size, links with its
//   target) nothing is written (`already`): a second pull is a no-op;
// - otherwise each file is written to "<path>.part", compared with the file there and
//   renamed onto it only when different (".part" is created new, never through a link);
//   nothing is written where an existing path resolves (through a symbolic link on disk)
//   outside `into`.
// Owners, modes and times of the archive are not restored (files get the umask's mode).
// `log` (may be empty) receives progress lines. Throws DownloadError naming the archive
// and the entry for an unsafe or unreadable archive, InputError when `into` cannot be
// written.
UnpackResult unpack_archive(const std::filesystem::path& archive, const std::filesystem::path& into,
                            const std::function<void(const std::string&)>& log);

}  // namespace ys
