// The dataset catalogue (datasets/catalogue.yaml, docs/DATASETS.md): every dataset the
// shipped tasks read, with its source, license, format, field map and files (a URL and,
// where known, the SHA-256 of each). `yardstick data ls` checks what is present and
// `yardstick data pull NAME` fetches a dataset into the user data cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datasets/locate.h"

namespace ys {

struct CatalogueFile {
  std::string path;                   // relative to a data root, e.g. "gsm8k/test.jsonl"
  std::string url;                    // where `data pull` fetches it from
  std::optional<std::string> sha256;  // 64 lowercase hex digits; nullopt: not known
  std::optional<uint64_t> bytes;      // size, where known
  // Non-empty: the file is a tar archive that `data pull` unpacks in the folder it lies in
  // (datasets/unpack.h), and this folder (relative to that one, e.g. "MATH") is what
  // unpacking it must give: the tasks read their files from there.
  std::string unpack;
};

struct CatalogueDataset {
  std::string name;                // what `data pull` takes, e.g. "gsm8k"
  std::string title;               // e.g. "GSM8K"
  std::string source;              // where the files come from (repository and commit, paper)
  std::string license;             // e.g. "MIT", with the caveats the catalogue states
  std::string format;              // e.g. "jsonl", "csv (no header)", "zip (password-protected)"
  std::string notes;               // anything a user must know: unpacking, passwords, caveats
  std::vector<std::string> tasks;  // shipped tasks that read it
  std::map<std::string, std::string> fields;  // record field -> what it holds
  std::vector<CatalogueFile> files;
};

struct Catalogue {
  std::filesystem::path file;  // where it was read from
  std::vector<CatalogueDataset> datasets;

  // The dataset named `name` (exact), or nullptr.
  const CatalogueDataset* find(const std::string& name) const;
  // The dataset whose `tasks` list names task `task`, or nullptr.
  const CatalogueDataset* for_task(const std::string& task) const;
};

// Reads a catalogue file. Throws InputError "file:line: ..." for a missing or malformed
// file: unknown keys, a dataset without files, a file without path or url, a sha256 that
// is not 64 lowercase hex digits or "unknown", a path or an `unpack` folder that is
// absolute or climbs out with "..", duplicate dataset names, paths or task names.
Catalogue load_catalogue(const std::filesystem::path& file);

// The catalogue yardstick uses: $YARDSTICK_CATALOGUE when set, else the installed
// PREFIX/share/yardstick/datasets.yaml when it exists, else (in a build tree) the source
// tree's datasets/catalogue.yaml. nullopt when none of them exists.
std::optional<std::filesystem::path> default_catalogue_file();

// What `data ls` reports of one catalogue file under a data location.
struct FileStatus {
  enum class State {
    kMissing,     // in no root
    kVerified,    // present, sha256 equals the catalogue's
    kMismatch,    // present, sha256 differs from the catalogue's
    kUnverified,  // present, the catalogue has no sha256 to compare with
  };
  State state = State::kMissing;
  std::filesystem::path found;  // the first root's copy (empty when missing)
  std::string sha256;           // of `found` (empty when missing)
};

// Looks for `file` in `where.roots` in order (the task search order, datasets/locate.h;
// a --data override is not a root) and hashes the first copy found.
FileStatus file_status(const CatalogueFile& file, const DataLocation& where);

// The first copy of `file` in `where.roots` (in order), if any.
std::optional<std::filesystem::path> locate_file(const CatalogueFile& file,
                                                 const DataLocation& where);

// What to do when a task's dataset file is in no root of `where`.
struct MissingData {
  std::string brief;  // for a table cell, e.g. "yardstick data pull gsm8k" or
                      // "MATH.tar not unpacked: yardstick data pull math"
  std::string full;   // a sentence for an error message, naming the paths involved
};

// For task `task` of catalogue dataset d (its `tasks` list), whose file `path` (relative
// to a data root, '*' allowed) was not found:
// - an `unpack` archive of d is present but its folder is not beside it: "not unpacked",
//   `data pull` unpacks it (no download);
// - the folder is there: the unpacked archive lacks the file; `data pull` unpacks again;
// - none of d's files is present: `data pull` fetches it;
// - some are: `data pull` fetches the ones missing.
// nullopt when the catalogue lists `task` under no dataset, or `path` is not in the top
// folder of one of d's files or `unpack` folders (e.g. a bundled few-shot file).
std::optional<MissingData> missing_data(const Catalogue& cat, const std::string& task,
                                        const std::string& path, const DataLocation& where);

// The command that pulls d: "yardstick data pull NAME", with " --allow-unverified" when
// the catalogue knows no sha256 for one of its files (the pull refuses them otherwise).
std::string pull_command(const CatalogueDataset& d);

// "present", "missing", "sha256 MISMATCH", "present (unverified)" for a state.
const char* state_name(FileStatus::State state);

}  // namespace ys
