// `yardstick data pull NAME`: downloads a catalogue dataset's files over HTTP(S) with
// libcurl. yardstick contacts no host the user did not name: this is the one command that
// downloads data, and only from the URLs the catalogue lists for the dataset the user
// named (docs/DATASETS.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/catalogue.h"
#include "datasets/unpack.h"

namespace ys {

// A download that failed (network, HTTP status, size or sha256 mismatch). The message
// names the URL and the file, and says whether running the command again resumes.
class DownloadError : public std::runtime_error {
 public:
  explicit DownloadError(const std::string& message) : std::runtime_error(message) {}
};

struct PullOptions {
  std::filesystem::path into;     // the data root written to, e.g. ~/.cache/yardstick/data
  bool allow_unverified = false;  // accept files the catalogue has no sha256 for
  int attempts = 3;               // transfers per file; each later one resumes (Range)
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;                    // abort when under 1 byte/s for this long
  std::function<void(const std::string&)> log;  // progress lines; may be empty
};

struct PulledFile {
  std::filesystem::path path;  // where the file now is
  std::string sha256;
  uint64_t bytes = 0;
  bool downloaded = false;               // false: it was already there with the right sha256
  bool verified = false;                 // its sha256 equals the catalogue's
  int requests = 0;                      // HTTP requests made for it
  std::optional<UnpackResult> unpacked;  // a catalogue `unpack` archive: what unpacking did
};

// Fetches every file of `dataset` into `options.into` / file.path:
// - a file already there with the catalogue's sha256 is kept (no request);
// - one there with another sha256 is an error (it is not overwritten);
// - a file without a catalogue sha256 is refused before any request unless
//   allow_unverified;
// - the transfer goes to "<path>.part"; an existing .part is resumed with a Range request
//   (206 appends; a 200 starts over; a 416 drops the .part and starts over), up to
//   `attempts` transfers;
// - the complete .part's size and sha256 are checked against the catalogue, then it is
//   renamed onto the path (atomic within the folder); a mismatch deletes the .part and
//   throws.
// - a file the catalogue marks `unpack` (a tar archive), downloaded now or already there,
//   is then unpacked in its folder (unpack_archive: unsafe entries refuse the archive, a
//   second pull writes nothing), and that must give the `unpack` folder.
// Redirects are followed over http(s) only. Throws DownloadError, or InputError when the
// target folder cannot be written.
std::vector<PulledFile> pull_dataset(const CatalogueDataset& dataset, const PullOptions& options);

}  // namespace ys
